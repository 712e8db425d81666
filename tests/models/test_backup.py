import sqlite3
import threading

import pytest
from sqlmodel import func, select

from models.backup import BackupError, backup, restore
from models.db import init_engine, session_scope
from models.people import create_participant
from models.tables import Participant
from scripts.backup import main as backup_main


def _count(url) -> int:
    eng = init_engine(url)
    with session_scope(eng) as db:
        n = db.exec(select(func.count()).select_from(Participant)).one()
    eng.dispose()
    return n


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
    assert copied >= 50
    with pytest.raises(BackupError, match="already exists"):
        backup(engine, dest)
    # more writes after the backup, then restore: the database is back to the copy
    with session_scope(engine) as db:
        create_participant(db, first_name="After", last_name="Backup")
    engine.dispose()
    restore(dest, db_url)
    assert _count(db_url) == copied
    assert list(tmp_path.glob("test.before-restore-*.db"))  # the replaced database is kept


def test_backup_cli(sqlite_url, tmp_path, capsys):
    db_url = sqlite_url
    init_engine(db_url).dispose()
    assert backup_main(["--url", db_url, "--to", str(tmp_path / "cli.db")]) == 0
    assert (tmp_path / "cli.db").exists()
    assert backup_main(["--url", "postgresql+psycopg://u@/x", "--to", str(tmp_path / "pg.db")]) == 2
    assert "pg_dump" in capsys.readouterr().err
