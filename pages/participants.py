"""Not built yet: see the open issue for what this page will hold."""

import streamlit as st

from ui.setup import page_setup

page_setup("Participants")
st.title("Participants")
st.info(
    "This page will hold each participant's history across sessions: attendance, DSMT hours against the "
    "allowance, goals and ratings over time. It is not built yet."
)
