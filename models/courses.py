"""Courses: a named series of sessions for one cohort, one session per module (a curriculum). Each session of a
course is an ordinary session with its own record; the course only says which module it delivers and who is
enrolled. Planning, enrolment and make-ups are here; where each person stands is in models/course_progress.py.

Definitions (the numbers are in models/rules.py):
* Planning: one planned session per module, in order. Weekly sessions are COURSE_INTERVAL_DAYS apart in local
  calendar days, each at the same local wall-clock time, so a daylight-saving change between two of them moves
  the UTC time and never the time on the clock.
* Roster: everyone enrolled is on the roster of every session of the course still planned when they join (one who
  joins later is added to those); one who leaves is taken off the planned ones and stays on every session that
  has started. Each session's roster can still be changed on its own, as any session's.
* Make-up: `add_make_up` puts a participant on another course's or a stand-alone session of a module's curriculum
  (and off the course's own planned session of that module); what counts as one is defined in
  models/course_progress.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, select

from models import clock
from models.attendance import add_to_roster
from models.course_progress import module_visits
from models.curriculum import Curriculum, course_codes
from models.enums import SessionStatus
from models.errors import UNCHECKED, Conflict, RuleError, Unchecked
from models.forgotten import checked_text
from models.rules import (
    CODES,
    COURSE_INTERVAL_DAYS,
    MAX_COURSE_MODULES,
    MAX_NAME,
    check_group_size,
)
from models.session_rows import require_session, touch
from models.sessions import create_session
from models.tables import (
    Attendance,
    CompetencyRating,
    Course,
    CourseEnrolment,
    CourseModule,
    Goal,
    GroupSession,
    Note,
    Participant,
    Rating,
)

# ---------------------------------------------------------------- planning


def weekly_dates(first: date, count: int) -> list[date]:
    """The local calendar days of `count` weekly sessions from `first`."""
    return [first + timedelta(days=COURSE_INTERVAL_DAYS * i) for i in range(count)]


def plan_course(
    db: Session,
    *,
    name: str,
    modules: Sequence[Curriculum],
    start_time: time,
    first_date: date | None = None,
    dates: Sequence[date] | None = None,
    setting: str,
    facilitator_id: int | None,
    billing_code: str,
    participant_ids: Sequence[int],
) -> Course:
    """A course of `modules` (curricula, in order; one may come more than once) with one planned session each:
    weekly from `first_date`, or on `dates` (one a module, in order), all at the local time `start_time`. Everyone
    in `participant_ids` is enrolled and on every session's roster."""
    name = checked_text(name, what="course name", limit=MAX_NAME, required=False)
    if not name:
        raise RuleError("A course needs a name.")
    if not modules:
        raise RuleError("Choose at least one module.")
    if len(modules) > MAX_COURSE_MODULES:
        raise RuleError(f"A course has at most {MAX_COURSE_MODULES} modules; this one has {len(modules)}.")
    shared = ", ".join(course_codes(list(modules))) or "no code"
    for n, cur in enumerate(modules, 1):
        if billing_code not in cur.codes:
            raise RuleError(f"Module {n} ({cur.title}) may be delivered under {', '.join(cur.codes)}, "
                            f"not {billing_code}. The modules share {shared}.")
    if dates is None:
        if first_date is None:
            raise RuleError("Choose the date of the first session.")
        days = weekly_dates(first_date, len(modules))
    else:
        days = list(dates)
        if len(days) != len(modules):
            raise RuleError(f"Give one date a module: {len(modules)} modules, {len(days)} dates.")
        if any(b <= a for a, b in zip(days, days[1:], strict=False)):
            raise RuleError("The modules' dates must be in order, each on a later day than the one before.")
    ids = list(dict.fromkeys(participant_ids))
    course = Course(name=name, setting=setting, facilitator_id=facilitator_id, billing_code=billing_code)
    db.add(course)
    db.flush()
    for pid in ids:
        db.add(CourseEnrolment(course_id=course.id, participant_id=pid))
    for n, (cur, day) in enumerate(zip(modules, days, strict=True), 1):
        module = CourseModule(course_id=course.id, position=n, curriculum_id=cur.id, title=cur.title)
        db.add(module)
        db.flush()
        s = create_session(db, curriculum=cur, billing_code=billing_code,
                           scheduled_at=clock.from_local(datetime.combine(day, start_time)), setting=setting,
                           facilitator_id=facilitator_id, participant_ids=ids)
        s.course_id, s.course_module_id = course.id, module.id
        db.add(s)
    db.flush()
    return course


