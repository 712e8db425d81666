"""Per-participant billing units from presence and face-to-face time, at every boundary of rules.md and
issue 9, driven through the session functions with a frozen clock."""

from __future__ import annotations

import pytest

from models.attendance import add_to_roster, mark_arrived, mark_left, set_caregiver
from models.billing import room_count, summary_for_view
from models.people import create_participant
from models.session_view import load_session_view
from models.sessions import end_session, pause, resume, start_session
from tests.factories import make_session
from tests.models.helpers import T0, end_at, start_at_t0

pytestmark = pytest.mark.frozen_clock(T0)


def _units(summary) -> dict[int, tuple[int, int]]:
    return {p.participant_id: (p.minutes, p.units) for p in summary.people}


# ---------------------------------------------------------------- the issue's example and unit edges


def test_issue_example_sixty_minute_g0109_one_arrives_in_minute_31(db, frozen_clock):
    """Issue 9: a 60-minute G0109 session with three patients, one arriving in minute 31 (at 30:00, the
    first instant of the 31st minute), gives that patient 1 unit and the others 2."""
    sid, (a, b, c) = start_at_t0(db, frozen_clock, absent=(2,))
    frozen_clock.at(T0, 30)
    mark_arrived(db, session_id=sid, participant_id=c)
    s = end_at(db, frozen_clock, sid, 60)
    assert s.billed_code == "G0109" and s.patients == 3 and s.face_to_face_minutes == 60
    assert _units(s) == {a: (60, 2), b: (60, 2), c: (30, 1)}
    assert s.warnings == []


@pytest.mark.parametrize(("arrive", "minutes", "units"), [(29, 31, 1), (30, 30, 1), (31, 29, 0)])
def test_g0109_arrival_one_minute_either_side_of_the_30_minute_edge(db, frozen_clock, arrive, minutes, units):
    # arriving after 31:00 elapsed leaves 29 minutes: no full 30-minute increment, so no G0109 unit
    sid, (a, _, c) = start_at_t0(db, frozen_clock, absent=(2,))
    frozen_clock.at(T0, arrive)
    mark_arrived(db, session_id=sid, participant_id=c)
    s = end_at(db, frozen_clock, sid, 60)
    assert _units(s)[c] == (minutes, units)
    assert _units(s)[a] == (60, 2)


@pytest.mark.parametrize(("arrive", "minutes", "units"), [(29, 61, 2), (31, 59, 1)])
def test_g0109_arrival_either_side_of_the_60_minute_edge(db, frozen_clock, arrive, minutes, units):
    sid, (_, _, c) = start_at_t0(db, frozen_clock, absent=(2,))
    frozen_clock.at(T0, arrive)
    mark_arrived(db, session_id=sid, participant_id=c)
    s = end_at(db, frozen_clock, sid, 90)
    assert _units(s)[c] == (minutes, units)


@pytest.mark.parametrize(("arrive", "minutes", "units"),
                         [(14, 46, 2), (15, 45, 1), (44, 16, 1), (45, 15, 0)])
def test_98961_midpoint_rule_arrival_either_side_of_each_midpoint(db, frozen_clock, arrive, minutes, units):
    sid, (a, _, c) = start_at_t0(db, frozen_clock, cid="hypertension-group", code="98961", absent=(2,))
    frozen_clock.at(T0, arrive)
    mark_arrived(db, session_id=sid, participant_id=c)
    s = end_at(db, frozen_clock, sid, 60)
    assert s.billed_code == "98961"
    assert _units(s)[c] == (minutes, units)
    assert _units(s)[a] == (60, 2)


