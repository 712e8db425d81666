"""Group sessions: planning, the live flow (steps, timer, attendance, ticks, notes, ratings, questions,
goals) and the one read a live or projector page needs. Every function takes the DB session explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import func, update
from sqlmodel import Session, select

from models import clock
from models.curriculum import STEP_ORDER, Curriculum, checklist_items
from models.errors import RuleError
from models.rules import ADCES7, CODES, COMPETENCY_LEVELS, NOTE_TAGS, SETTINGS, check_group_size
from models.tables import (
    Attendance,
    ChecklistTick,
    CompetencyRating,
    Facilitator,
    Goal,
    GroupSession,
    Note,
    NoteVersion,
    Participant,
    Pause,
    PresenceInterval,
    Question,
    Rating,
    StepRun,
)
from models.timer import RunSpan, TimerState, running_intervals, timer_state

MAX_NOTE = 100_000
MAX_QUESTION = 2_000
MAX_GOAL = 2_000


# ---------------------------------------------------------------- curriculum of a session


@lru_cache(maxsize=256)
def _parse_curriculum(text: str) -> Curriculum:
    return Curriculum.from_json(text)


def session_curriculum(s: GroupSession) -> Curriculum:
    """The frozen copy of the curriculum as delivered in this session."""
    return _parse_curriculum(s.curriculum_json)


def planned_minutes(cur: Curriculum) -> dict[str, int]:
    return {st.id: st.minutes for st in cur.steps}


# ---------------------------------------------------------------- planning


def create_session(
    db: Session,
    *,
    curriculum: Curriculum,
    billing_code: str,
    scheduled_at: datetime,
    setting: str,
    facilitator_id: int | None,
    participant_ids: list[int],
) -> GroupSession:
    if billing_code not in curriculum.codes:
        raise RuleError(f"{curriculum.title} may be delivered under {', '.join(curriculum.codes)}, not {billing_code}.")
    if setting not in SETTINGS:
        raise RuleError(f"Unknown setting '{setting}'.")
    ids = list(dict.fromkeys(participant_ids))
    check = check_group_size(billing_code, len(ids))
    if check.refused and ids:
        raise RuleError(check.message)
    if facilitator_id is not None and db.get(Facilitator, facilitator_id) is None:
        raise RuleError("That facilitator does not exist.")
    s = GroupSession(
        curriculum_id=curriculum.id,
        curriculum_version=curriculum.version,
        curriculum_title=curriculum.title,
        curriculum_json=curriculum.to_json(),
        billing_code=billing_code,
        scheduled_at=scheduled_at,
        setting=setting,
        facilitator_id=facilitator_id,
    )
    db.add(s)
    db.flush()
    for pid in ids:
        if db.get(Participant, pid) is None:
            raise RuleError("A participant on the roster does not exist.")
        db.add(Attendance(session_id=s.id, participant_id=pid))
    db.flush()
    return s


def get_session(db: Session, session_id: int) -> GroupSession | None:
    return db.get(GroupSession, session_id)


def list_sessions_between(db: Session, *, start: datetime, end: datetime, limit: int = 100) -> list[GroupSession]:
    q = (
        select(GroupSession)
        .where(GroupSession.scheduled_at >= start, GroupSession.scheduled_at < end)
        .order_by(GroupSession.scheduled_at)
        .limit(limit)
    )
    return list(db.exec(q))


def live_sessions(db: Session, *, limit: int = 20) -> list[GroupSession]:
    q = select(GroupSession).where(GroupSession.status == "live").order_by(GroupSession.started_at).limit(limit)
    return list(db.exec(q))


# ---------------------------------------------------------------- helpers


def _touch(db: Session, session_id: int) -> None:
    """Bump the session's revision so a projector following it redraws."""
    db.execute(
        update(GroupSession).where(GroupSession.id == session_id).values(revision=GroupSession.revision + 1)
    )


def _require(db: Session, session_id: int, *, statuses: tuple[str, ...] | None = None) -> GroupSession:
    s = db.get(GroupSession, session_id)
    if s is None:
        raise RuleError("That session does not exist.")
    if statuses and s.status not in statuses:
        raise RuleError(f"The session is {s.status}; that action is not possible now.")
    return s