def get_course(db: Session, course_id: int) -> Course | None:
    return db.get(Course, course_id)


def _require_course(db: Session, course_id: int) -> Course:
    course = db.get(Course, course_id)
    if course is None:
        raise RuleError("That course does not exist.")
    return course


def course_sessions(db: Session, course_id: int) -> list[GroupSession]:
    """The course's own sessions, in module order."""
    return list(db.exec(
        select(GroupSession).join(CourseModule, CourseModule.id == GroupSession.course_module_id)
        .where(GroupSession.course_id == course_id)
        .order_by(CourseModule.position, GroupSession.scheduled_at, GroupSession.id)))


def _planned_sessions(db: Session, course_id: int) -> list[GroupSession]:
    return [s for s in course_sessions(db, course_id) if s.status == SessionStatus.PLANNED]


def enrolment(db: Session, course_id: int, participant_id: int) -> CourseEnrolment | None:
    return db.exec(select(CourseEnrolment).where(CourseEnrolment.course_id == course_id,
                                                 CourseEnrolment.participant_id == participant_id)).first()


# ---------------------------------------------------------------- rosters: join, leave, make-up


def _check_room(db: Session, s: GroupSession) -> None:
    """Refused when one more patient on the roster is more than any code of its family takes."""
    n = db.exec(select(func.count()).select_from(Attendance).where(Attendance.session_id == s.id)).one()
    check = check_group_size(s.billing_code, n + 1)
    if check.refused:
        raise RuleError(f"The session of {clock.fmt_local(s.scheduled_at)}: {check.message}")


def _take_off_roster(db: Session, s: GroupSession, participant_id: int) -> None:
    """Off a planned session's roster. A roster entry with nothing written for the person stays nowhere; one with
    a rating, competency, note or goal already is kept, marked as not expected, so nothing written is lost."""
    att = db.exec(select(Attendance).where(Attendance.session_id == s.id,
                                           Attendance.participant_id == participant_id)).first()
    if att is None:
        return
    written = any(db.exec(select(model.id).where(model.session_id == s.id, model.participant_id == participant_id)
                          .limit(1)).first() is not None for model in (Rating, CompetencyRating, Note, Goal))
    if written:
        if att.present:
            att.present = False
            att.version += 1
            db.add(att)
    else:
        db.delete(att)
    touch(db, s.id)
    db.flush()


