"""Correcting a session's own start and end on the record after it ended: kept as an amendment with its reason,
as presence corrections are (models.attendance.correct_presence).

* What moves. A session's start and end are the edges of everything recorded in it: the first step run and the
  presence of everyone in the room at roll call begin at the start (models.sessions.start_session); the last
  step run, a pause still open and every presence still open end at the end (end_session). A correction moves
  the edges and whatever was recorded at them: every step-run start or end, pause or resume, arrival or
  departure at the old start moves to the new start, and every one at the old end to the new end. Nothing
  else moves.
* What bounds it. Whatever was recorded between the old start and end (a step change, a pause, a resume, an
  arrival or a departure during the session) stays where it was recorded, so the new start must be before the
  first of these and the new end after the last; otherwise the correction is refused, naming what is in the
  way and when. The clock's own record is never rewritten (as for a chosen end, models/forgotten.py); a
  person's presence can be corrected first (correct_presence). The end must be after the start and not later
  than now; the reason and who corrects are required. Only an ended session that was run can be corrected.
* What is kept. The session row holds the corrected times; a SessionTimeCorrection row keeps the start and end
  before and after, the reason, who and when. Step runs and pauses are moved in place (their earlier edge is
  the correction's "before" time). Presence at an edge is amended like a presence correction: the earlier row
  stays, superseded at the time of the correction, an amended row is added, and the person's roster entry
  gets a new version (a presence correction opened on another screen before it is then refused as a conflict).
* Units. Billing (models/billing.py) reads the step runs and the presence, not the session's own start and
  end. So moving the start earlier by d adds d of face-to-face time and moving it later removes d, and the
  same at the end, while the clock was running at that edge: a session that ended paused keeps its
  face-to-face time when its end moves (the pause moves with it), and likewise a start at which a pause began.
  Each patient whose presence began at the start, or lasted to the end, gains or loses that same time; a late
  arrival or an early departure keeps their minutes. Units, who attended and the head-count follow by the
  usual rules within the time cap: time added beyond the planned length plus the margin counts only once
  confirmed on the record (models/forgotten.confirm_extra_time), and an earlier confirmation counts at most
  the minutes it confirmed.
* Several screens. The screen sends the start and end it showed; when the stored ones differ the write is
  refused with a Conflict carrying them (checked again by the conditional UPDATE). Correcting to the times
  stored already changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from models import clock
from models.curriculum import STEP_TITLES
from models.enums import SessionStatus
from models.errors import UNCHECKED, Conflict, RuleError, Unchecked
from models.forgotten import checked_text
from models.people import full_name
from models.rules import MAX_NAME, MAX_REASON
from models.session_rows import require_session, touch
from models.tables import (
    Attendance,
    GroupSession,
    Participant,
    Pause,
    PresenceInterval,
    SessionTimeCorrection,
    StepRun,
)

Times = tuple[datetime, datetime]


def time_corrections(db: Session, *, session_id: int) -> list[SessionTimeCorrection]:
    """Every correction of a session's start and end, oldest first."""
    return list(db.exec(select(SessionTimeCorrection).where(SessionTimeCorrection.session_id == session_id)
                        .order_by(SessionTimeCorrection.recorded_at, SessionTimeCorrection.id)))


def times_from_local(shown: Times, start: datetime, end: datetime) -> Times:
    """A start and end typed as local wall-clock times (minute precision) as aware UTC: a time typed as the
    minute of the one the form showed is that one, seconds and all, so a form can leave either as it was."""
    return _typed(start, shown[0]), _typed(end, shown[1])


def _typed(local: datetime, stored: datetime | None) -> datetime:
    t = clock.from_local(local.replace(tzinfo=None))
    if stored is not None and t == stored.replace(second=0, microsecond=0):
        return stored
    return t


