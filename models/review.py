"""Review and documentation: the session list (filters, note search, pagination in SQL), the session
record, each participant's history with the Medicare DSMT allowance, the billing rows for a date range,
and the program overview. No Streamlit here.

The list never loads the whole history: filters, ordering, LIMIT and OFFSET run in SQL, and the per-row
figures (head-count, face-to-face minutes, units, documentation gaps) are computed for the rows shown
only, in a fixed number of queries batched by session id.

Definitions chosen here (the program can change the numbers below):

* Documentation is incomplete for an ended session when any of these holds:
  - a patient who attended (presence overlapping face-to-face time) has no scorable post rating: fewer
    post ratings than the assessment needs to be scored (all items but SELF_EFFICACY_MAX_MISSING);
  - a patient who attended has no goal recorded in this session;
  - an open follow-up: a goal whose follow-up date has come (on or before today) and that is not marked
    followed up, or a note whose current version carries a follow-up tag (rules.FOLLOW_UP_TAGS) while
    the person it is about has no goal of this session marked followed up. A group note with such a tag
    stays open until it is amended without the tag;
  - the session was ended without ever being run (no step time at all).
  Planned and live sessions are not flagged: their record is not finished yet.
* A session is on time when it started within ON_TIME_START_MINUTES of its scheduled time (early or
  late) and its face-to-face time is within ON_TIME_LENGTH_TOLERANCE of the curriculum's planned minutes.
* Attendance rate: patients with any presence recorded / patients on the roster, ended sessions only.
* Pre→post change: per participant and session, the post score minus the pre score, each the mean of the
  items rated, scored only when no more than SELF_EFFICACY_MAX_MISSING items are missing.
* Competency share: per curriculum and topic, of the participants rated 1–4 after the education (post or
  follow-up; NC and N/A left out), the share who reached 3 or 4 at least once.
* DSMT allowance: see dsmt_allowance().
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, exists, func, or_
from sqlalchemy import column as sa_column
from sqlalchemy import text as sa_text
from sqlalchemy.orm import aliased, defer
from sqlmodel import Session, select

from models import clock
from models.billing import BillingSummary, PersonPresence, summarize
from models.curriculum import Curriculum, checklist_items
from models.db import has_note_search_index
from models.errors import RuleError
from models.people import participants_by_id
from models.rules import (
    CODES,
    COMPETENCY_LEVELS,
    COMPETENT_LEVELS,
    DSMT_FOLLOW_UP_HOURS_PER_YEAR,
    DSMT_INITIAL_GROUP_HOURS,
    DSMT_INITIAL_HOURS,
    DSMT_INITIAL_INDIVIDUAL_HOURS,
    FOLLOW_UP_TAGS,
    SELF_EFFICACY_MAX_MISSING,
    UNIT_MINUTES,
)
from models.sessions import (
    NoteView,
    SessionView,
    load_session_view,
    note_history,
    session_curriculum,
    split_tags,
)
from models.tables import (
    Attendance,
    CompetencyRating,
    Facilitator,
    Goal,
    GroupSession,
    Note,
    NoteVersion,
    Participant,
    Pause,
    PresenceInterval,
    Rating,
    StepRun,
)
from models.timer import RunSpan, overlap, running_intervals, total_seconds

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
BATCH = 500  # ids per IN (...) list

ON_TIME_START_MINUTES = 10
ON_TIME_LENGTH_TOLERANCE = 0.10

PHASE_ORDER = {"pre": 0, "post": 1, "followup": 2}
UNRATED_PREFIX = "No ratings for: "
RATED_LEVELS = ("1", "2", "3", "4")


# ---------------------------------------------------------------- small helpers


def today_local(now: datetime | None = None) -> date:
    return clock.to_local(now or clock.now()).date()


def day_start(d: date) -> datetime:
    """Midnight at the start of a local calendar day, as an aware datetime."""
    return datetime.combine(d, time.min).astimezone()


def local_day(ts: datetime | None) -> date | None:
    local = clock.to_local(ts)
    return local.date() if local else None


def _chunks(ids: Sequence[int], size: int = BATCH) -> Iterator[list[int]]:
    ids = list(ids)
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def scale_score(values: Iterable[int], n_items: int) -> float | None:
    """Mean of the items rated; not scored when more than SELF_EFFICACY_MAX_MISSING items are missing."""
    vals = list(values)
    if not vals or n_items <= 0:
        return None
    if n_items - len(vals) > SELF_EFFICACY_MAX_MISSING:
        return None
    return sum(vals) / len(vals)


def ratings_needed(n_items: int) -> int:
    """How many item ratings make a scorable assessment."""
    return max(1, n_items - SELF_EFFICACY_MAX_MISSING) if n_items > 0 else 0


# ---------------------------------------------------------------- batched loads by session id


@dataclass
class _Att:
    attendance_id: int
    participant_id: int
    present: bool
    caregiver: bool
    intervals: list[tuple[datetime, datetime | None]] = field(default_factory=list)


def _load_runs(db: Session, ids: Sequence[int]) -> dict[int, list[RunSpan]]:
    out: dict[int, list[RunSpan]] = defaultdict(list)
    for chunk in _chunks(ids):
        runs = db.exec(
            select(StepRun.id, StepRun.session_id, StepRun.step, StepRun.started_at, StepRun.ended_at)
            .where(StepRun.session_id.in_(chunk)).order_by(StepRun.id)
        ).all()
        pauses = db.exec(
            select(Pause.step_run_id, Pause.paused_at, Pause.resumed_at)
            .where(Pause.session_id.in_(chunk)).order_by(Pause.id)
        ).all()
        by_run: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
        for run_id, a, b in pauses:
            by_run[run_id].append((a, b))
        for run_id, sid, step, a, b in runs:
            out[sid].append(RunSpan(step, a, b, tuple(by_run.get(run_id, ()))))
    return out


def _load_attendance(db: Session, ids: Sequence[int]) -> dict[int, list[_Att]]:
    out: dict[int, list[_Att]] = defaultdict(list)
    for chunk in _chunks(ids):
        atts = db.exec(
            select(Attendance.id, Attendance.session_id, Attendance.participant_id, Attendance.present,
                   Attendance.caregiver_present)
            .where(Attendance.session_id.in_(chunk)).order_by(Attendance.id)
        ).all()
        by_id: dict[int, _Att] = {}
        for att_id, sid, pid, present, caregiver in atts:
            a = _Att(att_id, pid, bool(present), bool(caregiver))
            by_id[att_id] = a
            out[sid].append(a)
        ivs = db.exec(
            select(PresenceInterval.attendance_id, PresenceInterval.arrived_at, PresenceInterval.left_at)
            .join(Attendance, Attendance.id == PresenceInterval.attendance_id)
            .where(Attendance.session_id.in_(chunk), PresenceInterval.superseded_at.is_(None))
            .order_by(PresenceInterval.arrived_at, PresenceInterval.id)
        ).all()
        for att_id, a, b in ivs:
            by_id[att_id].intervals.append((a, b))
    return out


def billing_summary(
    *,
    code: str,
    runs: Sequence[RunSpan],
    people: Iterable[tuple[int, str, Sequence[tuple[datetime, datetime | None]]]],
    credential: str | None,
    now: datetime | None = None,
) -> BillingSummary | None:
    """billing.summarize for stored runs and presence (open intervals closed at `now`); None when the
    session never ran, so there is no face-to-face time to bill."""
    if not runs:
        return None
    now = now or clock.now()
    running = running_intervals(runs, now)
    presence = [
        PersonPresence(pid, name, tuple((a, b or now) for a, b in ivs if (b or now) > a))
        for pid, name, ivs in people
    ]
    return summarize(code=code, running=running, people=presence, credential=credential)


def summary_for_view(view: SessionView, now: datetime | None = None) -> BillingSummary | None:
    """Billing units per participant for one loaded session (load_session_view)."""
    return billing_summary(
        code=view.session.billing_code,
        runs=view.runs,
        people=[(p.participant_id, full_name(p.first_name, p.last_name), p.intervals) for p in view.people],
        credential=view.facilitator.credential if view.facilitator else None,
        now=now,
    )


def _attended(summary: BillingSummary | None, runs: Sequence[RunSpan], atts: Sequence[_Att],
              now: datetime) -> set[int]:
    """Participants whose presence overlaps the face-to-face time (the patients who count)."""
    if summary is None:
        return set()
    running = running_intervals(runs, now)
    out = set()
    for a in atts:
        ivs = [(x, y or now) for x, y in a.intervals if (y or now) > x]
        if overlap(ivs, running):
            out.add(a.participant_id)
    return out


# ---------------------------------------------------------------- documentation gaps


@dataclass(frozen=True)
class GoalFact:
    participant_id: int
    follow_up_date: date | None
    followed_up: bool


@dataclass(frozen=True)
class TaggedNote:
    participant_id: int | None
    tags: tuple[str, ...]


def documentation_gaps(
    *,
    status: str,
    ran: bool,
    n_items: int,
    attended: set[int],
    post_counts: dict[int, int],
    goals: Sequence[GoalFact],
    notes: Sequence[TaggedNote],
    today: date,
) -> list[str]:
    """Why an ended session's documentation is incomplete, in plain language (empty when complete).
    See the module docstring for the definitions."""
    if status != "ended":
        return []
    if not ran:
        return ["ended without being run (no time recorded)"]
    gaps: list[str] = []
    need = ratings_needed(n_items)
    if need:
        missing = [pid for pid in attended if post_counts.get(pid, 0) < need]
        if missing:
            gaps.append(f"post ratings missing for {len(missing)} participant(s)")
    with_goal = {g.participant_id for g in goals}
    no_goal = attended - with_goal
    if no_goal:
        gaps.append(f"no goal for {len(no_goal)} participant(s)")
    open_goals = sum(1 for g in goals if not g.followed_up and g.follow_up_date and g.follow_up_date <= today)
    followed = {g.participant_id for g in goals if g.followed_up}
    open_notes = sum(
        1 for n in notes
        if any(t in FOLLOW_UP_TAGS for t in n.tags) and (n.participant_id is None or n.participant_id not in followed)
    )
    if open_goals + open_notes:
        parts = []
        if open_goals:
            parts.append(f"{open_goals} goal follow-up(s) due")
        if open_notes:
            parts.append(f"{open_notes} note(s) tagged for follow-up")
        gaps.append("open follow-up: " + ", ".join(parts))
    return gaps


def _post_counts(db: Session, ids: Sequence[int]) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for chunk in _chunks(ids):
        for sid, pid, n in db.exec(
            select(Rating.session_id, Rating.participant_id, func.count())
            .where(Rating.session_id.in_(chunk), Rating.phase == "post")
            .group_by(Rating.session_id, Rating.participant_id)
        ).all():
            out[sid][pid] = n
    return out


def _goal_facts(db: Session, ids: Sequence[int]) -> dict[int, list[GoalFact]]:
    out: dict[int, list[GoalFact]] = defaultdict(list)
    for chunk in _chunks(ids):
        for sid, pid, fud, done in db.exec(
            select(Goal.session_id, Goal.participant_id, Goal.follow_up_date, Goal.followed_up_at)
            .where(Goal.session_id.in_(chunk))
        ).all():
            out[sid].append(GoalFact(pid, fud, done is not None))
    return out


def _current_version_filter():
    """NoteVersion rows that are the newest version of their note."""
    newer = aliased(NoteVersion)
    return ~exists().where(newer.note_id == NoteVersion.note_id, newer.id > NoteVersion.id)


def _tagged_notes(db: Session, ids: Sequence[int]) -> dict[int, list[TaggedNote]]:
    out: dict[int, list[TaggedNote]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = db.exec(
            select(Note.session_id, Note.participant_id, NoteVersion.tags)
            .join(NoteVersion, NoteVersion.note_id == Note.id)
            .where(Note.session_id.in_(chunk), NoteVersion.tags != "", _current_version_filter())
        ).all()
        for sid, pid, tags in rows:
            out[sid].append(TaggedNote(pid, tuple(split_tags(tags))))
    return out


# ---------------------------------------------------------------- the session list


@dataclass(frozen=True)
class SessionFilter:
    date_from: date | None = None  # local calendar days, inclusive
    date_to: date | None = None
    curriculum_id: str | None = None
    code: str | None = None
    facilitator_id: int | None = None
    participant_id: int | None = None
    text: str = ""  # searched in the current text of every note
    status: str | None = None


@dataclass(frozen=True)
class SessionRow:
    session_id: int
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    status: str
    curriculum_id: str
    curriculum_title: str
    curriculum_version: str
    code: str
    billed_code: str | None
    facilitator: str | None
    credential: str | None
    rostered: int
    head_count: int | None  # patients who attended; None when the session never ran
    minutes: int | None  # face-to-face minutes
    units: int | None  # units summed over participants
    gaps: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def incomplete(self) -> bool:
        return bool(self.gaps)

    @property
    def state(self) -> str:
        """Status in plain words, saying when the data is odd."""
        if self.status == "planned":
            return "planned"
        if self.status == "live":
            return "in progress"
        if self.head_count is None:
            return "ended without being run"
        return "ended"


@dataclass(frozen=True)
class SessionPage:
    rows: list[SessionRow]
    total: int
    offset: int
    limit: int

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def _conditions(f: SessionFilter, dialect: str = "") -> list:
    conds = []
    if f.date_from:
        conds.append(GroupSession.scheduled_at >= day_start(f.date_from))
    if f.date_to:
        conds.append(GroupSession.scheduled_at < day_start(f.date_to + timedelta(days=1)))
    if f.curriculum_id:
        conds.append(GroupSession.curriculum_id == f.curriculum_id)
    if f.code:
        conds.append(GroupSession.billing_code == f.code)
    if f.facilitator_id:
        conds.append(GroupSession.facilitator_id == f.facilitator_id)
    if f.status:
        conds.append(GroupSession.status == f.status)
    if f.participant_id:
        conds.append(GroupSession.id.in_(
            select(Attendance.session_id).where(Attendance.participant_id == f.participant_id)))
    text = (f.text or "").strip()
    if text:
        matched = (
            select(Note.session_id)
            .join(NoteVersion, NoteVersion.note_id == Note.id)
            .where(_text_match(text, dialect), _current_version_filter())
        )
        conds.append(GroupSession.id.in_(matched))
    return conds


def _text_match(text: str, dialect: str):
    """Note versions whose text contains `text`, case-insensitively. On SQLite, three characters or more go
    through the trigram full-text index (migration 0002), which reads only the versions that match."""
    if dialect == "sqlite+fts" and len(text) >= 3:
        phrase = '"' + text.replace('"', '""') + '"'
        found = sa_text("SELECT rowid FROM note_version_fts WHERE note_version_fts MATCH :phrase").bindparams(
            phrase=phrase).columns(sa_column("rowid"))
        return NoteVersion.id.in_(found)
    return func.lower(NoteVersion.text).like(_like(text), escape="\\")


def _dialect(db: Session, f: SessionFilter) -> str:
    """The database kind, as "sqlite+fts" when a note search will run on an SQLite that has the search index
    (migration 0002 leaves it out on an SQLite built without FTS5; the search then scans)."""
    engine = db.get_bind()
    name = engine.dialect.name
    if name == "sqlite" and (f.text or "").strip() and has_note_search_index(engine):
        return "sqlite+fts"
    return name


def count_sessions(db: Session, *, filters: SessionFilter = SessionFilter()) -> int:
    conds = _conditions(filters, _dialect(db, filters))
    return db.exec(select(func.count()).select_from(GroupSession).where(*conds)).one()


def list_sessions(
    db: Session,
    *,
    filters: SessionFilter = SessionFilter(),
    limit: int = PAGE_SIZE,
    offset: int = 0,
    now: datetime | None = None,
) -> SessionPage:
    """One page of sessions, newest first, with the figures of the rows shown."""
    now = now or clock.now()
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    offset = max(0, int(offset))
    conds = _conditions(filters, _dialect(db, filters))
    newest_first = (GroupSession.scheduled_at.desc(), GroupSession.id.desc())

    def page_ids(at: int) -> list[tuple[int, int]]:
        # First the page's ids and the total in one pass over the indexes (the filters are evaluated once);
        # the rows themselves, with their frozen curricula, only for the page.
        return db.exec(select(GroupSession.id, func.count().over()).where(*conds).order_by(*newest_first)
                       .limit(limit).offset(at)).all()

    found = page_ids(offset)
    total = found[0][1] if found else count_sessions(db, filters=filters)
    if total and not found:
        offset = (total - 1) // limit * limit
        found = page_ids(offset)
        total = found[0][1] if found else 0
    ids = [sid for sid, _ in found]
    rows = db.exec(
        select(GroupSession, Facilitator)
        .outerjoin(Facilitator, Facilitator.id == GroupSession.facilitator_id)
        .where(GroupSession.id.in_(ids))
        .order_by(*newest_first)
    ).all() if ids else []
    return SessionPage(_session_rows(db, rows, now), total, offset, limit)


def _session_rows(db: Session, rows: Sequence[tuple[GroupSession, Facilitator | None]], now: datetime
                  ) -> list[SessionRow]:
    ids = [s.id for s, _ in rows]
    if not ids:
        return []
    runs = _load_runs(db, ids)
    atts = _load_attendance(db, ids)
    posts = _post_counts(db, ids)
    goals = _goal_facts(db, ids)
    notes = _tagged_notes(db, ids)
    today = today_local(now)
    out = []
    for s, fac in rows:
        cred = fac.credential if fac else None
        mine = atts.get(s.id, [])
        summary = billing_summary(code=s.billing_code, runs=runs.get(s.id, []),
                                  people=[(a.participant_id, "", a.intervals) for a in mine],
                                  credential=cred, now=now)
        attended = _attended(summary, runs.get(s.id, []), mine, now)
        gaps = documentation_gaps(
            status=s.status, ran=bool(runs.get(s.id)), n_items=len(session_curriculum(s).assessment),
            attended=attended, post_counts=posts.get(s.id, {}), goals=goals.get(s.id, []),
            notes=notes.get(s.id, []), today=today)
        out.append(SessionRow(
            session_id=s.id, scheduled_at=s.scheduled_at, started_at=s.started_at, ended_at=s.ended_at,
            status=s.status, curriculum_id=s.curriculum_id, curriculum_title=s.curriculum_title,
            curriculum_version=s.curriculum_version, code=s.billing_code,
            billed_code=summary.billed_code if summary else None,
            facilitator=fac.name if fac else None, credential=cred, rostered=len(mine),
            head_count=summary.patients if summary else None,
            minutes=summary.face_to_face_minutes if summary else None,
            units=summary.total_units if summary else None,
            gaps=tuple(gaps), warnings=tuple(summary.warnings) if summary else ()))
    return out


@dataclass(frozen=True)
class FilterChoices:
    curricula: list[tuple[str, str]]  # (id, title)
    codes: list[str]
    facilitators: list[tuple[int, str]]


def filter_choices(db: Session) -> FilterChoices:
    """What the list's filters can offer: curricula, codes and facilitators that occur in sessions."""
    # Distinct ids come from the (curriculum_id, scheduled_at) index; each title from its newest session.
    ids = db.exec(select(GroupSession.curriculum_id).distinct().order_by(GroupSession.curriculum_id)).all()
    cur = [(cid, db.exec(select(GroupSession.curriculum_title).where(GroupSession.curriculum_id == cid)
                         .order_by(GroupSession.scheduled_at.desc()).limit(1)).one()) for cid in ids]
    codes = db.exec(select(GroupSession.billing_code).distinct().order_by(GroupSession.billing_code)).all()
    facs = db.exec(select(Facilitator.id, Facilitator.name).order_by(Facilitator.name, Facilitator.id)).all()
    return FilterChoices([(c, t) for c, t in cur], list(codes), [(i, n) for i, n in facs])


