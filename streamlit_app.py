"""Home: today's and upcoming sessions, and where to start."""

from datetime import timedelta

import streamlit as st

from models import clock
from models.db import session_scope
from models.enums import SessionStatus
from models.sessions import list_sessions_between, live_sessions
from ui.pages import link
from ui.setup import page_setup
from ui.text import md_escape

UPCOMING_DAYS = 14  # "Next two weeks"

engine = page_setup("home")

st.title("Group Session Facilitator")
st.caption("Plan, run and document group self-management education sessions.")

local_today = clock.today()
tomorrow = clock.day_start(local_today + timedelta(days=1))
with session_scope(engine) as db:
    running = live_sessions(db)
    today = list_sessions_between(db, start=clock.day_start(local_today), end=tomorrow)
    upcoming = list_sessions_between(db, start=tomorrow,
                                     end=clock.day_start(local_today + timedelta(days=1 + UPCOMING_DAYS)))


def _row(s) -> None:
    with st.container(border=True):
        cols = st.columns([3, 2, 2, 2])
        cols[0].markdown(f"**{md_escape(s.curriculum_title)}**")
        cols[0].caption(f"{clock.fmt_local(s.scheduled_at)} · {s.billing_code} · {s.setting} · {s.status}")
        if s.status == SessionStatus.ENDED:
            link("review", "Session record", session=s.id, container=cols[1])
        else:
            link("live", "Open live view", session=s.id, container=cols[1])
            link("projector", session=s.id, container=cols[2])


def _section(title: str, sessions, empty: str, *, info: bool = False) -> None:
    st.subheader(title)
    for s in sessions:
        _row(s)
    if not sessions:
        (st.info if info else st.caption)(empty)


if running:
    _section("Running now", running, "")
_section("Today", today, "No sessions scheduled for today.", info=True)
link("plan", "Plan a new session", icon=":material/add_circle:")
_section("Next two weeks", upcoming, "Nothing planned yet.")

with st.expander("Administration: backups"):
    st.caption(
        "A backup is a consistent copy of the SQLite database taken while the app runs. It is written to "
        "the data/backups folder beside the database; restore with `uv run python scripts/backup.py "
        "--restore FILE` while the app is stopped."
    )
    if st.button("Back up the database now", icon=":material/backup:"):
        from models.backup import BackupError, backup, default_backup_path

        try:
            dest = backup(engine, default_backup_path(engine))
            st.success(f"Backup written: {dest.name}")
            st.download_button("Download the backup", dest.read_bytes(), file_name=dest.name,
                               mime="application/vnd.sqlite3")
        except BackupError as exc:
            st.error(str(exc))
