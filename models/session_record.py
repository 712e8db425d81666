"""The session record: everything the record page, its PDF and its CSV exports show about one session.

Time notes: how the end was chosen when it was not simply End pressed, and extra time confirmed or withdrawn
(models/forgotten.py); the minutes not counted or counted as confirmed are the billing summary's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from models import clock
from models.assessments import Scores, participant_scores
from models.billing import BillingSummary, summary_for_view
from models.curriculum import Curriculum, checklist_items
from models.documentation import GoalFact, TaggedNote, documentation_gaps
from models.enums import COMPETENCY_PHASES, QuestionStatus, SessionStatus
from models.errors import RuleError
from models.forgotten import time_notes
from models.notes import NoteView, note_history
from models.people import full_name, participants_by_id
from models.rules import (
    RATED_LEVELS,
)
from models.session_times import time_corrections
from models.session_view import SessionView, load_session_view
from models.tables import (
    Attendance,
    GroupSession,
    NoteVersion,
    Participant,
    PresenceInterval,
    SessionTimeCorrection,
)
from models.timer import running_intervals, total_seconds

UNRATED_PREFIX = "No ratings for: "


@dataclass(frozen=True)
class StepTime:
    step: str
    title: str
    planned_minutes: int
    actual_minutes: float
    runs: int


@dataclass(frozen=True)
class FidelityStep:
    step: str
    title: str
    delivered: list[str]
    skipped: list[str]


@dataclass(frozen=True)
class PresenceEntry:
    """One stored presence interval, current or superseded by a correction."""

    participant_id: int
    arrived_at: datetime
    left_at: datetime | None
    recorded_at: datetime
    amended: bool
    superseded_at: datetime | None

    @property
    def current(self) -> bool:
        return self.superseded_at is None


@dataclass(frozen=True, kw_only=True)
class RatingRow(Scores):
    """One participant's pre and post scores (models.assessments defines the score and the change)."""

    participant_id: int
    name: str


@dataclass(frozen=True)
class CompetencyCell:
    topic_id: str
    topic: str
    participant_id: int
    name: str
    pre: str | None
    post: str | None
    followup: str | None

    @property
    def text(self) -> str:
        """"2 → 4" (and "· follow-up 4" when rated at follow-up); "—" for a phase not rated."""
        out = f"{self.pre or '—'} → {self.post or '—'}"
        if self.followup:
            out += f" · follow-up {self.followup}"
        return out

    @property
    def improved(self) -> bool | None:
        if self.pre in RATED_LEVELS and self.post in RATED_LEVELS:
            return int(self.post) > int(self.pre)
        return None


@dataclass
class SessionRecord:
    view: SessionView
    billing: BillingSummary | None
    step_times: list[StepTime]
    fidelity: list[FidelityStep]
    presence: dict[int, list[PresenceEntry]]
    ratings: list[RatingRow]
    competency: list[CompetencyCell]
    histories: dict[int, list[NoteVersion]]  # every version of each note that has more than one
    participants: dict[int, Participant]
    gaps: list[str]
    oddities: list[str]
    attended: set[int]  # patients whose presence overlaps the face-to-face time
    unrated: list[int]  # attended, but no rating at all
    generated_at: datetime
    time_notes: list[str] = field(default_factory=list)  # end chosen, extra time confirmed or withdrawn
    time_corrections: list[SessionTimeCorrection] = field(default_factory=list)  # the start and end's, oldest first

    @property
    def session(self) -> GroupSession:
        return self.view.session

    @property
    def curriculum(self) -> Curriculum:
        return self.view.curriculum

    def name(self, participant_id: int | None) -> str:
        if participant_id is None:
            return "Group"
        p = self.participants.get(participant_id)
        return full_name(p.first_name, p.last_name) if p else f"Participant {participant_id}"

    def notes_for(self, participant_id: int | None) -> list[NoteView]:
        return [n for n in self.view.notes if n.participant_id == participant_id]

    @property
    def parked(self):
        return [q for q in self.view.questions if q.status == QuestionStatus.PARKED]

    def units_for(self, participant_id: int):
        if self.billing is None:
            return None
        return next((p for p in self.billing.people if p.participant_id == participant_id), None)


def presence_history(db: Session, *, session_id: int) -> dict[int, list[PresenceEntry]]:
    """Every presence interval of a session, current and superseded, by participant (oldest first)."""
    rows = db.exec(
        select(Attendance.participant_id, PresenceInterval)
        .join(Attendance, Attendance.id == PresenceInterval.attendance_id)
        .where(Attendance.session_id == session_id)
        .order_by(PresenceInterval.recorded_at, PresenceInterval.arrived_at, PresenceInterval.id)
    ).all()
    out: dict[int, list[PresenceEntry]] = defaultdict(list)
    for pid, iv in rows:
        out[pid].append(PresenceEntry(pid, iv.arrived_at, iv.left_at, iv.recorded_at, iv.amended, iv.superseded_at))
    return dict(out)