def _open_run(db: Session, session_id: int) -> StepRun | None:
    return db.exec(
        select(StepRun).where(StepRun.session_id == session_id, StepRun.ended_at.is_(None))
    ).first()


def _open_pause(db: Session, session_id: int) -> Pause | None:
    return db.exec(select(Pause).where(Pause.session_id == session_id, Pause.resumed_at.is_(None))).first()


def _close_run(db: Session, session_id: int, at: datetime) -> None:
    pause = _open_pause(db, session_id)
    if pause:
        pause.resumed_at = at
        db.add(pause)
    run = _open_run(db, session_id)
    if run:
        run.ended_at = at
        db.add(run)


def _attendance(db: Session, session_id: int) -> list[Attendance]:
    return list(db.exec(select(Attendance).where(Attendance.session_id == session_id).order_by(Attendance.id)))


def _intervals(db: Session, session_id: int, *, current_only: bool = True) -> list[PresenceInterval]:
    q = (
        select(PresenceInterval)
        .join(Attendance, Attendance.id == PresenceInterval.attendance_id)
        .where(Attendance.session_id == session_id)
    )
    if current_only:
        q = q.where(PresenceInterval.superseded_at.is_(None))
    return list(db.exec(q.order_by(PresenceInterval.arrived_at, PresenceInterval.id)))


# ---------------------------------------------------------------- the live flow


def start_session(db: Session, *, session_id: int) -> GroupSession:
    s = _require(db, session_id, statuses=("planned",))
    at = clock.now()
    s.status, s.started_at, s.current_step = "live", at, STEP_ORDER[0]
    db.add(s)
    db.add(StepRun(session_id=s.id, step=STEP_ORDER[0], started_at=at))
    for att in _attendance(db, s.id):
        if att.present:
            db.add(PresenceInterval(attendance_id=att.id, arrived_at=at))
    _touch(db, s.id)
    db.flush()
    return s


def go_to_step(db: Session, *, session_id: int, step: str) -> GroupSession:
    if step not in STEP_ORDER:
        raise RuleError(f"Unknown step '{step}'.")
    s = _require(db, session_id, statuses=("live",))
    if s.current_step == step:
        return s
    at = clock.now()
    was_paused = _open_pause(db, session_id) is not None
    _close_run(db, session_id, at)
    db.flush()
    run = StepRun(session_id=s.id, step=step, started_at=at)
    db.add(run)
    db.flush()
    if was_paused:  # a paused clock stays paused on the new step
        db.add(Pause(session_id=s.id, step_run_id=run.id, paused_at=at))
    s.current_step = step
    db.add(s)
    _touch(db, s.id)
    db.flush()
    return s


def step_offset(s: GroupSession, offset: int) -> str | None:
    if s.current_step is None:
        return None
    i = STEP_ORDER.index(s.current_step) + offset
    return STEP_ORDER[i] if 0 <= i < len(STEP_ORDER) else None


def pause(db: Session, *, session_id: int) -> None:
    s = _require(db, session_id, statuses=("live",))
    if _open_pause(db, session_id):
        return
    run = _open_run(db, session_id)
    if run is None:
        raise RuleError("No step is running.")
    db.add(Pause(session_id=s.id, step_run_id=run.id, paused_at=clock.now()))
    _touch(db, s.id)
    db.flush()


def resume(db: Session, *, session_id: int) -> None:
    _require(db, session_id, statuses=("live",))
    p = _open_pause(db, session_id)
    if p is None:
        return
    p.resumed_at = clock.now()
    db.add(p)
    _touch(db, session_id)
    db.flush()


def toggle_pause(db: Session, *, session_id: int) -> None:
    if _open_pause(db, session_id):
        resume(db, session_id=session_id)
    else:
        pause(db, session_id=session_id)


