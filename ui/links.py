"""A form's choices kept in its page's link (?curriculum=…&roster=3,8,…), so that a reload, a dropped connection or
a server restart brings them back (/plan, /courses' "Plan a course"). The link carries ids, codes, dates and
times, never a name: Streamlit's own bind="query-params" writes an option's label into the URL, and a roster's
labels are people's names (measured on 1.67: ?plan_roster=Bram+Fakeley). Each value is read back only where the
form can take it; anything else in a hand-edited or stale link is left out, never a failure."""

from __future__ import annotations

from datetime import date, time

import streamlit as st

from models import clock
from models.db import session_scope
from models.people import participants_by_id
from ui.setup import get_engine

MOST_IDS = 200  # ids read from a link's list at most (a roster is at most 20 people for a group code)
DAYS_AWAY = 3650  # a date more than about ten years from today is left out (the date pickers' own range)


def ids(text: str | None) -> list[int]:
    """The ids of a comma-separated list, in order, each once; ASCII digits only."""
    return list(dict.fromkeys(int(x) for x in (text or "").split(",")[:MOST_IDS] if x.isascii() and x.isdigit()))


def one_id(text: str | None) -> int | None:
    found = ids(text)
    return found[0] if found else None


def people(text: str | None) -> list[int]:
    """The participants a link's list names that are on file, in its order (a roster)."""
    wanted = ids(text)
    with session_scope(get_engine()) as db:
        on_file = participants_by_id(db, wanted)
    return [i for i in wanted if i in on_file]


def day(text: str | None) -> date | None:
    try:
        d = date.fromisoformat(text or "")
    except ValueError:
        return None
    return d if abs((d - clock.today()).days) < DAYS_AWAY else None


def clock_time(text: str | None) -> time | None:
    try:
        return time.fromisoformat(text or "")
    except ValueError:
        return None


def _text(value) -> str:
    """A value as the link holds it: a time HH:MM, a date ISO, a list comma-separated, anything else as text."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    return "" if value is None else str(value)


def write(want: dict) -> None:
    """The page's link becomes exactly `want` (each value as _text gives it; empty ones left out), when it is not
    already."""
    link = {k: t for k, v in want.items() if (t := _text(v))}
    if link != st.query_params.to_dict():
        st.query_params.from_dict(link)
