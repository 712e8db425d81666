"""Follow-ups recommended for a participant: the due list at its boundaries, marking one done against the version
a screen showed, and filling a planned session's roster from them. Every person here is invented."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from models import clock
from models.enums import FollowUpKind
from models.errors import Conflict, RuleError
from models.follow_ups import (
    default_due_date,
    fill_roster_from_follow_ups,
    follow_up_kind_for_code,
    follow_ups_due,
    follow_ups_in_session,
    follow_ups_of,
    mark_follow_up_done,
    recommend_follow_up,
)
from models.people import create_participant
from models.rules import FOLLOW_UP_DEFAULT_MONTHS, MAX_FOLLOW_UP_NOTE
from models.sessions import start_session
from models.tables import Attendance, FollowUp
from tests.factories import make_session
from tests.models.helpers import T0, run

pytestmark = pytest.mark.frozen_clock(T0)
DAY = clock.local_day(T0)


def _ended(db, clk, n=3):
    s, people, _ = make_session(db, n=n, when=T0, code="G0109")
    run(db, clk, s.id)
    return s.id, [p.id for p in people]


def _recommend(db, sid, pid, due, kind=FollowUpKind.GROUP, note=""):
    return recommend_follow_up(db, participant_id=pid, session_id=sid, due_date=due, kind=kind, note=note).id


def test_due_list_at_its_boundaries(db, frozen_clock):
    sid, (ada, bram, cora) = _ended(db, frozen_clock)
    until = DAY + timedelta(days=40)
    before = _recommend(db, sid, ada, until - timedelta(days=1), FollowUpKind.PHONE, "Ask about the meter")
    on = _recommend(db, sid, bram, until)
    after = _recommend(db, sid, cora, until + timedelta(days=1))
    done = _recommend(db, sid, cora, until - timedelta(days=2), FollowUpKind.INDIVIDUAL)
    mark_follow_up_done(db, follow_up_id=done)

    due = follow_ups_due(db, until=until)
    assert [f.follow_up_id for f in due] == [before, on]  # the longest overdue first; the day itself counts
    first = due[0]
    assert (first.name, first.kind, first.note, first.session_id, first.session_day) == (
        "Ada Testwell", "phone", "Ask about the meter", sid, DAY)
    assert first.session_title == "Living well with diabetes: group DSMT session"
    assert [f.follow_up_id for f in follow_ups_due(db, until=until + timedelta(days=1))] == [before, on, after]
    assert follow_ups_due(db, until=until - timedelta(days=2)) == []  # the done one is never due
    assert [f.follow_up_id for f in follow_ups_due(db, until=until, limit=1)] == [before]
    # today by default; its status says how it stands
    frozen_clock.set(clock.day_start(until))
    assert [f.follow_up_id for f in follow_ups_due(db)] == [before, on]
    assert first.status(until) == f"overdue since {until - timedelta(days=1):%Y-%m-%d}"
    assert due[1].status(until) == f"due on {until:%Y-%m-%d}"
    assert [f.follow_up_id for f in follow_ups_of(db, cora)] == [done, after]
    assert [f.follow_up_id for f in follow_ups_in_session(db, session_id=sid)] == [before, on, after, done]


def test_due_list_is_one_query(db, engine, frozen_clock):
    sid, pids = _ended(db, frozen_clock)
    for pid in pids:
        _recommend(db, sid, pid, DAY + timedelta(days=1))
    db.flush()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert len(follow_ups_due(db, until=DAY + timedelta(days=1))) == 3
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_recommending_is_checked(db, frozen_clock):
    sid, (ada, _, _) = _ended(db, frozen_clock)
    outsider = create_participant(db, first_name="Ivo", last_name="Placeholm").id
    with pytest.raises(RuleError, match="not on this session's roster"):
        _recommend(db, sid, outsider, DAY)
    with pytest.raises(RuleError, match="or later, the session's day"):
        _recommend(db, sid, ada, DAY - timedelta(days=1))
    with pytest.raises(RuleError, match="a group, an individual or a phone follow-up"):
        _recommend(db, sid, ada, DAY, kind="visit")
    with pytest.raises(RuleError, match=f"at most {MAX_FOLLOW_UP_NOTE:,}"):
        _recommend(db, sid, ada, DAY, note="x" * (MAX_FOLLOW_UP_NOTE + 1))
    with pytest.raises(RuleError, match="or later, today"):  # from the participant's page: not before today
        recommend_follow_up(db, participant_id=outsider, session_id=None, due_date=DAY - timedelta(days=1),
                            kind="phone")
    f = db.get(FollowUp, _recommend(db, sid, ada, DAY, note="  " + "x" * MAX_FOLLOW_UP_NOTE + " "))
    assert len(f.note) == MAX_FOLLOW_UP_NOTE and f.done_at is None and f.version == 1


def test_default_due_date():
    assert FOLLOW_UP_DEFAULT_MONTHS == 3
    assert default_due_date(date(2026, 3, 2)) == date(2026, 6, 2)
    assert default_due_date(date(2026, 11, 30)) == date(2027, 2, 28)  # no 30 February: the month's last day
    assert default_due_date(date(2027, 11, 30)) == date(2028, 2, 29)
    assert default_due_date(date(2026, 10, 31)) == date(2027, 1, 31)


def test_mark_done_against_the_version_shown(db, frozen_clock):
    sid, (ada, _, _) = _ended(db, frozen_clock)
    fid = _recommend(db, sid, ada, DAY + timedelta(days=90))
    assert mark_follow_up_done(db, follow_up_id=fid, seen_version=1) == 2
    assert db.get(FollowUp, fid).done_at == frozen_clock.now
    assert mark_follow_up_done(db, follow_up_id=fid, seen_version=1) == 2  # done already: nothing changes
    with pytest.raises(Conflict) as no:  # a screen that showed version 1 cannot undo it
        mark_follow_up_done(db, follow_up_id=fid, done=False, seen_version=1)
    assert no.value.theirs == frozen_clock.now and no.value.version == 2
    assert mark_follow_up_done(db, follow_up_id=fid, done=False, seen_version=2) == 3
    assert db.get(FollowUp, fid).done_at is None


def test_kind_for_code():
    assert follow_up_kind_for_code("G0109") == follow_up_kind_for_code("98961") == FollowUpKind.GROUP
    assert follow_up_kind_for_code("G0108") == follow_up_kind_for_code("98960") == FollowUpKind.INDIVIDUAL


def test_fill_a_planned_roster_from_follow_ups(db, frozen_clock):
    sid, (ada, bram, cora) = _ended(db, frozen_clock)
    group_a = _recommend(db, sid, ada, DAY + timedelta(days=20))
    group_b = _recommend(db, sid, bram, DAY + timedelta(days=20))
    phone = _recommend(db, sid, cora, DAY + timedelta(days=20), FollowUpKind.PHONE)
    done = _recommend(db, sid, cora, DAY + timedelta(days=20))
    mark_follow_up_done(db, follow_up_id=done)
    nxt, others, _ = make_session(db, n=1, when=T0 + timedelta(days=21), code="G0109")
    # refused, nothing changed: a phone call is no session, a done follow-up is not scheduled
    for ids, message in (([group_a, phone], "is a phone follow-up: a session under G0109 takes group follow-ups"),
                         ([group_a, done], "marked done")):
        with pytest.raises(RuleError, match=message):
            with db.begin_nested():
                fill_roster_from_follow_ups(db, session_id=nxt.id, follow_up_ids=ids)
    assert db.get(FollowUp, group_a).scheduled_session_id is None

    assert fill_roster_from_follow_ups(db, session_id=nxt.id, follow_up_ids=[group_a, group_b]) == [ada, bram]
    roster = {a.participant_id for a in db.exec(select(Attendance).where(Attendance.session_id == nxt.id))}
    assert roster == {others[0].id, ada, bram}
    assert [(f.scheduled_session_id, f.version) for f in (db.get(FollowUp, group_a), db.get(FollowUp, group_b))] == [
        (nxt.id, 2), (nxt.id, 2)]
    row = next(f for f in follow_ups_of(db, ada) if f.follow_up_id == group_a)
    assert row.scheduled_at == nxt.scheduled_at and row.status(DAY) == f"scheduled for {row.scheduled_at:%Y-%m-%d}"
    assert row.done_at is None  # scheduled is not done: it is still listed as due until marked done
    # again: nothing new, nothing twice
    assert fill_roster_from_follow_ups(db, session_id=nxt.id, follow_up_ids=[group_a]) == [ada]
    assert db.get(FollowUp, group_a).version == 2
    # another session cannot take it; an individual session takes no group follow-up; a started one takes none
    later, _, _ = make_session(db, n=1, when=T0 + timedelta(days=28), code="G0109")
    with pytest.raises(RuleError, match=f"already scheduled into session {nxt.id}"):
        fill_roster_from_follow_ups(db, session_id=later.id, follow_up_ids=[group_a])
    group_c = _recommend(db, sid, cora, DAY + timedelta(days=20))
    solo, _, _ = make_session(db, n=1, when=T0 + timedelta(days=28), code="G0108")
    with pytest.raises(RuleError, match="takes individual follow-ups only"):
        fill_roster_from_follow_ups(db, session_id=solo.id, follow_up_ids=[group_c])
    frozen_clock.set(T0 + timedelta(days=28))
    start_session(db, session_id=later.id)
    with pytest.raises(RuleError, match="Only a planned session"):
        fill_roster_from_follow_ups(db, session_id=later.id, follow_up_ids=[group_c])
