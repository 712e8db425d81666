"""full-text index over note versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:50:00

The review page searches the text of every note. A LIKE scan reads every version of every note, which grows
with years of history; this index keeps the search proportional to what it finds.

- SQLite: an FTS5 table with the trigram tokenizer over note_version.text (external content, kept in step by
  triggers; note versions are only ever inserted). Trigram phrase queries match any substring of three or
  more characters, with Unicode case folding, so the search means what the LIKE scan meant.
- PostgreSQL: a trigram GIN index on lower(text) when the pg_trgm extension can be created; without it
  the search stays a scan (correct, slower).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS = "note_version_fts"
PG_INDEX = "ix_note_version_text_trgm"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        try:  # FTS5 with the trigram tokenizer needs SQLite 3.34 built with FTS5; without it, search scans
            bind.exec_driver_sql(f"CREATE VIRTUAL TABLE {FTS} USING fts5(text, content='note_version', "
                                 "content_rowid='id', tokenize='trigram')")
        except Exception:
            return
        op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
        op.execute(f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON note_version BEGIN "
                   f"INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text); END")
        op.execute(f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON note_version BEGIN "
                   f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text); END")
        op.execute(f"CREATE TRIGGER {FTS}_au AFTER UPDATE OF text ON note_version BEGIN "
                   f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text); "
                   f"INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text); END")
    elif bind.dialect.name == "postgresql":
        nested = bind.begin_nested()
        try:
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # no contrib package or no right to create extensions: keep the scan
            nested.rollback()
            return
        nested.commit()
        op.execute(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON note_version USING gin (lower(text) gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    elif bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
