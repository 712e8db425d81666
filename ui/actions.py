"""How a page writes: one unit of work per action. A rule's refusal becomes a message on the page; a database
that is busy or unreachable becomes "not saved" with what was typed still on the page and a retry; a write
that another screen overtook becomes a conflict box (ui/conflicts.py). Never a trace, and never patient data
in the log: only the kind of error is logged.

A message goes to the top of the page (flash_errors), or, for an action given a `place`, next to the form that
caused it (placed_messages, where the form draws it), with its success line (succeeded)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager, nullcontext

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from models.db import session_scope
from models.errors import Conflict, RuleError
from ui.text import md_escape

log = logging.getLogger("facilitator")

_FLASH = "_flash_error"
_NOTICE = "_flash_notice"
_RETRY = "_retry"
_PLACED = "_placed_messages"  # {place: (kind, text)} for messages shown next to their form

NOT_SAVED = ("Not saved: the database is busy or cannot be reached just now. What you entered is still on this "
             "page and in this browser; it is saved when you press Retry, or when you leave the field again.")


CHANGED_ELSEWHERE = ("This was changed on another screen after this screen showed it, so your change was not "
                     "saved; the screen now shows what is stored. Make your change again if it still applies.")


@contextmanager
def action(engine: Engine, *, retry: Callable[[], None] | None = None,
           on_conflict: Callable[[Conflict], None] | None = None, place: str | None = None):
    """One unit of work from a page. A RuleError becomes a message on the page (at the top, or at `place`:
    placed_messages). A Conflict (another screen changed the value first) goes to `on_conflict`, which shows
    both values; without one, the page says the change was not saved and shows the stored value. A database
    error keeps the page as it is and offers `retry`."""
    try:
        with session_scope(engine) as db:
            yield db
    except Conflict as exc:
        if on_conflict is not None:
            on_conflict(exc)
        else:
            _say(CHANGED_ELSEWHERE, place)
    except RuleError as exc:
        _say(str(exc), place)
    except SQLAlchemyError as exc:
        log.warning("a save failed: %s", type(exc).__name__)  # no statement, no values
        _say(NOT_SAVED, place)
        if retry is not None:
            st.session_state[_RETRY] = retry
    else:
        st.session_state.pop(_RETRY, None)


def _say(text: str, place: str | None) -> None:
    if place is None:
        st.session_state[_FLASH] = text
    else:
        st.session_state.setdefault(_PLACED, {})[place] = ("error", text)


def succeeded(place: str, text: str) -> None:
    """A one-time success line for the next run, shown next to the form at `place`."""
    st.session_state.setdefault(_PLACED, {})[place] = ("success", text)


def message_slot():
    """Where a page says what an action did, or offers unsaved text back (ui/drafts.offer): a container drawn on
    every run, with or without anything in it, so that a message or an offer coming or going moves none of the
    elements after it. The browser draws an element that moved afresh (every element of the record did, for "Note
    added." at its top): a click landing on it in that moment is lost, and an expander on it closes."""
    return st.container(gap="small")


def placed_messages(place: str) -> None:
    """Show (once) what the last action at `place` left: its error, with Retry after a failed save, or its
    success line (in a message_slot)."""
    kind, text = st.session_state.get(_PLACED, {}).pop(place, (None, None))
    with message_slot():
        if kind == "error":
            st.error(md_escape(text), icon=":material/error:")
            if _RETRY in st.session_state:
                st.button("Retry", key=f"_retry_{place}", on_click=_retry, icon=":material/refresh:", type="primary")
        elif kind == "success":
            st.success(md_escape(text), icon=":material/check_circle:")


def notice(text: str) -> None:
    """A one-time information line for the next run (e.g. "already ticked on another screen")."""
    st.session_state[_NOTICE] = text


def _retry() -> None:
    fn = st.session_state.pop(_RETRY, None)
    if fn is not None:
        fn()


def flash_errors(*, slot: bool = True) -> None:
    """Show (once) the message an action callback left for this run, with Retry after a failed save: in a
    message_slot, unless `slot` is False (a part of /live that calls this only on some of its runs, and whose
    elements are all drawn afresh on its own run anyway)."""
    msg = st.session_state.pop(_FLASH, None)
    info = st.session_state.pop(_NOTICE, None)
    with message_slot() if slot else nullcontext():
        if msg:
            st.error(md_escape(msg), icon=":material/error:")
            if _RETRY in st.session_state:
                st.button("Retry", key="_retry_button", on_click=_retry, icon=":material/refresh:", type="primary")
        if info:
            st.info(md_escape(info), icon=":material/info:")
