"""Presence: arrive, leave, never came, added late; and corrections after the session, which change the units
and keep the earlier times. Plain pytest on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.attendance import add_to_roster, correct_presence, mark_arrived, mark_left, set_present
from models.errors import RuleError
from models.people import create_participant
from models.session_record import presence_history, session_record
from models.session_view import load_session_view
from models.sessions import end_session, get_session, start_session
from models.tables import PresenceInterval
from tests.factories import SCHEDULED, make_session
from tests.models.helpers import T0, end_at, start_at_t0

pytestmark = pytest.mark.frozen_clock(T0)


@pytest.mark.frozen_clock(SCHEDULED)  # the time make_session schedules for
def test_presence_arrive_leave_and_never_came(db, frozen_clock):
    s, people, _ = make_session(db, n=3)
    a, b, c = (p.id for p in people)
    set_present(db, session_id=s.id, participant_id=c, present=False)
    start_session(db, session_id=s.id)
    frozen_clock.set(SCHEDULED + timedelta(minutes=10))
    mark_left(db, session_id=s.id, participant_id=a)
    frozen_clock.set(SCHEDULED + timedelta(minutes=20))
    mark_arrived(db, session_id=s.id, participant_id=a)
    mark_arrived(db, session_id=s.id, participant_id=c)  # late
    frozen_clock.set(SCHEDULED + timedelta(minutes=25))
    set_present(db, session_id=s.id, participant_id=b, present=False)  # b never came: withdrawn, kept
    late = create_participant(db, first_name="Lou", last_name="Latecomer")
    add_to_roster(db, session_id=s.id, participant_id=late.id)
    frozen_clock.set(SCHEDULED + timedelta(minutes=30))
    end_session(db, session_id=s.id)
    view = load_session_view(db, s.id)
    by = {p.participant_id: p for p in view.people}
    m = lambda x: SCHEDULED + timedelta(minutes=x)  # noqa: E731
    assert by[a].intervals == [(m(0), m(10)), (m(20), m(30))]
    assert by[c].intervals == [(m(20), m(30))]
    assert by[b].intervals == [] and not by[b].present
    assert by[late.id].added_late and by[late.id].intervals == [(m(25), m(30))]
    superseded = db.exec(select(PresenceInterval).where(PresenceInterval.superseded_at.is_not(None))).all()
    assert len(superseded) == 1  # b's interval is kept, not deleted


# ---------------------------------------------------------------- corrections after the session


def test_presence_correction_changes_units_and_keeps_the_amendment(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock)
    end_at(db, frozen_clock, sid, 60)
    frozen_clock.at(T0, 120)
    s = get_session(db, sid)
    correct_presence(db, session_id=sid, participant_id=c, intervals=[(T0 + timedelta(minutes=31), s.ended_at)])
    rec = session_record(db, sid)
    assert {p.participant_id: (p.minutes, p.units) for p in rec.billing.people}[c] == (29, 0)
    hist = presence_history(db, session_id=sid)[c]
    assert [(e.amended, e.current) for e in hist] == [(False, False), (True, True)]
    assert hist[0].superseded_at == T0 + timedelta(minutes=120)
    assert hist[0].arrived_at == T0 and hist[0].left_at == T0 + timedelta(minutes=60)
    # a second correction keeps both earlier versions
    frozen_clock.at(T0, 130)
    correct_presence(db, session_id=sid, participant_id=c, intervals=[(T0, T0 + timedelta(minutes=30))])
    hist = presence_history(db, session_id=sid)[c]
    assert len(hist) == 3 and sum(e.current for e in hist) == 1
    # absent: no interval at all
    correct_presence(db, session_id=sid, participant_id=c, intervals=[])
    rec = session_record(db, sid)
    assert c not in rec.attended and rec.billing.patients == 2


def test_presence_correction_is_refused_outside_the_session(db, frozen_clock):
    sid, (a, _, _) = start_at_t0(db, frozen_clock)
    end_at(db, frozen_clock, sid, 60)
    with pytest.raises(RuleError, match="within the session"):
        correct_presence(db, session_id=sid, participant_id=a, intervals=[(T0 - timedelta(minutes=5), T0)])
