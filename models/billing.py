"""Who attended and how many units: billing units per participant from face-to-face time and presence, the
head-count over the session, and the warnings a billing office needs, by the rules in models/rules.py.
Every page, report and export asks this module; it reports units and never submits a claim.

A patient attended when their presence overlaps the face-to-face time (the session clock while running, not
paused). An interval still open (the person was never marked as having left) is closed at `now`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from models import clock
from models.enums import SessionStatus
from models.rules import (
    CODES,
    GroupSizeCheck,
    check_group_size,
    first_unit_minutes,
    instructor_warning,
    units_for_minutes,
)
from models.timer import Interval, RunSpan, overlap, running_intervals, total_seconds

if TYPE_CHECKING:
    from models.session_view import SessionView

OpenInterval = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class PersonPresence:
    participant_id: int
    name: str
    intervals: tuple[Interval, ...]  # clipped to nothing yet; open intervals already closed by caller


@dataclass(frozen=True)
class PersonUnits:
    participant_id: int
    name: str
    minutes: int
    units: int


@dataclass(frozen=True)
class HeadcountSegment:
    start: datetime
    end: datetime
    patients: int

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass
class BillingSummary:
    code: str
    billed_code: str  # the code the record supports (an individual code when one patient attended)
    face_to_face_minutes: int
    patients: int
    people: list[PersonUnits]
    segments: list[HeadcountSegment]
    warnings: list[str] = field(default_factory=list)
    attended: frozenset[int] = frozenset()  # patients whose presence overlaps the face-to-face time

    @property
    def total_units(self) -> int:
        return sum(p.units for p in self.people)

    def units_for(self, participant_id: int) -> PersonUnits | None:
        return next((p for p in self.people if p.participant_id == participant_id), None)


def headcount_segments(running: Sequence[Interval], people: Sequence[PersonPresence]) -> list[HeadcountSegment]:
    """How many patients were in the room over the face-to-face time, as constant-count segments."""
    points: set[datetime] = set()
    for a, b in running:
        points.update((a, b))
    for p in people:
        for a, b in p.intervals:
            points.update((a, b))
    ordered = sorted(points)
    segments: list[HeadcountSegment] = []
    for a, b in zip(ordered, ordered[1:], strict=False):
        mid = a + (b - a) / 2
        if not any(r0 <= mid < r1 for r0, r1 in running):
            continue
        count = sum(1 for p in people if any(i0 <= mid < i1 for i0, i1 in p.intervals))
        if segments and segments[-1].patients == count and segments[-1].end == a:
            segments[-1] = HeadcountSegment(segments[-1].start, b, count)
        else:
            segments.append(HeadcountSegment(a, b, count))
    return segments


def summarize(
    *,
    code: str,
    running: Sequence[Interval],
    people: Sequence[PersonPresence],
    credential: str | None,
) -> BillingSummary:
    spec = CODES[code]
    f2f = int(total_seconds(running) // 60)
    attended = [p for p in people if overlap(p.intervals, running)]
    patients = len(attended)
    billed = code
    warnings: list[str] = []
    check = check_group_size(code, patients)
    if not check.ok:
        if patients == 1 and check.suggested_code:
            billed = check.suggested_code
        warnings.append(check.message)
    per: list[PersonUnits] = []
    for p in people:
        minutes = int(total_seconds(overlap(p.intervals, running)) // 60)
        units = units_for_minutes(billed, minutes) if patients and not check.refused else 0
        per.append(PersonUnits(p.participant_id, p.name, minutes, units))
    if units_for_minutes(code, f2f) == 0:
        warnings.append(f"Face-to-face time is {f2f} min: too short for one unit of {code} "
                        f"(at least {first_unit_minutes(code)} min).")
    instructor = instructor_warning(code, credential)
    if instructor:
        warnings.append(instructor)
    segments = headcount_segments(running, attended)
    lo, hi = spec.min_patients, spec.max_patients
    outside = [s for s in segments if not lo <= s.patients <= hi]
    if outside and patients and lo <= patients <= hi:
        mins = round(sum(s.minutes for s in outside))
        one = round(sum(s.minutes for s in outside if s.patients == 1))
        detail = f"; down to one patient for {one} min" if one and spec.is_group else ""
        warnings.append(
            f"The group was outside {code}'s range of {lo}–{hi} patients for {mins} min of the session{detail}."
        )
    return BillingSummary(code, billed, f2f, patients, per, segments, warnings,
                          frozenset(p.participant_id for p in attended))


def billing_summary(
    *,
    code: str,
    runs: Sequence[RunSpan],
    people: Iterable[tuple[int, str, Sequence[OpenInterval]]],
    credential: str | None,
    now: datetime | None = None,
) -> BillingSummary | None:
    """summarize() for stored step runs and presence intervals (open ones closed at `now`); None when the
    session never ran, so there is no face-to-face time to bill."""
    if not runs:
        return None
    now = now or clock.now()
    presence = [
        PersonPresence(pid, name, tuple((a, b or now) for a, b in ivs if (b or now) > a))
        for pid, name, ivs in people
    ]
    return summarize(code=code, running=running_intervals(runs, now), people=presence, credential=credential)


def summary_for_view(view: SessionView, now: datetime | None = None) -> BillingSummary | None:
    """Billing units per participant for one loaded session (models.session_view.load_session_view)."""
    return billing_summary(
        code=view.session.billing_code,
        runs=view.runs,
        people=[(p.participant_id, p.name, p.intervals) for p in view.people],
        credential=view.facilitator.credential if view.facilitator else None,
        now=now,
    )


@dataclass(frozen=True)
class RoomCount:
    """The head-count a facilitator sees: patients in the room now (live) or who attended (ended), or marked
    present (planned); caregivers are counted apart and never toward the group."""

    patients: int
    caregivers: int
    live: bool
    check: GroupSizeCheck

    @property
    def text(self) -> str:
        where = "in the room" if self.live else "present"
        extra = f", {self.caregivers} with a caregiver or family member (not counted)" if self.caregivers else ""
        return f"{self.patients} patient(s) {where}{extra}"


def room_count(view: SessionView, now: datetime | None = None) -> RoomCount:
    status = view.session.status
    if status == SessionStatus.LIVE:
        counted = {p.participant_id for p in view.people if p.in_room}
    elif status == SessionStatus.ENDED:
        summary = summary_for_view(view, now)
        counted = set(summary.attended) if summary else set()
    else:
        counted = {p.participant_id for p in view.people if p.present}
    caregivers = sum(1 for p in view.people if p.caregiver and p.participant_id in counted)
    return RoomCount(len(counted), caregivers, status == SessionStatus.LIVE, check_group_size(view.session.billing_code,
                                                                                 len(counted)))
