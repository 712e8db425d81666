"""Not built yet: see the open issue for what this page will hold."""

import streamlit as st

from ui.setup import page_setup

page_setup("Review")
st.title("Review")
st.info(
    "This page will hold the session list with filters and note search, each session's record "
    "(attendance, planned vs actual time, fidelity, notes, ratings, goals), billing units and exports. "
    "It is not built yet."
)
