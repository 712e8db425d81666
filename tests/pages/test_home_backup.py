"""Home, "Administration: backups": a backup is written beside the database and never offered as a download; the
page says where it went and how to restore it. The running app holds its database's lock (a restore then refuses),
and starts anyway when another process holds it. SQLite only: backups from the app are SQLite's."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from models.db import release_app_lock, try_lock
from tests.pages.helpers import app, rendered


def test_backup_now_names_the_file_and_offers_no_download(sqlite_url, tmp_path):
    try:
        at = app("streamlit_app.py").run()
        assert not at.exception
        assert try_lock(tmp_path / "test.db") is None  # the app holds its lock: a restore would refuse
        [button] = [b for b in at.button if b.label == "Back up the database now"]
        at = button.click().run()
        assert not at.exception
    finally:
        release_app_lock(sqlite_url)
    [written] = list((tmp_path / "backups").iterdir())
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert not at.get("download_button")
    [success] = at.success
    assert str(written) in rendered(success.value)
    [command] = at.code
    assert command.value == f"uv run python scripts/backup.py --restore {written}"


def test_the_app_starts_when_another_process_holds_the_lock(sqlite_url, tmp_path, caplog):
    fd = try_lock(Path(tmp_path / "test.db"))  # another holder, e.g. a second app process
    assert fd is not None
    try:
        with caplog.at_level(logging.WARNING, logger="facilitator"):
            at = app("streamlit_app.py").run()
        assert not at.exception
        assert [t.value for t in at.title] == ["Group Session Facilitator"]
    finally:
        os.close(fd)
        release_app_lock(sqlite_url)
    lines = [r.getMessage() for r in caplog.records if r.name == "facilitator"]
    assert len(lines) == 1 and "lock held by another process" in lines[0]
    assert str(tmp_path) not in lines[0]