# ---------------------------------------------------------------- the session record


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


@dataclass(frozen=True)
class RatingRow:
    participant_id: int
    name: str
    pre: float | None
    post: float | None
    pre_count: int
    post_count: int
    items: int

    @property
    def change(self) -> float | None:
        return None if self.pre is None or self.post is None else self.post - self.pre


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
        return [q for q in self.view.questions if q.status == "parked"]

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
    ratings = []
    for p in view.people:
        pre = [v for (pid, _, ph), v in view.ratings.items() if pid == p.participant_id and ph == "pre"]
        post = [v for (pid, _, ph), v in view.ratings.items() if pid == p.participant_id and ph == "post"]
        ratings.append(RatingRow(p.participant_id, names[p.participant_id], scale_score(pre, len(items)),
                                 scale_score(post, len(items)), len(pre), len(post), len(items)))
    grid = []
    for t in cur.topics:
        for p in view.people:
            levels = {ph: view.competency.get((p.participant_id, t.id, ph)) for ph in PHASE_ORDER}
            grid.append(CompetencyCell(t.id, t.title, p.participant_id, names[p.participant_id],
                                       levels["pre"], levels["post"], levels["followup"]))

    running = view.running(now)
    attended = set()
    for p in view.people:
        ivs = [(a, b or now) for a, b in p.intervals if (b or now) > a]
        if overlap(ivs, running):
            attended.add(p.participant_id)
    post_counts = {r.participant_id: r.post_count for r in ratings}
    gaps = documentation_gaps(
        status=s.status, ran=bool(view.runs), n_items=len(items), attended=attended, post_counts=post_counts,
        goals=[GoalFact(g.participant_id, g.follow_up_date, g.followed_up_at is not None) for g in view.goals],
        notes=[TaggedNote(n.participant_id, tuple(n.tags)) for n in view.notes], today=today_local(now))

    odd = []
    if s.status == "planned":
        odd.append("This session has not been started: no time, presence or units are recorded yet.")
    elif s.status == "live":
        odd.append("This session is still running: figures are as of now.")
    if s.status == "ended" and not view.runs:
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
                         ratings, grid, histories, people, gaps, odd, attended, unrated, now)


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


