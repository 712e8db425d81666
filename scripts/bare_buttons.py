"""The floor the latency run (scripts/latency.py) compares a click against: a Streamlit page with one widget of
each kind /live's clicks use, each answered by a plain full rerun of this script:

- five buttons, each of which sets the step the heading shows (its callback writes session state; the rerun
  draws it): the equivalent of a step change, an arrival or departure, a pause;
- a checkbox whose state the next line echoes ("Ticked: yes"): the equivalent of a checklist tick or a caregiver;
- a text area whose value is echoed below it once the field is left: the equivalent of a note saved on leaving
  its field.

    uv run streamlit run scripts/bare_buttons.py
"""

import streamlit as st

STEPS = ("Introduction", "Teaching", "Activities", "Q&A", "Summary")


def choose(step: str) -> None:
    st.session_state.step = step


for i, (col, step) in enumerate(zip(st.columns(len(STEPS)), STEPS, strict=True)):
    col.button(step, key=f"step_{i}", on_click=choose, args=(step,), width="stretch")
st.header(st.session_state.get("step", STEPS[0]))

st.checkbox("Delivered", key="tick")
with st.container(key="tick_echo"):
    st.markdown(f"Ticked: {'yes' if st.session_state.tick else 'no'}")

st.text_area("Note", key="note", height=68)
with st.container(key="note_echo"):
    st.text(f"Saved: {st.session_state.note}")
