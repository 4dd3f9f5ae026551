"""Library behind the Streamlit explorer (``app/``): everything a test would check lives here, not in
the pages — the editable parameters and their sources, running with a cache and an estimate of the time,
and the tables and bands the charts draw."""