# ---------------------------------------------------------------- Medicare DSMT allowance


@dataclass(frozen=True)
class AllowanceEntry:
    """One session's billed DSMT units for one participant."""

    session_id: int
    day: date
    code: str  # the code billed (G0108 individual / G0109 group)
    units: int

    @property
    def hours(self) -> float:
        return self.units * UNIT_MINUTES / 60


@dataclass(frozen=True)
class AllowanceUse:
    session_id: int
    day: date
    code: str
    hours: float
    period: str  # "initial", "follow-up" or "outside"
    year: int
    counted: float  # hours within the allowance
    over: float  # hours beyond it


@dataclass(frozen=True)
class FollowUpYear:
    year: int
    used: float
    limit: float = DSMT_FOLLOW_UP_HOURS_PER_YEAR

    @property
    def left(self) -> float:
        return max(0.0, self.limit - self.used)


@dataclass
class DsmtAllowance:
    first_day: date | None = None
    window_last_day: date | None = None  # last day of the 12-month initial window
    initial_ends: date | None = None  # window's last day, or the day the 10 hours were reached
    group_used: float = 0.0
    individual_used: float = 0.0
    follow_up: list[FollowUpYear] = field(default_factory=list)
    uses: list[AllowanceUse] = field(default_factory=list)
    group_limit: float = DSMT_INITIAL_GROUP_HOURS
    individual_limit: float = DSMT_INITIAL_INDIVIDUAL_HOURS
    initial_limit: float = DSMT_INITIAL_HOURS

    @property
    def initial_used(self) -> float:
        return self.group_used + self.individual_used

    @property
    def initial_left(self) -> float:
        return max(0.0, self.initial_limit - self.initial_used)

    @property
    def over(self) -> float:
        return sum(u.over for u in self.uses)

    @property
    def started(self) -> bool:
        return self.first_day is not None

    def messages(self, today: date) -> list[str]:
        """The allowance in plain language."""
        if not self.started:
            return ["No Medicare DSMT (G0108/G0109) hours billed yet: the 12-month initial window starts "
                    "with the first DSMT session."]
        out = [
            f"Initial DSMT: {_h(self.initial_used)} of {_h(self.initial_limit)} hours used "
            f"({_h(self.group_used)} of {_h(self.group_limit)} group, {_h(self.individual_used)} of "
            f"{_h(self.individual_limit)} individual), in the 12 months from {self.first_day:%Y-%m-%d} "
            f"to {self.window_last_day:%Y-%m-%d}."
        ]
        if today <= self.window_last_day and self.initial_ends == self.window_last_day:
            out.append(f"{_h(self.initial_left)} initial hours are left until {self.window_last_day:%Y-%m-%d}.")
        elif self.initial_ends and self.initial_ends < self.window_last_day:
            out.append(f"The initial 10 hours were completed on {self.initial_ends:%Y-%m-%d}.")
        else:
            out.append("The initial window has closed.")
        first_fu = self.initial_ends.year + 1
        out.append(f"Follow-up: up to {_h(DSMT_FOLLOW_UP_HOURS_PER_YEAR)} hours each calendar year from "
                   f"{first_fu} on.")
        for fy in self.follow_up:
            out.append(f"Follow-up {fy.year}: {_h(fy.used)} of {_h(fy.limit)} hours used.")
        outside = [u for u in self.uses if u.period == "outside"]
        if outside:
            out.append(f"{_h(sum(u.hours for u in outside))} hours fell after the initial training but in "
                       f"its last calendar year, before follow-up hours are available.")
        if self.over:
            out.append(f"{_h(self.over)} hours were beyond the allowance.")
        return out


