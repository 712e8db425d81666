"""Follow-ups the educator recommends for a participant (a group follow-up session, an individual one or a phone
call), from the summary step on /live or from the session record: the home page lists those due, and a planned
session's roster can be filled from them (each then points at the session it was scheduled into).

- A follow-up is recommended in a session the participant is on the roster of (or, without a session, from
  the participant's own page); it is due on a day not before that session's day (or today).
- Due: not done, due on or before a day (follow_ups_due reads them in one query on the (done_at, due_date)
  index). Scheduling one into a session does not make it done; the educator marks it done.
- A planned session takes only follow-ups of its own kind: a group code group follow-ups, an individual code
  individual ones (follow_up_kind_for_code); a phone call is never a session.
- Marking one done (or not done) is checked against the version the screen showed.
No Streamlit here."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models import clock
from models.attendance import add_to_roster
from models.enums import FollowUpKind, SessionStatus
from models.errors import UNCHECKED, Conflict, RuleError, Unchecked
from models.people import full_name
from models.rules import CODES, FOLLOW_UP_DEFAULT_MONTHS, MAX_FOLLOW_UP_NOTE
from models.session_rows import attendance_row, mark_activity, require_session, session_day
from models.tables import FollowUp, GroupSession, Participant

KIND_LABELS = {
    FollowUpKind.GROUP: "group follow-up",
    FollowUpKind.INDIVIDUAL: "individual follow-up",
    FollowUpKind.PHONE: "phone follow-up",
}


@dataclass(frozen=True)
class FollowUpRow:
    """One follow-up with who it is for, where it was recommended and where it was scheduled."""

    follow_up_id: int
    participant_id: int
    first_name: str
    last_name: str
    due_date: date
    kind: str  # models.enums.FollowUpKind
    note: str
    done_at: datetime | None
    version: int
    session_id: int | None  # where it was recommended
    session_title: str | None
    session_day: date | None
    scheduled_session_id: int | None
    scheduled_at: datetime | None  # when the session it was scheduled into is (or was) planned

    @property
    def name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def overdue(self, today: date) -> bool:
        return self.done_at is None and self.due_date < today

    def status(self, today: date) -> str:
        """"done on 2026-06-01", "scheduled for 2026-06-01", "overdue since …", "due on …"."""
        if self.done_at is not None:
            return f"done on {clock.fmt_local(self.done_at, '%Y-%m-%d')}"
        if self.scheduled_session_id is not None:
            return f"scheduled for {clock.fmt_local(self.scheduled_at, '%Y-%m-%d')}"
        return f"overdue since {self.due_date:%Y-%m-%d}" if self.overdue(today) else f"due on {self.due_date:%Y-%m-%d}"


    def describe(self, today: date) -> str:
        """"group follow-up · due on 2026-06-01"; when done or scheduled, its due day and then that."""
        if self.done_at is not None or self.scheduled_session_id is not None:
            return f"{self.kind_label} · due {self.due_date:%Y-%m-%d} · {self.status(today)}"
        return f"{self.kind_label} · {self.status(today)}"


def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def default_due_date(day: date | None = None) -> date:
    """A new follow-up's due date unless the educator picks another: FOLLOW_UP_DEFAULT_MONTHS after the session's
    local day (today by default), on the same day of the month or the month's last day."""
    return _add_months(day or clock.today(), FOLLOW_UP_DEFAULT_MONTHS)


def follow_up_kind_for_code(code: str) -> FollowUpKind:
    """The kind of follow-up a session under `code` can take in: group follow-ups for a group code, individual
    ones for an individual code."""
    return FollowUpKind.GROUP if CODES[code].is_group else FollowUpKind.INDIVIDUAL


def _kind(kind: str) -> FollowUpKind:
    try:
        return FollowUpKind(kind)
    except ValueError:
        raise RuleError("A follow-up is a group, an individual or a phone follow-up.") from None


def _note(note: str | None) -> str:
    note = (note or "").strip()
    if "\x00" in note:
        raise RuleError("The note contains a NUL character, which cannot be stored; remove it.")
    if len(note) > MAX_FOLLOW_UP_NOTE:
        raise RuleError(f"A follow-up note holds at most {MAX_FOLLOW_UP_NOTE:,} characters; this one has "
                        f"{len(note):,}.")
    return note


def recommend_follow_up(db: Session, *, participant_id: int, session_id: int | None, due_date: date, kind: str,
                        note: str = "") -> FollowUp:
    """Recommend a follow-up for a participant, in a session they are on the roster of (or None: from their own
    page). Refused for an unknown kind, a due date before the session's day (or before today without a
    session), or a note beyond MAX_FOLLOW_UP_NOTE."""
    if db.get(Participant, participant_id) is None:
        raise RuleError("That participant does not exist.")
    kind, note = _kind(kind), _note(note)
    if due_date is None:
        raise RuleError("Give the day the follow-up is due.")
    earliest, s = clock.today(), None
    if session_id is not None:
        s = require_session(db, session_id)
        attendance_row(db, session_id, participant_id)
        earliest = session_day(s)
    if due_date < earliest:
        raise RuleError(f"A follow-up is due on {earliest:%Y-%m-%d} or later"
                        + (", the session's day." if session_id is not None else ", today."))
    f = FollowUp(participant_id=participant_id, session_id=session_id, due_date=due_date, kind=kind, note=note)
    db.add(f)
    if s is not None and s.status == SessionStatus.LIVE:
        mark_activity(db, session_id)
    db.flush()
    return f


