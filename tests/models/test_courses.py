"""Courses: planning (weekly at the same local time across a daylight-saving change), the roster carried from
session to session, joining later, leaving, make-ups counted for the right module, and progress and completion
at their boundaries. Plain pytest on SQLite and PostgreSQL, with a frozen clock. Every person is invented."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from models import clock
from models.assessments import set_competency
from models.attendance import set_present
from models.course_progress import ModuleStatus, course_progress, list_courses, module_visits, participant_progress
from models.courses import add_make_up, course_sessions, enrol, leave, make_up_options, plan_course
from models.curriculum import CourseTemplate
from models.errors import Conflict, RuleError
from models.people import create_facilitator, create_participant
from models.questions_goals import add_goal, mark_goal_followed_up
from models.sessions import create_session, start_session
from models.tables import Attendance, Course, GroupSession, Referral
from tests.factories import INVENTED, curriculum
from tests.models.helpers import ITEMS, T0, rate, run

pytestmark = pytest.mark.frozen_clock(T0 - timedelta(days=7))

DIABETES, PRESSURE, ASTHMA = "diabetes-dsmt-group", "hypertension-group", "asthma-group"


@pytest.fixture
def new_york(local_zone):
    """The server's zone observes US daylight saving (2026: from 8 March to 1 November)."""
    local_zone("America/New_York")


def _people(db, n):
    return [create_participant(db, first_name=f, last_name=last).id for f, last in INVENTED[:n]]


def _course(db, modules, pids, *, code="G0109", first=date(2026, 3, 2), at=time(10, 0), name="Thursday group", **kw):
    fac = create_facilitator(db, name="Pat Educator", credential="RN, CDCES")
    c = plan_course(db, name=name, modules=[curriculum(m) for m in modules], first_date=first, start_time=at,
                    setting="clinic", facilitator_id=fac.id, billing_code=code, participant_ids=pids, **kw)
    return c, course_sessions(db, c.id)


def _roster(db, sid):
    return sorted(a.participant_id for a in db.exec(select(Attendance).where(Attendance.session_id == sid)))


def _status(db, course_id, pid):
    return [v.status for v in module_visits(db, course_id, pid)]


# ---------------------------------------------------------------- planning


@pytest.mark.parametrize(("first", "utc_hours"), [
    (date(2026, 10, 20), [14, 14, 15]),  # EDT, EDT, then EST after 1 November
    (date(2026, 3, 3), [15, 14, 14]),  # EST, then EDT after 8 March
])
def test_weekly_sessions_keep_the_local_time_across_a_daylight_saving_change(db, new_york, first, utc_hours):
    pids = _people(db, 3)
    course, sessions = _course(db, [DIABETES] * 3, pids, first=first)
    assert [clock.to_local(s.scheduled_at).date() for s in sessions] == [first + timedelta(days=7 * i)
                                                                          for i in range(3)]
    assert {clock.to_local(s.scheduled_at).strftime("%H:%M") for s in sessions} == {"10:00"}
    assert [s.scheduled_at.astimezone(UTC).hour for s in sessions] == utc_hours
    assert {(s.course_id, s.setting, s.billing_code, s.status) for s in sessions} == {
        (course.id, "clinic", "G0109", "planned")}
    assert all('"steps"' in s.curriculum_json for s in sessions)  # each its own frozen copy and record


def test_chosen_dates_keep_the_local_time_too(db, new_york):
    _, sessions = _course(db, [DIABETES] * 2, _people(db, 2), first=None,
                          dates=[date(2026, 10, 29), date(2026, 11, 2)], at=time(17, 30))
    assert [clock.fmt_local(s.scheduled_at) for s in sessions] == ["2026-10-29 17:30", "2026-11-02 17:30"]


def test_modules_in_order_and_the_roster_carried_to_every_session(db):
    pids = _people(db, 3)
    course, sessions = _course(db, [PRESSURE, ASTHMA, PRESSURE], pids, code="98961")
    assert [s.curriculum_id for s in sessions] == [PRESSURE, ASTHMA, PRESSURE]
    assert all(_roster(db, s.id) == sorted(pids) for s in sessions)
    assert len({s.course_module_id for s in sessions}) == 3


