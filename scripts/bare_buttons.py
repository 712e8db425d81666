"""The floor the latency run (scripts/latency.py) compares a click against: a Streamlit page with five buttons,
each of which sets the step the heading shows (its callback writes session state; the rerun draws it).

    uv run streamlit run scripts/bare_buttons.py
"""

import streamlit as st

STEPS = ("Introduction", "Teaching", "Activities", "Q&A", "Summary")


def choose(step: str) -> None:
    st.session_state.step = step


for i, (col, step) in enumerate(zip(st.columns(len(STEPS)), STEPS, strict=True)):
    col.button(step, key=f"step_{i}", on_click=choose, args=(step,), width="stretch")
st.header(st.session_state.get("step", STEPS[0]))
