"""Billing units per participant from face-to-face time and presence, and the warnings a billing office
needs, by the rules in models/rules.py. Reports units; it never submits a claim."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from models.rules import CODES, check_group_size, is_qualified_instructor, units_for_minutes
from models.timer import Interval, overlap, total_seconds


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

    @property
    def total_units(self) -> int:
        return sum(p.units for p in self.people)


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
        need = 30 if spec.unit_rule == "full" else 16
        warnings.append(
            f"Face-to-face time is {f2f} min: too short for one unit of {code} (at least {need} min)."
        )
    if spec.dsmt and not is_qualified_instructor(credential):
        warnings.append(
            "No qualified instructor credential recorded (Medicare DSMT needs an RN, RD or pharmacist)."
        )
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
    return BillingSummary(code, billed, f2f, patients, per, segments, warnings)
