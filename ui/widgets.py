"""Small UI pieces shared by several pages."""

from __future__ import annotations

import string

import streamlit as st

from models.curriculum import STEP_ORDER, Curriculum


def person_label(first: str, last: str, *, private_hidden: bool) -> str:
    """A participant chip: first name only when the privacy curtain is on."""
    return first if private_hidden else f"{first} {last}"


def stepper(cur: Curriculum, current: str | None, *, on_jump=None, disabled: bool = False, key: str = "step") -> None:
    """The five steps with the current one highlighted; with on_jump each step is a button."""
    cols = st.columns(len(STEP_ORDER))
    for i, (col, step) in enumerate(zip(cols, cur.steps, strict=True)):
        label = f"{i + 1}. {md_escape(step.display_title)} · {step.minutes}′"
        is_current = step.id == current
        if on_jump is None:
            col.markdown(f"**▶ {label}**" if is_current else label)
        else:
            col.button(label, key=f"{key}_{step.id}", type="primary" if is_current else "secondary",
                       on_click=on_jump, args=(step.id,), disabled=disabled, width="stretch",
                       help="Current step" if is_current else f"Jump to {step.display_title}")


def no_session(message: str) -> None:
    st.info(message)
    st.page_link("pages/plan.py", label="Plan or pick a session", icon=":material/event:")
    st.page_link("streamlit_app.py", label="Home", icon=":material/home:")
    st.stop()


_MD_SPECIAL = frozenset(string.punctuation)


def md_escape(text: str) -> str:
    """Text made inert for st.markdown and widget labels: every ASCII punctuation character is
    backslash-escaped (CommonMark shows it literally), so stored text can never become a link, image,
    emphasis, heading or tag; line breaks and control characters become spaces."""
    out = []
    for ch in text:
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch in "\r\n\t" or ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
