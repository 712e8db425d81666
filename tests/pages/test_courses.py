"""The Courses page: planning a course from a course file, the course with its sessions and progress, joining
later, leaving and arranging a make-up; bad links; the course files on the Curricula page; the sign-in gate.
Every person here is invented."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from models import clock
from models.attendance import set_present
from models.course_progress import ModuleStatus, module_visits
from models.courses import course_sessions, plan_course
from models.db import session_scope
from models.people import create_facilitator, create_participant
from models.rules import MAX_COURSE_MODULES, SETTINGS
from models.sessions import end_session, start_session
from models.tables import Attendance, Course, CourseEnrolment, GroupSession
from tests.factories import INVENTED, curriculum
from tests.pages.helpers import all_text, app, link_of

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.frozen_clock(NOW)


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _links(at):
    return [(pl.proto.label, pl.proto.query_string) for pl in at.get("page_link")]


def test_plan_a_course_from_a_course_file(engine, frozen_clock):
    with session_scope(engine) as db:
        fac = create_facilitator(db, name="Pat Educator", credential="RN, CDCES").id
        ids = [create_participant(db, first_name=f, last_name=last).id for f, last in INVENTED[:3]]
    at = app("pages/courses.py")
    at.session_state["courses_tab"] = "Plan a course"
    at.run()
    assert not at.exception
    at.selectbox(key="course_template").select("diabetes-weekly-series").run()
    assert at.text_input(key="course_name").value == "Living well with diabetes: four weekly group sessions"
    assert [at.selectbox(key=f"course_module_{i}").value for i in range(4)] == ["diabetes-dsmt-group"] * 4
    assert at.selectbox(key="course_code").value == "G0109"
    assert at.date_input(key="course_first").value == date(2026, 12, 1)  # the file's Tuesday, next week
    assert at.time_input(key="course_time").value == time(10, 0)
    at.text_input(key="course_name").input("Tuesday morning group")
    at.multiselect(key="course_roster").set_value(ids).run()
    assert "Sessions: Tue 2026-12-01 10:00 · Tue 2026-12-08 10:00 · Tue 2026-12-15 10:00 · Tue 2026-12-22 10:00" \
        in [c.value for c in at.caption]
    _button(at, "Create course").click().run()
    assert not at.exception

    with session_scope(engine) as db:
        course = db.exec(select(Course)).one()
        sessions = course_sessions(db, course.id)
        assert (course.name, course.billing_code, course.facilitator_id) == ("Tuesday morning group", "G0109", fac)
        assert [clock.fmt_local(s.scheduled_at) for s in sessions] == [
            "2026-12-01 10:00", "2026-12-08 10:00", "2026-12-15 10:00", "2026-12-22 10:00"]
        assert all(sorted(a.participant_id for a in db.exec(select(Attendance).where(Attendance.session_id == s.id)))
                   == sorted(ids) for s in sessions)
        assert len(db.exec(select(CourseEnrolment)).all()) == 3
    # the course itself is shown, with a link to each session's live view and record
    text = all_text(at)
    assert "Tuesday morning group" in text and "Module 4" in text
    links = _links(at)
    assert [q for label, q in links if label == "Live view"] == [f"session={s.id}" for s in sessions]
    assert [q for label, q in links if label == "Session record"] == [f"session={s.id}" for s in sessions]

    # and in the list
    back = app("pages/courses.py").run()
    table = back.dataframe[0].value
    assert list(table["Name"]) == ["Tuesday morning group"] and list(table["Course"]) == [
        f"courses?course={course.id}"]
    assert list(table["Next session"]) == ["2026-12-01 10:00"]


def test_modules_without_a_common_code_cannot_be_planned(engine):
    with session_scope(engine) as db:
        create_facilitator(db, name="Pat Educator", credential="RN")
    at = app("pages/courses.py")
    at.session_state["courses_tab"] = "Plan a course"
    at.run()
    at.number_input(key="course_n").set_value(2).run()
    at.selectbox(key="course_module_0").select("diabetes-dsmt-group")
    at.selectbox(key="course_module_1").select("asthma-group").run()
    assert not at.exception
    assert "no billing code in common" in at.error[0].value
    assert not [b for b in at.button if b.label == "Create course"]


@pytest.fixture
def two_courses(engine, frozen_clock):
    """Course A (diabetes twice, weekly from 2026-11-19): module 1 held, Cora absent; module 2 to come. Course B
    (diabetes, 2026-11-30) for another group."""
    with session_scope(engine) as db:
        fac = create_facilitator(db, name="Pat Educator", credential="RN, CDCES").id
        people = [create_participant(db, first_name=f, last_name=last).id for f, last in INVENTED[:6]]
        ada, bram, cora, dov, esi, finn = people
        common = dict(start_time=time(10, 0), setting="clinic", facilitator_id=fac, billing_code="G0109")
        a = plan_course(db, name="Course A", modules=[curriculum()] * 2, first_date=date(2026, 11, 19),
                        participant_ids=[ada, bram, cora], **common).id
        b = plan_course(db, name="Course B", modules=[curriculum()], first_date=date(2026, 11, 30),
                        participant_ids=[dov, esi], **common).id
        a1 = course_sessions(db, a)[0]
        set_present(db, session_id=a1.id, participant_id=cora, present=False)
    with session_scope(engine) as db:
        frozen_clock.set(a1.scheduled_at)
        start_session(db, session_id=a1.id)
        frozen_clock.set(a1.scheduled_at + timedelta(minutes=120))
        end_session(db, session_id=a1.id)
    frozen_clock.set(NOW)
    return a, b, people


def test_arrange_a_make_up_moves_the_participant(engine, two_courses):
    a, b, (ada, bram, cora, *_) = two_courses
    at = app("pages/courses.py", course=a).run()
    assert not at.exception
    text = all_text(at)
    assert "Course A" in text and "Completed" in text
    grid = at.dataframe[0].value  # participants (no pre → post table yet: nothing rated)
    assert "Cora Inventa" in list(grid["Participant"])
    at.selectbox(key="mu_person").select(cora).run()
    assert at.selectbox(key="mu_module").options[0].startswith("1. Living well with diabetes")
    session_b = at.selectbox(key="mu_session")
    assert session_b.options == ["Mon 2026-11-30 10:00 · Course B · 2 on the roster"]
    _button(at, "Arrange make-up").click().run()
    assert not at.exception
    assert "Make-up arranged" in all_text(at)
    with session_scope(engine) as db:
        b1 = course_sessions(db, b)[0]
        assert cora in [x.participant_id for x in db.exec(select(Attendance).where(Attendance.session_id == b1.id))]
        assert [v.status for v in module_visits(db, a, cora)] == [ModuleStatus.MAKE_UP_PLANNED, ModuleStatus.PLANNED]


def test_join_later_and_leave_on_the_page(engine, two_courses):
    a, _, (ada, bram, cora, dov, esi, finn) = two_courses
    at = app("pages/courses.py", course=a).run()
    at.text_input(key="join_search").input("Finn").run()
    at.selectbox(key="join_pick").select(finn).run()
    _button(at, "Enrol").click().run()
    assert not at.exception and "Enrolled: on the roster" in all_text(at)
    at.selectbox(key="leave_pick").select(bram).run()
    _button(at, "Leaves the course").click().run()
    assert not at.exception and "Left the course" in all_text(at)
    with session_scope(engine) as db:
        a1, a2 = course_sessions(db, a)
        roster2 = sorted(x.participant_id for x in db.exec(select(Attendance).where(Attendance.session_id == a2.id)))
        assert roster2 == sorted([ada, cora, finn])
        assert bram in [x.participant_id for x in db.exec(select(Attendance).where(Attendance.session_id == a1.id))]


def test_participant_progress_on_the_page(engine, two_courses):
    a, _, (ada, *_) = two_courses
    at = app("pages/courses.py", course=a).run()
    at.selectbox(key="progress_of").select(ada).run()
    assert not at.exception
    text = all_text(at)
    assert "still missing: module 2" in text and "No order recorded." in text
    assert "This course: 2 h group, 0 h individual" in text


@pytest.mark.parametrize(("value", "said"), [("abc", "does not name a course"),
                                             ("2147483647", "There is no course with that number")])
def test_bad_links(any_db_url, value, said):
    at = app("pages/courses.py", course=value).run()
    assert not at.exception
    assert said in " ".join(x.value for x in at.info)


def test_course_files_on_the_curricula_page(any_db_url):
    at = app("pages/curricula.py").run()
    assert not at.exception
    text = all_text(at)
    assert "Living well with diabetes: four weekly group sessions" in text
    assert "diabetes-weekly-series.yaml" in text


def test_menu_lists_courses(any_db_url):
    at = app("pages/plan.py").run()
    assert ("Courses", "") in _links(at)


AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "id", "client_secret": "secret",
                 "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}


def test_signed_out_user_sees_only_sign_in(any_db_url):
    at = app("pages/courses.py", course=1)
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception and [t.value for t in at.title] == ["Sign in"]


def test_plan_session_rows_are_untouched(engine):
    """A course's sessions are ordinary sessions: the group_session rows carry the course and module only."""
    with session_scope(engine) as db:
        plan_course(db, name="X", modules=[curriculum()], first_date=date(2026, 12, 1), start_time=time(9, 0),
                    setting="clinic", facilitator_id=None, billing_code="G0109", participant_ids=[])
        s = db.exec(select(GroupSession)).one()
        assert s.course_id is not None and s.course_module_id is not None and s.status == "planned"