def end_session(db: Session, *, session_id: int) -> GroupSession:
    s = _require(db, session_id, statuses=("live", "planned"))
    at = clock.now()
    _close_run(db, session_id, at)
    for iv in _intervals(db, session_id):
        if iv.left_at is None:
            iv.left_at = at
            db.add(iv)
    s.status, s.ended_at = "ended", at
    db.add(s)
    _touch(db, s.id)
    db.flush()
    return s


def set_projector_names(db: Session, *, session_id: int, show: bool) -> None:
    s = _require(db, session_id)
    s.show_first_names = bool(show)
    db.add(s)
    _touch(db, session_id)


def set_privacy_curtain(db: Session, *, session_id: int, on: bool) -> None:
    s = _require(db, session_id)
    s.privacy_curtain = bool(on)
    db.add(s)


# ---------------------------------------------------------------- attendance and presence


def _attendance_row(db: Session, session_id: int, participant_id: int) -> Attendance:
    att = db.exec(
        select(Attendance).where(Attendance.session_id == session_id, Attendance.participant_id == participant_id)
    ).first()
    if att is None:
        raise RuleError("That participant is not on this session's roster.")
    return att


def _open_interval(db: Session, attendance_id: int) -> PresenceInterval | None:
    return db.exec(
        select(PresenceInterval).where(
            PresenceInterval.attendance_id == attendance_id,
            PresenceInterval.left_at.is_(None),
            PresenceInterval.superseded_at.is_(None),
        )
    ).first()


def set_present(db: Session, *, session_id: int, participant_id: int, present: bool) -> None:
    """Roll call. Before the start it only marks who is expected in the room. During the session, absent
    means "never came": any presence recorded so far is withdrawn (kept, superseded, never deleted)."""
    s = _require(db, session_id, statuses=("planned", "live"))
    att = _attendance_row(db, session_id, participant_id)
    att.present = bool(present)
    db.add(att)
    if s.status == "live":
        at = clock.now()
        if present and _open_interval(db, att.id) is None:
            db.add(PresenceInterval(attendance_id=att.id, arrived_at=at))
        elif not present:
            for iv in db.exec(
                select(PresenceInterval).where(
                    PresenceInterval.attendance_id == att.id, PresenceInterval.superseded_at.is_(None)
                )
            ):
                iv.superseded_at = at
                db.add(iv)
    _touch(db, session_id)
    db.flush()


def mark_arrived(db: Session, *, session_id: int, participant_id: int) -> None:
    """"Arrived now": a late arrival or someone coming back into the room."""
    _require(db, session_id, statuses=("live",))
    att = _attendance_row(db, session_id, participant_id)
    if _open_interval(db, att.id) is None:
        db.add(PresenceInterval(attendance_id=att.id, arrived_at=clock.now()))
    att.present = True
    db.add(att)
    _touch(db, session_id)
    db.flush()


def mark_left(db: Session, *, session_id: int, participant_id: int) -> None:
    _require(db, session_id, statuses=("live",))
    att = _attendance_row(db, session_id, participant_id)
    iv = _open_interval(db, att.id)
    if iv is not None:
        iv.left_at = clock.now()
        db.add(iv)
    _touch(db, session_id)
    db.flush()


def set_caregiver(db: Session, *, session_id: int, participant_id: int, present: bool) -> None:
    _require(db, session_id)
    att = _attendance_row(db, session_id, participant_id)
    att.caregiver_present = bool(present)
    db.add(att)
    db.flush()


def add_to_roster(db: Session, *, session_id: int, participant_id: int) -> Attendance:
    """Add a participant; during a live session that is a late arrival, in the room from now."""
    s = _require(db, session_id, statuses=("planned", "live"))
    if db.get(Participant, participant_id) is None:
        raise RuleError("That participant does not exist.")
    existing = db.exec(
        select(Attendance).where(Attendance.session_id == session_id, Attendance.participant_id == participant_id)
    ).first()
    if existing:
        return existing
    att = Attendance(session_id=session_id, participant_id=participant_id, added_late=s.status == "live")
    db.add(att)
    db.flush()
    if s.status == "live":
        db.add(PresenceInterval(attendance_id=att.id, arrived_at=clock.now()))
    _touch(db, session_id)
    db.flush()
    return att


