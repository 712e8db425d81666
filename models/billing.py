"""Who attended and how many units: billing units per participant from face-to-face time and presence, the
head-count over the session, and the warnings a billing office needs, by the rules in models/rules.py.
Every page, report and export asks this module; it reports units and never submits a claim.

A patient attended when their presence overlaps the face-to-face time (the session clock while running, not
paused). An interval still open (the person was never marked as having left) is closed at `now`.

Time counted (TimeCap): face-to-face time is counted up to the session's planned minutes plus
FORGOTTEN_MARGIN_MINUTES (models/rules.py), and beyond that only the minutes the educator confirmed on the
record (models/forgotten.py). The cap applies when the whole minutes of face-to-face time exceed that limit:
the face-to-face time is then cut where its running total reaches the limit, and everything (each person's
minutes and units, who attended, the head-count) is computed from the time before the cut. So a session of
planned 120 minutes that ran 150 minutes counts all 150; one that ran 151 minutes counts 150 and excludes 1,
and a person never marked as having left is counted to the end, within the same cap. The summary carries
the minutes recorded, excluded and confirmed, for the session and for each person, and says so in its
warnings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from models import clock
from models.enums import SessionStatus
from models.rules import (
    CODES,
    FORGOTTEN_MARGIN_MINUTES,
    GroupSizeCheck,
    check_group_size,
    first_unit_minutes,
    instructor_warning,
    units_for_minutes,
)
from models.timer import Interval, RunSpan, overlap, running_intervals, total_seconds

if TYPE_CHECKING:
    from models.session_view import SessionView
    from models.tables import GroupSession

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
    minutes: int  # counted (within the time cap)
    units: int
    excluded_minutes: int = 0  # present beyond the time cap, not counted
    confirmed_minutes: int = 0  # present beyond the planned length plus the margin, counted as confirmed


@dataclass(frozen=True)
class TimeCap:
    """How much face-to-face time a session counts: its planned minutes plus FORGOTTEN_MARGIN_MINUTES, and
    beyond that the minutes the educator confirmed on the record (who, when)."""

    planned_minutes: int
    confirmed_minutes: int = 0
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None

    @property
    def margin_minutes(self) -> int:
        return FORGOTTEN_MARGIN_MINUTES

    @property
    def base_minutes(self) -> int:
        """Counted without any confirmation: the planned length plus the margin."""
        return self.planned_minutes + FORGOTTEN_MARGIN_MINUTES

    @property
    def limit_minutes(self) -> int:
        return self.base_minutes + self.confirmed_minutes


def time_cap(s: GroupSession) -> TimeCap:
    """A session's TimeCap from its stored planned length and confirmation."""
    planned = s.planned_minutes
    if planned is None:  # a row written without it: the frozen curriculum copy knows
        from models.session_rows import session_curriculum

        planned = session_curriculum(s).minutes
    confirmed = (s.extra_confirmed_minutes or 0) if s.extra_withdrawn_at is None else 0  # withdrawn: not counted
    return TimeCap(planned, confirmed, s.extra_confirmed_by, s.extra_confirmed_at)


