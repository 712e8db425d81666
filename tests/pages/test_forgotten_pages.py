"""Issue 12, point 3 on the pages: a forgotten session flagged on the home page and on /live, ended there at
its last recorded activity or at a time given, and its extra time confirmed (and withdrawn) on the record,
with the units following. The curriculum plans 120 minutes; 150 count without a confirmation. Everyone here
is invented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import clock
from models.db import session_scope
from models.enums import EndMethod
from models.notes import save_live_note
from models.sessions import end_session, go_to_step, pause, start_session
from models.tables import GroupSession
from tests.factories import make_session
from tests.pages.helpers import all_text, app

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
pytestmark = pytest.mark.frozen_clock(T0)


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _live_and_forgotten(engine, clk, *, last=110, now=200, paused=False) -> int:
    """A session started at T0 whose last activity is at minute `last`, looked at in minute `now`."""
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=3, when=T0)
        start_session(db, session_id=s.id)
        clk.at(T0, last)
        (pause if paused else lambda db, session_id: go_to_step(db, session_id=session_id, step="summary"))(
            db, session_id=s.id)
    clk.at(T0, now)
    return s.id


def test_home_flags_a_forgotten_session_with_a_way_to_end_it(engine, frozen_clock):
    sid = _live_and_forgotten(engine, frozen_clock)
    with session_scope(engine) as db:
        fresh, _, _ = make_session(db, n=2, when=T0 + timedelta(hours=3))
        start_session(db, session_id=fresh.id)  # started just now: not flagged
    at = app("streamlit_app.py").run()
    assert not at.exception
    flags = [w.value for w in at.warning if "Needs attention" in w.value]
    assert len(flags) == 1
    local = clock.fmt_local(T0 + timedelta(minutes=110), "%H:%M")
    assert "3 h 20 min of face-to-face time" in flags[0] and f"no activity since {local}" in flags[0]
    ends = [pl.proto.query_string for pl in at.get("page_link") if pl.proto.label == "End it on the live view"]
    assert ends == [f"session={sid}"]


def test_live_flags_it_near_the_clock_and_ends_it_at_the_last_activity(engine, frozen_clock):
    sid = _live_and_forgotten(engine, frozen_clock)
    at = app("pages/live.py", session=sid).run()
    assert not at.exception
    assert any("Needs attention" in w.value and "Was End forgotten?" in w.value for w in at.warning)
    _button(at, "End session…").click().run()
    how = at.radio(key=f"end_how_{sid}")
    local = clock.fmt_local(T0 + timedelta(minutes=110), "%H:%M")
    assert how.value == "suggested"
    assert "End at the last recorded activity (" + local + ")" in all_text(at)
    at.text_input(key=f"end_reason_{sid}").input("I forgot to press End").run()
    _button(at, "Yes, end the session").click().run()
    assert not at.exception and not at.error
    with session_scope(engine) as db:
        s = db.get(GroupSession, sid)
        assert s.status == "ended" and s.ended_at == T0 + timedelta(minutes=110)
        assert s.end_method == EndMethod.LAST_ACTIVITY and s.end_reason == "I forgot to press End"
        assert s.end_recorded_at == T0 + timedelta(minutes=200)


def test_live_ends_a_forgotten_session_at_a_time_given(engine, frozen_clock):
    sid = _live_and_forgotten(engine, frozen_clock)
    at = app("pages/live.py", session=sid).run()
    _button(at, "End session…").click().run()
    at.radio(key=f"end_how_{sid}").set_value("given").run()
    given = clock.to_local(T0 + timedelta(minutes=125)).replace(tzinfo=None)
    at.datetime_input(key=f"end_at_{sid}").set_value(given)
    _button(at, "Yes, end the session").click().run()  # no reason: refused, nothing ended
    assert any("Say why" in e.value for e in at.error)
    with session_scope(engine) as db:
        assert db.get(GroupSession, sid).status == "live"
    at.text_input(key=f"end_reason_{sid}").input("The class ended at the usual time")
    _button(at, "Yes, end the session").click().run()
    assert not at.exception and not at.error
    with session_scope(engine) as db:
        s = db.get(GroupSession, sid)
        assert s.ended_at == T0 + timedelta(minutes=125) and s.end_method == EndMethod.GIVEN


def test_live_forgotten_pause_ends_when_the_clock_was_paused(engine, frozen_clock):
    sid = _live_and_forgotten(engine, frozen_clock, last=50, now=95, paused=True)
    at = app("pages/live.py", session=sid).run()
    assert any("Paused since" in w.value for w in at.warning)
    _button(at, "End session…").click().run()
    assert "End when the clock was paused (" in all_text(at)
    _button(at, "Yes, end the session").click().run()
    with session_scope(engine) as db:
        s = db.get(GroupSession, sid)
        assert s.ended_at == T0 + timedelta(minutes=50) and s.end_method == EndMethod.PAUSE_START


def test_live_normal_end_is_as_before_when_not_flagged(engine, frozen_clock):
    sid = _live_and_forgotten(engine, frozen_clock, last=100, now=120)
    at = app("pages/live.py", session=sid).run()
    assert not any("Needs attention" in w.value for w in at.warning)
    _button(at, "End session…").click().run()
    assert not [r for r in at.radio if r.key == f"end_how_{sid}"]  # no choice of end: it ends now
    _button(at, "Yes, end the session").click().run()
    with session_scope(engine) as db:
        s = db.get(GroupSession, sid)
        assert s.ended_at == T0 + timedelta(minutes=120) and s.end_method == EndMethod.NOW


def test_record_confirms_the_extra_time_and_units_follow(engine, frozen_clock):
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2, when=T0)
        sid = s.id
        start_session(db, session_id=sid)
        frozen_clock.at(T0, 170)
        save_live_note(db, session_id=sid, participant_id=None, step="intro", text="Still going", tags=[])
        frozen_clock.at(T0, 180)
        end_session(db, session_id=sid)
    frozen_clock.at(T0, 240)
    at = app("pages/review.py", session=sid).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Face-to-face"] == "150 min" and metrics["Units"] == "10"  # 5 each, 30 min not counted
    text = all_text(at)
    assert "30 min of face-to-face time beyond the planned 120 min plus the 30-minute margin not counted" in text
    at.text_input(key=f"xt_by_{sid}").input("Pat Educator")
    at.text_area(key=f"xt_why_{sid}").input("Cooking demonstration ran over; everyone stayed")
    _button(at, "Count the extra 30 minutes").click().run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Face-to-face"] == "180 min" and metrics["Units"] == "12"
    text = all_text(at)
    assert "counted: confirmed by Pat Educator" in text and "Cooking demonstration ran over" in text
    at.text_input(key=f"xt_by_{sid}").input("Sam Coach")
    _button(at, "Withdraw the confirmation").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Units"] == "10"
    assert "Withdrawn by Sam Coach" in all_text(at)
