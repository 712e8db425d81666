"""The one source of "now" and of "today" for the domain.

`now()` is an aware UTC datetime. `today()` is the calendar day in the server's local time zone: every
default date (a goal's follow-up, a report's range) and every "is it due" check uses it, never the UTC date.

Tests replace `now` (the `frozen_clock` fixture). A program that writes history, such as the demo seeder,
runs its writes inside `simulated(start)`: that moves "now" for the current thread (a context variable) and
for nobody else, so a server or a test running beside it keeps the real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time

_SIMULATED: ContextVar[SimulatedClock | None] = ContextVar("gsf_simulated_clock", default=None)


class SimulatedClock:
    """A clock that stands still at `t` until moved with `at`."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def at(self, t: datetime) -> None:
        self.t = t


def now() -> datetime:
    sim = _SIMULATED.get()
    return sim.t if sim is not None else datetime.now(UTC)


@contextmanager
def simulated(start: datetime) -> Iterator[SimulatedClock]:
    """Within the block, `now()` in this thread (context) is the simulated clock's time."""
    sim = SimulatedClock(start)
    token = _SIMULATED.set(sim)
    try:
        yield sim
    finally:
        _SIMULATED.reset(token)


def to_local(ts: datetime | None) -> datetime | None:
    """A stored timestamp in the server's local time zone, for display."""
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone()


def to_wall_clock(ts: datetime) -> datetime:
    """A stored timestamp as a date-and-time field shows and takes it: local, with no zone (from_local's reverse)."""
    return to_local(ts).replace(tzinfo=None)


def from_local(naive_local: datetime) -> datetime:
    """A wall-clock date and time typed by the educator (server's zone) as aware UTC."""
    return naive_local.astimezone().astimezone(UTC)


def fmt_local(ts: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(ts)
    return local.strftime(pattern) if local else "—"


def today(at: datetime | None = None) -> date:
    """The local calendar day of `at` (now by default)."""
    return to_local(at or now()).date()


def local_day(ts: datetime | None) -> date | None:
    local = to_local(ts)
    return local.date() if local else None


def day_start(d: date) -> datetime:
    """Midnight at the start of a local calendar day, as an aware datetime."""
    return datetime.combine(d, time.min).astimezone()
