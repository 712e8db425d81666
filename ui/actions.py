"""How a page writes: one unit of work per action, with a rule's refusal shown on the page, never a trace."""

from __future__ import annotations

from contextlib import contextmanager

import streamlit as st
from sqlalchemy.engine import Engine

from models.db import session_scope
from models.errors import RuleError
from ui.text import md_escape

_FLASH = "_flash_error"


@contextmanager
def action(engine: Engine):
    """One unit of work from a page: a RuleError becomes a message on the page, never a trace."""
    try:
        with session_scope(engine) as db:
            yield db
    except RuleError as exc:
        st.session_state[_FLASH] = str(exc)


def flash_errors() -> None:
    """Show (once) the message an action callback left for this run."""
    msg = st.session_state.pop(_FLASH, None)
    if msg:
        st.error(md_escape(msg))
