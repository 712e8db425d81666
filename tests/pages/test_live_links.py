"""The sidebar's "Live session" and /live without a session lead to the sessions running now, or else the next
one today, never to a dead end (ui/pages.session_links, models.sessions.sessions_to_open). Every person here is
invented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import clock
from models.db import session_scope
from models.people import create_facilitator
from models.sessions import create_session, end_session, start_session
from tests.factories import curriculum
from tests.pages.helpers import all_text, app

NOON = datetime(2026, 11, 24, 12, 0).astimezone().astimezone(UTC)  # local noon
pytestmark = pytest.mark.frozen_clock(NOON)
TITLE = "Living well with diabetes: group DSMT session"


def _plan(db, fac_id, hours: float):
    return create_session(db, curriculum=curriculum(), billing_code="G0109", setting="clinic", facilitator_id=fac_id,
                          scheduled_at=NOON + timedelta(hours=hours), participant_ids=[]).id


def _at(clk, minutes_before_noon: float, action, sid: int, db) -> None:
    clk.set(NOON - timedelta(minutes=minutes_before_noon))
    action(db, session_id=sid)
    clk.set(NOON)


def _links(block):
    return [(pl.proto.label, pl.proto.query_string) for pl in block.get("page_link")]


def _hm(t):
    return clock.fmt_local(t, "%H:%M")


def test_running_sessions_or_the_next_today(engine, frozen_clock):
    with session_scope(engine) as db:
        fac = create_facilitator(db, name="Pat Educator", credential="RN").id
        earlier, later, tomorrow = _plan(db, fac, -3), _plan(db, fac, 2), _plan(db, fac, 24)
        _plan(db, fac, 5)
    # nothing runs: the next one today, from now on
    at = app("streamlit_app.py").run()
    assert not at.exception
    sidebar = _links(at.sidebar)
    assert (f"{_hm(NOON + timedelta(hours=2))} · {TITLE}", f"session={later}") in [
        (label.replace("\\", ""), q) for label, q in sidebar]
    assert [c.value for c in at.sidebar.caption] == ["Live session · next today"]
    assert not any(label == "Live session" for label, _ in sidebar)
    assert all(q != f"session={tomorrow}" and q != f"session={earlier}" for _, q in sidebar)
    # two running: both, earliest started first, and no planned one
    with session_scope(engine) as db:
        _at(frozen_clock, 20, start_session, later, db)
        _at(frozen_clock, 5, start_session, tomorrow, db)
    at = app("pages/review.py").run()
    running = [q for _, q in _links(at.sidebar) if q.startswith("session=")]
    assert running == [f"session={later}", f"session={tomorrow}"]
    assert [c.value for c in at.sidebar.caption] == ["Live session · running now"]
    # /live without a session lists the same instead of a dead end
    at = app("pages/live.py").run()
    assert not at.exception
    main = [q for _, q in _links(at.main) if q.startswith("session=")]
    assert main == running and "does not name a session" in all_text(at)
    assert [c.value for c in at.main.caption] == ["Live session · running now"]


def test_nothing_to_open_keeps_the_plain_link(engine, frozen_clock):
    with session_scope(engine) as db:
        fac = create_facilitator(db, name="Pat Educator", credential="RN").id
        done = _plan(db, fac, -2)
        _at(frozen_clock, 120, start_session, done, db)
        _at(frozen_clock, 60, end_session, done, db)
    at = app("pages/plan.py").run()
    assert ("Live session", "") in _links(at.sidebar)
    at = app("pages/live.py").run()
    assert not at.exception and not [q for _, q in _links(at.main) if q.startswith("session=")]
    assert "Plan or pick a session" in [label for label, _ in _links(at.main)]
