"""Home: today's and upcoming sessions, and where to start."""

from datetime import timedelta

import streamlit as st

from models import clock
from models.db import session_scope
from models.enums import SessionStatus
from models.forgotten import forgotten_sessions
from models.sessions import list_sessions_between, live_sessions
from ui.pages import link
from ui.setup import page_setup
from ui.text import md_escape

UPCOMING_DAYS = 14  # "Next two weeks"

# Streamlit runs this file as the home page ("__main__"); `streamlit run` also finds `app` below and serves it
# with uvicorn, which imports this file as a module: then it only declares our routes beside Streamlit's.
if __name__ == "__main__":
    engine = page_setup("home")

    st.title("Group Session Facilitator")
    st.caption("Plan, run and document group self-management education sessions.")

    local_today = clock.today()
    tomorrow = clock.day_start(local_today + timedelta(days=1))
    with session_scope(engine) as db:
        running = live_sessions(db)
        flagged = forgotten_sessions(db, running)
        today = list_sessions_between(db, start=clock.day_start(local_today), end=tomorrow)
        upcoming = list_sessions_between(db, start=tomorrow,
                                         end=clock.day_start(local_today + timedelta(days=1 + UPCOMING_DAYS)))


    def _row(s, flag=None) -> None:
        with st.container(border=True):
            cols = st.columns([3, 2, 2, 2])
            cols[0].markdown(f"**{md_escape(s.curriculum_title)}**")
            cols[0].caption(f"{clock.fmt_local(s.scheduled_at)} · {s.billing_code} · {s.setting} · {s.status}")
            if s.status == SessionStatus.ENDED:
                link("review", "Session record", session=s.id, container=cols[1])
            else:
                link("live", "Open live view", session=s.id, container=cols[1])
                link("projector", session=s.id, container=cols[2])
            if flag:  # models/forgotten.py: a forgotten session, ended on the live view
                st.warning(f"Needs attention: {flag.message}", icon=":material/schedule:")
                link("live", "End it on the live view", session=s.id, icon=":material/stop_circle:")


    def _section(title: str, sessions, empty: str, *, info: bool = False, flags=None) -> None:
        st.subheader(title)
        for s in sessions:
            _row(s, (flags or {}).get(s.id))
        if not sessions:
            (st.info if info else st.caption)(empty)


    if running:
        _section("Running now", running, "", flags=flagged)
    _section("Today", today, "No sessions scheduled for today.", info=True)
    link("plan", "Plan a new session", icon=":material/add_circle:")
    _section("Next two weeks", upcoming, "Nothing planned yet.")

    with st.expander("Administration: backups"):
        st.caption(
            "A backup is a consistent copy of the SQLite database taken while the app runs. It is written to the "
            "backups folder beside the database, readable by the app's user only, and is never offered as a "
            "download. To restore one, stop the app and run `uv run python scripts/backup.py --restore FILE`; the "
            "current database is kept beside it."
        )
        if st.button("Back up the database now", icon=":material/backup:"):
            import shlex

            from models.backup import BackupError, backup, default_backup_path

            try:
                dest = backup(engine, default_backup_path(engine))
            except BackupError as exc:
                st.error(str(exc))
            else:
                st.success(f"Backup written to {md_escape(str(dest))}")
                st.caption("To restore it, stop the app, then run:")
                st.code(f"uv run python scripts/backup.py --restore {shlex.quote(str(dest))}", language="bash")
else:
    from ui import downloads, push

    app = st.App("streamlit_app.py", routes=[*downloads.routes(), *push.routes()])
