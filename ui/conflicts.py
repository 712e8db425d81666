"""When a write is refused because another screen changed the same value first (models.errors.Conflict): both
values are shown next to the field, and the person keeps either. Nothing is resolved silently: "Keep mine"
writes again against the version now stored; "Keep theirs" drops the unsaved value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from ui.text import md_escape, plain

_PENDING = "_conflicts"


@dataclass
class Pending:
    label: str  # what was changed, in words ("Ada's note in Introduction")
    mine: str  # what this screen tried to save, as text
    theirs: str  # what is stored now
    keep_mine: Callable[[], None]  # writes mine again against the stored version
    keep_theirs: Callable[[], None] | None = None  # also resets this screen's widget, where there is one


def remember(key: str, pending: Pending) -> None:
    st.session_state.setdefault(_PENDING, {})[key] = pending


def pending(key: str) -> Pending | None:
    return st.session_state.get(_PENDING, {}).get(key)


def forget(key: str) -> None:
    st.session_state.get(_PENDING, {}).pop(key, None)


def resolve(key: str, mine: bool) -> None:
    """Keep this screen's value (`mine`: written again against the version stored now) or the other screen's."""
    p = pending(key)
    if p is None:
        return
    forget(key)
    if mine:
        p.keep_mine()
    elif p.keep_theirs:
        p.keep_theirs()


def show(key: str) -> None:
    """The conflict box for `key`, if one is pending: both values, and a button for each."""
    p = pending(key)
    if p is None:
        return
    with st.container(border=True, key=f"conflict_{key}"):
        st.warning(f"{md_escape(p.label)} was changed on another screen after this screen showed it. Nothing was "
                   "overwritten: choose which to keep.", icon=":material/sync_problem:")
        left, right = st.columns(2)
        with left:
            st.caption("Saved from the other screen")
            st.text(plain(p.theirs) or "(empty)")
            st.button("Keep theirs", key=f"theirs_{key}", on_click=resolve, args=(key, False),
                      icon=":material/check:")
        with right:
            st.caption("Yours, not saved")
            st.text(plain(p.mine) or "(empty)")
            st.button("Keep mine", key=f"mine_{key}", on_click=resolve, args=(key, True), type="primary",
                      icon=":material/save:")