def test_planning_refusals_write_nothing(db):
    pids = _people(db, 2)
    fac = create_facilitator(db, name="Pat Educator", credential="RN")
    base = dict(name="Group", start_time=time(10, 0), first_date=date(2026, 3, 2), setting="clinic",
                facilitator_id=fac.id, billing_code="98961", participant_ids=pids)
    cases = [
        (dict(modules=[curriculum(PRESSURE), curriculum(DIABETES)]), "Module 2 .* not 98961. The modules share no"),
        (dict(modules=[curriculum(PRESSURE)], name="  "), "needs a name"),
        (dict(modules=[]), "at least one module"),
        (dict(modules=[curriculum(PRESSURE)] * 13), "at most 12 modules; this one has 13"),
        (dict(modules=[curriculum(PRESSURE)] * 2, dates=[date(2026, 3, 2)]), "2 modules, 1 dates"),
        (dict(modules=[curriculum(PRESSURE)] * 2, dates=[date(2026, 3, 9), date(2026, 3, 9)]), "in order"),
        (dict(modules=[curriculum(PRESSURE)], first_date=None), "date of the first session"),
    ]
    for change, message in cases:
        with pytest.raises(RuleError, match=message):
            plan_course(db, **(base | change))
    assert db.exec(select(Course)).all() == [] and db.exec(select(GroupSession)).all() == []


# ---------------------------------------------------------------- joining, leaving


def test_join_later_and_leave(db, frozen_clock):
    ada, bram, cora, dov = _people(db, 4)
    course, (m1, m2, m3) = _course(db, [DIABETES] * 3, [ada, bram, cora])
    run(db, frozen_clock, m1.id, when=m1.scheduled_at)

    frozen_clock.set(m1.scheduled_at + timedelta(days=2))
    enrol(db, course_id=course.id, participant_id=dov)  # joins after module 1
    assert dov not in _roster(db, m1.id) and dov in _roster(db, m2.id) and dov in _roster(db, m3.id)
    assert _status(db, course.id, dov) == [ModuleStatus.MISSED, ModuleStatus.PLANNED, ModuleStatus.PLANNED]
    assert enrol(db, course_id=course.id, participant_id=dov).left_at is None  # again: nothing changes

    run(db, frozen_clock, m2.id, when=m2.scheduled_at)
    frozen_clock.set(m2.scheduled_at + timedelta(days=1))
    seen = participant_progress(db, course.id, cora).progress.version
    leave(db, course_id=course.id, participant_id=cora, seen_version=seen)
    assert cora in _roster(db, m1.id) and cora in _roster(db, m2.id) and cora not in _roster(db, m3.id)
    with pytest.raises(Conflict):  # a second screen that showed her enrolled
        enrol(db, course_id=course.id, participant_id=cora, seen_version=seen)
    assert _status(db, course.id, cora) == [ModuleStatus.ATTENDED, ModuleStatus.ATTENDED, ModuleStatus.MISSED]

    enrol(db, course_id=course.id, participant_id=cora)  # comes back
    assert cora in _roster(db, m3.id)
    with pytest.raises(RuleError, match="not enrolled"):
        leave(db, course_id=course.id, participant_id=create_participant(db, first_name="Eli", last_name="Nobody").id)


def test_joining_a_full_course_is_refused(db):
    pids = _people(db, 5)
    course, _ = _course(db, [PRESSURE] * 2, pids[:4], code="98961")
    enrol(db, course_id=course.id, participant_id=pids[4])  # 5 patients: 98962 fits, not refused
    more = [create_participant(db, first_name=f"Extra{i}", last_name="Madeup").id for i in range(4)]
    for pid in more[:3]:
        enrol(db, course_id=course.id, participant_id=pid)
    with pytest.raises(RuleError, match="more than"):
        enrol(db, course_id=course.id, participant_id=more[3])  # a ninth: no CPT group code takes 9


# ---------------------------------------------------------------- make-ups


