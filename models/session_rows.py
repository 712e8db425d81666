"""The rows every action on a session reads or bumps: the session itself (refused when unknown or in the wrong
status), its frozen curriculum, its revision, its open step run and pause, a participant's roster entry and
presence intervals. Shared by the action modules (sessions, attendance, notes, assessments, questions, goals)
so that none of them imports another."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import clock
from models.curriculum import Curriculum
from models.errors import Conflict, RuleError, Unchecked
from models.signals import session_changed
from models.tables import Attendance, GroupSession, Pause, PresenceInterval, StepRun


@lru_cache(maxsize=256)
def _parse_curriculum(text: str) -> Curriculum:
    return Curriculum.from_json(text)


def session_curriculum(s: GroupSession) -> Curriculum:
    """The frozen copy of the curriculum as delivered in this session."""
    return _parse_curriculum(s.curriculum_json)


def session_day(s: GroupSession) -> date:
    """The local calendar day a session counts for: the day it started, or was scheduled if it never did."""
    return clock.local_day(s.started_at or s.scheduled_at)


def planned_minutes(cur: Curriculum) -> dict[str, int]:
    return {st.id: st.minutes for st in cur.steps}


def touch(db: Session, session_id: int) -> None:
    """Bump the session's revision so a projector following it redraws; a facilitator write (mark_activity).
    The projectors following it are told once the caller's transaction commits (models/signals.py)."""
    revision = db.execute(
        update(GroupSession).where(GroupSession.id == session_id)
        .values(revision=GroupSession.revision + 1, last_activity_at=clock.now())
        .returning(GroupSession.revision)
    ).scalar_one_or_none()
    if revision is not None:
        session_changed(db, session_id, revision)


def mark_activity(db: Session, session_id: int) -> None:
    """Record a facilitator write the projector need not follow (a note, a rating, a goal): the session's last
    activity, from which a forgotten session is noticed and ended (models/forgotten.py)."""
    db.execute(update(GroupSession).where(GroupSession.id == session_id).values(last_activity_at=clock.now()))


def require_session(db: Session, session_id: int, *, statuses: tuple[str, ...] | None = None) -> GroupSession:
    s = db.get(GroupSession, session_id)
    if s is None:
        raise RuleError("That session does not exist.")
    if statuses and s.status not in statuses:
        raise RuleError(f"The session is {s.status}; that action is not possible now.")
    return s


def open_run(db: Session, session_id: int) -> StepRun | None:
    return db.exec(
        select(StepRun).where(StepRun.session_id == session_id, StepRun.ended_at.is_(None))
    ).first()


def open_pause(db: Session, session_id: int) -> Pause | None:
    return db.exec(select(Pause).where(Pause.session_id == session_id, Pause.resumed_at.is_(None))).first()


def close_run(db: Session, session_id: int, at: datetime) -> None:
    pause = open_pause(db, session_id)
    if pause:
        pause.resumed_at = at
        db.add(pause)
    run = open_run(db, session_id)
    if run:
        run.ended_at = at
        db.add(run)


def roster(db: Session, session_id: int) -> list[Attendance]:
    return list(db.exec(select(Attendance).where(Attendance.session_id == session_id).order_by(Attendance.id)))


def presence_intervals(db: Session, session_id: int) -> list[PresenceInterval]:
    """The current (not superseded) presence intervals of everyone on the session's roster."""
    q = (
        select(PresenceInterval)
        .join(Attendance, Attendance.id == PresenceInterval.attendance_id)
        .where(Attendance.session_id == session_id, PresenceInterval.superseded_at.is_(None))
    )
    return list(db.exec(q.order_by(PresenceInterval.arrived_at, PresenceInterval.id)))


def attendance_row(db: Session, session_id: int, participant_id: int) -> Attendance:
    att = db.exec(
        select(Attendance).where(Attendance.session_id == session_id, Attendance.participant_id == participant_id)
    ).first()
    if att is None:
        raise RuleError("That participant is not on this session's roster.")
    return att


def open_interval(db: Session, attendance_id: int) -> PresenceInterval | None:
    return db.exec(
        select(PresenceInterval).where(
            PresenceInterval.attendance_id == attendance_id,
            PresenceInterval.left_at.is_(None),
            PresenceInterval.superseded_at.is_(None),
        )
    ).first()


class CellWrite(NamedTuple):
    version: int  # the version stored after the write
    changed: bool  # False: the cell held this value already (perhaps written by another screen)


def write_cell(db: Session, model, where: dict, field: str, value, seen_version: int | Unchecked, *,
               stamp: str = "recorded_at", empty=None) -> CellWrite:
    """Set one versioned cell (a rating, a competency level, a tick) to `value` if the stored version is the
    one the screen saw, inside the caller's transaction; returns the version now stored and whether it changed.

    A cell never written is version 0 and holds `empty`. Writing the value already stored changes nothing
    (also when the screen was behind: nothing is overwritten). Otherwise a screen that saw an older version
    gets a Conflict with the value stored now; the update itself is conditional on the version, so a write
    that slips in between the read and the update is caught too. Cells are never deleted (a cleared one keeps
    its row), so versions only grow."""
    row = db.exec(select(model).filter_by(**where)).first()
    current = row.version if row else 0
    stored = getattr(row, field) if row else empty
    if stored == value:
        return CellWrite(current, False)
    if not isinstance(seen_version, Unchecked) and seen_version != current:
        raise Conflict(stored, current)
    mark_activity(db, where["session_id"])
    if row is None:
        try:
            with db.begin_nested():
                db.add(model(**where, **{field: value, stamp: clock.now()}, version=1))
        except IntegrityError:  # another screen created the cell a moment ago
            row = db.exec(select(model).filter_by(**where)).first()
            raise Conflict(getattr(row, field), row.version) from None
        return CellWrite(1, True)
    done = db.execute(
        update(model).where(model.id == row.id, model.version == current)
        .values({field: value, stamp: clock.now(), "version": current + 1})
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # changed between our read and our write
        db.refresh(row)
        raise Conflict(getattr(row, field), row.version)
    db.expire(row)
    return CellWrite(current + 1, True)