def correct_session_times(
    db: Session, *, session_id: int, started_at: datetime, ended_at: datetime, reason: str | None, by: str | None,
    seen: Times | Unchecked = UNCHECKED,
) -> SessionTimeCorrection | None:
    """Correct an ended session's start and end (see the module's docstring), checked against the start and
    end the screen showed (`seen`); returns the correction kept, or None when the times are those stored."""
    s = require_session(db, session_id, statuses=(SessionStatus.ENDED,))
    old: Times = (s.started_at, s.ended_at)
    runs = list(db.exec(select(StepRun).where(StepRun.session_id == session_id).order_by(StepRun.id)))
    if old[0] is None or old[1] is None or not runs:
        raise RuleError("This session was never run: it has no start or end to correct.")
    if (started_at, ended_at) == old:
        return None
    reason = checked_text(reason, what="why the times are corrected", limit=MAX_REASON, required=True)
    by = checked_text(by, what="who corrects them", limit=MAX_NAME, required=True)
    now = clock.now()
    if ended_at <= started_at:
        raise RuleError("The end must be after the start.")
    if ended_at > now:
        raise RuleError("The end cannot be later than now.")
    if not isinstance(seen, Unchecked) and tuple(seen) != old:
        raise Conflict(old, old)
    pauses = list(db.exec(select(Pause).where(Pause.session_id == session_id)))
    presence = db.exec(
        select(PresenceInterval, Participant.first_name, Participant.last_name)
        .join(Attendance, Attendance.id == PresenceInterval.attendance_id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .where(Attendance.session_id == session_id, PresenceInterval.superseded_at.is_(None))
    ).all()
    _check_bounds((started_at, ended_at), _inside(old, runs, pauses, presence))
    done = db.execute(
        update(GroupSession)
        .where(GroupSession.id == session_id, GroupSession.started_at == old[0], GroupSession.ended_at == old[1])
        .values(started_at=started_at, ended_at=ended_at).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # corrected on another screen between our read and our write
        db.refresh(s)
        raise Conflict((s.started_at, s.ended_at), (s.started_at, s.ended_at))
    db.expire(s)

    new: Times = (started_at, ended_at)
    for run in runs:
        run.started_at, run.ended_at = _move(run.started_at, old, new), _move(run.ended_at, old, new, end=True)
        db.add(run)
    for p in pauses:
        p.paused_at, p.resumed_at = _move(p.paused_at, old, new), _move(p.resumed_at, old, new, end=True)
        db.add(p)
    amended: set[int] = set()
    for iv, _, _ in presence:
        a, b = _move(iv.arrived_at, old, new), _move(iv.left_at or old[1], old, new, end=True)
        if (a, b) == (iv.arrived_at, iv.left_at):
            continue
        iv.superseded_at = now
        db.add(iv)
        db.add(PresenceInterval(attendance_id=iv.attendance_id, arrived_at=a, left_at=b, amended=True,
                                recorded_at=now))
        amended.add(iv.attendance_id)
    if amended:  # a presence correction opened before this is checked against the new version
        db.execute(update(Attendance).where(Attendance.id.in_(amended))
                   .values(version=Attendance.version + 1).execution_options(synchronize_session=False))
    kept = SessionTimeCorrection(session_id=session_id, started_before=old[0], ended_before=old[1],
                                 started_after=started_at, ended_after=ended_at, reason=reason, corrected_by=by,
                                 recorded_at=now)
    db.add(kept)
    touch(db, session_id)
    db.flush()
    return kept


def _move(t: datetime | None, old: Times, new: Times, *, end: bool = False) -> datetime | None:
    """A recorded time at the old start or end is at the new one (an end-side time looks at the end first, so a
    session that ended the moment it started keeps its order)."""
    order = ((1, 0) if end else (0, 1))
    for i in order:
        if t == old[i]:
            return new[i]
    return t


def _inside(old: Times, runs: list[StepRun], pauses: list[Pause], presence) -> list[tuple[datetime, str]]:
    """What was recorded strictly between the old start and end, with when, in words."""
    events: list[tuple[datetime, str]] = []
    starts = {r.started_at for r in runs}
    for r in runs:
        events.append((r.started_at, f"the clock moved to {STEP_TITLES.get(r.step, r.step)}"))
        if r.ended_at and r.ended_at not in starts:
            events.append((r.ended_at, f"the clock ended {STEP_TITLES.get(r.step, r.step)}"))
    for p in pauses:
        events.append((p.paused_at, "the clock was paused"))
        if p.resumed_at:
            events.append((p.resumed_at, "the clock was resumed"))
    for iv, first, last in presence:
        name = full_name(first, last)
        events.append((iv.arrived_at, f"{name} arrived"))
        if iv.left_at:
            events.append((iv.left_at, f"{name} left"))
    return sorted((t, what) for t, what in events if old[0] < t < old[1])


def _check_bounds(new: Times, inside: list[tuple[datetime, str]]) -> None:
    if not inside:
        return
    (first, what_first), (last, what_last) = inside[0], inside[-1]
    if new[0] >= first:
        raise RuleError(f"The start must be before {_hm(first, new[0])}: then {what_first}, which stays where it "
                        f"was recorded. {_hint(what_first)}")
    if new[1] <= last:
        raise RuleError(f"The end must be after {_hm(last, new[1])}: then {what_last}, which stays where it was "
                        f"recorded. {_hint(what_last)}")


def _hint(what: str) -> str:
    if what.startswith("the clock"):
        return "The clock's own record is not rewritten."
    return "If that presence was recorded wrongly, correct it first."


def _hm(t: datetime, typed: datetime) -> str:
    """HH:MM (with the seconds when there are any), and the date when it is another day than the time typed."""
    pattern = "%H:%M" if t.second == 0 else "%H:%M:%S"
    if clock.local_day(t) != clock.local_day(typed):
        pattern = "%Y-%m-%d " + pattern
    return clock.fmt_local(t, pattern)


def correction_text(c: SessionTimeCorrection) -> str:
    """One correction in words: "start 10:07 → 10:00; end unchanged"."""
    def part(label: str, before: datetime | None, after: datetime | None) -> str:
        if before == after:
            return f"{label} unchanged ({_local(after)})"
        return f"{label} {_local(before)} → {_local(after)}"

    return part("start", c.started_before, c.started_after) + "; " + part("end", c.ended_before, c.ended_after)


def _local(t: datetime | None) -> str:
    return clock.fmt_local(t, "%Y-%m-%d %H:%M")

