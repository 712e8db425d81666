"""Backups and restore (models/backup.py) and the private files and lock of models/db.py: consistent copies while
the app writes, files for this user only whatever the umask, nothing stray beside a backup (also when it fails),
each restore keeping the replaced database under its own name, an older backup migrated forward at the next start.
The command's refusals are in tests/scripts/test_backup_cli.py. Invented data only."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import SQLModel, func, select

import models.backup as backup_module
from models import db as db_module
from models.backup import APP_TABLES, BackupError, backup, default_backup_path, restore
from models.db import hold_app_lock, init_engine, make_engine, migrate, release_app_lock, session_scope, try_lock
from models.people import create_participant
from models.tables import Participant
from scripts.backup import main as backup_main


def _count(url) -> int:
    eng = init_engine(url)
    with session_scope(eng) as db:
        n = db.exec(select(func.count()).select_from(Participant)).one()
    eng.dispose()
    return n


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def _umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _seeded(url: str, n: int) -> None:
    engine = init_engine(url)
    with session_scope(engine) as db:
        for i in range(n):
            create_participant(db, first_name=f"P{i}", last_name="Invented")
    engine.dispose()


def test_backup_while_writing_and_restore(sqlite_url, tmp_path):
    db_url = sqlite_url
    engine = init_engine(db_url)
    with session_scope(engine) as db:
        for i in range(50):
            create_participant(db, first_name=f"B{i}", last_name="Backupson")
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set() and i < 300:
            with session_scope(engine) as db:
                create_participant(db, first_name=f"W{i}", last_name="Writer")
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        dest = backup(engine, tmp_path / "copy.db")
    finally:
        stop.set()
        t.join()
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = conn.execute("SELECT count(*) FROM participant").fetchone()[0]
    conn.close()
    assert copied >= 50
    with pytest.raises(BackupError, match="already exists"):
        backup(engine, dest)
    # more writes after the backup, then restore: the database is back to the copy
    with session_scope(engine) as db:
        create_participant(db, first_name="After", last_name="Backup")
    engine.dispose()
    done = restore(dest, db_url)
    assert _count(db_url) == copied
    assert done.kept is not None and done.kept.parent == tmp_path
    assert list(tmp_path.glob("test.before-restore-*.db")) == [done.kept]  # the replaced database is kept


def test_backup_cli(sqlite_url, tmp_path, capsys):
    db_url = sqlite_url
    init_engine(db_url).dispose()
    assert backup_main(["--url", db_url, "--to", str(tmp_path / "cli.db")]) == 0
    assert (tmp_path / "cli.db").exists()
    assert backup_main(["--url", "postgresql+psycopg://u@/x", "--to", str(tmp_path / "pg.db")]) == 2
    assert "pg_dump" in capsys.readouterr().err


def test_app_tables_are_still_the_models_tables():
    """A restore recognises this app's database by the tables revision 0001 made; none may have gone since."""
    import models.tables  # noqa: F401  (registers the tables)

    assert APP_TABLES <= set(SQLModel.metadata.tables)


# ---------------------------------------------------------------- private files


def test_database_lock_and_backups_are_private_whatever_the_umask(tmp_path):
    url = f"sqlite:///{tmp_path / 'data' / 'app.db'}"
    data = tmp_path / "data"
    with _umask(0o022):
        engine = init_engine(url)
        try:
            with engine.connect() as conn:  # an open connection keeps -wal and -shm
                conn.exec_driver_sql("CREATE TABLE scratch (x)")
                conn.commit()
                assert _mode(data) == 0o700
                for name in ("app.db", "app.db-wal", "app.db-shm"):
                    assert _mode(data / name) == 0o600, name
                assert hold_app_lock(url)
                assert _mode(data / "app.db.lock") == 0o600
                dest = backup(engine, default_backup_path(engine))
        finally:
            engine.dispose()
            release_app_lock(url)
        assert dest.parent == data / "backups"
        assert _mode(dest.parent) == 0o700 and _mode(dest) == 0o600
        assert os.listdir(dest.parent) == [dest.name]  # no -journal, -wal, -shm or temporary file beside it
        assert backup(url, tmp_path / "elsewhere" / "deeper" / "b.db")  # folders it makes are private too
        assert _mode(tmp_path / "elsewhere") == _mode(tmp_path / "elsewhere" / "deeper") == 0o700
        assert os.listdir(tmp_path / "elsewhere" / "deeper") == ["b.db"]
        done = restore(dest, url)
        assert _mode(done.kept) == _mode(done.database) == 0o600


