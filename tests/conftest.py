"""Each test gets its own temporary database; nothing touches the user's database.

Tests that take the `db_url` fixture (and so `engine` and `db`) run twice: on SQLite and on a throwaway
PostgreSQL 15 cluster. Where PostgreSQL is not installed the PostgreSQL half skips with the reason, except
under CI (CI=true), where that is a failure."""

from __future__ import annotations

import os
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
