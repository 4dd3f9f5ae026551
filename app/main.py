"""caseplan scenario explorer (Streamlit). Start it with ``caseplan app`` (binds to localhost)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="caseplan", layout="wide")

PAGES = [
    st.Page("pages/scenario.py", title="Scenario", default=True),
    st.Page("pages/allocation.py", title="Allocation tester"),
    st.Page("pages/demand.py", title="Demand scenarios"),
    st.Page("pages/contingency.py", title="Contingency dashboard"),
    st.Page("pages/batch.py", title="Batch results"),
]

st.navigation(PAGES).run()