def step_times(view: SessionView, now: datetime) -> list[StepTime]:
    out = []
    for st in view.curriculum.steps:
        mine = [r for r in view.runs if r.step == st.id]
        actual = total_seconds(running_intervals(mine, now)) / 60
        out.append(StepTime(st.id, st.display_title, st.minutes, round(actual, 1), len(mine)))
    return out


def fidelity(view: SessionView) -> list[FidelityStep]:
    out = []
    for st in view.curriculum.steps:
        items = checklist_items(view.curriculum, st.id)
        out.append(FidelityStep(st.id, st.display_title,
                                [i.label for i in items if i.key in view.ticks],
                                [i.label for i in items if i.key not in view.ticks]))
    return out


def session_record(db: Session, session_id: int, *, now: datetime | None = None) -> SessionRecord | None:
    """Everything the session record shows (page, PDF and CSV exports), or None for an unknown id."""
    now = now or clock.now()
    view = load_session_view(db, session_id)
    if view is None:
        return None
    s, cur = view.session, view.curriculum
    people = participants_by_id(db, [p.participant_id for p in view.people])
    summary = summary_for_view(view, now)
    histories = {n.note_id: note_history(db, note_id=n.note_id) for n in view.notes if n.versions > 1}
    names = {p.participant_id: full_name(p.first_name, p.last_name) for p in view.people}

    items = cur.assessment
    ratings = [RatingRow(participant_id=p.participant_id, name=names[p.participant_id],
                         **vars(participant_scores(view.ratings, p.participant_id, len(items))))
               for p in view.people]
    grid = []
    for t in cur.topics:
        for p in view.people:
            levels = [view.competency.get((p.participant_id, t.id, ph)) for ph in COMPETENCY_PHASES]
            grid.append(CompetencyCell(t.id, t.title, p.participant_id, names[p.participant_id], *levels))

    attended = set(summary.attended) if summary else set()
    post_counts = {r.participant_id: r.post_count for r in ratings}
    gaps = documentation_gaps(
        status=s.status, ran=bool(view.runs), n_items=len(items), attended=attended, post_counts=post_counts,
        goals=[GoalFact(g.participant_id, g.follow_up_date, g.followed_up_at is not None) for g in view.goals],
        notes=[TaggedNote(n.participant_id, tuple(n.tags)) for n in view.notes], today=clock.today(now))

    odd = []
    if s.status == SessionStatus.PLANNED:
        odd.append("This session has not been started: no time, presence or units are recorded yet.")
    elif s.status == SessionStatus.LIVE:
        odd.append("This session is still running: figures are as of now.")
    if s.status == SessionStatus.ENDED and not view.runs:
        odd.append("This session was ended without being run: no step was timed, so there is no "
                   "face-to-face time and nothing to bill.")
    if not view.people:
        odd.append("No one is on the roster.")
    if view.runs and not view.ratings:
        odd.append("No ratings were recorded in this session.")
    unrated = [r.participant_id for r in ratings
               if r.participant_id in attended and not r.pre_count and not r.post_count] if items else []
    if view.ratings and unrated:
        odd.append(UNRATED_PREFIX + ", ".join(names[pid] for pid in unrated) + ".")

    return SessionRecord(view, summary, step_times(view, now), fidelity(view), presence_history(db, session_id=s.id),
                         ratings, grid, histories, people, gaps, odd, attended, unrated, now, time_notes(s),
                         time_corrections(db, session_id=s.id))


def presence_from_local(
    s: GroupSession, rows: Sequence[tuple[datetime | None, datetime | None]]
) -> list[tuple[datetime, datetime]]:
    """Presence intervals typed as local wall-clock datetimes (minute precision) for correct_presence:
    converted to UTC, and a time in the session's first or last minute snapped to its exact start or end,
    so a minute-precision widget can say "from the start" and "to the end". Empty rows are dropped."""
    out = []
    start, end = s.started_at, s.ended_at
    for a, b in rows:
        if a is None and b is None:
            continue
        if a is None or b is None:
            raise RuleError("Each interval needs an arrival and a leaving time.")
        ua, ub = clock.from_local(a.replace(tzinfo=None)), clock.from_local(b.replace(tzinfo=None))
        ua, ub = _snap(ua, start, end), _snap(ub, start, end)
        out.append((ua, ub))
    return out


def _snap(t: datetime, start: datetime | None, end: datetime | None) -> datetime:
    """A time less than a minute from the session's start or end is that start or end."""
    minute = timedelta(minutes=1)
    if start and abs(t - start) < minute:
        return start
    if end and abs(t - end) < minute:
        return end
    return t