def correct_presence(
    db: Session, *, session_id: int, participant_id: int, intervals: list[tuple[datetime, datetime]]
) -> None:
    """Replace a participant's presence with corrected intervals after the session. The earlier rows stay,
    superseded at the time of the correction, so the amendment history is kept."""
    s = _require(db, session_id, statuses=("ended",))
    att = _attendance_row(db, session_id, participant_id)
    for a, b in intervals:
        if b <= a:
            raise RuleError("Each interval must end after it starts.")
        if s.started_at and a < s.started_at or s.ended_at and b > s.ended_at:
            raise RuleError("Presence must lie within the session's start and end.")
    ordered = sorted(intervals)
    for (_, b), (c, _) in zip(ordered, ordered[1:], strict=False):
        if c < b:
            raise RuleError("Intervals overlap.")
    at = clock.now()
    for iv in db.exec(
        select(PresenceInterval).where(
            PresenceInterval.attendance_id == att.id, PresenceInterval.superseded_at.is_(None)
        )
    ):
        iv.superseded_at = at
        db.add(iv)
    for a, b in ordered:
        db.add(PresenceInterval(attendance_id=att.id, arrived_at=a, left_at=b, amended=True, recorded_at=at))
    att.present = bool(ordered)
    db.add(att)
    db.flush()


# ---------------------------------------------------------------- checklist


def set_tick(db: Session, *, session_id: int, item_key: str, done: bool) -> None:
    s = _require(db, session_id, statuses=("planned", "live", "ended"))
    valid = {i.key for i in checklist_items(session_curriculum(s))}
    if item_key not in valid:
        raise RuleError("That checklist item is not part of this session's curriculum.")
    tick = db.exec(
        select(ChecklistTick).where(ChecklistTick.session_id == session_id, ChecklistTick.item_key == item_key)
    ).first()
    if tick is None:
        tick = ChecklistTick(session_id=session_id, item_key=item_key)
    tick.done, tick.ticked_at = bool(done), clock.now()
    db.add(tick)
    _touch(db, session_id)
    db.flush()


# ---------------------------------------------------------------- notes


def _clean_tags(tags: list[str] | tuple[str, ...]) -> str:
    unknown = [t for t in tags if t not in NOTE_TAGS]
    if unknown:
        raise RuleError(f"Unknown tag: {unknown[0]}")
    return "|".join(t for t in NOTE_TAGS if t in tags)


def split_tags(tags: str) -> list[str]:
    return [t for t in tags.split("|") if t]


def _check_note(text: str) -> str:
    if "\x00" in text:
        raise RuleError("The note contains a NUL character, which cannot be stored; remove it and try again.")
    if len(text) > MAX_NOTE:
        raise RuleError(f"A note holds at most {MAX_NOTE:,} characters; this one has {len(text):,}.")
    return text


def save_live_note(
    db: Session, *, session_id: int, participant_id: int | None, step: str, text: str, tags: list[str]
) -> Note | None:
    """The one note per participant (or group) and step written on /live. Saving the same text and tags
    again writes nothing; a change adds a version, the earlier ones stay."""
    s = _require(db, session_id)
    if step not in STEP_ORDER:
        raise RuleError(f"Unknown step '{step}'.")
    text = _check_note(text)
    tag_str = _clean_tags(tags)
    note = db.exec(
        select(Note).where(
            Note.session_id == session_id,
            Note.participant_id == participant_id if participant_id is not None else Note.participant_id.is_(None),
            Note.step == step,
        ).order_by(Note.id)
    ).first()
    if note is None:
        if not text.strip() and not tag_str:
            return None
        note = Note(session_id=session_id, participant_id=participant_id, step=step)
        db.add(note)
        db.flush()
    else:
        latest = _latest_version(db, note.id)
        if latest and latest.text == text and latest.tags == tag_str:
            return note
    db.add(NoteVersion(note_id=note.id, text=text, tags=tag_str, after_session=s.status == "ended"))
    db.flush()
    return note