def test_a_make_up_in_another_course_counts_for_the_right_module(db, frozen_clock):
    ada, bram, cora, dov, esi = _people(db, 5)
    a, (a1, a2) = _course(db, [PRESSURE, ASTHMA], [ada, bram, cora], code="98961", name="Course A")
    b, (b1,) = _course(db, [ASTHMA], [dov, esi], code="98961", first=date(2026, 3, 12), name="Course B")
    alone = create_session(db, curriculum=curriculum(PRESSURE), billing_code="98961",
                           scheduled_at=datetime(2026, 3, 13, 15, tzinfo=UTC), setting="clinic",
                           facilitator_id=None, participant_ids=[dov, esi])
    run(db, frozen_clock, a1.id, when=a1.scheduled_at)
    set_present(db, session_id=a2.id, participant_id=cora, present=False)
    run(db, frozen_clock, a2.id, when=a2.scheduled_at)
    assert _status(db, a.id, cora) == [ModuleStatus.ATTENDED, ModuleStatus.MISSED]

    frozen_clock.set(a2.scheduled_at + timedelta(hours=3))
    asthma_module = course_progress(db, a.id).modules[1]
    options = make_up_options(db, module_id=asthma_module.module_id)
    assert [o.session_id for o in options] == [b1.id] and options[0].course_name == "Course B"
    with pytest.raises(RuleError, match="delivers Taking control"):
        add_make_up(db, participant_id=cora, module_id=asthma_module.module_id, session_id=alone.id)
    with pytest.raises(RuleError, match="enrolled in the course"):
        add_make_up(db, participant_id=dov, module_id=asthma_module.module_id, session_id=b1.id)
    add_make_up(db, participant_id=cora, module_id=asthma_module.module_id, session_id=b1.id)
    assert cora in _roster(db, b1.id)
    assert _status(db, a.id, cora) == [ModuleStatus.ATTENDED, ModuleStatus.MAKE_UP_PLANNED]
    with pytest.raises(RuleError, match="Module 2 is done already: attended on 2026-03-09"):
        add_make_up(db, participant_id=ada, module_id=asthma_module.module_id, session_id=b1.id)

    run(db, frozen_clock, b1.id, when=b1.scheduled_at)
    visit = module_visits(db, a.id, cora)[1]
    assert (visit.status, visit.session_id, visit.course_name, visit.make_up) == (ModuleStatus.MADE_UP, b1.id,
                                                                                   "Course B", True)
    progress = course_progress(db, a.id)
    assert progress.completed == 3 and progress.completion_rate == 1.0
    assert progress.modules[1].counts[ModuleStatus.MADE_UP] == 1 and progress.modules[1].present == 2
    other = course_progress(db, b.id)  # Cora is not one of B's participants, but was in its room
    assert [p.participant_id for p in other.participants] == sorted([dov, esi])
    assert (other.modules[0].rostered, other.modules[0].present) == (3, 3)


def test_moving_to_a_make_up_takes_the_participant_off_the_own_session(db, frozen_clock):
    ada, bram, cora = _people(db, 3)
    a, (a1, a2) = _course(db, [DIABETES] * 2, [ada, bram, cora], name="Course A")
    b, (b1,) = _course(db, [DIABETES], [bram], first=date(2026, 3, 4), name="Course B")
    module2 = course_progress(db, a.id).modules[1].module_id
    with pytest.raises(RuleError, match="this course itself"):
        add_make_up(db, participant_id=cora, module_id=module2, session_id=a1.id)
    add_make_up(db, participant_id=cora, module_id=module2, session_id=b1.id)  # before module 2: she moves
    assert cora not in _roster(db, a2.id) and cora in _roster(db, b1.id)
    # the same curriculum twice: the make-up fills the earliest module not attended in the own session
    run(db, frozen_clock, b1.id, when=b1.scheduled_at)
    set_present(db, session_id=a1.id, participant_id=cora, present=False)
    run(db, frozen_clock, a1.id, when=a1.scheduled_at)
    assert _status(db, a.id, cora) == [ModuleStatus.MADE_UP, ModuleStatus.MISSED]