def _set_enrolment(db: Session, e: CourseEnrolment, seen_version: int | Unchecked, **values) -> None:
    """Write `values` to the enrolment if it is still the version the screen showed (checked in the UPDATE
    itself); Conflict carries when the person left (None: enrolled)."""
    if not isinstance(seen_version, Unchecked) and seen_version != e.version:
        raise Conflict(e.left_at, e.version)
    done = db.execute(update(CourseEnrolment)
                      .where(CourseEnrolment.id == e.id, CourseEnrolment.version == e.version)
                      .values(**values, version=e.version + 1).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.refresh(e)
        raise Conflict(e.left_at, e.version)
    db.expire(e)


def enrol(db: Session, *, course_id: int, participant_id: int,
          seen_version: int | Unchecked = UNCHECKED) -> CourseEnrolment:
    """Enrol a participant, now: on the roster of every session of the course still planned. Someone who left
    comes back (checked against the enrolment's version the screen showed); someone enrolled stays as they are."""
    _require_course(db, course_id)
    if db.get(Participant, participant_id) is None:
        raise RuleError("That participant does not exist.")
    e = enrolment(db, course_id, participant_id)
    if e is not None and e.left_at is None:
        return e
    planned = _planned_sessions(db, course_id)
    for s in planned:
        if not db.exec(select(Attendance.id).where(Attendance.session_id == s.id,
                                                   Attendance.participant_id == participant_id)).first():
            _check_room(db, s)
    if e is None:
        e = CourseEnrolment(course_id=course_id, participant_id=participant_id)
        db.add(e)
        db.flush()
    else:
        _set_enrolment(db, e, seen_version, left_at=None)
    for s in planned:
        att = add_to_roster(db, session_id=s.id, participant_id=participant_id)
        if not att.present:  # kept from before leaving, marked as not expected
            att.present = True
            att.version += 1
            db.add(att)
    db.flush()
    return e


def leave(db: Session, *, course_id: int, participant_id: int,
          seen_version: int | Unchecked = UNCHECKED) -> CourseEnrolment:
    """A participant leaves the course now: off the roster of every session still planned, kept on the others.
    Checked against the enrolment's version the screen showed."""
    e = enrolment(db, course_id, participant_id)
    if e is None:
        raise RuleError("That participant is not enrolled in this course.")
    if e.left_at is not None:
        return e
    _set_enrolment(db, e, seen_version, left_at=clock.now())
    for s in _planned_sessions(db, course_id):
        _take_off_roster(db, s, participant_id)
    return e


@dataclass(frozen=True)
class MakeUpOption:
    """A session a participant could attend as a make-up for a module."""

    session_id: int
    scheduled_at: datetime
    status: str
    course_name: str | None  # None: a stand-alone session
    rostered: int
    code: str

    @property
    def full(self) -> bool:
        return self.rostered >= CODES[self.code].max_patients


def make_up_options(db: Session, *, module_id: int, now: datetime | None = None, limit: int = 50
                    ) -> list[MakeUpOption]:
    """Sessions of the module's curriculum outside its course, running or planned from today on, soonest first."""
    now = now or clock.now()
    module = db.get(CourseModule, module_id)
    if module is None:
        return []
    rostered = (select(func.count()).select_from(Attendance).where(Attendance.session_id == GroupSession.id)
                .scalar_subquery())
    rows = db.exec(
        select(GroupSession.id, GroupSession.scheduled_at, GroupSession.status, Course.name, rostered,
               GroupSession.billing_code)
        .outerjoin(Course, Course.id == GroupSession.course_id)
        .where(GroupSession.curriculum_id == module.curriculum_id,
               or_(GroupSession.course_id.is_(None), GroupSession.course_id != module.course_id),
               or_(GroupSession.status == SessionStatus.LIVE,
                   and_(GroupSession.status == SessionStatus.PLANNED,
                        GroupSession.scheduled_at >= clock.day_start(clock.today(now)))))
        .order_by(GroupSession.scheduled_at, GroupSession.id).limit(limit)).all()
    return [MakeUpOption(*r) for r in rows]


def add_make_up(db: Session, *, participant_id: int, module_id: int, session_id: int,
                now: datetime | None = None) -> Attendance:
    """A make-up: put an enrolled participant on another course's (or a stand-alone) session of the module's
    curriculum; once attended it counts for the module (see the module's docstring). A participant on the course's
    own planned session of that module is taken off it: they go to the make-up instead."""
    module = db.get(CourseModule, module_id)
    if module is None:
        raise RuleError("That module does not exist.")
    e = enrolment(db, module.course_id, participant_id)
    if e is None or e.left_at is not None:
        raise RuleError("Only a participant enrolled in the course can make up one of its modules.")
    s = require_session(db, session_id, statuses=(SessionStatus.PLANNED, SessionStatus.LIVE))
    if s.curriculum_id != module.curriculum_id:
        raise RuleError(f"That session delivers {s.curriculum_title}, not module {module.position} "
                        f"({module.title}).")
    if s.course_id == module.course_id:
        raise RuleError("That is a session of this course itself; a make-up is another course's or a stand-alone "
                        "session.")
    visit = next(v for v in module_visits(db, module.course_id, participant_id, now=now) if v.module_id == module_id)
    if visit.done:
        raise RuleError(f"Module {module.position} is done already: {visit.status} on {visit.day:%Y-%m-%d}.")
    if not db.exec(select(Attendance.id).where(Attendance.session_id == s.id,
                                               Attendance.participant_id == participant_id)).first():
        _check_room(db, s)
    for own in _planned_sessions(db, module.course_id):
        if own.course_module_id == module_id:
            _take_off_roster(db, own, participant_id)
    return add_to_roster(db, session_id=s.id, participant_id=participant_id)