def mark_follow_up_done(db: Session, *, follow_up_id: int, done: bool = True,
                        seen_version: int | Unchecked = UNCHECKED) -> int:
    """Mark a follow-up done now (or not done), if it is still at the version the screen showed; returns the
    version now stored. Conflict (carrying the stored done_at) when another screen changed it first. Marking
    what is stored already changes nothing, so a follow-up done on another screen keeps its time."""
    f = db.get(FollowUp, follow_up_id)
    if f is None:
        raise RuleError("That follow-up does not exist.")
    if (f.done_at is not None) == bool(done):
        return f.version
    if not isinstance(seen_version, Unchecked) and seen_version != f.version:
        raise Conflict(f.done_at, f.version)
    changed = db.execute(
        update(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.version == f.version)
        .values(done_at=clock.now() if done else None, version=f.version + 1)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # changed between our read and our write
        db.refresh(f)
        raise Conflict(f.done_at, f.version)
    db.expire(f)
    return f.version


# ---------------------------------------------------------------- reading


def _select():
    """Follow-ups with their participant's name, the session they were recommended in and the one they were
    scheduled into: one query (both sessions by primary key)."""
    said, planned = aliased(GroupSession), aliased(GroupSession)
    return (
        select(FollowUp.id, FollowUp.participant_id, Participant.first_name, Participant.last_name,
               FollowUp.due_date, FollowUp.kind, FollowUp.note, FollowUp.done_at, FollowUp.version,
               FollowUp.session_id, said.curriculum_title, said.started_at, said.scheduled_at,
               FollowUp.scheduled_session_id, planned.scheduled_at)
        .join(Participant, Participant.id == FollowUp.participant_id)
        .outerjoin(said, said.id == FollowUp.session_id)
        .outerjoin(planned, planned.id == FollowUp.scheduled_session_id)
    )


def _rows(db: Session, query) -> list[FollowUpRow]:
    return [FollowUpRow(fid, pid, first, last, due, kind, note, done, version, sid, title,
                        clock.local_day(started or scheduled) if sid is not None else None, sched_id, sched_at)
            for (fid, pid, first, last, due, kind, note, done, version, sid, title, started, scheduled, sched_id,
                 sched_at) in db.exec(query)]


def follow_ups_due(db: Session, *, until: date | None = None, kind: str | None = None, unscheduled: bool = False,
                   limit: int | None = None) -> list[FollowUpRow]:
    """Follow-ups not done and due on or before `until` (today by default), the longest overdue first; only of
    `kind` when given, only those not yet scheduled into a session when `unscheduled`."""
    until = until or clock.today()
    q = _select().where(FollowUp.done_at.is_(None), FollowUp.due_date <= until)
    if kind is not None:
        q = q.where(FollowUp.kind == kind)
    if unscheduled:
        q = q.where(FollowUp.scheduled_session_id.is_(None))
    q = q.order_by(FollowUp.due_date, FollowUp.id)
    return _rows(db, q.limit(limit) if limit is not None else q)


def follow_ups_of(db: Session, participant_id: int) -> list[FollowUpRow]:
    """Every follow-up recommended for a participant, by due date."""
    return _rows(db, _select().where(FollowUp.participant_id == participant_id)
                 .order_by(FollowUp.due_date, FollowUp.id))


def follow_ups_in_session(db: Session, *, session_id: int) -> list[FollowUpRow]:
    """The follow-ups recommended in a session, in the order they were recommended."""
    return _rows(db, _select().where(FollowUp.session_id == session_id).order_by(FollowUp.id))


# ---------------------------------------------------------------- into a session's roster


def fill_roster_from_follow_ups(db: Session, *, session_id: int, follow_up_ids: Sequence[int]) -> list[int]:
    """Add the people of these follow-ups to a planned session's roster and link each follow-up to the session
    (scheduled). Returns the participant ids added or already there, in the order given. Refused, with nothing
    changed, for a session that is not planned, a follow-up done or scheduled into another session, or one
    whose kind the session's code cannot take (follow_up_kind_for_code)."""
    s = require_session(db, session_id)
    if s.status != SessionStatus.PLANNED:
        raise RuleError("Only a planned session's roster can be filled from follow-ups.")
    wanted = follow_up_kind_for_code(s.billing_code)
    rows = {f.id: f for f in db.exec(select(FollowUp).where(FollowUp.id.in_(list(follow_up_ids))))}
    people: list[int] = []
    for fid in follow_up_ids:
        f = rows.get(fid)
        if f is None:
            raise RuleError("That follow-up does not exist.")
        if f.done_at is not None:
            raise RuleError("A follow-up chosen was marked done meanwhile; nothing was added.")
        if f.scheduled_session_id not in (None, session_id):
            raise RuleError(f"A follow-up chosen is already scheduled into session {f.scheduled_session_id}; "
                            "nothing was added.")
        if f.kind != wanted:
            raise RuleError(f"A follow-up chosen is a {KIND_LABELS.get(f.kind, f.kind)}: a session under "
                            f"{s.billing_code} takes {KIND_LABELS[wanted]}s only; nothing was added.")
        add_to_roster(db, session_id=session_id, participant_id=f.participant_id)
        if f.scheduled_session_id is None:
            done = db.execute(
                update(FollowUp).where(FollowUp.id == fid, FollowUp.version == f.version,
                                       FollowUp.scheduled_session_id.is_(None), FollowUp.done_at.is_(None))
                .values(scheduled_session_id=session_id, version=f.version + 1)
                .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                raise RuleError("A follow-up chosen was changed on another screen meanwhile; nothing was added.")
            db.expire(f)
        if f.participant_id not in people:
            people.append(f.participant_id)
    db.flush()
    return people
