"""The floor the load run compares against: a Streamlit app whose only content is a one-second clock fragment.

    uv run streamlit run scripts/bare_clock.py
"""

import time

import streamlit as st


@st.fragment(run_every=1)
def clock() -> None:
    st.markdown(f"# {time.strftime('%H:%M:%S')}")


clock()
