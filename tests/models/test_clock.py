"""`clock.simulated`: "now" stands where the block puts it, for the current thread only, and comes back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from models import clock

T0 = datetime(2021, 3, 4, 9, 0, tzinfo=UTC)


def _real(t: datetime) -> bool:
    return abs(t - datetime.now(UTC)) < timedelta(seconds=30)


def _in_thread(fn):
    box = []
    t = threading.Thread(target=lambda: box.append(fn()))
    t.start()
    t.join(30)
    return box[0]


def test_simulated_stands_still_moves_with_at_and_comes_back():
    with clock.simulated(T0) as sim:
        assert clock.now() == T0 == sim.t
        assert clock.today() == clock.to_local(T0).date()
        sim.at(T0 + timedelta(hours=2))
        assert clock.now() == T0 + timedelta(hours=2)
    assert _real(clock.now())


def test_nested_blocks_restore_the_outer_time():
    with clock.simulated(T0) as outer:
        outer.at(T0 + timedelta(minutes=5))
        with clock.simulated(T0 + timedelta(days=30)) as inner:
            inner.at(T0 + timedelta(days=31))
            assert clock.now() == T0 + timedelta(days=31)
        assert clock.now() == T0 + timedelta(minutes=5)
    assert _real(clock.now())


def test_an_error_inside_still_gives_the_clock_back():
    with pytest.raises(RuntimeError), clock.simulated(T0):
        raise RuntimeError("boom")
    assert _real(clock.now())


def test_other_threads_keep_the_real_time():
    with clock.simulated(T0):
        assert _real(_in_thread(clock.now))  # a thread started inside the block
        assert clock.now() == T0


def test_a_simulated_thread_does_not_move_this_one():
    inside, done = threading.Event(), threading.Event()
    seen = []

    def simulate():
        with clock.simulated(T0):
            seen.append(clock.now())
            inside.set()
            done.wait(30)

    worker = threading.Thread(target=simulate)
    worker.start()
    try:
        assert inside.wait(30)
        assert _real(clock.now())
    finally:
        done.set()
        worker.join(30)
    assert seen == [T0]
