"""Consistent copies of the SQLite database while the app runs (SQLite's online backup API), and a restore
that takes only one of this app's databases, and only while the app is stopped.

Every file written here is private (0600, folders 0700) whatever the umask. A copy is written under a temporary
name beside its target, checked, and only then linked into place, so nothing else is left beside it, also when
it fails. Failures are a BackupError with a one-line reason; nothing is changed then."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError

from models.db import is_app_data_dir, known_revisions, lock_file, private_dir, private_file, sqlite_file, try_lock

SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
# The tables revision 0001 created; every later revision keeps them (tests/models/test_backup.py checks that
# they are all still in the models). Together with a known Alembic revision they make "this app's database".
APP_TABLES = frozenset({
    "attendance", "checklist_tick", "competency_rating", "facilitator", "goal", "group_session", "note",
    "note_version", "participant", "pause", "presence_interval", "question", "rating", "step_run",
})


class BackupError(RuntimeError):
    """A backup or restore that did not happen, with a one-line reason."""


@dataclass(frozen=True)
class Restored:
    database: Path  # the database now holding the backup's records
    kept: Path | None  # the database it replaced, under a name of its own (None when there was none)
    revision: str  # the backup's Alembic revision; the app migrates an older one forward when it next starts


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@contextmanager
def _failures(what: str) -> Iterator[None]:
    """File-system and SQLite errors (permission denied, disk full, a file that is not a database) become a
    BackupError: `what`, then the reason."""
    try:
        yield
    except BackupError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"{what}: {one_line(exc)}") from exc


@contextmanager
def _connect(target: str | Path, **kwargs) -> Iterator[sqlite3.Connection]:
    """A connection that is committed and closed when the block ends (sqlite3's own context manager only
    commits, leaving the file open)."""
    with closing(sqlite3.connect(target, **kwargs)) as conn, conn:
        yield conn


def _uri(path: Path, **params) -> str:
    """An SQLite URI for `path` (any character in it quoted); immutable=1 opens a file without creating a
    -wal or -shm beside it, also on read-only media."""
    return path.resolve().as_uri() + (f"?{urlencode(params)}" if params else "")


def sqlite_path(engine_or_url: Engine | str, *,
                other: str = "Backups from the app cover the SQLite database; use pg_dump for PostgreSQL.") -> Path:
    """The SQLite file of an engine or URL; a BackupError saying `other` for any other database."""
    try:
        path = sqlite_file(str(engine_or_url.url) if isinstance(engine_or_url, Engine) else engine_or_url)
    except ArgumentError as exc:
        raise BackupError(f"Not a database URL: {one_line(exc)}") from exc
    if path is None:
        raise BackupError(other)
    return path


def backups_dir(db: Path) -> Path:
    """The folder the app writes backups to: backups/ beside the database."""
    return db.parent / "backups"


def default_backup_path(engine_or_url: Engine | str) -> Path:
    src = sqlite_path(engine_or_url)
    return backups_dir(src) / f"{src.stem}-{datetime.now():%Y%m%d-%H%M%S}.db"


def _remove_with_sidecars(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


def _check(path: Path) -> None:
    with _connect(_uri(path, mode="ro", immutable=1), uri=True) as conn:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if ok != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {ok}")


def _copy_to_new_file(source: str, dest: Path) -> None:
    """Copy the database at `source` (an SQLite URI) into the new file `dest`: written under a temporary name
    beside it (0600), left as one self-contained file (rollback journal, no -wal), checked, and linked into
    place. FileExistsError when `dest` is there, and then, as on any failure, nothing is left beside it."""
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.tmp")
    private_file(tmp, exclusive=True)
    try:
        with _connect(source, uri=True, timeout=30) as s_conn, _connect(tmp) as d_conn:
            s_conn.backup(d_conn, pages=1024)
            d_conn.execute("PRAGMA journal_mode=DELETE")
        _check(tmp)
        try:
            os.link(tmp, dest)  # fails when dest exists: never writes over a file
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links (a FAT stick)
            if dest.exists():
                raise FileExistsError(f"{dest} already exists") from None
            os.rename(tmp, dest)
    finally:
        _remove_with_sidecars(tmp)


def _exists(dest: Path) -> BackupError:
    return BackupError(f"{dest} already exists; choose a new file name.")


def backup(engine_or_url: Engine | str, dest: Path) -> Path:
    """Write a consistent copy of the live database to `dest` (a new file), even while others write."""
    src = sqlite_path(engine_or_url)
    dest = Path(dest)
    with _failures("The backup was not written"):
        if not src.exists():
            raise BackupError(f"No database at {src}.")
        if dest.exists():
            raise _exists(dest)
        private_dir(dest.parent, tighten=dest.parent.resolve() == backups_dir(src).resolve())
        try:
            _copy_to_new_file(_uri(src, mode="ro"), dest)
        except FileExistsError:
            raise _exists(dest) from None
    return dest


# ---------------------------------------------------------------- restore


def check_backup(path: Path) -> str:
    """The Alembic revision of the backup at `path`, or a BackupError saying why it cannot be restored: not there,
    empty, not SQLite, damaged, not this app's database, or written by a newer version of the app."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"No such file: {path}.")
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    if path.stat().st_size == 0:
        raise BackupError(f"{path} is empty, not a backup.")
    with path.open("rb") as f:
        if f.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{path} is not a SQLite database.")
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        raise BackupError(f"{path} has a write-ahead log beside it ({wal.name}): it is a database in use, not a "
                          "backup. Make a backup of it with scripts/backup.py and restore that.")
    with _failures(f"{path} cannot be read as a SQLite database"):
        _check(path)
        with _connect(_uri(path, mode="ro", immutable=1), uri=True) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revisions = ([row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
                         if "alembic_version" in tables else [])
    missing = APP_TABLES - tables
    if missing or len(revisions) != 1:
        lacks = f"the tables {', '.join(sorted(missing))}" if missing else "an Alembic revision"
        raise BackupError(f"{path} is a SQLite database but not this app's: it lacks {lacks}.")
    if revisions[0] not in known_revisions():
        raise BackupError(f"{path} is at revision {revisions[0]}, which this version of the app does not know: it "
                          "was written by a newer version. Update the app before restoring it.")
    return revisions[0]


@contextmanager
def _app_stopped(db: Path) -> Iterator[None]:
    """Hold the running app's lock for the block; refuse when the app (or another restore) holds it."""
    fd = try_lock(db)
    if fd is None:
        raise BackupError(f"The app is running on {db} (it holds {lock_file(db).name}): stop it, then restore.")
    try:
        yield
    finally:
        os.close(fd)


def _keep_current(db: Path) -> Path:
    """Copy the database about to be replaced to <name>.before-restore-<time>-<random>.db beside it, a name no
    other restore can take (the copy is linked into place only where nothing is)."""
    for _attempt in range(5):
        keep = db.with_name(f"{db.stem}.before-restore-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}.db")
        with suppress(FileExistsError):
            _copy_to_new_file(_uri(db), keep)
            return keep
    raise BackupError(f"No free name for a copy of {db} beside it.")


def restore(backup_file: Path, dest_url: str) -> Restored:
    """Restore a backup into the database at `dest_url`, the app stopped. The current database is kept beside it
    under a name of its own; a backup from an older version is migrated forward when the app next starts.
    Refused, with nothing changed, for anything check_backup refuses and while the app is running."""
    dest = sqlite_path(dest_url, other="This restores the SQLite database only; restore PostgreSQL from its "
                       "pg_dump file with pg_restore.")
    backup_file = Path(backup_file)
    with _failures("Nothing was restored"):
        revision = check_backup(backup_file)
        if dest.exists() and dest.samefile(backup_file):
            raise BackupError(f"{backup_file} is the current database itself.")
        private_dir(dest.parent, tighten=is_app_data_dir(dest.parent))
        with _app_stopped(dest):
            kept = None
            if dest.exists():
                with _failures(f"The current database {dest} could not be copied aside, so nothing was restored"):
                    kept = _keep_current(dest)
            private_file(dest)
            with _connect(_uri(backup_file, mode="ro", immutable=1), uri=True) as b_conn, _connect(dest) as d_conn:
                d_conn.execute("PRAGMA journal_mode=DELETE")  # the page size may differ; one transaction
                b_conn.backup(d_conn)
    return Restored(dest, kept, revision)
