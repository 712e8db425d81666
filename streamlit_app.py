"""Home: today's and upcoming sessions, and where to start."""

from datetime import datetime, timedelta

import streamlit as st

from models import clock
from models.db import session_scope
from models.sessions import list_sessions_between, live_sessions
from ui.setup import page_setup
from ui.widgets import md_escape

engine = page_setup("Home")

st.title("Group Session Facilitator")
st.caption("Plan, run and document group self-management education sessions.")

local_today = datetime.combine(clock.now().astimezone().date(), datetime.min.time()).astimezone()
with session_scope(engine) as db:
    running = live_sessions(db)
    today = list_sessions_between(db, start=local_today, end=local_today + timedelta(days=1))
    upcoming = list_sessions_between(db, start=local_today + timedelta(days=1), end=local_today + timedelta(days=15))


def _row(s) -> None:
    with st.container(border=True):
        cols = st.columns([3, 2, 2, 2])
        cols[0].markdown(f"**{md_escape(s.curriculum_title)}**")
        cols[0].caption(f"{clock.fmt_local(s.scheduled_at)} · {s.billing_code} · {s.setting} · {s.status}")
        if s.status == "ended":
            cols[1].page_link("pages/review.py", label="Session record", icon=":material/fact_check:",
                              query_params={"session": s.id})
        else:
            cols[1].page_link("pages/live.py", label="Open live view", icon=":material/play_circle:",
                              query_params={"session": s.id})
            cols[2].page_link("pages/projector.py", label="Projector view", icon=":material/cast:",
                              query_params={"session": s.id})


if running:
    st.subheader("Running now")
    for s in running:
        _row(s)

st.subheader("Today")
if today:
    for s in today:
        _row(s)
else:
    st.info("No sessions scheduled for today.")
st.page_link("pages/plan.py", label="Plan a new session", icon=":material/add_circle:")

st.subheader("Next two weeks")
if upcoming:
    for s in upcoming:
        _row(s)
else:
    st.caption("Nothing planned yet.")

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
