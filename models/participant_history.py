"""One participant across sessions: attendance and units per session, the DSMT allowance, goals and their
follow-up, the latest topic competency and ratings over time. A session whose time beyond the planned length
plus the margin was not counted, or counted as confirmed (models/forgotten.py), says so in its row and in its
allowance use (the billing summary's words for this person)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from models import clock
from models.allowance import AllowanceEntry, DsmtAllowance, dsmt_allowance
from models.assessments import scale_score
from models.curriculum import Curriculum
from models.enums import PHASE_ORDER
from models.loads import chunks, session_facts
from models.people import full_name
from models.rules import (
    CODES,
    COMPETENCY_LEVELS,
    RATED_LEVELS,
    unit_hours,
)
from models.session_rows import session_curriculum, session_day
from models.tables import (
    Attendance,
    CompetencyRating,
    Facilitator,
    Goal,
    GroupSession,
    Participant,
    Rating,
)


@dataclass(frozen=True)
class HistoryRow:
    session_id: int
    scheduled_at: datetime
    day: date
    status: str
    curriculum_title: str
    code: str
    billed_code: str | None
    present: bool  # attended (presence overlapping face-to-face time)
    caregiver: bool
    minutes: int | None
    units: int | None
    time_note: str = ""  # this person's time beyond the planned length plus the margin: excluded or confirmed

    @property
    def dsmt_hours(self) -> float | None:
        """Hours toward the Medicare DSMT allowance; None when the code billed is not a DSMT code."""
        if not self.billed_code or not CODES[self.billed_code].dsmt:
            return None
        return unit_hours(self.units or 0)


@dataclass(frozen=True)
class GoalRow:
    goal_id: int
    session_id: int
    day: date
    behaviour: str
    text: str
    confidence: int
    follow_up_date: date | None
    followed_up_at: datetime | None


@dataclass(frozen=True)
class TopicLevel:
    topic_id: str
    topic: str
    level: str
    label: str
    session_id: int
    day: date
    phase: str


@dataclass(frozen=True)
class RatingPoint:
    session_id: int
    day: date
    curriculum_title: str
    phase: str
    score: float


@dataclass
class ParticipantHistory:
    participant: Participant
    sessions: list[HistoryRow]
    allowance: DsmtAllowance
    goals: list[GoalRow]
    competency: list[TopicLevel]
    ratings: list[RatingPoint]

    @property
    def name(self) -> str:
        return full_name(self.participant.first_name, self.participant.last_name)

    @property
    def attended(self) -> list[HistoryRow]:
        return [r for r in self.sessions if r.present]

    @property
    def units_billed(self) -> int:
        return sum(r.units or 0 for r in self.sessions)

    @property
    def open_goals(self) -> list[GoalRow]:
        """Goals not yet followed up, newest first."""
        return [g for g in reversed(self.goals) if g.followed_up_at is None]

    @property
    def followed_up_goals(self) -> list[GoalRow]:
        """Goals followed up, newest first."""
        return [g for g in reversed(self.goals) if g.followed_up_at is not None]


def participant_history(db: Session, participant_id: int, *, now: datetime | None = None
                        ) -> ParticipantHistory | None:
    now = now or clock.now()
    p = db.get(Participant, participant_id)
    if p is None:
        return None
    sids = list(db.exec(select(Attendance.session_id).where(Attendance.participant_id == participant_id)).all())
    sessions: list[tuple[GroupSession, Facilitator | None]] = []
    for chunk in chunks(sids):
        sessions.extend(db.exec(
            select(GroupSession, Facilitator)
            .outerjoin(Facilitator, Facilitator.id == GroupSession.facilitator_id)
            .where(GroupSession.id.in_(chunk))
        ).all())
    sessions.sort(key=lambda r: (r[0].scheduled_at, r[0].id))
    rows: list[HistoryRow] = []
    for f in session_facts(db, sessions, now):
        s, summary, me = f.session, f.billing, f.attendance_of(participant_id)
        units = summary.units_for(participant_id) if summary else None
        rows.append(HistoryRow(
            s.id, s.scheduled_at, session_day(s), s.status, s.curriculum_title, s.billing_code,
            summary.billed_code if summary else None, bool(summary and participant_id in summary.attended),
            bool(me and me.caregiver), units.minutes if units else None, units.units if units else None,
            summary.time_note(participant_id) if summary else ""))
    today = clock.today(now)
    allowance = dsmt_allowance(
        [AllowanceEntry(r.session_id, r.day, r.billed_code, r.units or 0, r.time_note) for r in rows if r.billed_code],
        today=today)

    by_id = {s.id: s for s, _ in sessions}
    goals = [
        GoalRow(g.id, g.session_id,
                session_day(by_id[g.session_id]) if g.session_id in by_id else clock.local_day(g.created_at),
                g.behaviour, g.text, g.confidence, g.follow_up_date, g.followed_up_at)
        for g in db.exec(select(Goal).where(Goal.participant_id == participant_id).order_by(Goal.created_at, Goal.id))
    ]

    comp_rows = list(db.exec(select(CompetencyRating).where(CompetencyRating.participant_id == participant_id,
                                                             CompetencyRating.level.is_not(None))))
    competency = latest_competency(
        comp_rows, {sid: (by_id[sid], session_curriculum(by_id[sid])) for sid in by_id})

    points: list[RatingPoint] = []
    vals: dict[tuple[int, str], list[int]] = defaultdict(list)
    for r in db.exec(select(Rating).where(Rating.participant_id == participant_id, Rating.value.is_not(None))):
        vals[(r.session_id, r.phase)].append(r.value)
    for (sid, phase), vs in vals.items():
        s = by_id.get(sid)
        if s is None:
            continue
        score = scale_score(vs, len(session_curriculum(s).assessment))
        if score is not None:
            points.append(RatingPoint(sid, session_day(s), s.curriculum_title, phase, round(score, 2)))
    points.sort(key=lambda x: (x.day, x.session_id, PHASE_ORDER[x.phase]))
    return ParticipantHistory(p, rows, allowance, goals, competency, points)


def latest_competency(
    rows: Iterable[CompetencyRating], sessions: dict[int, tuple[GroupSession, Curriculum]]
) -> list[TopicLevel]:
    """Each topic's latest level across sessions (by session date, then pre < post < follow-up). A level
    1–4 wins over a later NC / N/A, which only shows when the topic was never rated 1–4."""
    best: dict[str, tuple[tuple, TopicLevel]] = {}
    for c in rows:
        if c.session_id not in sessions:
            continue
        s, cur = sessions[c.session_id]
        title = next((t.title for t in cur.topics if t.id == c.topic_id), c.topic_id)
        key = (c.level in RATED_LEVELS, s.started_at or s.scheduled_at, PHASE_ORDER[c.phase], c.recorded_at)
        tl = TopicLevel(c.topic_id, title, c.level, COMPETENCY_LEVELS.get(c.level, c.level), s.id,
                        session_day(s), c.phase)
        if c.topic_id not in best or key > best[c.topic_id][0]:
            best[c.topic_id] = (key, tl)
    return sorted((v for _, v in best.values()), key=lambda t: t.topic.lower())
