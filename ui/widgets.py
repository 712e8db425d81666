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


def goal_follow_up(engine, goal_id: int, followed_up_at, follow_up_date, today, key: str) -> None:
    """The "Followed up" box of a goal, saved at once, with when it was done or that it is due."""
    from models.clock import fmt_local
    from models.questions_goals import mark_goal_followed_up
    from ui.setup import action

    def save() -> None:
        with action(engine) as db:
            mark_goal_followed_up(db, goal_id=goal_id, done=bool(st.session_state.get(key)))

    st.checkbox("Followed up", value=followed_up_at is not None, key=key, on_change=save)
    if followed_up_at:
        st.caption(f"on {fmt_local(followed_up_at)}")
    elif follow_up_date and follow_up_date <= today:
        st.caption(":orange[due]")