@pytest.mark.parametrize(("leave", "back", "g0109", "cpt"), [(20, 35, (45, 1), (45, 1)), (20, 34, (46, 1), (46, 2))])
def test_leave_and_return(db, frozen_clock, leave, back, g0109, cpt):
    for cid, code, expected in (("diabetes-dsmt-group", "G0109", g0109), ("hypertension-group", "98961", cpt)):
        sid, (a, b, _) = start_at_t0(db, frozen_clock, cid=cid, code=code)
        frozen_clock.at(T0, leave)
        mark_left(db, session_id=sid, participant_id=b)
        frozen_clock.at(T0, back)
        mark_arrived(db, session_id=sid, participant_id=b)
        s = end_at(db, frozen_clock, sid, 60)
        assert _units(s)[b] == expected, code
        assert _units(s)[a] == (60, 2)
        view = load_session_view(db, sid)
        assert [len(p.intervals) for p in view.people if p.participant_id == b] == [2]


def test_pause_in_the_middle_of_presence_is_not_face_to_face_time(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock, absent=(1,))
    frozen_clock.at(T0, 20)
    pause(db, session_id=sid)
    frozen_clock.at(T0, 25)
    mark_arrived(db, session_id=sid, participant_id=b)  # arrives during the pause
    mark_left(db, session_id=sid, participant_id=c)  # leaves during the pause
    frozen_clock.at(T0, 30)
    resume(db, session_id=sid)
    s = end_at(db, frozen_clock, sid, 70)
    assert s.face_to_face_minutes == 60
    assert _units(s) == {a: (60, 2), b: (40, 1), c: (20, 0)}


def test_a_pause_that_straddles_a_unit_edge_costs_the_unit(db, frozen_clock):
    sid, (a, _, _) = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 30)
    pause(db, session_id=sid)
    frozen_clock.at(T0, 31)
    resume(db, session_id=sid)
    s = end_at(db, frozen_clock, sid, 60)
    assert _units(s)[a] == (59, 1)


def test_caregiver_leaving_does_not_change_the_head_count(db, frozen_clock):
    s0, people, _ = make_session(db, n=3, when=T0)
    sid, pids = s0.id, [p.id for p in people]
    set_caregiver(db, session_id=sid, participant_id=pids[0], present=True)
    start_session(db, session_id=sid)
    frozen_clock.at(T0, 30)
    set_caregiver(db, session_id=sid, participant_id=pids[0], present=False)  # the caregiver goes home
    s = end_at(db, frozen_clock, sid, 60)
    assert s.patients == 3
    assert [seg.patients for seg in s.segments] == [3]
    assert {u for _, u in _units(s).values()} == {2}
    assert not s.warnings


def test_group_down_to_one_patient_for_part_of_the_session(db, frozen_clock):
    sid, (a, b) = start_at_t0(db, frozen_clock, n=2)
    frozen_clock.at(T0, 40)
    mark_left(db, session_id=sid, participant_id=b)
    s = end_at(db, frozen_clock, sid, 60)
    assert s.billed_code == "G0109" and s.patients == 2
    assert [(round(seg.minutes), seg.patients) for seg in s.segments] == [(40, 2), (20, 1)]
    assert _units(s) == {a: (60, 2), b: (40, 1)}
    assert any("outside G0109's range of 2–20 patients for 20 min" in w and "down to one patient for 20 min" in w
               for w in s.warnings)


def test_one_patient_only_is_individual_education(db, frozen_clock):
    sid, (a, _, _) = start_at_t0(db, frozen_clock, absent=(1, 2))
    s = end_at(db, frozen_clock, sid, 60)
    assert s.patients == 1 and s.billed_code == "G0108"
    assert _units(s)[a] == (60, 2)
    assert any("Only one patient" in w and "G0108" in w for w in s.warnings)


def test_one_patient_only_cpt_falls_back_to_98960(db, frozen_clock):
    sid, (a, _, _) = start_at_t0(db, frozen_clock, cid="hypertension-group", code="98961", absent=(1, 2))
    s = end_at(db, frozen_clock, sid, 46)
    assert s.billed_code == "98960" and _units(s)[a] == (46, 2)


