"""Program-level reports: the billing rows for a date range (one per participant and session) and the program
overview. Every query reads narrow columns or aggregates; nothing per note or rating row is loaded.

Definitions (the numbers are in models/rules.py):
* Billing rows: one per patient who attended an ended session (models.billing), with their own minutes and units,
  the minutes of theirs beyond the planned length plus the margin that were not counted or counted as confirmed,
  and that in words (models/forgotten.py).
* On time: started within ON_TIME_START_MINUTES of its scheduled time (early or late), and face-to-face time
  within ON_TIME_LENGTH_TOLERANCE of the curriculum's planned minutes.
* Attendance rate: patients with any presence recorded / patients on the roster, ended sessions only.
* Pre → post change: per participant and session, the post score minus the pre score (models.assessments).
* Competency share: per curriculum and topic, of the participants rated 1–4 after the education (post or
  follow-up; NC and N/A left out), the share who reached 3 or 4 at least once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, exists, func
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from models import clock
from models.assessments import is_scorable
from models.curriculum import Curriculum
from models.enums import Phase, SessionStatus
from models.loads import chunks, load_runs, session_facts
from models.people import participants_by_id
from models.rules import (
    COMPETENT_LEVELS,
    ON_TIME_LENGTH_TOLERANCE,
    ON_TIME_START_MINUTES,
    RATED_LEVELS,
)
from models.session_rows import session_curriculum, session_day
from models.tables import (
    Attendance,
    CompetencyRating,
    Facilitator,
    GroupSession,
    PresenceInterval,
    Rating,
)
from models.timer import running_intervals, total_seconds


@dataclass(frozen=True)
class BillingRow:
    session_id: int
    day: date
    curriculum_title: str
    curriculum_version: str
    planned_code: str
    code: str  # the code the record supports
    facilitator: str
    credential: str
    participant_id: int
    record_number: str
    last_name: str
    first_name: str
    date_of_birth: date | None
    minutes: int
    units: int
    group_size: int
    session_minutes: int
    warnings: str
    excluded_minutes: int = 0  # this person's face-to-face minutes beyond the time cap, not counted
    confirmed_minutes: int = 0  # this person's minutes beyond the planned length plus the margin, confirmed
    time_note: str = ""


def billing_rows(db: Session, *, date_from: date, date_to: date, now: datetime | None = None) -> list[BillingRow]:
    """One row per participant who attended an ended session in the date range (local days, inclusive),
    with the code, their own face-to-face minutes and units. Sessions are read in batches."""
    now = now or clock.now()
    ids = list(db.exec(
        select(GroupSession.id)
        .where(GroupSession.status == SessionStatus.ENDED, GroupSession.scheduled_at >= clock.day_start(date_from),
               GroupSession.scheduled_at < clock.day_start(date_to + timedelta(days=1)))
        .order_by(GroupSession.scheduled_at, GroupSession.id)
    ).all())
    out: list[BillingRow] = []
    for chunk in chunks(ids):
        sessions = db.exec(
            select(GroupSession, Facilitator)
            .options(defer(GroupSession.curriculum_json))
            .outerjoin(Facilitator, Facilitator.id == GroupSession.facilitator_id)
            .where(GroupSession.id.in_(chunk))
            .order_by(GroupSession.scheduled_at, GroupSession.id)
        ).all()
        facts = session_facts(db, sessions, now)
        people = participants_by_id(db, sorted({a.participant_id for f in facts for a in f.roster}))
        for f in facts:
            s, fac, summary = f.session, f.facilitator, f.billing
            if summary is None:
                continue
            for pu in summary.people:
                if pu.participant_id not in summary.attended:
                    continue
                p = people.get(pu.participant_id)
                out.append(BillingRow(
                    s.id, session_day(s), s.curriculum_title, s.curriculum_version, s.billing_code,
                    summary.billed_code, fac.name if fac else "", fac.credential if fac else "",
                    pu.participant_id, (p.record_number or "") if p else "", p.last_name if p else "",
                    p.first_name if p else "", p.date_of_birth if p else None, pu.minutes, pu.units,
                    summary.patients, summary.face_to_face_minutes, " | ".join(summary.warnings),
                    pu.excluded_minutes, pu.confirmed_minutes, summary.time_note(pu.participant_id)))
    return out


@dataclass(frozen=True)
class MonthCount:
    month: str  # YYYY-MM, local time
    status: str
    sessions: int


@dataclass(frozen=True)
class MonthAttendance:
    month: str
    rostered: int
    present: int

    @property
    def rate(self) -> float | None:
        return self.present / self.rostered if self.rostered else None


@dataclass(frozen=True)
class SessionTiming:
    session_id: int
    month: str
    curriculum_title: str
    start_delay_minutes: float
    minutes: float
    planned_minutes: int

    @property
    def started_on_time(self) -> bool:
        return abs(self.start_delay_minutes) <= ON_TIME_START_MINUTES

    @property
    def length_on_time(self) -> bool:
        return abs(self.minutes - self.planned_minutes) <= ON_TIME_LENGTH_TOLERANCE * self.planned_minutes

    @property
    def on_time(self) -> bool:
        return self.started_on_time and self.length_on_time


@dataclass(frozen=True)
class CurriculumChange:
    curriculum_id: str
    curriculum_title: str
    pairs: int
    average_pre: float
    average_post: float

    @property
    def average_change(self) -> float:
        return self.average_post - self.average_pre


@dataclass(frozen=True)
class TopicShare:
    curriculum_id: str
    curriculum_title: str
    topic_id: str
    topic: str
    rated: int
    reached: int

    @property
    def share(self) -> float:
        return self.reached / self.rated if self.rated else 0.0


@dataclass
class ProgramOverview:
    date_from: date
    date_to: date
    sessions_per_month: list[MonthCount]
    attendance: list[MonthAttendance]
    timings: list[SessionTiming]
    changes: list[CurriculumChange]
    competency: list[TopicShare]

    @property
    def total_sessions(self) -> int:
        return sum(m.sessions for m in self.sessions_per_month)

    @property
    def delivered(self) -> int:
        return sum(m.sessions for m in self.sessions_per_month if m.status == SessionStatus.ENDED)

    @property
    def attendance_rate(self) -> float | None:
        r = sum(m.rostered for m in self.attendance)
        return sum(m.present for m in self.attendance) / r if r else None

    @property
    def on_time_share(self) -> float | None:
        return sum(t.on_time for t in self.timings) / len(self.timings) if self.timings else None

    def on_time_by_month(self) -> list[tuple[str, int, int]]:
        """(month, sessions timed, sessions on time)."""
        acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for t in self.timings:
            acc[t.month][0] += 1
            acc[t.month][1] += int(t.on_time)
        return [(m, n, k) for m, (n, k) in sorted(acc.items())]


def _month(ts: datetime) -> str:
    return clock.to_local(ts).strftime("%Y-%m")


def _curricula_by_version(db: Session, conds: list) -> dict[tuple[str, str], Curriculum]:
    """One frozen curriculum per (id, version) among the matching sessions: a few rows, not one per session."""
    reps = db.exec(
        select(func.max(GroupSession.id)).where(*conds)
        .group_by(GroupSession.curriculum_id, GroupSession.curriculum_version)
    ).all()
    out: dict[tuple[str, str], Curriculum] = {}
    for chunk in chunks(list(reps)):
        for s in db.exec(select(GroupSession).where(GroupSession.id.in_(chunk))):
            out[(s.curriculum_id, s.curriculum_version)] = session_curriculum(s)
    return out


def program_overview(
    db: Session, *, date_from: date, date_to: date, curriculum_id: str | None = None, now: datetime | None = None
) -> ProgramOverview:
    """Program figures for sessions scheduled in a date range (local days, inclusive). Every query reads
    narrow columns or aggregates; nothing per note or per rating row is loaded."""
    now = now or clock.now()
    conds = [GroupSession.scheduled_at >= clock.day_start(date_from),
             GroupSession.scheduled_at < clock.day_start(date_to + timedelta(days=1))]
    if curriculum_id:
        conds.append(GroupSession.curriculum_id == curriculum_id)
    ended = [*conds, GroupSession.status == SessionStatus.ENDED]
    sessions = db.exec(
        select(GroupSession.id, GroupSession.scheduled_at, GroupSession.started_at, GroupSession.status,
               GroupSession.curriculum_id, GroupSession.curriculum_version, GroupSession.curriculum_title)
        .where(*conds)
    ).all()
    info = {sid: (sched, started, status, cid, ver, title) for sid, sched, started, status, cid, ver, title in sessions}
    curricula = _curricula_by_version(db, conds)

    counts: dict[tuple[str, str], int] = defaultdict(int)
    for sched, _, status, *_ in info.values():
        counts[(_month(sched), status)] += 1
    per_month = [MonthCount(m, st, n) for (m, st), n in sorted(counts.items())]

    # attendance: roster size and people with any presence, per ended session
    rostered = dict(db.exec(
        select(Attendance.session_id, func.count())
        .join(GroupSession, GroupSession.id == Attendance.session_id)
        .where(*ended).group_by(Attendance.session_id)
    ).all())
    has_presence = exists().where(PresenceInterval.attendance_id == Attendance.id,
                                  PresenceInterval.superseded_at.is_(None))
    present = dict(db.exec(
        select(Attendance.session_id, func.count())
        .join(GroupSession, GroupSession.id == Attendance.session_id)
        .where(*ended, has_presence).group_by(Attendance.session_id)
    ).all())
    att: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sid, n in rostered.items():
        m = _month(info[sid][0])
        att[m][0] += n
        att[m][1] += present.get(sid, 0)
    attendance = [MonthAttendance(m, r, p) for m, (r, p) in sorted(att.items())]

    # timing: step runs and pauses of ended sessions (a few rows per session)
    ended_ids = [sid for sid, v in info.items() if v[2] == SessionStatus.ENDED]
    runs = load_runs(db, ended_ids)
    timings = []
    for sid in ended_ids:
        sched, started, _, cid, ver, title = info[sid]
        if not runs.get(sid) or started is None:
            continue
        cur = curricula.get((cid, ver))
        if cur is None:
            continue
        f2f = total_seconds(running_intervals(runs[sid], now)) / 60
        timings.append(SessionTiming(sid, _month(sched), title, (started - sched).total_seconds() / 60,
                                     round(f2f, 1), cur.minutes))

    # pre -> post change: aggregates per session, participant and phase
    agg = db.exec(
        select(Rating.session_id, Rating.participant_id, Rating.phase, func.count(), func.avg(Rating.value))
        .join(GroupSession, GroupSession.id == Rating.session_id)
        .where(*ended, Rating.value.is_not(None)).group_by(Rating.session_id, Rating.participant_id, Rating.phase)
    ).all()
    scores: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    for sid, pid, phase, n, avg in agg:
        _, _, _, cid, ver, _ = info[sid]
        cur = curricula.get((cid, ver))
        n_items = len(cur.assessment) if cur else 0
        if is_scorable(n, n_items):
            scores[(sid, pid)][phase] = float(avg)
    by_cur: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (sid, _), ph in scores.items():
        if Phase.PRE in ph and Phase.POST in ph:
            by_cur[info[sid][3]].append((ph[Phase.PRE], ph[Phase.POST]))
    titles = {cid: t for (cid, _), c in curricula.items() for t in [c.title]}
    changes = [
        CurriculumChange(cid, titles.get(cid, cid), len(pairs), sum(a for a, _ in pairs) / len(pairs),
                         sum(b for _, b in pairs) / len(pairs))
        for cid, pairs in sorted(by_cur.items())
    ]

    # competency share: participants rated 1-4 after the education, and who reached 3 or 4
    reached_expr = func.max(case((CompetencyRating.level.in_(COMPETENT_LEVELS), 1), else_=0))
    comp = db.exec(
        select(GroupSession.curriculum_id, CompetencyRating.topic_id, CompetencyRating.participant_id, reached_expr)
        .join(GroupSession, GroupSession.id == CompetencyRating.session_id)
        .where(*ended, CompetencyRating.phase.in_((Phase.POST, Phase.FOLLOWUP)),
               CompetencyRating.level.in_(RATED_LEVELS))
        .group_by(GroupSession.curriculum_id, CompetencyRating.topic_id, CompetencyRating.participant_id)
    ).all()
    shares: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for cid, tid, _, reached in comp:
        shares[(cid, tid)][0] += 1
        shares[(cid, tid)][1] += int(reached or 0)
    topic_titles = {(cid, t.id): t.title for (cid, _), c in curricula.items() for t in c.topics}
    competency = [
        TopicShare(cid, titles.get(cid, cid), tid, topic_titles.get((cid, tid), tid), n, k)
        for (cid, tid), (n, k) in sorted(shares.items())
    ]
    return ProgramOverview(date_from, date_to, per_month, attendance, timings, changes, competency)