def whole_minutes(intervals: Sequence[Interval]) -> int:
    return int(total_seconds(intervals) // 60)


def capped(running: Sequence[Interval], minutes: int) -> list[Interval]:
    """The face-to-face time up to `minutes`: the running intervals in order, cut where their total reaches it;
    all of it when its whole minutes do not exceed `minutes`."""
    if whole_minutes(running) <= minutes:
        return list(running)
    left, out = timedelta(minutes=minutes), []
    for a, b in sorted(running):
        if left <= timedelta(0):
            break
        end = min(b, a + left)
        out.append((a, end))
        left -= end - a
    return out


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
    attended: frozenset[int] = frozenset()  # patients whose presence overlaps the face-to-face time counted
    cap: TimeCap | None = None
    recorded_minutes: int = 0  # all face-to-face time on the clock; face_to_face_minutes is what is counted
    extra_minutes: int = 0  # recorded beyond the planned length plus the margin
    confirmed_minutes: int = 0  # of the extra minutes, counted because the educator confirmed them

    @property
    def excluded_minutes(self) -> int:
        """Face-to-face minutes recorded but not counted (beyond the cap, not confirmed)."""
        return self.recorded_minutes - self.face_to_face_minutes

    @property
    def total_units(self) -> int:
        return sum(p.units for p in self.people)

    def units_for(self, participant_id: int) -> PersonUnits | None:
        return next((p for p in self.people if p.participant_id == participant_id), None)

    def time_note(self, participant_id: int | None = None) -> str:
        """The time cap in plain words for the session, or for one person (their own minutes): "" when all
        the time recorded is counted and none of it needed a confirmation."""
        if self.cap is None:
            return ""
        if participant_id is None:
            excluded, confirmed = self.excluded_minutes, self.confirmed_minutes
        else:
            p = self.units_for(participant_id)
            excluded, confirmed = (p.excluded_minutes, p.confirmed_minutes) if p else (0, 0)
        limit = f"the planned {self.cap.planned_minutes} min plus the {self.cap.margin_minutes}-minute margin"
        if excluded:
            return (f"{excluded} min of face-to-face time beyond {limit} not counted: not confirmed on the "
                    "record.")
        if confirmed:
            when = f" on {clock.fmt_local(self.cap.confirmed_at)}" if self.cap.confirmed_at else ""
            return (f"{confirmed} min of face-to-face time beyond {limit} counted: confirmed by "
                    f"{self.cap.confirmed_by}{when}.")
        return ""


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
    cap: TimeCap | None = None,
) -> BillingSummary:
    """Units per participant from the face-to-face time `running` and each person's presence; with `cap`,
    only the time within it counts (see the module's docstring)."""
    spec = CODES[code]
    recorded_running = list(running)
    base = capped(running, cap.base_minutes) if cap else recorded_running
    running = capped(running, cap.limit_minutes) if cap else recorded_running
    f2f = whole_minutes(running)
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
        minutes = whole_minutes(overlap(p.intervals, running))
        units = units_for_minutes(billed, minutes) if patients and not check.refused else 0
        per.append(PersonUnits(p.participant_id, p.name, minutes, units,
                               whole_minutes(overlap(p.intervals, recorded_running)) - minutes,
                               max(0, minutes - whole_minutes(overlap(p.intervals, base)))))
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
    recorded = whole_minutes(recorded_running)
    extra = max(0, recorded - cap.base_minutes) if cap else 0
    summary = BillingSummary(code, billed, f2f, patients, per, segments, warnings,
                             frozenset(p.participant_id for p in attended), cap, recorded, extra,
                             max(0, f2f - whole_minutes(base)))
    if summary.excluded_minutes:
        warnings.append(f"The clock ran {recorded} min. " + summary.time_note()
                        + " Confirm the extra time on the session record to count it.")
    elif summary.confirmed_minutes:
        warnings.append(f"The clock ran {recorded} min. " + summary.time_note())
    return summary


def billing_summary(
    *,
    code: str,
    runs: Sequence[RunSpan],
    people: Iterable[tuple[int, str, Sequence[OpenInterval]]],
    credential: str | None,
    cap: TimeCap | None,
    now: datetime | None = None,
) -> BillingSummary | None:
    """summarize() for stored step runs and presence intervals (open ones closed at `now`) within the session's
    time cap (time_cap(session); None counts all the time); None when the session never ran, so there is no
    face-to-face time to bill."""
    if not runs:
        return None
    now = now or clock.now()
    presence = [
        PersonPresence(pid, name, tuple((a, b or now) for a, b in ivs if (b or now) > a))
        for pid, name, ivs in people
    ]
    return summarize(code=code, running=running_intervals(runs, now), people=presence, credential=credential,
                     cap=cap)


def summary_for_view(view: SessionView, now: datetime | None = None) -> BillingSummary | None:
    """Billing units per participant for one loaded session (models.session_view.load_session_view)."""
    return billing_summary(
        code=view.session.billing_code,
        runs=view.runs,
        people=[(p.participant_id, p.name, p.intervals) for p in view.people],
        credential=view.facilitator.credential if view.facilitator else None,
        cap=time_cap(view.session),
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
