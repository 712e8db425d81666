"""Each test gets its own temporary database; nothing touches the user's database.

Tests that take the `db_url` fixture (and so `engine` and `db`) run twice: on SQLite and on a throwaway
PostgreSQL 15 cluster. Where PostgreSQL is not installed the PostgreSQL half skips with the reason, except
under CI (CI=true), where that is a failure. Tests that need a database but do not depend on its kind (they
write and query no records) take `any_db_url` and run once, on SQLite.

`frozen_clock` stands `models.clock.now` still for the test; see FrozenClock."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def pg_cluster():
    from tests import pg

    reason = pg.available()
    if reason:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI: {reason}")
        pytest.skip(reason)
    cluster = pg.Cluster()
    yield cluster
    cluster.stop()


def _url(request, tmp_path, monkeypatch, *, migrated: bool) -> str:
    if request.param == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        name, url = cluster.fresh(migrated=migrated)
        request.addfinalizer(lambda: cluster.drop(name))
    else:
        url = f"sqlite:///{tmp_path / 'test.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch) -> str:
    """A database for the test (on PostgreSQL already migrated; init_engine migrates SQLite)."""
    return _url(request, tmp_path, monkeypatch, migrated=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_db_url(request, tmp_path, monkeypatch) -> str:
    """An empty database with no tables at all, for migration tests."""
    return _url(request, tmp_path, monkeypatch, migrated=False)


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch) -> str:
    """For tests about SQLite itself (backups, file-level checks)."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def any_db_url(sqlite_url) -> str:
    """For tests that need a database (a page opens one) but write and query no records, so that its kind
    cannot change the outcome: the sign-in gate, a page's answer to a bad link, the curricula page. SQLite is
    enough; everything that writes or queries records takes `db_url` and runs on PostgreSQL too."""
    return sqlite_url


@pytest.fixture
def engine(db_url):
    from models.db import init_engine

    eng = init_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine):
    from models.db import session_scope

    with session_scope(engine) as session:
        yield session


# ---------------------------------------------------------------- the clock


@pytest.fixture
def local_zone(monkeypatch) -> Callable[[str], None]:
    """`local_zone("America/New_York")` makes that the server's local time zone for the rest of the test (TZ and
    time.tzset); the process's own zone is back afterwards."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "frozen_clock(start): where the frozen_clock fixture starts: an aware datetime, or a function of the "
        "real time (aware UTC) that returns one",
    )


class FrozenClock:
    """What `models.clock.now` returns during a test: `now`, which moves only when the test moves it.

    `start` is where it began; `set(t)` puts it at `t`, `at(base, minutes)` at `base` plus that many minutes,
    `advance(**timedelta_args)` moves it on."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, t: datetime) -> None:
        self.now = t

    def at(self, base: datetime, minutes: float = 0) -> None:
        self.now = base + timedelta(minutes=minutes)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def frozen_clock(request, monkeypatch) -> FrozenClock:
    """`models.clock.now` stands still for the test (the page scripts AppTest runs in another thread see the
    same time). It starts at the `frozen_clock` marker's start, the test's own or its module's (`pytestmark =
    pytest.mark.frozen_clock(T0)`), or at the real time when there is no marker. A module that starts days before the
    real time starts at noon (UTC) of that day, so that a session it runs for an hour or two stays on one calendar
    day whatever the hour the suite runs (from "a day ago" at 22:40 UTC, a follow-up was done on the next day)."""
    from models import clock

    marker = request.node.get_closest_marker("frozen_clock")
    start: datetime | Callable[[datetime], datetime] = marker.args[0] if marker else clock.now()
    if callable(start):
        start = start(clock.now())
    frozen = FrozenClock(start)
    monkeypatch.setattr(clock, "now", frozen)
    return frozen