def _h(hours: float) -> str:
    return f"{hours:g}"


def _one_year_later(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return date(d.year + 1, 3, 1)


def dsmt_allowance(entries: Iterable[AllowanceEntry], *, today: date | None = None) -> DsmtAllowance:
    """The Medicare DSMT allowance from a participant's billed units (each unit is 30 minutes).

    * Only G0108/G0109 units count; the code billed decides group (G0109) or individual (G0108).
    * The initial window is 12 months from the first session with DSMT units: from that day up to the day
      before the same date a year later. In it, up to 9 group and 1 individual hour, 10 in all.
    * The initial training ends on the last day of the window, or earlier on the day the 10 hours are
      used up. Follow-up is up to 2 hours in each calendar year after the year the initial training
      ends. Hours after the initial training but in the same calendar year count as "outside".
    * Hours beyond a limit are reported as over, never dropped.
    """
    today = today or today_local()
    dsmt = sorted((e for e in entries if e.code in CODES and CODES[e.code].dsmt and e.units > 0),
                  key=lambda e: (e.day, e.session_id))
    a = DsmtAllowance()
    if not dsmt:
        return a
    a.first_day = dsmt[0].day
    window_end = _one_year_later(a.first_day)  # exclusive
    a.window_last_day = window_end - timedelta(days=1)
    complete: date | None = None
    fu_used: dict[int, float] = defaultdict(float)
    for e in dsmt:
        h = e.hours
        if complete is None and e.day < window_end:
            individual = not CODES[e.code].is_group
            limit_left = (a.individual_limit - a.individual_used) if individual else (a.group_limit - a.group_used)
            counted = max(0.0, min(h, limit_left, a.initial_left))
            if individual:
                a.individual_used += counted
            else:
                a.group_used += counted
            if a.initial_used >= a.initial_limit:
                complete = e.day
            a.uses.append(AllowanceUse(e.session_id, e.day, e.code, h, "initial", e.day.year, counted, h - counted))
            continue
        ends = complete or a.window_last_day
        if e.day.year <= ends.year:
            a.uses.append(AllowanceUse(e.session_id, e.day, e.code, h, "outside", e.day.year, 0.0, h))
            continue
        counted = max(0.0, min(h, DSMT_FOLLOW_UP_HOURS_PER_YEAR - fu_used[e.day.year]))
        fu_used[e.day.year] += counted
        a.uses.append(AllowanceUse(e.session_id, e.day, e.code, h, "follow-up", e.day.year, counted, h - counted))
    a.initial_ends = complete or a.window_last_day
    years = set(fu_used)
    if today.year > a.initial_ends.year:
        years.add(today.year)
    a.follow_up = [FollowUpYear(y, fu_used.get(y, 0.0)) for y in sorted(years)]
    return a


# ---------------------------------------------------------------- participant history


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

    @property
    def dsmt_hours(self) -> float:
        if not self.billed_code or not CODES[self.billed_code].dsmt or not self.units:
            return 0.0
        return self.units * UNIT_MINUTES / 60


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


def _session_day(s: GroupSession) -> date:
    return local_day(s.started_at or s.scheduled_at)


def participant_history(db: Session, participant_id: int, *, now: datetime | None = None
                        ) -> ParticipantHistory | None:
    now = now or clock.now()
    p = db.get(Participant, participant_id)
    if p is None:
        return None
    sids = list(db.exec(select(Attendance.session_id).where(Attendance.participant_id == participant_id)).all())
    sessions: list[tuple[GroupSession, Facilitator | None]] = []
    for chunk in _chunks(sids):
        sessions.extend(db.exec(
            select(GroupSession, Facilitator)
            .outerjoin(Facilitator, Facilitator.id == GroupSession.facilitator_id)
            .where(GroupSession.id.in_(chunk))
        ).all())
    sessions.sort(key=lambda r: (r[0].scheduled_at, r[0].id))
    ids = [s.id for s, _ in sessions]
    runs = _load_runs(db, ids)
    atts = _load_attendance(db, ids)
    rows: list[HistoryRow] = []
    for s, fac in sessions:
        mine = atts.get(s.id, [])
        summary = billing_summary(code=s.billing_code, runs=runs.get(s.id, []),
                                  people=[(a.participant_id, "", a.intervals) for a in mine],
                                  credential=fac.credential if fac else None, now=now)
        me = next((a for a in mine if a.participant_id == participant_id), None)
        units = next((u for u in summary.people if u.participant_id == participant_id), None) if summary else None
        attended = participant_id in _attended(summary, runs.get(s.id, []), mine, now)
        rows.append(HistoryRow(
            s.id, s.scheduled_at, _session_day(s), s.status, s.curriculum_title, s.billing_code,
            summary.billed_code if summary else None, attended, bool(me and me.caregiver),
            units.minutes if units else None, units.units if units else None))
    today = today_local(now)
    allowance = dsmt_allowance(
        [AllowanceEntry(r.session_id, r.day, r.billed_code, r.units or 0) for r in rows if r.billed_code],
        today=today)

    by_id = {s.id: s for s, _ in sessions}
    goals = [
        GoalRow(g.id, g.session_id,
                _session_day(by_id[g.session_id]) if g.session_id in by_id else local_day(g.created_at),
                g.behaviour, g.text, g.confidence, g.follow_up_date, g.followed_up_at)
        for g in db.exec(select(Goal).where(Goal.participant_id == participant_id).order_by(Goal.created_at, Goal.id))
    ]

    comp_rows = list(db.exec(select(CompetencyRating).where(CompetencyRating.participant_id == participant_id)))
    competency = latest_competency(
        comp_rows, {sid: (by_id[sid], session_curriculum(by_id[sid])) for sid in by_id})

    points: list[RatingPoint] = []
    vals: dict[tuple[int, str], list[int]] = defaultdict(list)
    for r in db.exec(select(Rating).where(Rating.participant_id == participant_id)):
        vals[(r.session_id, r.phase)].append(r.value)
    for (sid, phase), vs in vals.items():
        s = by_id.get(sid)
        if s is None:
            continue
        score = scale_score(vs, len(session_curriculum(s).assessment))
        if score is not None:
            points.append(RatingPoint(sid, _session_day(s), s.curriculum_title, phase, round(score, 2)))
    points.sort(key=lambda x: (x.day, x.session_id, PHASE_ORDER.get(x.phase, 9)))
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
        key = (c.level in RATED_LEVELS, s.started_at or s.scheduled_at, PHASE_ORDER.get(c.phase, 9), c.recorded_at)
        tl = TopicLevel(c.topic_id, title, c.level, COMPETENCY_LEVELS.get(c.level, c.level), s.id,
                        _session_day(s), c.phase)
        if c.topic_id not in best or key > best[c.topic_id][0]:
            best[c.topic_id] = (key, tl)
    return sorted((v for _, v in best.values()), key=lambda t: t.topic.lower())


# ---------------------------------------------------------------- billing rows for a date range


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


def billing_rows(db: Session, *, date_from: date, date_to: date, now: datetime | None = None) -> list[BillingRow]:
    """One row per participant who attended an ended session in the date range (local days, inclusive),
    with the code, their own face-to-face minutes and units. Sessions are read in batches."""
    now = now or clock.now()
    ids = list(db.exec(
        select(GroupSession.id)
        .where(GroupSession.status == "ended", GroupSession.scheduled_at >= day_start(date_from),
               GroupSession.scheduled_at < day_start(date_to + timedelta(days=1)))
        .order_by(GroupSession.scheduled_at, GroupSession.id)
    ).all())
    out: list[BillingRow] = []
    for chunk in _chunks(ids):
        sessions = db.exec(
            select(GroupSession, Facilitator)
            .options(defer(GroupSession.curriculum_json))
            .outerjoin(Facilitator, Facilitator.id == GroupSession.facilitator_id)
            .where(GroupSession.id.in_(chunk))
            .order_by(GroupSession.scheduled_at, GroupSession.id)
        ).all()
        runs = _load_runs(db, chunk)
        atts = _load_attendance(db, chunk)
        people = participants_by_id(db, sorted({a.participant_id for lst in atts.values() for a in lst}))
        for s, fac in sessions:
            mine = atts.get(s.id, [])
            summary = billing_summary(code=s.billing_code, runs=runs.get(s.id, []),
                                      people=[(a.participant_id, "", a.intervals) for a in mine],
                                      credential=fac.credential if fac else None, now=now)
            if summary is None:
                continue
            attended = _attended(summary, runs.get(s.id, []), mine, now)
            for pu in summary.people:
                if pu.participant_id not in attended:
                    continue
                p = people.get(pu.participant_id)
                out.append(BillingRow(
                    s.id, _session_day(s), s.curriculum_title, s.curriculum_version, s.billing_code,
                    summary.billed_code, fac.name if fac else "", fac.credential if fac else "",
                    pu.participant_id, (p.record_number or "") if p else "", p.last_name if p else "",
                    p.first_name if p else "", p.date_of_birth if p else None, pu.minutes, pu.units,
                    summary.patients, summary.face_to_face_minutes, " | ".join(summary.warnings)))
    return out


# ---------------------------------------------------------------- program overview


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
        return sum(m.sessions for m in self.sessions_per_month if m.status == "ended")

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
    for chunk in _chunks(list(reps)):
        for s in db.exec(select(GroupSession).where(GroupSession.id.in_(chunk))):
            out[(s.curriculum_id, s.curriculum_version)] = session_curriculum(s)
    return out


def program_overview(
    db: Session, *, date_from: date, date_to: date, curriculum_id: str | None = None, now: datetime | None = None
) -> ProgramOverview:
    """Program figures for sessions scheduled in a date range (local days, inclusive). Every query reads
    narrow columns or aggregates; nothing per note or per rating row is loaded."""
    now = now or clock.now()
    conds = [GroupSession.scheduled_at >= day_start(date_from),
             GroupSession.scheduled_at < day_start(date_to + timedelta(days=1))]
    if curriculum_id:
        conds.append(GroupSession.curriculum_id == curriculum_id)
    ended = [*conds, GroupSession.status == "ended"]
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
    ended_ids = [sid for sid, v in info.items() if v[2] == "ended"]
    runs = _load_runs(db, ended_ids)
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
        .where(*ended).group_by(Rating.session_id, Rating.participant_id, Rating.phase)
    ).all()
    scores: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    for sid, pid, phase, n, avg in agg:
        _, _, _, cid, ver, _ = info[sid]
        cur = curricula.get((cid, ver))
        n_items = len(cur.assessment) if cur else 0
        if n_items and n_items - n <= SELF_EFFICACY_MAX_MISSING:
            scores[(sid, pid)][phase] = float(avg)
    by_cur: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (sid, _), ph in scores.items():
        if "pre" in ph and "post" in ph:
            by_cur[info[sid][3]].append((ph["pre"], ph["post"]))
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
        .where(*ended, CompetencyRating.phase.in_(("post", "followup")), CompetencyRating.level.in_(RATED_LEVELS))
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


# ---------------------------------------------------------------- participants for the picker


def find_participants(db: Session, *, text: str = "", limit: int = 50) -> list[Participant]:
    """Participants whose name or record number contains `text` (all, alphabetically, when empty)."""
    q = select(Participant)
    text = (text or "").strip()
    if text:
        like = _like(text)
        q = q.where(or_(
            func.lower(Participant.first_name).like(like, escape="\\"),
            func.lower(Participant.last_name).like(like, escape="\\"),
            func.lower(Participant.record_number).like(like, escape="\\"),
            func.lower(Participant.first_name + " " + Participant.last_name).like(like, escape="\\"),
        ))
    return list(db.exec(q.order_by(Participant.last_name, Participant.first_name, Participant.id).limit(limit)))

