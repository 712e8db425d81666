"""Who is in the room: roll call, arrivals and departures, caregivers, late additions to the roster, and
presence corrections after the session (kept as amendments, never overwritten).

Each roster entry carries a version, raised by every change to the person's presence, caregiver, roll call or
signature on the printed roster. A change made from a screen (caregiver, signature, a presence correction) is
checked against the version that screen showed; "arrived now" and "left now" are facts of the moment and need
no check (doing one twice changes nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from models import clock
from models.enums import SessionStatus
from models.errors import UNCHECKED, Conflict, RuleError, Unchecked
from models.rules import MAX_NAME, MAX_RELATIONSHIP
from models.session_rows import attendance_row, mark_activity, open_interval, require_session, touch
from models.tables import Attendance, Participant, PresenceInterval


def _changed(db: Session, att: Attendance, seen_version: int | Unchecked = UNCHECKED, theirs=None) -> int:
    """Raise the entry's version after a change, if it is still the version the screen saw (checked again in
    the UPDATE itself); returns the new version. `theirs()` describes the stored state for a Conflict."""
    db.flush()
    current = att.version
    if not isinstance(seen_version, Unchecked) and seen_version != current:
        raise Conflict(theirs() if theirs else None, current)
    done = db.execute(update(Attendance).where(Attendance.id == att.id, Attendance.version == current)
                      .values(version=current + 1).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.refresh(att)
        raise Conflict(theirs() if theirs else None, att.version)
    db.expire(att, ["version"])
    return current + 1


def current_presence(db: Session, attendance_id: int) -> list[tuple[datetime, datetime | None]]:
    return [(iv.arrived_at, iv.left_at) for iv in db.exec(
        select(PresenceInterval).where(PresenceInterval.attendance_id == attendance_id,
                                       PresenceInterval.superseded_at.is_(None))
        .order_by(PresenceInterval.arrived_at, PresenceInterval.id))]


def set_present(db: Session, *, session_id: int, participant_id: int, present: bool) -> None:
    """Roll call. Before the start it only marks who is expected in the room. During the session, absent
    means "never came": any presence recorded so far is withdrawn (kept, superseded, never deleted)."""
    s = require_session(db, session_id, statuses=(SessionStatus.PLANNED, SessionStatus.LIVE))
    att = attendance_row(db, session_id, participant_id)
    att.present = bool(present)
    db.add(att)
    if s.status == SessionStatus.LIVE:
        at = clock.now()
        if present and open_interval(db, att.id) is None:
            db.add(PresenceInterval(attendance_id=att.id, arrived_at=at))
        elif not present:
            for iv in db.exec(
                select(PresenceInterval).where(
                    PresenceInterval.attendance_id == att.id, PresenceInterval.superseded_at.is_(None)
                )
            ):
                iv.superseded_at = at
                db.add(iv)
    _changed(db, att)
    touch(db, session_id)
    db.flush()


def mark_arrived(db: Session, *, session_id: int, participant_id: int) -> None:
    """"Arrived now": a late arrival or someone coming back into the room."""
    require_session(db, session_id, statuses=(SessionStatus.LIVE,))
    att = attendance_row(db, session_id, participant_id)
    if open_interval(db, att.id) is not None and att.present:
        return  # already in the room
    if open_interval(db, att.id) is None:
        db.add(PresenceInterval(attendance_id=att.id, arrived_at=clock.now()))
    newly_present, att.present = not att.present, True
    db.add(att)
    _changed(db, att)
    # the projector shows who is present (first names on the welcome slide), never who is in the room just now
    (touch if newly_present else mark_activity)(db, session_id)
    db.flush()


def mark_left(db: Session, *, session_id: int, participant_id: int) -> None:
    require_session(db, session_id, statuses=(SessionStatus.LIVE,))
    att = attendance_row(db, session_id, participant_id)
    iv = open_interval(db, att.id)
    if iv is None:
        return  # already out of the room
    iv.left_at = clock.now()
    db.add(iv)
    _changed(db, att)
    mark_activity(db, session_id)  # still present: nothing the projector shows changes (see mark_arrived)
    db.flush()


def set_caregiver(db: Session, *, session_id: int, participant_id: int, present: bool,
                  name: str | None = None, relationship: str | None = None,
                  seen_version: int | Unchecked = UNCHECKED) -> None:
    """A caregiver or family member came, with their name and relationship when given (never counted toward
    the group). Without name and relationship, those already recorded stay. Setting what is stored already
    changes nothing."""
    require_session(db, session_id)
    att = attendance_row(db, session_id, participant_id)
    new_name = att.caregiver_name if name is None else (_short(name, MAX_NAME, "The caregiver's name") or None)
    new_rel = (att.caregiver_relationship if relationship is None
               else (_short(relationship, MAX_RELATIONSHIP, "The relationship") or None))
    if not present:
        new_name, new_rel = att.caregiver_name, att.caregiver_relationship  # kept, in case it was a slip
    stored = (att.caregiver_present, att.caregiver_name, att.caregiver_relationship)
    if stored == (bool(present), new_name, new_rel):
        return
    att.caregiver_present, att.caregiver_name, att.caregiver_relationship = bool(present), new_name, new_rel
    db.add(att)
    mark_activity(db, session_id)
    _changed(db, att, seen_version, lambda: stored)


def _short(text: str, limit: int, what: str) -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise RuleError(f"{what} contains a NUL character, which cannot be stored.")
    if len(text) > limit:
        raise RuleError(f"{what} holds at most {limit} characters; this one has {len(text)}.")
    return text


def record_signature(db: Session, *, session_id: int, participant_id: int, signed: bool,
                     seen_version: int | Unchecked = UNCHECKED) -> bool:
    """Record that the patient signed the printed roster (the sign-in sheet), or withdraw that. Checked against the
    roster entry's version the screen showed; Conflict carries the stored signed_at (None: not signed). Recording
    what is stored already changes nothing, so a signature ticked on another screen keeps its time. Returns
    whether anything changed."""
    require_session(db, session_id)
    att = attendance_row(db, session_id, participant_id)
    if (att.signed_at is not None) == bool(signed):
        return False
    if not isinstance(seen_version, Unchecked) and seen_version != att.version:
        raise Conflict(att.signed_at, att.version)
    att.signed_at = clock.now() if signed else None
    db.add(att)
    mark_activity(db, session_id)
    _changed(db, att, seen_version, lambda: att.signed_at)
    return True


def add_to_roster(db: Session, *, session_id: int, participant_id: int) -> Attendance:
    """Add a participant; during a live session that is a late arrival, in the room from now."""
    s = require_session(db, session_id, statuses=(SessionStatus.PLANNED, SessionStatus.LIVE))
    if db.get(Participant, participant_id) is None:
        raise RuleError("That participant does not exist.")
    existing = db.exec(
        select(Attendance).where(Attendance.session_id == session_id, Attendance.participant_id == participant_id)
    ).first()
    if existing:
        return existing
    att = Attendance(session_id=session_id, participant_id=participant_id, added_late=s.status == SessionStatus.LIVE)
    db.add(att)
    db.flush()
    if s.status == SessionStatus.LIVE:
        db.add(PresenceInterval(attendance_id=att.id, arrived_at=clock.now()))
    touch(db, session_id)
    db.flush()
    return att


def correct_presence(
    db: Session, *, session_id: int, participant_id: int, intervals: list[tuple[datetime, datetime]],
    seen_version: int | Unchecked = UNCHECKED,
) -> None:
    """Replace a participant's presence with corrected intervals after the session. The earlier rows stay,
    superseded at the time of the correction, so the amendment history is kept. Checked against the roster
    entry's version the screen showed: Conflict carries the intervals stored now."""
    s = require_session(db, session_id, statuses=(SessionStatus.ENDED,))
    att = attendance_row(db, session_id, participant_id)
    for a, b in intervals:
        if b <= a:
            raise RuleError("Each interval must end after it starts.")
        if s.started_at and a < s.started_at or s.ended_at and b > s.ended_at:
            raise RuleError("Presence must lie within the session's start and end.")
    ordered = sorted(intervals)
    for (_, b), (c, _) in zip(ordered, ordered[1:], strict=False):
        if c < b:
            raise RuleError("Intervals overlap.")
    if not isinstance(seen_version, Unchecked) and seen_version != att.version:
        raise Conflict(current_presence(db, att.id), att.version)
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
    _changed(db, att, seen_version, lambda: current_presence(db, att.id))