def add_note(
    db: Session, *, session_id: int, participant_id: int | None, step: str, text: str, tags: list[str]
) -> Note:
    """A new note, e.g. added on /review after the session."""
    s = _require(db, session_id)
    if step not in STEP_ORDER:
        raise RuleError(f"Unknown step '{step}'.")
    if not text.strip():
        raise RuleError("The note is empty.")
    note = Note(session_id=session_id, participant_id=participant_id, step=step)
    db.add(note)
    db.flush()
    db.add(NoteVersion(note_id=note.id, text=_check_note(text), tags=_clean_tags(tags),
                       after_session=s.status == "ended"))
    db.flush()
    return note


def amend_note(db: Session, *, note_id: int, text: str, tags: list[str]) -> NoteVersion | None:
    note = db.get(Note, note_id)
    if note is None:
        raise RuleError("That note does not exist.")
    s = _require(db, note.session_id)
    latest = _latest_version(db, note_id)
    tag_str = _clean_tags(tags)
    if latest and latest.text == text and latest.tags == tag_str:
        return None
    v = NoteVersion(note_id=note_id, text=_check_note(text), tags=tag_str, after_session=s.status == "ended")
    db.add(v)
    db.flush()
    return v


def _latest_version(db: Session, note_id: int) -> NoteVersion | None:
    return db.exec(
        select(NoteVersion).where(NoteVersion.note_id == note_id).order_by(NoteVersion.id.desc()).limit(1)
    ).first()


@dataclass(frozen=True)
class NoteView:
    note_id: int
    participant_id: int | None
    step: str
    text: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    versions: int
    edited_after_session: bool


def session_notes(db: Session, *, session_id: int) -> list[NoteView]:
    """Current text of every note of a session (newest version), with how many versions it has."""
    rows = db.exec(
        select(Note, NoteVersion)
        .join(NoteVersion, NoteVersion.note_id == Note.id)
        .where(Note.session_id == session_id)
        .order_by(Note.id, NoteVersion.id)
    ).all()
    by_note: dict[int, list[tuple[Note, NoteVersion]]] = {}
    for note, v in rows:
        by_note.setdefault(note.id, []).append((note, v))
    out = []
    for pairs in by_note.values():
        note, last = pairs[-1]
        out.append(NoteView(note.id, note.participant_id, note.step, last.text, split_tags(last.tags),
                            note.created_at, last.created_at, len(pairs),
                            any(v.after_session for _, v in pairs)))
    return out


def note_history(db: Session, *, note_id: int) -> list[NoteVersion]:
    return list(db.exec(select(NoteVersion).where(NoteVersion.note_id == note_id).order_by(NoteVersion.id)))


# ---------------------------------------------------------------- ratings


def set_rating(
    db: Session, *, session_id: int, participant_id: int, item_id: str, phase: str, value: int | None
) -> None:
    s = _require(db, session_id)
    if phase not in ("pre", "post"):
        raise RuleError("A rating is pre or post.")
    item = next((i for i in session_curriculum(s).assessment if i.id == item_id), None)
    if item is None:
        raise RuleError("That assessment item is not part of this curriculum.")
    _attendance_row(db, session_id, participant_id)
    row = db.exec(
        select(Rating).where(Rating.session_id == session_id, Rating.participant_id == participant_id,
                             Rating.item_id == item_id, Rating.phase == phase)
    ).first()
    if value is None:
        if row:
            db.delete(row)
        db.flush()
        return
    if not item.low <= int(value) <= item.high:
        raise RuleError(f"Ratings for this item run from {item.low} to {item.high}.")
    if row is None:
        row = Rating(session_id=session_id, participant_id=participant_id, item_id=item_id, phase=phase,
                     value=int(value))
    row.value, row.recorded_at = int(value), clock.now()
    db.add(row)
    db.flush()


