"""Batched reads by session id for the pages that show many sessions at once (the session list, the billing
rows, a participant's history): a fixed number of queries per batch of ids, narrow columns only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from models.billing import BillingSummary, billing_summary, time_cap
from models.tables import Attendance, Facilitator, GroupSession, Pause, PresenceInterval, StepRun
from models.timer import RunSpan

BATCH = 500  # ids per IN (...) list


def chunks(ids: Sequence[int], size: int = BATCH) -> Iterator[list[int]]:
    ids = list(ids)
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


@dataclass
class AttendanceFacts:
    attendance_id: int
    participant_id: int
    present: bool
    caregiver: bool
    intervals: list[tuple[datetime, datetime | None]] = field(default_factory=list)


def load_runs(db: Session, ids: Sequence[int]) -> dict[int, list[RunSpan]]:
    out: dict[int, list[RunSpan]] = defaultdict(list)
    for chunk in chunks(ids):
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


def load_attendance(db: Session, ids: Sequence[int]) -> dict[int, list[AttendanceFacts]]:
    out: dict[int, list[AttendanceFacts]] = defaultdict(list)
    for chunk in chunks(ids):
        atts = db.exec(
            select(Attendance.id, Attendance.session_id, Attendance.participant_id, Attendance.present,
                   Attendance.caregiver_present)
            .where(Attendance.session_id.in_(chunk)).order_by(Attendance.id)
        ).all()
        by_id: dict[int, AttendanceFacts] = {}
        for att_id, sid, pid, present, caregiver in atts:
            a = AttendanceFacts(att_id, pid, bool(present), bool(caregiver))
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



@dataclass
class SessionFacts:
    """One session of a batch with what the billing rules need: its step runs, its roster with presence and
    the billing summary (None when it never ran)."""

    session: GroupSession
    facilitator: Facilitator | None
    runs: list[RunSpan]
    roster: list[AttendanceFacts]
    billing: BillingSummary | None

    @property
    def credential(self) -> str | None:
        return self.facilitator.credential if self.facilitator else None

    def attendance_of(self, participant_id: int) -> AttendanceFacts | None:
        return next((a for a in self.roster if a.participant_id == participant_id), None)


def session_facts(db: Session, rows: Sequence[tuple[GroupSession, Facilitator | None]], now: datetime
                  ) -> list[SessionFacts]:
    """The runs, roster and billing summary of each (session, facilitator) row, read in batches, in order."""
    ids = [s.id for s, _ in rows]
    runs = load_runs(db, ids)
    atts = load_attendance(db, ids)
    out = []
    for s, fac in rows:
        mine = atts.get(s.id, [])
        summary = billing_summary(code=s.billing_code, runs=runs.get(s.id, []),
                                  people=[(a.participant_id, "", a.intervals) for a in mine],
                                  credential=fac.credential if fac else None, cap=time_cap(s), now=now)
        out.append(SessionFacts(s, fac, runs.get(s.id, []), mine, summary))
    return out