def test_a_session_before_joining_is_no_make_up(db, frozen_clock):
    ada, bram, cora = _people(db, 3)
    earlier = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=T0 - timedelta(days=3),
                             setting="clinic", facilitator_id=None, participant_ids=[ada, bram])
    run(db, frozen_clock, earlier.id, when=earlier.scheduled_at)
    frozen_clock.set(T0 - timedelta(days=1))
    course, (m1,) = _course(db, [DIABETES], [bram, cora])
    enrol(db, course_id=course.id, participant_id=ada)
    assert _status(db, course.id, ada) == [ModuleStatus.PLANNED]  # the earlier session does not count


# ---------------------------------------------------------------- progress


def test_progress_completion_change_and_hours_at_their_boundaries(db, frozen_clock):
    ada, bram, cora = _people(db, 3)
    course, (m1, m2, m3) = _course(db, [DIABETES] * 3, [ada, bram, cora])
    assert course_progress(db, course.id).completion_rate == 0.0
    assert course_progress(db, course.id).next_session == (m1.id, m1.scheduled_at)

    frozen_clock.at(m1.scheduled_at)
    start_session(db, session_id=m1.id)
    rate(db, m1.id, ada, "pre", 3)
    rate(db, m1.id, bram, "pre", 2, n=len(ITEMS) - 3)  # three items missing: not scored
    frozen_clock.at(m1.scheduled_at, 29)
    live = course_progress(db, course.id)
    assert live.next_session == (m1.id, m1.scheduled_at)  # running now
    assert [v.status for v in live.participants[0].modules] == [ModuleStatus.ATTENDED, ModuleStatus.PLANNED,
                                                                ModuleStatus.PLANNED]
    run_rest(db, frozen_clock, m1, minutes=60)

    frozen_clock.at(m2.scheduled_at)
    set_present(db, session_id=m2.id, participant_id=cora, present=False)
    start_session(db, session_id=m2.id)
    rate(db, m2.id, ada, "pre", 5)
    rate(db, m2.id, ada, "post", 6)
    rate(db, m2.id, bram, "pre", 4)
    run_rest(db, frozen_clock, m2, minutes=29)  # under 30 minutes: attended, no G0109 unit

    frozen_clock.at(m3.scheduled_at)
    start_session(db, session_id=m3.id)
    rate(db, m3.id, ada, "post", 8)
    rate(db, m3.id, bram, "post", 7)
    run_rest(db, frozen_clock, m3, minutes=90)

    p = course_progress(db, course.id)
    by = {x.participant_id: x for x in p.participants}
    assert by[ada].complete and by[bram].complete and not by[cora].complete
    assert [v.position for v in by[cora].missing] == [2]
    assert (p.completed, p.enrolled, p.completion_rate) == (2, 3, pytest.approx(2 / 3))
    assert [(m.rostered, m.present, m.counts[ModuleStatus.MISSED]) for m in p.modules] == [(3, 3, 0), (3, 2, 1),
                                                                                           (3, 3, 0)]
    # Ada: the first pre (3, module 1) to the last post (8, module 3); Bram: his first scorable pre (module 2)
    (measure,) = p.changes
    assert (measure.participants, measure.pre, measure.post) == (2, pytest.approx(3.5), pytest.approx(7.5))
    assert by[ada].changes[0].change == pytest.approx(5)
    # hours: 60 min = 2 units, 29 min = none, 90 min = 3 units (G0109 counts full 30 minutes)
    assert (by[ada].group_hours, by[ada].individual_hours) == (2.5, 0.0)
    assert by[cora].group_hours == 2.5
    assert p.next_session is None


def run_rest(db, clk, s, *, minutes):
    """Move a started session to Teaching halfway and end it `minutes` after its scheduled time."""
    from models.sessions import end_session, go_to_step

    clk.at(s.scheduled_at, minutes / 2)
    go_to_step(db, session_id=s.id, step="teach")
    clk.at(s.scheduled_at, minutes)
    end_session(db, session_id=s.id)