def set_competency(
    db: Session, *, session_id: int, participant_id: int, topic_id: str, phase: str, level: str | None
) -> None:
    s = _require(db, session_id)
    if phase not in ("pre", "post", "followup"):
        raise RuleError("A competency rating is pre, post or followup.")
    if not any(t.id == topic_id for t in session_curriculum(s).topics):
        raise RuleError("That topic is not part of this curriculum.")
    if level is not None and level not in COMPETENCY_LEVELS:
        raise RuleError("Competency is 1, 2, 3, 4, NC or NA.")
    _attendance_row(db, session_id, participant_id)
    row = db.exec(
        select(CompetencyRating).where(
            CompetencyRating.session_id == session_id, CompetencyRating.participant_id == participant_id,
            CompetencyRating.topic_id == topic_id, CompetencyRating.phase == phase)
    ).first()
    if level is None:
        if row:
            db.delete(row)
        db.flush()
        return
    if row is None:
        row = CompetencyRating(session_id=session_id, participant_id=participant_id, topic_id=topic_id,
                               phase=phase, level=level)
    row.level, row.recorded_at = level, clock.now()
    db.add(row)
    db.flush()


# ---------------------------------------------------------------- questions and goals


def add_question(db: Session, *, session_id: int, text: str, participant_id: int | None = None) -> Question:
    _require(db, session_id)
    text = text.strip()
    if not text:
        raise RuleError("The question is empty.")
    if len(text) > MAX_QUESTION:
        raise RuleError(f"A question holds at most {MAX_QUESTION:,} characters.")
    if participant_id is not None:
        _attendance_row(db, session_id, participant_id)
    q = Question(session_id=session_id, participant_id=participant_id, text=text)
    db.add(q)
    _touch(db, session_id)
    db.flush()
    return q


def set_question_status(db: Session, *, question_id: int, status: str) -> None:
    if status not in ("open", "answered", "parked"):
        raise RuleError("A question is open, answered or parked.")
    q = db.get(Question, question_id)
    if q is None:
        raise RuleError("That question does not exist.")
    q.status, q.updated_at = status, clock.now()
    db.add(q)
    _touch(db, q.session_id)
    db.flush()


def add_goal(
    db: Session,
    *,
    session_id: int,
    participant_id: int,
    behaviour: str,
    text: str,
    confidence: int,
    follow_up_date: date | None,
) -> Goal:
    _require(db, session_id)
    _attendance_row(db, session_id, participant_id)
    if behaviour not in ADCES7:
        raise RuleError("Choose one of the ADCES7 self-care behaviours.")
    text = text.strip()
    if not text:
        raise RuleError("The goal is empty.")
    if len(text) > MAX_GOAL:
        raise RuleError(f"A goal holds at most {MAX_GOAL:,} characters.")
    if not 0 <= int(confidence) <= 10:
        raise RuleError("Confidence runs from 0 to 10.")
    g = Goal(session_id=session_id, participant_id=participant_id, behaviour=behaviour, text=text,
             confidence=int(confidence), follow_up_date=follow_up_date)
    db.add(g)
    db.flush()
    return g


def mark_goal_followed_up(db: Session, *, goal_id: int, done: bool = True) -> None:
    g = db.get(Goal, goal_id)
    if g is None:
        raise RuleError("That goal does not exist.")
    g.followed_up_at = clock.now() if done else None
    db.add(g)
    db.flush()


# ---------------------------------------------------------------- the read a live page needs


@dataclass
class Person:
    participant_id: int
    first_name: str
    last_name: str
    present: bool
    caregiver: bool
    added_late: bool
    in_room: bool
    intervals: list[tuple[datetime, datetime | None]]


@dataclass
class SessionView:
    session: GroupSession
    curriculum: Curriculum
    facilitator: Facilitator | None
    people: list[Person]
    runs: list[RunSpan]
    ticks: dict[str, datetime]
    notes: list[NoteView] = field(default_factory=list)
    ratings: dict[tuple[int, str, str], int] = field(default_factory=dict)
    competency: dict[tuple[int, str, str], str] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)

    def timer(self, now: datetime | None = None) -> TimerState:
        return timer_state(
            status=self.session.status,
            current_step=self.session.current_step,
            runs=self.runs,
            planned_minutes=planned_minutes(self.curriculum),
            now=now or clock.now(),
        )

    def running(self, now: datetime | None = None):
        return running_intervals(self.runs, now or clock.now())

    @property
    def present_people(self) -> list[Person]:
        return [p for p in self.people if p.present]

    def progress(self) -> tuple[int, int]:
        items = checklist_items(self.curriculum)
        return sum(1 for i in items if i.key in self.ticks), len(items)


