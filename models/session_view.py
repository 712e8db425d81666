"""The one read a live or projector page needs about a session: everything by session id, in a handful of
queries (so the cost does not grow with history); without private data for the projector."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from models import clock
from models.curriculum import Curriculum, checklist_items
from models.notes import NoteView, session_notes
from models.people import full_name
from models.session_rows import planned_minutes, presence_intervals, session_curriculum
from models.tables import (
    Attendance,
    ChecklistTick,
    CompetencyRating,
    Facilitator,
    Goal,
    GroupSession,
    Participant,
    Pause,
    Question,
    Rating,
    StepRun,
)
from models.timer import RunSpan, TimerState, running_intervals, timer_state


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
    caregiver_name: str | None = None
    caregiver_relationship: str | None = None
    signed_at: datetime | None = None

    @property
    def name(self) -> str:
        return full_name(self.first_name, self.last_name)

    def minutes_late(self, started_at: datetime | None) -> int | None:
        """Whole minutes after the session's start that this person first arrived (presence, not the roster);
        None when they were there from the start (within the first minute) or never came."""
        if started_at is None or not self.intervals:
            return None
        late = int((min(a for a, _ in self.intervals) - started_at).total_seconds() // 60)
        return late if late >= 1 else None

    @property
    def caregiver_text(self) -> str:
        """"caregiver: Sam (son)" style, or "caregiver" when nobody was named."""
        who = ", ".join(x for x in (self.caregiver_name, self.caregiver_relationship) if x)
        return f"caregiver ({who})" if who else "caregiver"


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
    # the version of every editable cell as read: ("rating" | "competency", participant, item/topic, phase),
    # ("tick", item key), ("attendance", participant). A cell never written is version 0.
    versions: dict[tuple, int] = field(default_factory=dict)
    # when the read began (wall clock, ns): of two reads of one session, the later began later and shows every write
    # committed before the earlier one began (a screen given both in the wrong order keeps the later: ui/live_screen)
    read_at: int = 0

    def version(self, *cell) -> int:
        return self.versions.get(cell, 0)

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
    began = time.time_ns()
    s = db.get(GroupSession, session_id)
    if s is None:
        return None
    cur = session_curriculum(s)
    fac = db.get(Facilitator, s.facilitator_id) if s.facilitator_id else None
    tick_rows = list(db.exec(select(ChecklistTick).where(ChecklistTick.session_id == session_id)))
    view = SessionView(s, cur, fac, [], _runs(db, session_id), {t.item_key: t.ticked_at for t in tick_rows if t.done},
                       read_at=began)
    view.versions.update({("tick", t.item_key): t.version for t in tick_rows})
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
    for iv in presence_intervals(db, session_id):
        ivs.setdefault(iv.attendance_id, []).append((iv.arrived_at, iv.left_at))
    for att, p in rows:
        view.versions[("attendance", p.id)] = att.version
        mine = ivs.get(att.id, [])
        view.people.append(Person(p.id, p.first_name, p.last_name, att.present, att.caregiver_present,
                                  att.added_late, any(b is None for _, b in mine), mine, att.caregiver_name,
                                  att.caregiver_relationship, att.signed_at))
    view.notes = session_notes(db, session_id=session_id)
    for r in db.exec(select(Rating).where(Rating.session_id == session_id)):
        view.versions[("rating", r.participant_id, r.item_id, r.phase)] = r.version
        if r.value is not None:
            view.ratings[(r.participant_id, r.item_id, r.phase)] = r.value
    for c in db.exec(select(CompetencyRating).where(CompetencyRating.session_id == session_id)):
        view.versions[("competency", c.participant_id, c.topic_id, c.phase)] = c.version
        if c.level is not None:
            view.competency[(c.participant_id, c.topic_id, c.phase)] = c.level
    view.goals = list(db.exec(select(Goal).where(Goal.session_id == session_id).order_by(Goal.id)))
    return view


def session_revision(db: Session, session_id: int) -> int | None:
    """The cheap check the push stream makes on its slow check (ui/push.py): one indexed row."""
    return db.exec(select(GroupSession.revision).where(GroupSession.id == session_id)).first()


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
