"""scripts/backup.py --restore refuses, with one line `error: <reason>`, exit code 2 and no traceback, anything but
one of this app's databases at a revision this code knows, and a restore while the app runs; the current database
is byte-identical afterwards. A few cases run the command as a process, the rest call main(). Invented data."""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import models.backup as backup_module
from models.backup import backup
from models.db import init_engine, session_scope
from models.people import create_participant
from scripts.backup import main as backup_main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One of this app's databases with two invented participants, and a good backup of it."""
    folder = tmp_path_factory.mktemp("template")
    engine = init_engine(f"sqlite:///{folder / 'app.db'}")
    with session_scope(engine) as db:
        for name in ("Ada", "Bo"):
            create_participant(db, first_name=name, last_name="Invented")
    backup(engine, folder / "good.db")
    engine.dispose()
    return folder


@pytest.fixture
def current(template, tmp_path) -> tuple[str, Path]:
    """The current database (its URL and file) for one test, a copy of the template's."""
    path = tmp_path / "app.db"
    path.write_bytes((template / "app.db").read_bytes())
    return f"sqlite:///{path}", path


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file beside the current database (the lock file aside), with its bytes."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.endswith(".lock")}


def _sqlite(path: Path, *statements: str) -> Path:
    conn = sqlite3.connect(path)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()
    return path


def _copy_of_current(path: Path, *statements: str) -> Path:
    """A copy of the current database beside it, changed by `statements`."""
    path.write_bytes(path.with_name("app.db").read_bytes())
    return _sqlite(path, *statements)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "backup.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def _refused_by_main(url: str, backup_file: Path, capsys) -> str:
    capsys.readouterr()
    assert backup_main(["--url", url, "--restore", str(backup_file)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    return _one_error_line(out.err)


# ---------------------------------------------------------------- as a process


def test_a_restore_runs_and_keeps_the_replaced_database(template, current, tmp_path):
    url, _path = current
    engine = init_engine(url)
    with session_scope(engine) as db:
        create_participant(db, first_name="Cy", last_name="Invented")  # three now, two in the backup
    engine.dispose()
    done = _run("--url", url, "--restore", str(template / "good.db"))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    [kept] = tmp_path.glob("app.before-restore-*.db")
    assert str(kept) in done.stdout
    for db_url, participants in ((url, 2), (f"sqlite:///{kept}", 3)):
        engine = init_engine(db_url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM participant").scalar_one() == participants
        engine.dispose()


@pytest.mark.parametrize("case", ["missing", "other app", "newer"])
def test_refusals_as_a_process(case, current, tmp_path):
    url, _path = current
    if case == "missing":
        backup_file, reason = tmp_path / "nowhere.db", "No such file"
    elif case == "other app":
        backup_file = _sqlite(tmp_path / "other.db", "CREATE TABLE invoice (id INTEGER PRIMARY KEY, total REAL)")
        reason = "not this app's"
    else:
        backup_file = _copy_of_current(tmp_path / "newer.db",
                                       "UPDATE alembic_version SET version_num = '9999_from_the_future'")
        reason = "written by a newer version"
    before = _snapshot(tmp_path)
    done = _run("--url", url, "--restore", str(backup_file))
    assert done.returncode == 2 and done.stdout == ""
    assert reason in _one_error_line(done.stderr)
    assert _snapshot(tmp_path) == before


def test_refused_while_the_app_runs_in_another_process(template, current, tmp_path):
    url, _path = current
    holder = subprocess.Popen(  # takes the lock the way the app does when it makes its engine, and keeps it
        [sys.executable, "-c", "import sys; from models.db import hold_app_lock; assert hold_app_lock(sys.argv[1]); "
                               "print('held', flush=True); sys.stdin.read()", url],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = _snapshot(tmp_path)
        done = _run("--url", url, "--restore", str(template / "good.db"))
        assert done.returncode == 2
        assert "app is running" in _one_error_line(done.stderr)
        assert _snapshot(tmp_path) == before
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    done = _run("--url", url, "--restore", str(template / "good.db"))  # stopped: the restore runs
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------- through main()


def _in_use(path: Path) -> None:
    """A copy of a database with a write-ahead log beside it, as a running app's file looks."""
    _copy_of_current(path)
    path.with_name(path.name + "-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)


REFUSED = {  # case: (file name, how it is made, what the one line says)
    "not sqlite": ("notes.db", lambda p: p.write_text("Invented notes, a text file.\n" * 40),
                   "is not a SQLite database"),
    "empty": ("empty.db", Path.touch, "is empty"),
    "damaged": ("damaged.db", lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000),
                "damaged.db cannot be read as a SQLite database: "),
    "no revision": ("norev.db", lambda p: _copy_of_current(p, "DROP TABLE alembic_version"),
                    "lacks an Alembic revision"),
    "another alembic app": ("other.db", lambda p: _sqlite(p, "CREATE TABLE alembic_version (version_num TEXT)",
                                                          "INSERT INTO alembic_version VALUES ('0001')",
                                                          "CREATE TABLE orders (id INTEGER)"),
                            "lacks the tables attendance, checklist_tick"),
    "a folder": ("a-folder.db", Path.mkdir, "is not a file"),
    "the current database": ("app.db", lambda p: None, "is the current database itself"),
    "in use": ("in-use.db", _in_use, "write-ahead log beside it"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refusals(case, current, tmp_path, capsys):
    url, _path = current
    name, make, reason = REFUSED[case]
    make(tmp_path / name)
    before = _snapshot(tmp_path)
    assert reason in _refused_by_main(url, tmp_path / name, capsys)
    assert _snapshot(tmp_path) == before


def test_postgresql_is_pointed_to_pg_restore(template, capsys):
    line = _refused_by_main("postgresql+psycopg://u@/invented", template / "good.db", capsys)
    assert "pg_restore" in line


def test_disk_full_while_keeping_the_current_database(template, current, tmp_path, capsys, monkeypatch):
    url, _path = current

    def full(_source, dest):
        raise OSError(errno.ENOSPC, "No space left on device", str(dest))

    monkeypatch.setattr(backup_module, "_copy_to_new_file", full)
    before = _snapshot(tmp_path)
    line = _refused_by_main(url, template / "good.db", capsys)
    assert "could not be copied aside, so nothing was restored" in line and "No space left" in line
    assert _snapshot(tmp_path) == before


def test_permission_denied_while_backing_up(current, tmp_path, capsys, monkeypatch):
    url, _path = current

    def denied(path, **_kw):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(backup_module, "private_dir", denied)
    assert backup_main(["--url", url, "--to", str(tmp_path / "locked" / "b.db")]) == 2
    out = capsys.readouterr()
    assert "The backup was not written: " in _one_error_line(out.err) and "Permission denied" in out.err
    assert not (tmp_path / "locked").exists()
