"""Per-participant billing units from presence and face-to-face time, at every boundary of rules.md and
issue 9, driven through the session functions with a fake clock; and the Medicare DSMT allowance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models import clock
from models.allowance import AllowanceEntry, dsmt_allowance
from models.attendance import add_to_roster, correct_presence, mark_arrived, mark_left, set_caregiver, set_present
from models.billing import summary_for_view
from models.errors import RuleError
from models.people import create_participant
from models.session_record import presence_from_local, presence_history, session_record
from models.session_view import load_session_view
from models.sessions import end_session, get_session, pause, resume, start_session
from tests.factories import make_session

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> datetime:
        return self.t

    def to(self, minutes: float) -> None:
        self.t = T0 + timedelta(minutes=minutes)


@pytest.fixture
def clk(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(clock, "now", c)
    return c


def _start(db, clk, *, n=3, cid="diabetes-dsmt-group", code=None, absent=(), credential="RN, CDCES"):
    s, people, _ = make_session(db, n=n, cid=cid, code=code, when=T0, credential=credential)
    pids = [p.id for p in people]
    for i in absent:
        set_present(db, session_id=s.id, participant_id=pids[i], present=False)
    clk.to(0)
    start_session(db, session_id=s.id)
    return s.id, pids


def _end(db, clk, sid, minute):
    clk.to(minute)
    end_session(db, session_id=sid)
    return summary_for_view(load_session_view(db, sid))


def _units(summary) -> dict[int, tuple[int, int]]:
    return {p.participant_id: (p.minutes, p.units) for p in summary.people}


# ---------------------------------------------------------------- the issue's example and unit edges


def test_issue_example_sixty_minute_g0109_one_arrives_in_minute_31(db, clk):
    """Issue 9: a 60-minute G0109 session with three patients, one arriving in minute 31 (at 30:00, the
    first instant of the 31st minute), gives that patient 1 unit and the others 2."""
    sid, (a, b, c) = _start(db, clk, absent=(2,))
    clk.to(30)
    mark_arrived(db, session_id=sid, participant_id=c)
    s = _end(db, clk, sid, 60)
    assert s.billed_code == "G0109" and s.patients == 3 and s.face_to_face_minutes == 60
    assert _units(s) == {a: (60, 2), b: (60, 2), c: (30, 1)}
    assert s.warnings == []


@pytest.mark.parametrize(("arrive", "minutes", "units"), [(29, 31, 1), (30, 30, 1), (31, 29, 0)])
def test_g0109_arrival_one_minute_either_side_of_the_30_minute_edge(db, clk, arrive, minutes, units):
    # arriving after 31:00 elapsed leaves 29 minutes: no full 30-minute increment, so no G0109 unit
    sid, (a, _, c) = _start(db, clk, absent=(2,))
    clk.to(arrive)
    mark_arrived(db, session_id=sid, participant_id=c)
    s = _end(db, clk, sid, 60)
    assert _units(s)[c] == (minutes, units)
    assert _units(s)[a] == (60, 2)


@pytest.mark.parametrize(("arrive", "minutes", "units"), [(29, 61, 2), (31, 59, 1)])
def test_g0109_arrival_either_side_of_the_60_minute_edge(db, clk, arrive, minutes, units):
    sid, (_, _, c) = _start(db, clk, absent=(2,))
    clk.to(arrive)
    mark_arrived(db, session_id=sid, participant_id=c)
    s = _end(db, clk, sid, 90)
    assert _units(s)[c] == (minutes, units)


@pytest.mark.parametrize(("arrive", "minutes", "units"),
                         [(14, 46, 2), (15, 45, 1), (44, 16, 1), (45, 15, 0)])
def test_98961_midpoint_rule_arrival_either_side_of_each_midpoint(db, clk, arrive, minutes, units):
    sid, (a, _, c) = _start(db, clk, cid="hypertension-group", code="98961", absent=(2,))
    clk.to(arrive)
    mark_arrived(db, session_id=sid, participant_id=c)
    s = _end(db, clk, sid, 60)
    assert s.billed_code == "98961"
    assert _units(s)[c] == (minutes, units)
    assert _units(s)[a] == (60, 2)


@pytest.mark.parametrize(("leave", "back", "g0109", "cpt"), [(20, 35, (45, 1), (45, 1)), (20, 34, (46, 1), (46, 2))])
def test_leave_and_return(db, clk, leave, back, g0109, cpt):
    for cid, code, expected in (("diabetes-dsmt-group", "G0109", g0109), ("hypertension-group", "98961", cpt)):
        sid, (a, b, _) = _start(db, clk, cid=cid, code=code)
        clk.to(leave)
        mark_left(db, session_id=sid, participant_id=b)
        clk.to(back)
        mark_arrived(db, session_id=sid, participant_id=b)
        s = _end(db, clk, sid, 60)
        assert _units(s)[b] == expected, code
        assert _units(s)[a] == (60, 2)
        view = load_session_view(db, sid)
        assert [len(p.intervals) for p in view.people if p.participant_id == b] == [2]


def test_pause_in_the_middle_of_presence_is_not_face_to_face_time(db, clk):
    sid, (a, b, c) = _start(db, clk, absent=(1,))
    clk.to(20)
    pause(db, session_id=sid)
    clk.to(25)
    mark_arrived(db, session_id=sid, participant_id=b)  # arrives during the pause
    mark_left(db, session_id=sid, participant_id=c)  # leaves during the pause
    clk.to(30)
    resume(db, session_id=sid)
    s = _end(db, clk, sid, 70)
    assert s.face_to_face_minutes == 60
    assert _units(s) == {a: (60, 2), b: (40, 1), c: (20, 0)}


def test_a_pause_that_straddles_a_unit_edge_costs_the_unit(db, clk):
    sid, (a, _, _) = _start(db, clk)
    clk.to(30)
    pause(db, session_id=sid)
    clk.to(31)
    resume(db, session_id=sid)
    s = _end(db, clk, sid, 60)
    assert _units(s)[a] == (59, 1)


def test_caregiver_leaving_does_not_change_the_head_count(db, clk):
    s0, people, _ = make_session(db, n=3, when=T0)
    sid, pids = s0.id, [p.id for p in people]
    set_caregiver(db, session_id=sid, participant_id=pids[0], present=True)
    start_session(db, session_id=sid)
    clk.to(30)
    set_caregiver(db, session_id=sid, participant_id=pids[0], present=False)  # the caregiver goes home
    s = _end(db, clk, sid, 60)
    assert s.patients == 3
    assert [seg.patients for seg in s.segments] == [3]
    assert {u for _, u in _units(s).values()} == {2}
    assert not s.warnings


def test_group_down_to_one_patient_for_part_of_the_session(db, clk):
    sid, (a, b) = _start(db, clk, n=2)
    clk.to(40)
    mark_left(db, session_id=sid, participant_id=b)
    s = _end(db, clk, sid, 60)
    assert s.billed_code == "G0109" and s.patients == 2
    assert [(round(seg.minutes), seg.patients) for seg in s.segments] == [(40, 2), (20, 1)]
    assert _units(s) == {a: (60, 2), b: (40, 1)}
    assert any("outside G0109's range of 2–20 patients for 20 min" in w and "down to one patient for 20 min" in w
               for w in s.warnings)


def test_one_patient_only_is_individual_education(db, clk):
    sid, (a, _, _) = _start(db, clk, absent=(1, 2))
    s = _end(db, clk, sid, 60)
    assert s.patients == 1 and s.billed_code == "G0108"
    assert _units(s)[a] == (60, 2)
    assert any("Only one patient" in w and "G0108" in w for w in s.warnings)


def test_one_patient_only_cpt_falls_back_to_98960(db, clk):
    sid, (a, _, _) = _start(db, clk, cid="hypertension-group", code="98961", absent=(1, 2))
    s = _end(db, clk, sid, 46)
    assert s.billed_code == "98960" and _units(s)[a] == (46, 2)


@pytest.mark.parametrize(("minutes", "units", "short"), [(29, 0, True), (30, 1, False)])
def test_too_short_for_one_g0109_unit(db, clk, minutes, units, short):
    sid, (a, _, _) = _start(db, clk)
    s = _end(db, clk, sid, minutes)
    assert _units(s)[a] == (minutes, units)
    assert any("too short for one unit" in w for w in s.warnings) is short


@pytest.mark.parametrize(("minutes", "short"), [(15, True), (16, False)])
def test_too_short_for_one_98961_unit(db, clk, minutes, short):
    sid, _ = _start(db, clk, cid="hypertension-group", code="98961")
    s = _end(db, clk, sid, minutes)
    assert any("at least 16 min" in w for w in s.warnings) is short


def test_no_qualified_instructor_credential(db, clk):
    sid, _ = _start(db, clk, credential="CDCES")
    s = _end(db, clk, sid, 60)
    assert any("qualified instructor" in w for w in s.warnings)


def test_98962_with_four_patients_says_98961_fits(db, clk):
    sid, _ = _start(db, clk, n=5, cid="hypertension-group", code="98962", absent=(4,))
    s = _end(db, clk, sid, 60)
    assert s.patients == 4
    assert any("98961 fits" in w for w in s.warnings)


def test_more_than_twenty_patients_bills_nothing(db, clk):
    s0, people, _ = make_session(db, n=10, when=T0)
    sid = s0.id
    for i in range(10):
        p = create_participant(db, first_name=f"Extra{i}", last_name="Invented")
        add_to_roster(db, session_id=sid, participant_id=p.id)
    start_session(db, session_id=sid)
    p = create_participant(db, first_name="TwentyFirst", last_name="Invented")
    clk.to(1)
    add_to_roster(db, session_id=sid, participant_id=p.id)
    s = _end(db, clk, sid, 60)
    assert s.patients == 21
    assert {u for _, u in _units(s).values()} == {0}
    assert any("Split the group" in w for w in s.warnings)


def test_never_run_session_has_no_billing(db, clk):
    s0, _, _ = make_session(db, n=2, when=T0)
    end_session(db, session_id=s0.id)
    assert summary_for_view(load_session_view(db, s0.id)) is None


# ---------------------------------------------------------------- corrections after the session


def test_presence_correction_changes_units_and_keeps_the_amendment(db, clk):
    sid, (a, b, c) = _start(db, clk)
    _end(db, clk, sid, 60)
    clk.to(120)
    s = get_session(db, sid)
    correct_presence(db, session_id=sid, participant_id=c, intervals=[(T0 + timedelta(minutes=31), s.ended_at)])
    rec = session_record(db, sid)
    assert {p.participant_id: (p.minutes, p.units) for p in rec.billing.people}[c] == (29, 0)
    hist = presence_history(db, session_id=sid)[c]
    assert [(e.amended, e.current) for e in hist] == [(False, False), (True, True)]
    assert hist[0].superseded_at == T0 + timedelta(minutes=120)
    assert hist[0].arrived_at == T0 and hist[0].left_at == T0 + timedelta(minutes=60)
    # a second correction keeps both earlier versions
    clk.to(130)
    correct_presence(db, session_id=sid, participant_id=c, intervals=[(T0, T0 + timedelta(minutes=30))])
    hist = presence_history(db, session_id=sid)[c]
    assert len(hist) == 3 and sum(e.current for e in hist) == 1
    # absent: no interval at all
    correct_presence(db, session_id=sid, participant_id=c, intervals=[])
    rec = session_record(db, sid)
    assert c not in rec.attended and rec.billing.patients == 2


def test_presence_correction_is_refused_outside_the_session(db, clk):
    sid, (a, _, _) = _start(db, clk)
    _end(db, clk, sid, 60)
    with pytest.raises(RuleError, match="within the session"):
        correct_presence(db, session_id=sid, participant_id=a, intervals=[(T0 - timedelta(minutes=5), T0)])


def test_presence_from_local_snaps_to_start_and_end(db, clk):
    sid, _ = _start(db, clk)
    clk.t = T0 + timedelta(minutes=60, seconds=40)
    end_session(db, session_id=sid)
    s = get_session(db, sid)
    local = lambda ts: clock.to_local(ts).replace(tzinfo=None)  # noqa: E731
    rows = [(local(T0 + timedelta(seconds=20)), local(T0 + timedelta(minutes=20))),
            (local(T0 + timedelta(minutes=30)), local(T0 + timedelta(minutes=60)))]
    out = presence_from_local(s, rows)
    assert out == [(T0, T0 + timedelta(minutes=20)), (T0 + timedelta(minutes=30), s.ended_at)]
    assert presence_from_local(s, [(None, None)]) == []
    with pytest.raises(RuleError):
        presence_from_local(s, [(local(T0), None)])


# ---------------------------------------------------------------- Medicare DSMT allowance


D0 = date(2026, 3, 10)


def _e(day: date, units: int, code: str = "G0109", sid: int = 0) -> AllowanceEntry:
    return AllowanceEntry(sid, day, code, units)


def test_no_dsmt_units_no_window():
    a = dsmt_allowance([_e(D0, 2, "98961"), _e(D0, 0)], today=D0)
    assert not a.started and a.initial_used == 0
    assert "No Medicare DSMT" in a.messages(D0)[0]


def test_window_is_twelve_months_from_the_first_dsmt_session():
    a = dsmt_allowance([_e(D0, 2), _e(date(2027, 3, 9), 2), _e(date(2027, 3, 10), 2)], today=date(2027, 4, 1))
    assert a.first_day == D0 and a.window_last_day == date(2027, 3, 9)
    assert [u.period for u in a.uses] == ["initial", "initial", "outside"]
    assert a.group_used == 2 and a.initial_ends == date(2027, 3, 9)


def test_window_from_29_february():
    a = dsmt_allowance([_e(date(2028, 2, 29), 1)], today=date(2028, 3, 1))
    assert a.window_last_day == date(2029, 2, 28)


@pytest.mark.parametrize(("units", "used", "over"), [(18, 9.0, 0.0), (19, 9.0, 0.5)])
def test_nine_group_hours(units, used, over):
    a = dsmt_allowance([_e(D0 + timedelta(days=i), 1) for i in range(units)], today=D0)
    assert a.group_used == used and a.over == over


@pytest.mark.parametrize(("units", "used", "over"), [(2, 1.0, 0.0), (3, 1.0, 0.5)])
def test_one_individual_hour(units, used, over):
    a = dsmt_allowance([_e(D0, units, "G0108")], today=D0)
    assert a.individual_used == used and a.over == over and a.group_used == 0


def test_ten_hours_complete_the_initial_training_early():
    entries = [_e(D0 + timedelta(days=i), 2, sid=i) for i in range(9)]  # 9 group hours
    entries.append(_e(date(2026, 6, 1), 2, "G0108", sid=100))  # 1 individual hour: 10 in all on 1 June
    entries.append(_e(date(2026, 7, 1), 2, sid=101))  # after completion, same calendar year: outside
    entries.append(_e(date(2027, 1, 5), 2, sid=102))  # next calendar year: follow-up, inside the old window
    entries.append(_e(date(2027, 2, 5), 3, sid=103))  # 1 h left in 2027, 0.5 h over
    a = dsmt_allowance(entries, today=date(2027, 3, 1))
    assert a.initial_used == 10 and a.initial_ends == date(2026, 6, 1)
    periods = {u.session_id: (u.period, u.counted, u.over) for u in a.uses}
    assert periods[101] == ("outside", 0.0, 1.0)
    assert periods[102] == ("follow-up", 1.0, 0.0)
    assert periods[103] == ("follow-up", 1.0, 0.5)
    assert [(f.year, f.used, f.left) for f in a.follow_up] == [(2027, 2.0, 0.0)]
    assert a.over == 1.5
    assert any("completed on 2026-06-01" in m for m in a.messages(date(2027, 3, 1)))


@pytest.mark.parametrize(("units", "used", "over"), [(4, 2.0, 0.0), (5, 2.0, 0.5)])
def test_two_follow_up_hours_per_calendar_year_after_the_initial_year(units, used, over):
    # window 2026-03-10 .. 2027-03-09: initial training ends in 2027, follow-up from 2028
    a = dsmt_allowance([_e(D0, 2), _e(date(2027, 12, 31), 2, sid=1), _e(date(2028, 1, 1), units, sid=2),
                        _e(date(2029, 1, 1), 4, sid=3)], today=date(2029, 6, 1))
    by = {u.session_id: u for u in a.uses}
    assert by[1].period == "outside"
    assert (by[2].period, by[2].year, by[2].counted, by[2].over) == ("follow-up", 2028, used, over)
    assert by[3].counted == 2.0
    assert [(f.year, f.used) for f in a.follow_up] == [(2028, used), (2029, 2.0)]


def test_follow_up_year_shown_when_eligible_even_unused():
    a = dsmt_allowance([_e(D0, 2)], today=date(2028, 5, 1))
    assert [(f.year, f.used, f.left) for f in a.follow_up] == [(2028, 0.0, 2.0)]
    a = dsmt_allowance([_e(D0, 2)], today=date(2027, 5, 1))
    assert a.follow_up == []


def test_allowance_messages_say_what_is_left():
    a = dsmt_allowance([_e(D0, 3), _e(D0, 1, "G0108")], today=D0)
    text = " ".join(a.messages(D0))
    assert "2 of 10 hours used (1.5 of 9 group, 0.5 of 1 individual)" in text
    assert "8 initial hours are left until 2027-03-09" in text
    assert "from 2028 on" in text
