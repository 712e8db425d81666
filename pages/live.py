"""Not built yet."""

import streamlit as st

from ui.setup import page_setup

page_setup("Live")
st.title("Live")
st.info("This page is not built yet.")
