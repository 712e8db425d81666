"""Group sessions: planning, and the live flow of one session (start, steps, pause, end, the projector's
switches, checklist ticks). Every function takes the DB session explicitly and checks its rules inside the
caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from models import clock
from models.curriculum import STEP_ORDER, Curriculum, checklist_items
from models.enums import EndMethod, ProjectorClock, SessionStatus
from models.errors import UNCHECKED, RuleError, Unchecked
from models.forgotten import check_end, checked_text, session_runs, suggested_end
from models.projector_pages import MAX_PAGE
from models.rules import MAX_REASON, SETTINGS, check_group_size
from models.session_rows import (
    CellWrite,
    close_run,
    mark_activity,
    open_pause,
    open_run,
    presence_intervals,
    require_session,
    roster,
    session_curriculum,
    touch,
    write_cell,
)
from models.tables import (
    Attendance,
    ChecklistTick,
    Facilitator,
    GroupSession,
    Participant,
    Pause,
    PresenceInterval,
    StepRun,
)

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
        planned_minutes=curriculum.minutes,
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
    q = (select(GroupSession).where(GroupSession.status == SessionStatus.LIVE)
         .order_by(GroupSession.started_at).limit(limit))
    return list(db.exec(q))


_OPEN_ROWS = 100  # a bound on the read: more sessions running, or planned for one day, than any clinic has


class SessionLink(NamedTuple):
    """What a link to a session needs: no frozen curriculum, no roster."""

    session_id: int
    title: str
    status: str
    scheduled_at: datetime
    started_at: datetime | None


def sessions_to_open(db: Session, *, now: datetime | None = None, limit: int = 20) -> list[SessionLink]:
    """The sessions a "Live session" link leads to: every session running now, earliest started first; when
    none runs, the next planned session today: the first scheduled from now on, or else the one scheduled
    last before now (due, not started yet). Empty when there is neither. One query, on the (status,
    scheduled_at) index, reading only the columns a link shows."""
    now = now or clock.now()
    day = clock.today(now)
    rows = db.exec(
        select(GroupSession.id, GroupSession.curriculum_title, GroupSession.status, GroupSession.scheduled_at,
               GroupSession.started_at)
        .where(or_(GroupSession.status == SessionStatus.LIVE,
                   and_(GroupSession.status == SessionStatus.PLANNED,
                        GroupSession.scheduled_at >= clock.day_start(day),
                        GroupSession.scheduled_at < clock.day_start(day + timedelta(days=1)))))
        .order_by(GroupSession.scheduled_at.desc()).limit(_OPEN_ROWS)
    ).all()
    links = [SessionLink(*r) for r in rows]
    running = sorted((x for x in links if x.status == SessionStatus.LIVE), key=lambda x: x.started_at or now)
    if running:
        return running[:limit]
    planned = sorted((x for x in links if x.status == SessionStatus.PLANNED), key=lambda x: x.scheduled_at)
    upcoming = [x for x in planned if x.scheduled_at >= now]
    return upcoming[:1] or planned[-1:]


# ---------------------------------------------------------------- the live flow


def start_session(db: Session, *, session_id: int) -> GroupSession:
    s = require_session(db, session_id, statuses=(SessionStatus.PLANNED,))
    at = clock.now()
    s.status, s.started_at, s.current_step = SessionStatus.LIVE, at, STEP_ORDER[0]
    db.add(s)
    db.add(StepRun(session_id=s.id, step=STEP_ORDER[0], started_at=at))
    for att in roster(db, s.id):
        if att.present:
            db.add(PresenceInterval(attendance_id=att.id, arrived_at=at))
    touch(db, s.id)
    db.flush()
    return s


def go_to_step(db: Session, *, session_id: int, step: str) -> GroupSession:
    if step not in STEP_ORDER:
        raise RuleError(f"Unknown step '{step}'.")
    s = require_session(db, session_id, statuses=(SessionStatus.LIVE,))
    if s.current_step == step:
        return s
    at = clock.now()
    was_paused = open_pause(db, session_id) is not None
    close_run(db, session_id, at)
    db.flush()
    run = StepRun(session_id=s.id, step=step, started_at=at)
    db.add(run)
    db.flush()
    if was_paused:  # a paused clock stays paused on the new step
        db.add(Pause(session_id=s.id, step_run_id=run.id, paused_at=at))
    s.current_step = step
    s.projector_page = 0  # a new step starts on its first page
    db.add(s)
    touch(db, s.id)
    db.flush()
    return s


def step_offset(s: GroupSession, offset: int) -> str | None:
    if s.current_step is None:
        return None
    i = STEP_ORDER.index(s.current_step) + offset
    return STEP_ORDER[i] if 0 <= i < len(STEP_ORDER) else None


def pause(db: Session, *, session_id: int) -> None:
    s = require_session(db, session_id, statuses=(SessionStatus.LIVE,))
    if open_pause(db, session_id):
        return
    run = open_run(db, session_id)
    if run is None:
        raise RuleError("No step is running.")
    db.add(Pause(session_id=s.id, step_run_id=run.id, paused_at=clock.now()))
    touch(db, s.id)
    db.flush()


def resume(db: Session, *, session_id: int) -> None:
    require_session(db, session_id, statuses=(SessionStatus.LIVE,))
    p = open_pause(db, session_id)
    if p is None:
        return
    p.resumed_at = clock.now()
    db.add(p)
    touch(db, session_id)
    db.flush()


def end_session(db: Session, *, session_id: int, at: datetime | None = None, reason: str | None = None,
                method: EndMethod | None = None) -> GroupSession:
    """End now (`at` None), or at a chosen time `at` between the clock's last step change, pause or resume and
    now, with a reason (models/forgotten.py). The open step run and pause, and every presence still open (a
    participant never marked as having left), are closed at the end; the record keeps it, how it was chosen
    (`method`: a time given by default) and the reason. end_at_suggested ends a forgotten session."""
    s = require_session(db, session_id, statuses=(SessionStatus.LIVE, SessionStatus.PLANNED))
    now = clock.now()
    reason = checked_text(reason, what="why the session ends then", limit=MAX_REASON, required=False)
    if at is None:
        at, method = now, EndMethod.NOW
    else:
        check_end(s, session_runs(db, session_id), at, now)
        method = method or EndMethod.GIVEN
        if method == EndMethod.GIVEN and not reason:
            raise RuleError("Say why the session ends at the time given.")
    close_run(db, session_id, at)
    for iv in presence_intervals(db, session_id):
        if iv.left_at is None:
            iv.left_at = max(at, iv.arrived_at)  # someone who came after the chosen end keeps a stay of no time
            db.add(iv)
    s.status, s.ended_at = SessionStatus.ENDED, at
    s.end_method, s.end_reason, s.end_recorded_at = method, reason, now
    db.add(s)
    touch(db, s.id)
    db.flush()
    return s


def end_at_suggested(db: Session, *, session_id: int, reason: str | None = None) -> GroupSession:
    """End a forgotten session at its suggested end: when the clock was paused, else the last recorded
    activity (models.forgotten.suggested_end)."""
    s = require_session(db, session_id, statuses=(SessionStatus.LIVE,))
    at, method = suggested_end(s, session_runs(db, session_id))
    return end_session(db, session_id=session_id, at=at, reason=reason, method=method)


def set_projector_names(db: Session, *, session_id: int, show: bool) -> None:
    s = require_session(db, session_id)
    s.show_first_names = bool(show)
    db.add(s)
    touch(db, session_id)


def set_projector_clock(db: Session, *, session_id: int, mode: str) -> None:
    """What the room sees of the clock (models.enums.ProjectorClock): the full countdown, a calm "time for this
    part" without overtime warnings, or none. Per session; the projector follows."""
    try:
        mode = ProjectorClock(mode)
    except ValueError:
        raise RuleError(f"Unknown projector clock '{mode}'.") from None
    s = require_session(db, session_id)
    s.projector_clock = mode.value
    db.add(s)
    touch(db, session_id)