def test_the_plan_forms_choices_are_in_the_link_and_a_reload_brings_them_back(engine, frozen_clock):
    """"Plan a course" keeps its modules, code, dates, time, setting, facilitator and roster (ids, never names) in the
    page's link while its tab is open; a reload (a new browser session on that link) opens the tab with them, and
    creating the course leaves only the course in the link. The list's tab takes them out of the link."""
    with session_scope(engine) as db:
        create_facilitator(db, name="Pat Educator", credential="RN, CDCES")
        fac2 = create_facilitator(db, name="Lee Dietitian", credential="RD").id
        ids = [create_participant(db, first_name=f, last_name=last).id for f, last in INVENTED[:3]]
    at = app("pages/courses.py")
    at.session_state["courses_tab"] = "Plan a course"
    at.run()
    at.number_input(key="course_n").set_value(2).run()
    for i in range(2):
        at.selectbox(key=f"course_module_{i}").select("diabetes-dsmt-group").run()
    at.date_input(key="course_first").set_value(date(2026, 12, 1)).run()
    at.time_input(key="course_time").set_value(time(14, 30)).run()
    at.checkbox(key="course_weekly").uncheck().run()
    at.date_input(key="course_date_1").set_value(date(2026, 12, 10)).run()
    at.selectbox(key="course_setting").select("telehealth").run()
    at.selectbox(key="course_facilitator").select(fac2).run()
    at.multiselect(key="course_roster").set_value([ids[2], ids[0]]).run()
    link = link_of(at)
    modules = [at.selectbox(key=f"course_module_{i}").value for i in range(2)]
    assert link == {"tab": "plan", "modules": ",".join(modules), "code": at.selectbox(key="course_code").value,
                    "first": "2026-12-01", "time": "14:30", "weekly": "0", "dates": "2026-12-01,2026-12-10",
                    "setting": "telehealth", "facilitator": str(fac2), "roster": f"{ids[2]},{ids[0]}"}
    assert not any(f for f, _ in INVENTED[:3] if f in "".join(link.values()))  # ids, never a name

    again = app("pages/courses.py", **link).run()  # the reload, on the list's tab by default
    assert not again.exception
    assert [again.selectbox(key=f"course_module_{i}").value for i in range(2)] == modules
    assert (again.date_input(key="course_first").value, again.time_input(key="course_time").value) == (
        date(2026, 12, 1), time(14, 30))
    assert again.checkbox(key="course_weekly").value is False
    assert again.date_input(key="course_date_1").value == date(2026, 12, 10)
    assert again.selectbox(key="course_setting").value == "telehealth"
    assert again.selectbox(key="course_facilitator").value == fac2
    assert again.multiselect(key="course_roster").value == [ids[2], ids[0]]
    again.text_input(key="course_name").input("Invented Thursday group")
    _button(again, "Create course").click().run()
    assert not again.exception
    with session_scope(engine) as db:
        course = db.exec(select(Course)).one()
        assert [clock.fmt_local(s.scheduled_at) for s in course_sessions(db, course.id)] == [
            "2026-12-01 14:30", "2026-12-10 14:30"]
    assert link_of(again) == {"course": str(course.id)}

    listed = app("pages/courses.py", **link).run()
    listed.session_state["courses_tab"] = "Courses"  # the list's tab, chosen
    listed.run()
    assert link_of(listed) == {}


@pytest.mark.parametrize("link", [
    {"tab": "plan", "modules": "../x,nope", "code": "G9999", "first": "2026-02-30", "time": "25:00", "weekly": "0",
     "dates": "x,1900-01-01", "setting": "moon", "facilitator": "x", "roster": "x,999999,١٢", "template": "../x"},
    {"tab": "plan", "modules": ",".join(["diabetes-dsmt-group"] * 500), "roster": ",".join(map(str, range(5000)))},
])
def test_a_plan_link_the_form_cannot_take_opens_it_as_new(engine, link):
    with session_scope(engine) as db:
        create_facilitator(db, name="Pat Educator", credential="RN")
    at = app("pages/courses.py", **link).run()
    assert not at.exception
    assert at.multiselect(key="course_roster").value == []
    assert at.number_input(key="course_n").value <= MAX_COURSE_MODULES
    assert at.selectbox(key="course_setting").value in SETTINGS
