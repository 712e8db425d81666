"""Consistent copies of the SQLite database while the app runs (SQLite's online backup API), and restore."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine, make_url


class BackupError(RuntimeError):
    pass


@contextmanager
def _connect(target: str | Path, **kwargs) -> Iterator[sqlite3.Connection]:
    """A connection that is committed and closed when the block ends (sqlite3's own context manager only
    commits, leaving the file open)."""
    with closing(sqlite3.connect(target, **kwargs)) as conn, conn:
        yield conn


def sqlite_path(engine_or_url: Engine | str) -> Path:
    url = make_url(str(engine_or_url.url) if isinstance(engine_or_url, Engine) else engine_or_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("Backups from the app cover the SQLite database; use pg_dump for PostgreSQL.")
    return Path(url.database)


def backup(engine_or_url: Engine | str, dest: Path) -> Path:
    """Write a consistent copy of the live database to `dest` (a new file), even while others write."""
    src = sqlite_path(engine_or_url)
    if not src.exists():
        raise BackupError(f"No database at {src}.")
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose a new file name.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _connect(f"file:{src}?mode=ro", uri=True, timeout=30) as s_conn, _connect(dest) as d_conn:
        s_conn.backup(d_conn, pages=1024)
    _check(dest)
    return dest


def default_backup_path(engine_or_url: Engine | str) -> Path:
    src = sqlite_path(engine_or_url)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return src.parent / "backups" / f"{src.stem}-{stamp}.db"


def restore(backup_file: Path, dest_url: str) -> Path:
    """Restore a backup into the database at dest_url (the app must be stopped). The current database is
    kept beside it as <name>.before-restore-<time>.db."""
    backup_file = Path(backup_file)
    _check(backup_file)
    dest = sqlite_path(dest_url)
    if dest.exists():
        keep = dest.with_name(f"{dest.stem}.before-restore-{datetime.now():%Y%m%d-%H%M%S}.db")
        with _connect(dest) as cur_conn, _connect(keep) as keep_conn:
            cur_conn.backup(keep_conn)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _connect(backup_file) as b_conn, _connect(dest) as d_conn:
        b_conn.backup(d_conn)
    return dest


def _check(path: Path) -> None:
    with _connect(f"file:{path}?mode=ro", uri=True) as conn:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if ok != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {ok}")
