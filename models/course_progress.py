"""Progress through a course: per participant, the modules attended or made up, topics, goals and hours beside
the order; per course, attendance per module, completion and the pre → post change; and the list of courses.
Planning and enrolment are in models/courses.py.

Definitions (the numbers are in models/rules.py):
* Attended: presence overlapping the face-to-face time (models/billing.py), in a session that is live or ended.
* Make-up: an enrolled participant who attends another course's session, or a stand-alone session, of a module's
  curriculum, scheduled from the day they joined (not before the course's first day) until MAKE_UP_WINDOW_DAYS
  after the course's last session, and before they left. It counts for the earliest module of that curriculum
  they did not attend in the course's own session; one planned (on the roster, not yet attended) shows as a
  make-up planned.
* Complete: every module attended or made up. Completion rate: participants who completed / everyone who enrolled
  (those who left included: leaving is not completing, unless every module was done before).
* Pre → post change of an outcome measure (a module curriculum's assessment, scored as in models/assessments.py):
  per participant, the pre score of the first session of that curriculum counted for them with a scorable pre,
  and the post score of the last one (not before it) with a scorable post; per course, the mean pre and mean post
  of the participants with both.
* Hours used: the units of the sessions counted for the participant (models/billing.py) as hours, group or
  individual by the code the record supports; beside the practitioner's order (models/referrals.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, select

from models import clock
from models.assessments import is_scorable
from models.enums import SessionStatus
from models.loads import SessionFacts, chunks, session_facts
from models.participant_history import GoalRow, latest_competency
from models.people import full_name, participants_by_id
from models.referrals import OrderStatus, order_status
from models.rules import (
    CODES,
    MAKE_UP_WINDOW_DAYS,
    unit_hours,
)
from models.session_rows import session_curriculum, session_day
from models.tables import (
    Attendance,
    CompetencyRating,
    Course,
    CourseEnrolment,
    CourseModule,
    Facilitator,
    Goal,
    GroupSession,
    Participant,
    Rating,
)

# ---------------------------------------------------------------- progress


class ModuleStatus(StrEnum):
    """Where one participant stands with one module."""

    ATTENDED = "attended"  # in the course's own session
    MADE_UP = "made up"  # in another course's or a stand-alone session
    PLANNED = "planned"  # on the roster of the course's own session, not held yet
    MAKE_UP_PLANNED = "make-up planned"  # on the roster of a make-up session, not held yet
    MISSED = "missed"  # none of these


DONE = (ModuleStatus.ATTENDED, ModuleStatus.MADE_UP)


@dataclass(frozen=True)
class ModuleVisit:
    """One module for one participant: how it stands, and the session that counts (or is planned)."""

    module_id: int
    position: int
    title: str
    curriculum_id: str
    status: ModuleStatus
    session_id: int | None
    scheduled_at: datetime | None
    course_name: str | None  # the course of a make-up session; None for the own course or a stand-alone one
    group_hours: float = 0.0
    individual_hours: float = 0.0

    @property
    def done(self) -> bool:
        return self.status in DONE

    @property
    def make_up(self) -> bool:
        return self.status in (ModuleStatus.MADE_UP, ModuleStatus.MAKE_UP_PLANNED)

    @property
    def day(self) -> date | None:
        return clock.local_day(self.scheduled_at)


@dataclass(frozen=True)
class MeasureChange:
    """Pre → post change of one outcome measure (a curriculum's assessment) across the course."""

    curriculum_id: str
    measure: str
    participants: int  # with both a pre and a post score
    pre: float | None  # mean pre score
    post: float | None

    @property
    def change(self) -> float | None:
        return None if self.pre is None or self.post is None else self.post - self.pre


@dataclass
class ParticipantProgress:
    participant_id: int
    name: str
    joined_at: datetime
    left_at: datetime | None
    version: int  # the enrolment's, for leave / enrol again
    modules: list[ModuleVisit]
    changes: list[MeasureChange]

    @property
    def attended(self) -> list[ModuleVisit]:
        return [v for v in self.modules if v.done]

    @property
    def missing(self) -> list[ModuleVisit]:
        """What is still missing to complete the course: modules not attended or made up (yet)."""
        return [v for v in self.modules if not v.done]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def group_hours(self) -> float:
        return sum(v.group_hours for v in self.modules)

    @property
    def individual_hours(self) -> float:
        return sum(v.individual_hours for v in self.modules)


@dataclass(frozen=True)
class ModuleSummary:
    """One module of a course: its own session and how the enrolled participants stand with it."""

    module_id: int
    position: int
    title: str
    curriculum_id: str
    session_id: int | None
    scheduled_at: datetime | None
    session_status: str | None
    rostered: int  # on the own session's roster (anyone, walk-ins too)
    present: int  # of those, attended the own session
    counts: dict[str, int]  # enrolled participants per ModuleStatus


@dataclass
class CourseProgress:
    course: Course
    facilitator: Facilitator | None
    modules: list[ModuleSummary]
    participants: list[ParticipantProgress]  # everyone who enrolled, by name
    changes: list[MeasureChange]
    next_session: tuple[int, datetime] | None  # the own session to come (or running): id, scheduled time

    @property
    def enrolled(self) -> int:
        return len(self.participants)

    @property
    def active(self) -> int:
        return sum(1 for p in self.participants if p.left_at is None)

    @property
    def completed(self) -> int:
        return sum(1 for p in self.participants if p.complete)

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.enrolled if self.enrolled else None


@dataclass
class _Loaded:
    """What the progress of a batch of courses is computed from."""

    courses: dict[int, Course]
    facilitators: dict[int, Facilitator]
    modules: dict[int, list[CourseModule]]
    enrolments: dict[int, list[CourseEnrolment]]
    own: dict[int, GroupSession]  # module id -> the course's session of it
    others: dict[int, list[GroupSession]]  # participant id -> sessions of module curricula outside their course
    rosters: dict[int, set[int]]  # session id -> participant ids on its roster
    facts: dict[int, SessionFacts]  # live and ended sessions
    course_names: dict[int, str] = field(default_factory=dict)

    def attended(self, session_id: int, participant_id: int) -> bool:
        f = self.facts.get(session_id)
        return bool(f and f.billing and participant_id in f.billing.attended)

    def hours(self, session_id: int, participant_id: int) -> tuple[float, float]:
        """(group, individual) hours billed for the person in the session."""
        f = self.facts.get(session_id)
        pu = f.billing.units_for(participant_id) if f and f.billing else None
        if pu is None:
            return 0.0, 0.0
        h = unit_hours(pu.units)
        return (h, 0.0) if CODES[f.billing.billed_code].is_group else (0.0, h)


def _load(db: Session, course_ids: Sequence[int], now: datetime) -> _Loaded:
    ids = list(course_ids)
    courses = {c.id: c for c in db.exec(select(Course).where(Course.id.in_(ids)))} if ids else {}
    fac_ids = [c.facilitator_id for c in courses.values() if c.facilitator_id]
    facilitators = {f.id: f for f in db.exec(select(Facilitator).where(Facilitator.id.in_(fac_ids)))} if fac_ids else {}
    modules: dict[int, list[CourseModule]] = defaultdict(list)
    enrolments: dict[int, list[CourseEnrolment]] = defaultdict(list)
    own: dict[int, GroupSession] = {}
    if ids:
        for m in db.exec(select(CourseModule).where(CourseModule.course_id.in_(ids)).order_by(CourseModule.position)):
            modules[m.course_id].append(m)
        for e in db.exec(select(CourseEnrolment).where(CourseEnrolment.course_id.in_(ids))
                         .order_by(CourseEnrolment.id)):
            enrolments[e.course_id].append(e)
        for s in db.exec(select(GroupSession).where(GroupSession.course_id.in_(ids))
                         .order_by(GroupSession.scheduled_at.desc(), GroupSession.id.desc())):
            if s.course_module_id is not None:
                own[s.course_module_id] = s  # the earliest of a module's sessions, if ever more than one
    pids = sorted({e.participant_id for es in enrolments.values() for e in es})
    curricula = sorted({m.curriculum_id for ms in modules.values() for m in ms})
    since = min((e.joined_at for es in enrolments.values() for e in es), default=now)
    others: dict[int, list[GroupSession]] = defaultdict(list)
    rosters: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks([s.id for s in own.values()]):
        for s_id, p_id in db.exec(select(Attendance.session_id, Attendance.participant_id)
                                  .where(Attendance.session_id.in_(chunk))).all():
            rosters[s_id].add(p_id)
    for chunk in chunks(pids):
        for s, pid in db.exec(
            select(GroupSession, Attendance.participant_id).join(Attendance, Attendance.session_id == GroupSession.id)
            .where(Attendance.participant_id.in_(chunk), GroupSession.curriculum_id.in_(curricula),
                   GroupSession.scheduled_at >= clock.day_start(clock.local_day(since)))
            .order_by(GroupSession.scheduled_at, GroupSession.id)
        ).all():
            rosters[s.id].add(pid)
            others[pid].append(s)
    held = {s.id: s for s in [*own.values(), *(s for ss in others.values() for s in ss)]
            if s.status in (SessionStatus.LIVE, SessionStatus.ENDED)}
    held_facs = {s.facilitator_id for s in held.values() if s.facilitator_id}
    facs = {f.id: f for f in db.exec(select(Facilitator).where(Facilitator.id.in_(held_facs)))} if held_facs else {}
    facts = {f.session.id: f for f in session_facts(
        db, [(s, facs.get(s.facilitator_id)) for s in held.values()], now)}
    other_courses = {s.course_id for ss in others.values() for s in ss if s.course_id}
    names = dict(db.exec(select(Course.id, Course.name).where(Course.id.in_(other_courses))).all()) \
        if other_courses else {}
    return _Loaded(courses, facilitators, modules, enrolments, own, others, rosters, facts, names)


def _visits(data: _Loaded, course_id: int, e: CourseEnrolment) -> list[ModuleVisit]:
    """Each module of the course for one enrolled participant (see the module's docstring)."""
    pid = e.participant_id
    modules = data.modules[course_id]
    found: dict[int, tuple[ModuleStatus, GroupSession]] = {}
    for m in modules:
        s = data.own.get(m.id)
        if s is None:
            continue
        if data.attended(s.id, pid):
            found[m.id] = (ModuleStatus.ATTENDED, s)
        elif s.status != SessionStatus.ENDED and pid in data.rosters[s.id]:
            found[m.id] = (ModuleStatus.PLANNED, s)
    own = sorted(s.scheduled_at for m in modules if (s := data.own.get(m.id)) is not None)
    start = clock.day_start(clock.local_day(max([e.joined_at, *own[:1]])))
    last = own[-1] if own else start
    end = last + timedelta(days=MAKE_UP_WINDOW_DAYS)
    end = min(end, e.left_at) if e.left_at else end
    elsewhere = [s for s in data.others.get(pid, []) if s.course_id != course_id and start <= s.scheduled_at < end]
    used: set[int] = set()
    for status, fits in ((ModuleStatus.MADE_UP, lambda s: data.attended(s.id, pid)),
                         (ModuleStatus.MAKE_UP_PLANNED, lambda s: s.status != SessionStatus.ENDED)):
        for m in modules:
            if m.id in found:
                continue
            s = next((s for s in elsewhere if s.id not in used and s.curriculum_id == m.curriculum_id and fits(s)),
                     None)
            if s is not None:
                used.add(s.id)
                found[m.id] = (status, s)
    visits = []
    for m in modules:
        status, s = found.get(m.id, (ModuleStatus.MISSED, data.own.get(m.id)))
        group, individual = data.hours(s.id, pid) if s is not None and status in DONE else (0.0, 0.0)
        visits.append(ModuleVisit(
            m.id, m.position, m.title, m.curriculum_id, status, s.id if s else None, s.scheduled_at if s else None,
            data.course_names.get(s.course_id) if s is not None and s.course_id != course_id else None,
            group, individual))
    return visits


def _scores(db: Session, sessions: dict[int, GroupSession], pids: list[int]) -> dict[tuple[int, int, str], float]:
    """(session, participant, phase) -> score, for the scorable assessments of these sessions and people."""
    out: dict[tuple[int, int, str], float] = {}
    if not sessions or not pids:
        return out
    for chunk in chunks(list(sessions)):
        for sid, pid, phase, n, avg in db.exec(
            select(Rating.session_id, Rating.participant_id, Rating.phase, func.count(), func.avg(Rating.value))
            .where(Rating.session_id.in_(chunk), Rating.participant_id.in_(pids), Rating.value.is_not(None))
            .group_by(Rating.session_id, Rating.participant_id, Rating.phase)
        ).all():
            if is_scorable(n, len(session_curriculum(sessions[sid]).assessment)):
                out[(sid, pid, phase)] = float(avg)
    return out


def _pre_post(visits: list[ModuleVisit], curriculum_id: str, scores: dict[tuple[int, int, str], float],
              pid: int) -> tuple[float, float] | None:
    counted = [v.session_id for v in visits if v.done and v.curriculum_id == curriculum_id]
    pre_at = next((i for i, sid in enumerate(counted) if (sid, pid, "pre") in scores), None)
    if pre_at is None:
        return None
    post = next((sid for sid in reversed(counted[pre_at:]) if (sid, pid, "post") in scores), None)
    return None if post is None else (scores[(counted[pre_at], pid, "pre")], scores[(post, pid, "post")])


def _measures(modules: list[CourseModule], people: list[tuple[int, list[ModuleVisit]]],
              scores: dict[tuple[int, int, str], float]) -> list[MeasureChange]:
    out = []
    for cid, title in dict((m.curriculum_id, m.title) for m in modules).items():
        pairs = [pp for pid, visits in people if (pp := _pre_post(visits, cid, scores, pid)) is not None]
        pre = sum(a for a, _ in pairs) / len(pairs) if pairs else None
        post = sum(b for _, b in pairs) / len(pairs) if pairs else None
        out.append(MeasureChange(cid, title, len(pairs), pre, post))
    return out


def _progress(db: Session, course_ids: Sequence[int], now: datetime, *, measures: bool = True
              ) -> list[CourseProgress]:
    data = _load(db, course_ids, now)
    people = participants_by_id(db, sorted({e.participant_id for es in data.enrolments.values() for e in es}))
    out = []
    for cid in course_ids:
        course = data.courses.get(cid)
        if course is None:
            continue
        modules = data.modules[cid]
        visits = {e.participant_id: _visits(data, cid, e) for e in data.enrolments[cid]}
        counted = {v.session_id: s for vs in visits.values() for v in vs if v.done
                   for s in [data.facts[v.session_id].session]}
        scores = _scores(db, counted, list(visits)) if measures else {}
        participants = []
        for e in data.enrolments[cid]:
            p = people.get(e.participant_id)
            mine = visits[e.participant_id]
            participants.append(ParticipantProgress(
                e.participant_id, full_name(p.first_name, p.last_name) if p else "?", e.joined_at, e.left_at,
                e.version, mine, _measures(modules, [(e.participant_id, mine)], scores) if measures else []))
        participants.sort(key=lambda x: (x.name.lower(), x.participant_id))
        summaries = []
        for m in modules:
            s = data.own.get(m.id)
            roster = data.rosters[s.id] if s is not None else set()
            counts = {st: sum(1 for vs in visits.values() for v in vs if v.module_id == m.id and v.status == st)
                      for st in ModuleStatus}
            summaries.append(ModuleSummary(
                m.id, m.position, m.title, m.curriculum_id, s.id if s else None, s.scheduled_at if s else None,
                s.status if s else None, len(roster), sum(1 for pid in roster if data.attended(s.id, pid)), counts))
        to_come = sorted((s.scheduled_at, s.id) for m in modules if (s := data.own.get(m.id)) is not None
                         and (s.status == SessionStatus.LIVE
                              or s.status == SessionStatus.PLANNED and s.scheduled_at >= now))
        out.append(CourseProgress(
            course, data.facilitators.get(course.facilitator_id), summaries, participants,
            _measures(modules, [(p.participant_id, p.modules) for p in participants], scores) if measures else [],
            (to_come[0][1], to_come[0][0]) if to_come else None))
    return out


def course_progress(db: Session, course_id: int, *, now: datetime | None = None) -> CourseProgress | None:
    """The course, attendance per module, each participant's modules, completion and the pre → post change of
    each outcome measure (see the module's docstring); None when there is no such course."""
    found = _progress(db, [course_id], now or clock.now())
    return found[0] if found else None


@dataclass(frozen=True)
class TopicProgress:
    """A topic of a module the participant attended, with its latest DSME Record level across the course."""

    topic_id: str
    topic: str
    level: str | None  # None: not rated in these sessions
    label: str
    day: date | None


@dataclass
class ParticipantDetail:
    course: Course
    progress: ParticipantProgress
    topics: list[TopicProgress]
    goals: list[GoalRow]
    order: OrderStatus | None  # the practitioner's latest order beside the hours; None when not read

    @property
    def goals_followed_up(self) -> int:
        return sum(1 for g in self.goals if g.followed_up_at is not None)


def _enrolled(data: _Loaded, course_id: int, participant_id: int) -> CourseEnrolment | None:
    return next((e for e in data.enrolments.get(course_id, []) if e.participant_id == participant_id), None)


def module_visits(db: Session, course_id: int, participant_id: int, *, now: datetime | None = None
                  ) -> list[ModuleVisit]:
    """How an enrolled participant stands with each module of the course (empty when not enrolled)."""
    data = _load(db, [course_id], now or clock.now())
    e = _enrolled(data, course_id, participant_id)
    return _visits(data, course_id, e) if e else []


def participant_progress(db: Session, course_id: int, participant_id: int, *, now: datetime | None = None
                         ) -> ParticipantDetail | None:
    """One enrolled participant in a course: modules attended with their dates and sessions (make-ups marked) and
    what is missing; topics covered with their latest competency level; goals set in the course's sessions and
    counted make-ups, and their follow-up; pre → post change; hours used beside the practitioner's order. None
    when they are not enrolled."""
    now = now or clock.now()
    data = _load(db, [course_id], now)
    e = _enrolled(data, course_id, participant_id)
    if e is None:
        return None
    p = db.get(Participant, participant_id)
    visits = _visits(data, course_id, e)
    counted = {v.session_id: data.facts[v.session_id].session for v in visits if v.done}
    scores = _scores(db, counted, [participant_id])
    progress = ParticipantProgress(participant_id, full_name(p.first_name, p.last_name), e.joined_at, e.left_at,
                                   e.version, visits, _measures(data.modules[course_id], [(participant_id, visits)],
                                                                scores))
    curricula = {sid: (s, session_curriculum(s)) for sid, s in counted.items()}
    rated = latest_competency(db.exec(select(CompetencyRating).where(
        CompetencyRating.participant_id == participant_id, CompetencyRating.session_id.in_(list(counted)),
        CompetencyRating.level.is_not(None))).all() if counted else [], curricula)
    levels = {t.topic_id: t for t in rated}
    topics: dict[str, TopicProgress] = {}
    for v in visits:
        if v.done:
            for t in curricula[v.session_id][1].topics:
                lv = levels.get(t.id)
                topics.setdefault(t.id, TopicProgress(t.id, t.title, lv.level if lv else None,
                                                      lv.label if lv else "not rated", lv.day if lv else None))
    sessions = {s.id: s for s in data.own.values() if s.course_id == course_id} | counted
    goals = [GoalRow(g.id, g.session_id, session_day(sessions[g.session_id]), g.behaviour, g.text, g.confidence,
                     g.follow_up_date, g.followed_up_at)
             for g in db.exec(select(Goal).where(Goal.participant_id == participant_id,
                                                 Goal.session_id.in_(list(sessions)))
                              .order_by(Goal.created_at, Goal.id))] if sessions else []
    return ParticipantDetail(data.courses[course_id], progress, list(topics.values()), goals,
                             order_status(db, participant_id, now=now))


# ---------------------------------------------------------------- the list of courses


@dataclass(frozen=True)
class CourseRow:
    course_id: int
    name: str
    modules: int
    first_at: datetime | None
    last_at: datetime | None
    next_at: datetime | None
    enrolled: int  # not left
    completed: int
    ever_enrolled: int

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.ever_enrolled if self.ever_enrolled else None


def list_courses(db: Session, *, limit: int = 25, offset: int = 0, now: datetime | None = None
                 ) -> tuple[list[CourseRow], int]:
    """A page of courses, the latest last session first, and how many there are."""
    now = now or clock.now()
    total = db.exec(select(func.count()).select_from(Course)).one()
    last = func.max(GroupSession.scheduled_at)
    rows = db.exec(
        select(Course.id, func.min(GroupSession.scheduled_at), last)
        .outerjoin(GroupSession, GroupSession.course_id == Course.id)
        .group_by(Course.id).order_by(last.desc(), Course.id.desc()).limit(limit).offset(offset)).all()
    progress = {p.course.id: p for p in _progress(db, [r[0] for r in rows], now, measures=False)}
    out = []
    for cid, first, final in rows:
        p = progress[cid]
        out.append(CourseRow(cid, p.course.name, len(p.modules), first, final,
                             p.next_session[1] if p.next_session else None, p.active, p.completed, p.enrolled))
    return out, total