def _runs(db: Session, session_id: int) -> list[RunSpan]:
    runs = list(db.exec(select(StepRun).where(StepRun.session_id == session_id).order_by(StepRun.id)))
    pauses = list(db.exec(select(Pause).where(Pause.session_id == session_id).order_by(Pause.id)))
    by_run: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for p in pauses:
        by_run.setdefault(p.step_run_id, []).append((p.paused_at, p.resumed_at))
    return [RunSpan(r.step, r.started_at, r.ended_at, tuple(by_run.get(r.id, ()))) for r in runs]


def load_session_view(db: Session, session_id: int, *, private: bool = True) -> SessionView | None:
    """Everything a page needs about one session, in a handful of queries by session id (so the cost does
    not grow with history). With private=False nothing about participants is read at all."""
    s = db.get(GroupSession, session_id)
    if s is None:
        return None
    cur = session_curriculum(s)
    fac = db.get(Facilitator, s.facilitator_id) if s.facilitator_id else None
    ticks = {
        t.item_key: t.ticked_at
        for t in db.exec(select(ChecklistTick).where(ChecklistTick.session_id == session_id, ChecklistTick.done))
    }
    view = SessionView(s, cur, fac, [], _runs(db, session_id), ticks)
    questions = list(db.exec(select(Question).where(Question.session_id == session_id).order_by(Question.id)))
    if not private:
        # the projector: question text only, never who asked
        view.questions = [Question(id=q.id, session_id=q.session_id, text=q.text, status=q.status,
                                   created_at=q.created_at, updated_at=q.updated_at) for q in questions]
        return view
    view.questions = questions
    rows = db.exec(
        select(Attendance, Participant)
        .join(Participant, Participant.id == Attendance.participant_id)
        .where(Attendance.session_id == session_id)
        .order_by(Attendance.added_late, Participant.first_name, Participant.last_name, Attendance.id)
    ).all()
    ivs: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for iv in _intervals(db, session_id):
        ivs.setdefault(iv.attendance_id, []).append((iv.arrived_at, iv.left_at))
    for att, p in rows:
        mine = ivs.get(att.id, [])
        view.people.append(Person(p.id, p.first_name, p.last_name, att.present, att.caregiver_present,
                                  att.added_late, any(b is None for _, b in mine), mine))
    view.notes = session_notes(db, session_id=session_id)
    view.ratings = {
        (r.participant_id, r.item_id, r.phase): r.value
        for r in db.exec(select(Rating).where(Rating.session_id == session_id))
    }
    view.competency = {
        (c.participant_id, c.topic_id, c.phase): c.level
        for c in db.exec(select(CompetencyRating).where(CompetencyRating.session_id == session_id))
    }
    view.goals = list(db.exec(select(Goal).where(Goal.session_id == session_id).order_by(Goal.id)))
    return view


def session_revision(db: Session, session_id: int) -> int | None:
    """The cheap check a projector polls: one indexed row."""
    return db.exec(select(GroupSession.revision).where(GroupSession.id == session_id)).first()


def count_sessions(db: Session) -> int:
    return db.exec(select(func.count()).select_from(GroupSession)).one()


def billing_code_spec(code: str):
    return CODES[code]


def welcome_first_names(db: Session, *, session_id: int) -> list[str]:
    """First names for the projector's welcome slide: only when the facilitator switched it on, only
    first names, only of people marked present. Nothing else about a person ever reaches the projector."""
    s = db.get(GroupSession, session_id)
    if s is None or not s.show_first_names:
        return []
    rows = db.exec(
        select(Participant.first_name)
        .join(Attendance, Attendance.participant_id == Participant.id)
        .where(Attendance.session_id == session_id, Attendance.present)
        .order_by(Participant.first_name)
    ).all()
    return list(rows)
