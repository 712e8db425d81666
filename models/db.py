"""The engine, sessions and start-up migrations. SQLite by default, DATABASE_URL for PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

APP_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = APP_DIR / "data" / "facilitator.db"
MIGRATIONS_DIR = APP_DIR / "migrations"


class DatabaseTooNew(RuntimeError):
    """The database was migrated by a newer version of the app; it is left untouched."""


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    private_dir(DEFAULT_DB.parent, tighten=True)
    return f"sqlite:///{DEFAULT_DB}"


# ---------------------------------------------------------------- private files and the running app's lock
# The database, its -wal and -shm, the lock file and backups are this user's only (0600, folders 0700), whatever
# the umask. SQLite gives -wal and -shm the mode of the main file, so the main file is made before SQLite opens it.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _tighten(path: Path, mode: int) -> None:
    """Give a file or folder of this user exactly `mode` (one made by an older version, or under a wide umask)."""
    with suppress(FileNotFoundError):
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != mode:
            os.chmod(path, mode)


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create `path` and its missing parents with mode 0700. With `tighten`, an existing `path` is brought to
    0700 too: for folders the app itself makes (data/, backups/), never for a folder someone else chose."""
    path = Path(path)
    for folder in reversed([p for p in (path, *path.parents) if not p.exists()]):
        with suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR)
            os.chmod(folder, PRIVATE_DIR)  # mkdir's mode passes through the umask
    if tighten:
        _tighten(path, PRIVATE_DIR)
    return path


def private_file(path: Path, *, exclusive: bool = False) -> Path:
    """Create `path` empty with mode 0600, or bring an existing one of this user's to 0600. With `exclusive`,
    FileExistsError when it is already there (O_EXCL)."""
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT | (os.O_EXCL if exclusive else 0), PRIVATE_FILE))
    _tighten(Path(path), PRIVATE_FILE)
    return Path(path)


def is_app_data_dir(folder: Path) -> bool:
    """The app's own data folder (data/ beside the code), which the app made and so may tighten."""
    return Path(folder).resolve() == DEFAULT_DB.parent.resolve()


def _private_database(path: Path) -> None:
    """The SQLite file and its folder made private before SQLite opens them; -wal and -shm left by an older
    version tightened too."""
    private_dir(path.parent, tighten=is_app_data_dir(path.parent))
    private_file(path)
    for sidecar in ("-wal", "-shm"):
        _tighten(path.with_name(path.name + sidecar), PRIVATE_FILE)


def lock_file(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def try_lock(db: Path) -> int | None:
    """Take `<db>.lock` (0600) exclusively without waiting: its open descriptor (closing it lets go), or None
    when another holder has it: a running app, or a restore."""
    fd = os.open(private_file(lock_file(db)), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


_APP_LOCKS: dict[Path, int] = {}  # the running app's lock descriptors, held for the life of the process


def hold_app_lock(url: str) -> bool:
    """The running app's claim on its SQLite database, taken when its engine is first made and held for the
    life of the process, so that a restore can tell the app is running and refuse. False when another process
    holds it (a second app process on the same file, not a supported deployment, or a restore under way); True
    when taken, already held by this process, or not needed (PostgreSQL, in-memory SQLite)."""
    path = sqlite_file(url)
    if path is None or path.resolve() in _APP_LOCKS:
        return True
    private_dir(path.parent, tighten=is_app_data_dir(path.parent))
    fd = try_lock(path)
    if fd is None:
        return False
    _APP_LOCKS[path.resolve()] = fd
    return True


def release_app_lock(url: str) -> None:
    """Let go of the app's lock (for tests; otherwise the end of the process does it)."""
    path = sqlite_file(url)
    fd = _APP_LOCKS.pop(path.resolve(), None) if path else None
    if fd is not None:
        os.close(fd)


def busy_timeout_ms() -> int:
    """How long an SQLite write waits for another writer's lock before it fails (then the page says "not
    saved" and keeps the text). GSF_SQLITE_BUSY_TIMEOUT_MS changes it (the tests shorten it)."""
    raw = os.environ.get("GSF_SQLITE_BUSY_TIMEOUT_MS", "")
    return int(raw) if raw.isascii() and raw.isdigit() else 10_000


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None:
            _private_database(path)
        # hide_parameters: an error message or log line never carries bound values (names, notes)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms() / 1000},
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    return engine


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def known_revisions() -> set[str]:
    """Every Alembic revision this version of the app has a migration for."""
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (head by default). Refuses a database newer than the code."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = alembic_config(engine)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    known = known_revisions()
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise DatabaseTooNew(
            f"The database is at revision {', '.join(unknown)}, which this version of the app does not know: "
            "it was written by a newer version. It has not been changed. Update the app to open it."
        )
    command.upgrade(cfg, revision)
    _SEARCH_INDEX.pop(engine, None)
    if engine.dialect.name == "sqlite":
        has_note_search_index(engine)


_SEARCH_INDEX: WeakKeyDictionary = WeakKeyDictionary()


def has_note_search_index(engine: Engine) -> bool:
    """Whether this SQLite database holds the FTS5 note search index (migration 0002 leaves it out where
    SQLite lacks FTS5, and the search scans). Looked up once per engine, when it is migrated."""
    if engine not in _SEARCH_INDEX:
        with engine.connect() as conn:
            _SEARCH_INDEX[engine] = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'note_version_fts'").first() is not None
    return _SEARCH_INDEX[engine]


def contains_pattern(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching `text` anywhere, lower-cased, its own % and _ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def init_engine(url: str | None = None) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