@pytest.mark.parametrize(("minutes", "units", "short"), [(29, 0, True), (30, 1, False)])
def test_too_short_for_one_g0109_unit(db, frozen_clock, minutes, units, short):
    sid, (a, _, _) = start_at_t0(db, frozen_clock)
    s = end_at(db, frozen_clock, sid, minutes)
    assert _units(s)[a] == (minutes, units)
    assert any("too short for one unit" in w for w in s.warnings) is short


@pytest.mark.parametrize(("minutes", "short"), [(15, True), (16, False)])
def test_too_short_for_one_98961_unit(db, frozen_clock, minutes, short):
    sid, _ = start_at_t0(db, frozen_clock, cid="hypertension-group", code="98961")
    s = end_at(db, frozen_clock, sid, minutes)
    assert any("at least 16 min" in w for w in s.warnings) is short


def test_no_qualified_instructor_credential(db, frozen_clock):
    sid, _ = start_at_t0(db, frozen_clock, credential="CDCES")
    s = end_at(db, frozen_clock, sid, 60)
    assert any("qualified instructor" in w for w in s.warnings)


def test_98962_with_four_patients_says_98961_fits(db, frozen_clock):
    sid, _ = start_at_t0(db, frozen_clock, n=5, cid="hypertension-group", code="98962", absent=(4,))
    s = end_at(db, frozen_clock, sid, 60)
    assert s.patients == 4
    assert any("98961 fits" in w for w in s.warnings)


def test_more_than_twenty_patients_bills_nothing(db, frozen_clock):
    s0, people, _ = make_session(db, n=10, when=T0)
    sid = s0.id
    for i in range(10):
        p = create_participant(db, first_name=f"Extra{i}", last_name="Invented")
        add_to_roster(db, session_id=sid, participant_id=p.id)
    start_session(db, session_id=sid)
    p = create_participant(db, first_name="TwentyFirst", last_name="Invented")
    frozen_clock.at(T0, 1)
    add_to_roster(db, session_id=sid, participant_id=p.id)
    s = end_at(db, frozen_clock, sid, 60)
    assert s.patients == 21
    assert {u for _, u in _units(s).values()} == {0}
    assert any("Split the group" in w for w in s.warnings)


def test_never_run_session_has_no_billing(db, frozen_clock):
    s0, _, _ = make_session(db, n=2, when=T0)
    end_session(db, session_id=s0.id)
    assert summary_for_view(load_session_view(db, s0.id)) is None


# ---------------------------------------------------------------- the head-count /live shows


def test_room_count_live_counts_who_is_in_the_room_and_caregivers_apart(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock)
    set_caregiver(db, session_id=sid, participant_id=a, present=True)
    frozen_clock.at(T0, 10)
    mark_left(db, session_id=sid, participant_id=b)
    room = room_count(load_session_view(db, sid))
    assert (room.patients, room.caregivers, room.live, room.check.ok) == (2, 1, True, True)
    assert room.text == "2 patient(s) in the room, 1 with a caregiver or family member (not counted)"
    frozen_clock.at(T0, 20)
    mark_left(db, session_id=sid, participant_id=c)
    room = room_count(load_session_view(db, sid))
    assert room.patients == 1 and not room.check.ok and room.check.suggested_code == "G0108"


def test_room_count_after_the_end_is_who_attended(db, frozen_clock):
    """Ended: everyone whose presence overlapped the face-to-face time, even if they left early; the same
    answer as the billing summary."""
    sid, (a, b, c) = start_at_t0(db, frozen_clock, absent=(2,))
    frozen_clock.at(T0, 5)
    mark_left(db, session_id=sid, participant_id=b)
    end_at(db, frozen_clock, sid, 60)
    view = load_session_view(db, sid)
    room = room_count(view)
    assert (room.patients, room.live) == (2, False)
    assert room.text == "2 patient(s) present"
    assert set(summary_for_view(view).attended) == {a, b}
