"""Timer arithmetic: every figure comes from stored timestamps (step runs and pauses), never from
counting ticks, so a reload, a second tab, a sleeping laptop or a server restart shows the right time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

Interval = tuple[datetime, datetime]

# The step clock turns "nearly out" in its last 20 % (at most 2 minutes).
NEARLY_OUT_FRACTION = 0.2
NEARLY_OUT_MAX_SECONDS = 120


@dataclass(frozen=True)
class RunSpan:
    """One step run with its pauses, as plain values (decoupled from the tables)."""

    step: str
    started_at: datetime
    ended_at: datetime | None
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()


def running_intervals(runs: Iterable[RunSpan], now: datetime) -> list[Interval]:
    """Face-to-face time: each step run from start to end (or now) minus its pauses."""
    out: list[Interval] = []
    for run in runs:
        end = run.ended_at or now
        cursor = run.started_at
        for p_start, p_end in sorted(run.pauses):
            p_end = p_end or end
            if p_start > cursor:
                out.append((cursor, min(p_start, end)))
            cursor = max(cursor, p_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return [iv for iv in out if iv[1] > iv[0]]


def total_seconds(intervals: Iterable[Interval]) -> float:
    return sum((b - a).total_seconds() for a, b in intervals)


def overlap(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Intersection of two sets of intervals (each set may be unsorted, non-overlapping within itself)."""
    out: list[Interval] = []
    for a0, a1 in a:
        for b0, b1 in b:
            lo, hi = max(a0, b0), min(a1, b1)
            if hi > lo:
                out.append((lo, hi))
    return sorted(out)


@dataclass(frozen=True)
class TimerState:
    status: str  # planned / live / ended
    step: str | None
    paused: bool
    step_elapsed: float  # running seconds in the current step (all its runs)
    step_planned: float  # planned seconds of the current step
    session_elapsed: float  # running seconds of the whole session
    session_planned: float
    paused_since: datetime | None = None

    @property
    def step_remaining(self) -> float:
        return self.step_planned - self.step_elapsed

    @property
    def warn_seconds(self) -> float:
        """How long before the step's end the clock says it is nearly out of time."""
        return min(self.step_planned * NEARLY_OUT_FRACTION, NEARLY_OUT_MAX_SECONDS)

    @property
    def phase(self) -> str:
        """on-time / nearly-out / overtime for the step clock."""
        if self.step_remaining < 0:
            return "overtime"
        if self.step_remaining <= self.warn_seconds:
            return "nearly-out"
        return "on-time"


def timer_state(
    *,
    status: str,
    current_step: str | None,
    runs: Sequence[RunSpan],
    planned_minutes: dict[str, int],
    now: datetime,
) -> TimerState:
    step_runs = [r for r in runs if r.step == current_step]
    step_elapsed = total_seconds(running_intervals(step_runs, now))
    session_elapsed = total_seconds(running_intervals(runs, now))
    open_run = next((r for r in runs if r.ended_at is None), None)
    paused_since = None
    if open_run:
        open_pause = [p for p, e in open_run.pauses if e is None]
        paused_since = open_pause[0] if open_pause else None
    return TimerState(
        status=status,
        step=current_step,
        paused=paused_since is not None,
        step_elapsed=step_elapsed,
        step_planned=planned_minutes.get(current_step or "", 0) * 60.0,
        session_elapsed=session_elapsed,
        session_planned=sum(planned_minutes.values()) * 60.0,
        paused_since=paused_since,
    )


def fmt_clock(seconds: float, signed: bool = False) -> str:
    """mm:ss (or h:mm:ss); with signed=True negative values show as +mm:ss overtime."""
    neg = seconds < 0
    s = int(abs(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    text = f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
    if signed and neg:
        return "+" + text
    return text
