"""Each test gets its own temporary database; nothing touches the user's database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = os.environ.get("TEST_DATABASE_URL_TEMPLATE")
    if url:  # PostgreSQL run: one fresh database per test (see tests/pg.py)
        from tests.pg import fresh_database

        url = fresh_database(url)
    else:
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
