"""The Medicare DSMT allowance (G0108/G0109) of one participant, from the units billed: see dsmt_allowance.
A session whose face-to-face time was capped or counted as confirmed (models/forgotten.py) says so in its use
(`note`, the billing summary's words for that person)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from models import clock
from models.enums import AllowancePeriod
from models.rules import (
    CODES,
    DSMT_FOLLOW_UP_HOURS_PER_YEAR,
    DSMT_INITIAL_GROUP_HOURS,
    DSMT_INITIAL_HOURS,
    DSMT_INITIAL_INDIVIDUAL_HOURS,
    unit_hours,
)


@dataclass(frozen=True)
class AllowanceEntry:
    """One session's billed DSMT units for one participant."""

    session_id: int
    day: date
    code: str  # the code billed (G0108 individual / G0109 group)
    units: int
    note: str = ""  # time beyond the planned length plus the margin: not counted, or counted as confirmed

    @property
    def hours(self) -> float:
        return unit_hours(self.units)


@dataclass(frozen=True)
class AllowanceUse:
    session_id: int
    day: date
    code: str
    hours: float
    period: AllowancePeriod
    year: int
    counted: float  # hours within the allowance
    over: float  # hours beyond it
    note: str = ""  # AllowanceEntry.note


@dataclass(frozen=True)
class FollowUpYear:
    year: int
    used: float
    limit: float = DSMT_FOLLOW_UP_HOURS_PER_YEAR

    @property
    def left(self) -> float:
        return max(0.0, self.limit - self.used)


@dataclass
class DsmtAllowance:
    first_day: date | None = None
    window_last_day: date | None = None  # last day of the 12-month initial window
    initial_ends: date | None = None  # window's last day, or the day the 10 hours were reached
    group_used: float = 0.0
    individual_used: float = 0.0
    follow_up: list[FollowUpYear] = field(default_factory=list)
    uses: list[AllowanceUse] = field(default_factory=list)
    group_limit: float = DSMT_INITIAL_GROUP_HOURS
    individual_limit: float = DSMT_INITIAL_INDIVIDUAL_HOURS
    initial_limit: float = DSMT_INITIAL_HOURS

    @property
    def initial_used(self) -> float:
        return self.group_used + self.individual_used

    @property
    def initial_left(self) -> float:
        return max(0.0, self.initial_limit - self.initial_used)

    @property
    def over(self) -> float:
        return sum(u.over for u in self.uses)

    @property
    def started(self) -> bool:
        return self.first_day is not None

    def messages(self, today: date) -> list[str]:
        """The allowance in plain language."""
        if not self.started:
            return ["No Medicare DSMT (G0108/G0109) hours billed yet: the 12-month initial window starts "
                    "with the first DSMT session."]
        out = [
            f"Initial DSMT: {_h(self.initial_used)} of {_h(self.initial_limit)} hours used "
            f"({_h(self.group_used)} of {_h(self.group_limit)} group, {_h(self.individual_used)} of "
            f"{_h(self.individual_limit)} individual), in the 12 months from {self.first_day:%Y-%m-%d} "
            f"to {self.window_last_day:%Y-%m-%d}."
        ]
        if today <= self.window_last_day and self.initial_ends == self.window_last_day:
            out.append(f"{_h(self.initial_left)} initial hours are left until {self.window_last_day:%Y-%m-%d}.")
        elif self.initial_ends and self.initial_ends < self.window_last_day:
            out.append(f"The initial 10 hours were completed on {self.initial_ends:%Y-%m-%d}.")
        else:
            out.append("The initial window has closed.")
        first_fu = self.initial_ends.year + 1
        out.append(f"Follow-up: up to {_h(DSMT_FOLLOW_UP_HOURS_PER_YEAR)} hours each calendar year from "
                   f"{first_fu} on.")
        for fy in self.follow_up:
            out.append(f"Follow-up {fy.year}: {_h(fy.used)} of {_h(fy.limit)} hours used.")
        outside = [u for u in self.uses if u.period == AllowancePeriod.OUTSIDE]
        if outside:
            out.append(f"{_h(sum(u.hours for u in outside))} hours fell after the initial training but in "
                       f"its last calendar year, before follow-up hours are available.")
        if self.over:
            out.append(f"{_h(self.over)} hours were beyond the allowance.")
        return out


def _h(hours: float) -> str:
    return f"{hours:g}"


def _one_year_later(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return date(d.year + 1, 3, 1)


def dsmt_allowance(entries: Iterable[AllowanceEntry], *, today: date | None = None) -> DsmtAllowance:
    """The Medicare DSMT allowance from a participant's billed units (each unit is 30 minutes).

    * Only G0108/G0109 units count; the code billed decides group (G0109) or individual (G0108).
    * The initial window is 12 months from the first session with DSMT units: from that day up to the day
      before the same date a year later. In it, up to 9 group and 1 individual hour, 10 in all.
    * The initial training ends on the last day of the window, or earlier on the day the 10 hours are
      used up. Follow-up is up to 2 hours in each calendar year after the year the initial training
      ends. Hours after the initial training but in the same calendar year count as "outside".
    * Hours beyond a limit are reported as over, never dropped.
    """
    today = today or clock.today()
    dsmt = sorted((e for e in entries if e.code in CODES and CODES[e.code].dsmt and e.units > 0),
                  key=lambda e: (e.day, e.session_id))
    a = DsmtAllowance()
    if not dsmt:
        return a
    a.first_day = dsmt[0].day
    window_end = _one_year_later(a.first_day)  # exclusive
    a.window_last_day = window_end - timedelta(days=1)
    complete: date | None = None
    fu_used: dict[int, float] = defaultdict(float)
    for e in dsmt:
        h = e.hours
        if complete is None and e.day < window_end:
            individual = not CODES[e.code].is_group
            limit_left = (a.individual_limit - a.individual_used) if individual else (a.group_limit - a.group_used)
            counted = max(0.0, min(h, limit_left, a.initial_left))
            if individual:
                a.individual_used += counted
            else:
                a.group_used += counted
            if a.initial_used >= a.initial_limit:
                complete = e.day
            a.uses.append(AllowanceUse(e.session_id, e.day, e.code, h, AllowancePeriod.INITIAL, e.day.year, counted,
                                       h - counted, e.note))
            continue
        ends = complete or a.window_last_day
        if e.day.year <= ends.year:
            a.uses.append(AllowanceUse(e.session_id, e.day, e.code, h, AllowancePeriod.OUTSIDE, e.day.year, 0.0,
                                       h, e.note))
            continue
        counted = max(0.0, min(h, DSMT_FOLLOW_UP_HOURS_PER_YEAR - fu_used[e.day.year]))
        fu_used[e.day.year] += counted
        a.uses.append(AllowanceUse(e.session_id, e.day, e.code, h, AllowancePeriod.FOLLOW_UP, e.day.year, counted,
                                   h - counted, e.note))
    a.initial_ends = complete or a.window_last_day
    years = set(fu_used)
    if today.year > a.initial_ends.year:
        years.add(today.year)
    a.follow_up = [FollowUpYear(y, fu_used.get(y, 0.0)) for y in sorted(years)]
    return a