def set_projector_page(db: Session, *, session_id: int, page: int) -> None:
    """Show page `page` (from 0) of the projector's current slide (models/projector_pages.py); the projector
    follows, and shows its last page when the slide has fewer. Written as the page wanted, not as a step from
    the page seen, so two screens pressing Next together move it once."""
    if isinstance(page, bool) or not isinstance(page, int) or not 0 <= page <= MAX_PAGE:
        raise RuleError("That projector page does not exist.")
    s = require_session(db, session_id, statuses=(SessionStatus.PLANNED, SessionStatus.LIVE))
    s.projector_page = page
    db.add(s)
    touch(db, session_id)


def set_privacy_curtain(db: Session, *, session_id: int, on: bool) -> None:
    s = require_session(db, session_id)
    s.privacy_curtain = bool(on)
    db.add(s)
    mark_activity(db, session_id)


# ---------------------------------------------------------------- checklist


def set_tick(db: Session, *, session_id: int, item_key: str, done: bool,
             seen_version: int | Unchecked = UNCHECKED) -> CellWrite:
    """Tick (or untick) a deliverable item, checked against the version the screen showed; returns the version
    now stored. Ticking an item another screen has ticked meanwhile keeps their tick and its time."""
    s = require_session(db, session_id, statuses=tuple(SessionStatus))
    item = next((i for i in checklist_items(session_curriculum(s)) if i.key == item_key), None)
    if item is None:
        raise RuleError("That checklist item is not part of this session's curriculum.")
    written = write_cell(db, ChecklistTick, {"session_id": session_id, "item_key": item_key}, "done", bool(done),
                         seen_version, stamp="ticked_at", empty=False)
    # the projector marks topics and activities covered (models/projector_pages.py); the facilitator's own
    # checklist it never shows, so ticking that wakes no projector
    (mark_activity if item.kind == "check" else touch)(db, session_id)
    db.flush()
    return written
