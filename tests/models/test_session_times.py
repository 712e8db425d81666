"""Correcting a session's own start and end on the record (models/session_times.py): what moves, what bounds it,
what is kept, what it does to the units, and a screen that showed older times. Every person here is invented."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.attendance import correct_presence, mark_arrived, mark_left
from models.billing import summary_for_view
from models.errors import Conflict, RuleError
from models.session_times import correct_session_times, correction_text, time_corrections, times_from_local
from models.session_view import load_session_view
from models.sessions import end_session, go_to_step, pause, start_session
from models.tables import PresenceInterval, SessionTimeCorrection, StepRun
from tests.factories import make_session
from tests.models.helpers import T0, start_at_t0

pytestmark = pytest.mark.frozen_clock(T0)
WHY = "Start was pressed late; the group began at the scheduled time"


def _at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def _ran(db, clk, *, late_at=40, paused_at=None):
    """Ada and Bram from the start, Cora arriving `late_at` minutes in; Teaching from minute 20; ended at 60
    (paused from `paused_at` when given). G0109: units are full 30 minutes."""
    sid, pids = start_at_t0(db, clk, absent=(2,))
    clk.at(T0, 20)
    go_to_step(db, session_id=sid, step="teach")
    clk.at(T0, late_at)
    mark_arrived(db, session_id=sid, participant_id=pids[2])
    if paused_at is not None:
        clk.at(T0, paused_at)
        pause(db, session_id=sid)
    clk.at(T0, 60)
    end_session(db, session_id=sid)
    clk.at(T0, 120)
    return sid, pids


def _units(db, sid):
    bill = summary_for_view(load_session_view(db, sid))
    return bill.face_to_face_minutes, {p.participant_id: (p.minutes, p.units) for p in bill.people}


def _current(db, sid, pid):
    return next(p.intervals for p in load_session_view(db, sid).people if p.participant_id == pid)


def test_moving_the_start_earlier_adds_the_time_to_those_there_from_the_start(db, frozen_clock):
    sid, (ada, bram, cora) = _ran(db, frozen_clock)
    assert _units(db, sid) == (60, {ada: (60, 2), bram: (60, 2), cora: (20, 0)})
    kept = correct_session_times(db, session_id=sid, started_at=_at(-30), ended_at=_at(60), reason=WHY,
                                 by="Pat Educator", seen=(_at(0), _at(60)))
    view = load_session_view(db, sid)
    assert (view.session.started_at, view.session.ended_at) == (_at(-30), _at(60))
    assert [(r.step, r.started_at, r.ended_at) for r in view.runs] == [("intro", _at(-30), _at(20)),
                                                                       ("teach", _at(20), _at(60))]
    # 90 minutes for Ada and Bram (3 full units); Cora came late and keeps her 20 minutes
    assert _units(db, sid) == (90, {ada: (90, 3), bram: (90, 3), cora: (20, 0)})
    assert _current(db, sid, ada) == [(_at(-30), _at(60))] and _current(db, sid, cora) == [(_at(40), _at(60))]
    # every earlier value is kept: the correction itself, and the presence rows it superseded
    assert (kept.started_before, kept.ended_before, kept.started_after, kept.ended_after) == (
        _at(0), _at(60), _at(-30), _at(60))
    assert (kept.reason, kept.corrected_by, kept.recorded_at) == (WHY, "Pat Educator", _at(120))
    rows = list(db.exec(select(PresenceInterval).order_by(PresenceInterval.id)))
    superseded = [(r.arrived_at, r.left_at) for r in rows if r.superseded_at is not None]
    assert sorted(superseded) == [(_at(0), _at(60)), (_at(0), _at(60))]
    assert all(r.amended for r in rows if r.superseded_at is None and r.arrived_at == _at(-30))
    assert [c.id for c in time_corrections(db, session_id=sid)] == [kept.id]
    assert correction_text(kept).startswith("start ") and "end unchanged" in correction_text(kept)


def test_moving_the_end_changes_the_time_of_those_still_there(db, frozen_clock):
    sid, (ada, bram, cora) = _ran(db, frozen_clock)
    # Cora stayed to the end, so her presence moves with it too
    correct_session_times(db, session_id=sid, started_at=_at(0), ended_at=_at(50), reason="End pressed late",
                          by="Pat Educator", seen=(_at(0), _at(60)))
    assert _units(db, sid) == (50, {ada: (50, 1), bram: (50, 1), cora: (10, 0)})
    correct_session_times(db, session_id=sid, started_at=_at(0), ended_at=_at(75), reason="Ran on, after all",
                          by="Sam Coach", seen=(_at(0), _at(50)))
    assert _units(db, sid) == (75, {ada: (75, 2), bram: (75, 2), cora: (35, 1)})
    history = time_corrections(db, session_id=sid)
    assert [(c.ended_before, c.ended_after, c.corrected_by) for c in history] == [
        (_at(60), _at(50), "Pat Educator"), (_at(50), _at(75), "Sam Coach")]


def test_a_session_that_ended_paused_keeps_its_face_to_face_time(db, frozen_clock):
    sid, (ada, _, _) = _ran(db, frozen_clock, paused_at=50)
    assert _units(db, sid)[0] == 50
    correct_session_times(db, session_id=sid, started_at=_at(0), ended_at=_at(70), reason="Stayed for questions",
                          by="Pat Educator", seen=(_at(0), _at(60)))
    view = load_session_view(db, sid)
    assert view.runs[-1].pauses == ((_at(50), _at(70)),) and view.runs[-1].ended_at == _at(70)
    assert _units(db, sid)[0] == 50  # the pause moved with the end: no face-to-face time added
    assert _current(db, sid, ada) == [(_at(0), _at(70))]


def test_what_is_recorded_inside_the_session_bounds_the_correction(db, frozen_clock):
    sid, (ada, bram, cora) = _ran(db, frozen_clock)

    def refused(start, end, **kw):
        with pytest.raises(RuleError) as err:
            correct_session_times(db, session_id=sid, started_at=_at(start), ended_at=_at(end),
                                  reason=kw.get("reason", WHY), by=kw.get("by", "Pat Educator"))
        return str(err.value)

    assert "must be before" in refused(20, 60) and "the clock moved to Teaching" in refused(25, 60)
    assert "Cora Inventa arrived" in refused(0, 40) and "correct it first" in refused(0, 35)
    assert refused(-10, -20) == "The end must be after the start."
    assert refused(0, 121) == "The end cannot be later than now."
    assert refused(0, 70, reason=" ") == "Say why the times are corrected."
    assert refused(0, 70, by="") == "Say who corrects them."
    # nothing was changed by any of these
    assert _units(db, sid) == (60, {ada: (60, 2), bram: (60, 2), cora: (20, 0)})
    assert time_corrections(db, session_id=sid) == []
    # just inside the bounds is accepted
    correct_session_times(db, session_id=sid, started_at=_at(19), ended_at=_at(41), reason=WHY, by="Pat Educator")
    assert _units(db, sid) == (22, {ada: (22, 0), bram: (22, 0), cora: (1, 0)})


def test_a_departure_inside_the_session_stays(db, frozen_clock):
    sid, pids = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 45)
    mark_left(db, session_id=sid, participant_id=pids[0])
    frozen_clock.at(T0, 60)
    end_session(db, session_id=sid)
    frozen_clock.at(T0, 90)
    with pytest.raises(RuleError, match="Ada Testwell left"):
        correct_session_times(db, session_id=sid, started_at=_at(0), ended_at=_at(45), reason=WHY, by="Pat")
    correct_session_times(db, session_id=sid, started_at=_at(0), ended_at=_at(80), reason=WHY, by="Pat")
    assert _current(db, sid, pids[0]) == [(_at(0), _at(45))]  # left early: not moved
    assert _current(db, sid, pids[1]) == [(_at(0), _at(80))]


def test_only_an_ended_session_that_ran_is_corrected(db, frozen_clock):
    s, _, _ = make_session(db, when=T0)
    frozen_clock.at(T0, 5)

    def attempt():
        correct_session_times(db, session_id=s.id, started_at=_at(0), ended_at=_at(4), reason=WHY, by="Pat")

    with pytest.raises(RuleError, match="is planned"):
        attempt()
    start_session(db, session_id=s.id)
    with pytest.raises(RuleError, match="is live"):
        attempt()
    other, _, _ = make_session(db, when=T0)
    end_session(db, session_id=other.id)  # ended without being run
    with pytest.raises(RuleError, match="never run"):
        correct_session_times(db, session_id=other.id, started_at=_at(0), ended_at=_at(4), reason=WHY, by="Pat")


def test_a_screen_that_showed_other_times_is_refused_and_nothing_changes(db, frozen_clock):
    sid, (ada, _, _) = _ran(db, frozen_clock)
    before = load_session_view(db, sid).version("attendance", ada)
    correct_session_times(db, session_id=sid, started_at=_at(-5), ended_at=_at(60), reason=WHY, by="Pat",
                          seen=(_at(0), _at(60)))
    with pytest.raises(Conflict) as err:  # a second screen still showing 0–60
        correct_session_times(db, session_id=sid, started_at=_at(-10), ended_at=_at(60), reason=WHY, by="Sam",
                              seen=(_at(0), _at(60)))
    assert err.value.theirs == (_at(-5), _at(60)) and err.value.version == (_at(-5), _at(60))
    assert len(time_corrections(db, session_id=sid)) == 1
    # the times stored already: nothing changes, nothing is kept, whatever the screen showed
    assert correct_session_times(db, session_id=sid, started_at=_at(-5), ended_at=_at(60), reason=WHY, by="Sam",
                                 seen=(_at(0), _at(60))) is None
    assert len(time_corrections(db, session_id=sid)) == 1
    # a presence correction opened before the times moved is checked against the new version
    with pytest.raises(Conflict):
        correct_presence(db, session_id=sid, participant_id=ada, intervals=[(_at(0), _at(30))],
                         seen_version=before)
    assert _current(db, sid, ada) == [(_at(-5), _at(60))]


def test_times_typed_to_the_minute_keep_the_stored_seconds(db, frozen_clock):
    from models import clock

    sid, _ = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 60.5)  # ended at 16:00:30
    end_session(db, session_id=sid)
    s = load_session_view(db, sid).session
    shown = (s.started_at, s.ended_at)
    start_local = clock.to_local(s.started_at).replace(tzinfo=None)
    end_local = clock.to_local(s.ended_at).replace(tzinfo=None, second=0)
    assert times_from_local(shown, start_local, end_local) == shown
    start, end = times_from_local(shown, start_local, end_local + timedelta(minutes=1))
    assert end == _at(61)
    assert db.exec(select(StepRun).where(StepRun.session_id == sid)).first().ended_at == _at(60.5)
    assert db.exec(select(SessionTimeCorrection)).first() is None
