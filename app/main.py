"""caseplan scenario explorer (Streamlit). Start it with ``caseplan app`` (binds to localhost)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="caseplan", layout="wide")

PAGES = [
    st.Page("views/glance.py", title="Your team at a glance", default=True),
    st.Page("views/scenario.py", title="Scenario"),
    st.Page("views/allocation.py", title="Allocation tester"),
    st.Page("views/demand.py", title="Demand scenarios"),
    st.Page("views/contingency.py", title="Contingency dashboard"),
    st.Page("views/batch.py", title="Batch results"),
]

st.navigation(PAGES).run()