def test_the_apps_data_folder_and_an_older_database_are_tightened(tmp_path, monkeypatch):
    """A data folder, database and backups folder left readable by an older version are made private; a
    folder someone else chose for the database is left as it is."""
    default = tmp_path / "data" / "facilitator.db"
    monkeypatch.setattr(db_module, "DEFAULT_DB", default)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with _umask(0o022):
        (tmp_path / "data" / "backups").mkdir(parents=True, mode=0o755)
        default.touch(mode=0o644)
        (tmp_path / "data" / "facilitator.db-wal").touch(mode=0o644)
        assert _mode(tmp_path / "data") == 0o755 and _mode(default) == 0o644
        engine = init_engine()
        assert _mode(tmp_path / "data") == 0o700
        assert _mode(default) == _mode(tmp_path / "data" / "facilitator.db-wal") == 0o600
        backup(engine, default_backup_path(engine))
        engine.dispose()
        assert _mode(tmp_path / "data" / "backups") == 0o700
        chosen = tmp_path / "chosen"
        chosen.mkdir(mode=0o755)
        init_engine(f"sqlite:///{chosen / 'app.db'}").dispose()
        assert _mode(chosen) == 0o755 and _mode(chosen / "app.db") == 0o600


def test_a_failed_backup_leaves_nothing_behind(sqlite_url, tmp_path, monkeypatch):
    init_engine(sqlite_url).dispose()
    folder = tmp_path / "backups"
    folder.mkdir()

    def damaged(path):
        raise BackupError(f"{path} failed SQLite's integrity check: invented damage")

    monkeypatch.setattr(backup_module, "_check", damaged)
    with pytest.raises(BackupError, match="integrity check"):
        backup(sqlite_url, folder / "a.db")
    assert os.listdir(folder) == []
    monkeypatch.undo()

    not_a_database = tmp_path / "garbage.db"
    not_a_database.write_bytes(b"invented bytes, not SQLite " * 200)
    with pytest.raises(BackupError, match="^The backup was not written: ") as err:
        backup(f"sqlite:///{not_a_database}", folder / "b.db")
    assert "\n" not in str(err.value)
    assert os.listdir(folder) == []


# ---------------------------------------------------------------- restore


def test_two_restores_keep_two_copies_and_never_overwrite_one(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    _seeded(url, 3)
    first = backup(url, tmp_path / "three.db")
    _seeded(url, 2)  # now five
    one = restore(first, url)
    two = restore(first, url)
    assert one.kept != two.kept
    assert sorted(tmp_path.glob("app.before-restore-*.db")) == sorted([one.kept, two.kept])
    assert _count(f"sqlite:///{one.kept}") == 5 and _count(f"sqlite:///{two.kept}") == 3
    assert _count(url) == 3

    # the same second and the same random part: the next restore finds no free name and refuses
    kept_name = two.kept.name
    stamp, token = kept_name.removeprefix("app.before-restore-").removesuffix(".db").rsplit("-", 1)

    class Frozen:
        @staticmethod
        def now():
            from datetime import datetime

            return datetime.strptime(stamp, "%Y%m%d-%H%M%S")

    monkeypatch.setattr(backup_module, "datetime", Frozen)
    monkeypatch.setattr(backup_module.secrets, "token_hex", lambda _n: token)
    before = two.kept.read_bytes()
    with pytest.raises(BackupError, match="No free name"):
        restore(first, url)
    assert two.kept.read_bytes() == before
    assert len(list(tmp_path.glob("app.before-restore-*.db"))) == 2
    assert not list(tmp_path.glob(".*.tmp*"))


def test_restore_refused_while_the_app_holds_its_lock(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    _seeded(url, 2)
    copy = backup(url, tmp_path / "copy.db")
    before = (tmp_path / "app.db").read_bytes()
    assert hold_app_lock(url)  # as ui/setup.py does when the app makes its engine
    try:
        with pytest.raises(BackupError, match="app is running"):
            restore(copy, url)
        assert try_lock(tmp_path / "app.db") is None
    finally:
        release_app_lock(url)
    assert (tmp_path / "app.db").read_bytes() == before
    assert not list(tmp_path.glob("*before-restore*"))
    fd = try_lock(tmp_path / "app.db")  # let go: a restore may run now
    assert fd is not None
    os.close(fd)


def test_an_older_backup_is_restored_and_migrated_forward_at_the_next_start(tmp_path):
    old_url = f"sqlite:///{tmp_path / 'old.db'}"
    old = make_engine(old_url)
    migrate(old, "0003")
    with old.begin() as conn:
        conn.exec_driver_sql("INSERT INTO participant (first_name, last_name, created_at) "
                             "VALUES ('Olda', 'Invented', '2026-01-05 10:00:00')")
    old.dispose()
    url = f"sqlite:///{tmp_path / 'app.db'}"
    _seeded(url, 4)
    done = restore(tmp_path / "old.db", url)
    assert done.revision == "0003"
    engine = init_engine(url)  # what the app does when it starts
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == _head()
        assert conn.exec_driver_sql("SELECT first_name FROM participant").scalars().all() == ["Olda"]
    engine.dispose()


def _head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(db_module.MIGRATIONS_DIR)).get_current_head()