def test_no_one_enrolled_has_no_completion_rate(db):
    course, _ = _course(db, [DIABETES], [])
    p = course_progress(db, course.id)
    assert (p.enrolled, p.completion_rate, p.changes[0].participants, p.changes[0].change) == (0, None, 0, None)
    assert course_progress(db, course.id + 1) is None


def test_participant_detail_topics_goals_and_the_order(db, frozen_clock):
    ada, bram = _people(db, 2)
    course, (m1, m2) = _course(db, [DIABETES] * 2, [ada, bram])
    frozen_clock.at(m1.scheduled_at)
    start_session(db, session_id=m1.id)
    set_competency(db, session_id=m1.id, participant_id=ada, topic_id="medicines", phase="pre", level="1")
    set_competency(db, session_id=m1.id, participant_id=ada, topic_id="medicines", phase="post", level="3")
    goal = add_goal(db, session_id=m1.id, participant_id=ada, behaviour="Monitoring", text="Check twice a day",
                    confidence=8, follow_up_date=date(2026, 4, 1))
    add_goal(db, session_id=m1.id, participant_id=ada, behaviour="Being active", text="Walk after lunch",
             confidence=6, follow_up_date=date(2026, 4, 1))
    run_rest(db, frozen_clock, m1, minutes=120)
    mark_goal_followed_up(db, goal_id=goal.id)

    d = participant_progress(db, course.id, ada)
    assert d.order is not None and d.order.referral is None  # no order recorded
    levels = {t.topic_id: (t.level, t.label) for t in d.topics}
    assert levels["medicines"] == ("3", "3 comprehends key points")
    assert len(d.topics) == len(curriculum().topics)
    assert all(t.level is None and t.label == "not rated" for t in d.topics if t.topic_id != "medicines")
    assert (len(d.goals), d.goals_followed_up) == (2, 1)
    assert [v.status for v in d.progress.modules] == [ModuleStatus.ATTENDED, ModuleStatus.PLANNED]
    assert d.progress.group_hours == 2.0

    db.add(Referral(participant_id=ada, practitioner_name="Dr Iva Inventedson", order_date=date(2026, 2, 1),
                    group_minutes_ordered=540))
    db.flush()
    d = participant_progress(db, course.id, ada)
    assert d.order.referral is not None and d.order.group.limit == 9
    assert participant_progress(db, course.id, create_participant(db, first_name="Eli", last_name="Nobody").id) is None


def test_list_courses_newest_first_with_completion(db, frozen_clock):
    pids = _people(db, 4)
    old, (o1,) = _course(db, [DIABETES], pids[:2], name="Spring group")
    new, _ = _course(db, [DIABETES] * 2, pids[2:], first=date(2026, 4, 7), name="April group")
    run(db, frozen_clock, o1.id, when=o1.scheduled_at)
    rows, total = list_courses(db)
    assert total == 2 and [r.name for r in rows] == ["April group", "Spring group"]
    assert (rows[1].completed, rows[1].ever_enrolled, rows[1].completion_rate, rows[1].next_at) == (2, 2, 1.0, None)
    assert (rows[0].modules, rows[0].enrolled, rows[0].completion_rate) == (2, 2, 0.0)
    assert rows[0].next_at is not None and clock.to_local(rows[0].next_at).date() == date(2026, 4, 7)
    assert list_courses(db, limit=1, offset=1)[0][0].name == "Spring group"


@pytest.mark.parametrize(("weekday", "today", "proposed"), [
    ("tuesday", date(2026, 11, 23), date(2026, 11, 24)),  # a Monday: tomorrow
    ("tuesday", date(2026, 11, 24), date(2026, 12, 1)),  # the day itself: a week on, never the planning day
    ("monday", date(2026, 11, 29), date(2026, 11, 30)),  # a Sunday: across the week's end
    (None, date(2026, 11, 24), date(2026, 11, 24)),  # no day in the file: today
])
def test_a_course_file_proposes_its_first_date(weekday, today, proposed):
    t = CourseTemplate(id="c", name="Course", modules=["m"], weekday=weekday)
    assert t.first_date(today) == proposed
