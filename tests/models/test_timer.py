"""Timer arithmetic from stored timestamps: start, pause, resume, step changes, overtime, restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models.db import init_engine, session_scope
from models.session_view import load_session_view
from models.sessions import end_session, go_to_step, pause, resume, start_session, step_offset
from models.tables import StepRun
from models.timer import RunSpan, fmt_clock, overlap, running_intervals, timer_state
from tests.factories import make_session

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


PLAN = {"intro": 15, "teach": 50, "activity": 25, "qa": 15, "summary": 15}


def test_running_intervals_subtract_pauses():
    runs = [RunSpan("intro", m(0), m(15), ((m(5), m(8)),)), RunSpan("teach", m(15), None, ((m(20), None),))]
    ivs = running_intervals(runs, now=m(30))
    assert ivs == [(m(0), m(5)), (m(8), m(15)), (m(15), m(20))]


def test_state_counts_down_then_overtime():
    runs = [RunSpan("intro", m(0), None)]
    st = timer_state(status="live", current_step="intro", runs=runs, planned_minutes=PLAN, now=m(10))
    assert st.step_remaining == 5 * 60 and st.phase == "on-time"
    st = timer_state(status="live", current_step="intro", runs=runs, planned_minutes=PLAN, now=m(13.5))
    assert st.phase == "nearly-out"  # last 2 minutes of a 15-minute step
    st = timer_state(status="live", current_step="intro", runs=runs, planned_minutes=PLAN, now=m(17))
    assert st.phase == "overtime" and st.step_remaining == -120
    assert fmt_clock(st.step_remaining, signed=True) == "+02:00"
    assert st.session_planned == 120 * 60


def test_nearly_out_boundary_is_twenty_percent_for_short_steps():
    plan = {"intro": 5}
    runs = [RunSpan("intro", m(0), None)]
    at = lambda minute: timer_state(status="live", current_step="intro", runs=runs, planned_minutes=plan,  # noqa: E731
                                    now=m(minute))
    assert at(3.99).phase == "on-time"
    assert at(4).phase == "nearly-out"  # 1 minute left = 20 % of 5
    assert at(5).phase == "nearly-out"
    assert at(5.01).phase == "overtime"


def test_paused_state_stops_the_clock():
    runs = [RunSpan("teach", m(0), None, ((m(10), None),))]
    a = timer_state(status="live", current_step="teach", runs=runs, planned_minutes=PLAN, now=m(12))
    b = timer_state(status="live", current_step="teach", runs=runs, planned_minutes=PLAN, now=m(90))
    assert a.paused and a.paused_since == m(10)
    assert a.step_elapsed == b.step_elapsed == 600


def test_returning_to_a_step_adds_its_runs():
    runs = [RunSpan("intro", m(0), m(10)), RunSpan("teach", m(10), m(20)), RunSpan("intro", m(20), None)]
    st = timer_state(status="live", current_step="intro", runs=runs, planned_minutes=PLAN, now=m(25))
    assert st.step_elapsed == 15 * 60
    assert st.session_elapsed == 25 * 60


def test_overlap():
    assert overlap([(m(0), m(10)), (m(20), m(30))], [(m(5), m(25))]) == [(m(5), m(10)), (m(20), m(25))]
    assert overlap([(m(0), m(10))], [(m(10), m(20))]) == []


@pytest.mark.frozen_clock(T0)
def test_step_runs_through_the_flow_and_restart(tmp_path, frozen_clock):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = init_engine(url)
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        sid = s.id
        start_session(db, session_id=sid)
    frozen_clock.set(m(12))
    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="teach")
    frozen_clock.set(m(20))
    with session_scope(engine) as db:
        pause(db, session_id=sid)
        pause(db, session_id=sid)  # pausing twice is harmless
    frozen_clock.set(m(25))
    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="activity")  # a paused clock stays paused on the new step
        assert load_session_view(db, sid).timer().paused
    frozen_clock.set(m(27))
    with session_scope(engine) as db:
        resume(db, session_id=sid)
    engine.dispose()
    # "server restart": a new engine on the same file computes the same time
    frozen_clock.set(m(40))
    engine2 = init_engine(url)
    with session_scope(engine2) as db:
        view = load_session_view(db, sid)
        t = view.timer()
        assert t.step == "activity" and not t.paused
        assert t.step_elapsed == 13 * 60
        assert t.session_elapsed == (12 + 8 + 13) * 60
        assert step_offset(view.session, 1) == "qa" and step_offset(view.session, -1) == "teach"
        pause(db, session_id=sid)
    frozen_clock.set(m(45))
    with session_scope(engine2) as db:
        end_session(db, session_id=sid)
    frozen_clock.set(m(500))
    with session_scope(engine2) as db:
        view = load_session_view(db, sid)
        assert view.timer().session_elapsed == 33 * 60  # frozen after the end
        runs = db.exec(select(StepRun).where(StepRun.session_id == sid)).all()
        assert [r.step for r in runs] == ["intro", "teach", "activity"]
        assert all(r.ended_at is not None for r in runs)
