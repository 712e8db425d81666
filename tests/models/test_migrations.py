"""Migrations: applied at start-up, keep data, agree with the models, refuse a database newer than the code."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from models.db import DatabaseTooNew, make_engine, migrate, session_scope
from models.notes import add_note
from models.session_list import SessionFilter, list_sessions
from models.tables import Attendance, Facilitator, GroupSession, Participant, Rating
from tests.conftest import ROOT
from tests.factories import INVENTED, curriculum, make_session


def _first_revision() -> str:
    from alembic.script import ScriptDirectory

    from models.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    return next(r for r in script.walk_revisions() if r.down_revision is None).revision


def test_empty_database_gets_every_table(blank_db_url):
    db_url = blank_db_url
    eng = make_engine(db_url)
    migrate(eng)
    names = set(inspect(eng).get_table_names())
    assert {"participant", "facilitator", "group_session", "attendance", "presence_interval", "step_run",
            "pause", "checklist_tick", "note", "note_version", "rating", "competency_rating", "question",
            "goal", "alembic_version"} <= names


WHEN = datetime(2025, 1, 2, 10, tzinfo=UTC)


def _session_at_first_revision(eng, *, n: int = 3, note: str | None = None) -> tuple[int, list[int]]:
    """A planned session with `n` invented people (and a note on the first) written as the first revision's
    schema had it, in plain SQL: today's models have columns that schema lacks."""
    cur = curriculum()
    with eng.begin() as conn:
        def insert(table: str, **values) -> int:
            cols = ", ".join(values)
            marks = ", ".join(f":{k}" for k in values)
            return conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING id"), values).scalar()

        fac = insert("facilitator", name="Pat Educator", credential="RN, CDCES", created_at=WHEN)
        people = [insert("participant", first_name=f, last_name=last, created_at=WHEN) for f, last in INVENTED[:n]]
        sid = insert("group_session", curriculum_id=cur.id, curriculum_version=cur.version,
                     curriculum_title=cur.title, curriculum_json=cur.to_json(), billing_code="G0109",
                     scheduled_at=WHEN, setting="clinic", facilitator_id=fac, status="planned",
                     show_first_names=False, privacy_curtain=False, revision=0, created_at=WHEN)
        for pid in people:
            insert("attendance", session_id=sid, participant_id=pid, present=True, caregiver_present=False,
                   added_late=False, created_at=WHEN)
        insert("rating", session_id=sid, participant_id=people[0], item_id=cur.assessment[0].id, phase="pre",
               value=4, recorded_at=WHEN)
        if note:
            nid = insert("note", session_id=sid, participant_id=people[0], step="intro", created_at=WHEN)
            insert("note_version", note_id=nid, text=note, tags="", created_at=WHEN, after_session=False)
    return sid, people


def test_upgrade_from_first_revision_keeps_data(blank_db_url):
    db_url = blank_db_url
    eng = make_engine(db_url)
    migrate(eng, _first_revision())
    sid, people = _session_at_first_revision(eng)
    migrate(eng)  # to head, as at start-up
    with session_scope(eng) as db:
        assert db.get(GroupSession, sid).scheduled_at == WHEN
        assert len(db.exec(select(Participant)).all()) == 3
        assert db.exec(select(Facilitator)).one().credential == "RN, CDCES"
        rating = db.exec(select(Rating)).one()
        assert (rating.value, rating.version) == (4, 1)  # rows from before cell versions start at version 1
        assert {a.version for a in db.exec(select(Attendance))} == {1}


def test_notes_written_before_the_search_index_are_found(blank_db_url):
    eng = make_engine(blank_db_url)
    migrate(eng, _first_revision())
    sid, _ = _session_at_first_revision(eng, n=2, note="Older spacer note")
    migrate(eng)
    with session_scope(eng) as db:
        add_note(db, session_id=sid, participant_id=None, step="qa", text="Newer GROUP note", tags=[])
        assert [r.session_id for r in list_sessions(db, filters=SessionFilter(text="SPACER")).rows] == [sid]
        assert [r.session_id for r in list_sessions(db, filters=SessionFilter(text="group note")).rows] == [sid]


def test_models_and_migrations_agree(blank_db_url):
    db_url = blank_db_url
    env = dict(os.environ, DATABASE_URL=db_url)
    migrate(make_engine(db_url))
    out = subprocess.run([sys.executable, "-m", "alembic", "check"], cwd=ROOT, env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No new upgrade operations detected" in out.stdout + out.stderr


def test_database_newer_than_code_is_refused_and_untouched(sqlite_url, tmp_path):
    db_url = sqlite_url
    eng = make_engine(db_url)
    migrate(eng)
    with eng.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    eng.dispose()
    path = tmp_path / "test.db"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    eng = make_engine(db_url)
    with pytest.raises(DatabaseTooNew, match="newer version"):
        migrate(eng)
    eng.dispose()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_sqlite_without_fts5_still_searches_notes(sqlite_url):
    """An SQLite built without FTS5 gets no search index from migration 0002; the search scans instead."""
    eng = make_engine(sqlite_url)
    migrate(eng)
    with eng.begin() as conn:  # as if the CREATE VIRTUAL TABLE had failed
        for suffix in ("ai", "ad", "au"):
            conn.exec_driver_sql(f"DROP TRIGGER note_version_fts_{suffix}")
        conn.exec_driver_sql("DROP TABLE note_version_fts")
    eng.dispose()
    eng = make_engine(sqlite_url)
    with session_scope(eng) as db:
        s, people, _ = make_session(db, n=2, when=datetime(2025, 1, 2, 10, tzinfo=UTC))
        add_note(db, session_id=s.id, participant_id=people[0].id, step="intro", text="Spacer shown twice", tags=[])
        assert [r.session_id for r in list_sessions(db, filters=SessionFilter(text="spacer")).rows] == [s.id]
