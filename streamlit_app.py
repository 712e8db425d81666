"""Home: today's and upcoming sessions, follow-ups due, and where to start."""

from datetime import timedelta

import streamlit as st

from models import clock
from models.db import session_scope
from models.enums import SessionStatus
from models.follow_ups import follow_ups_due
from models.forgotten import forgotten_sessions
from models.rules import FOLLOW_UP_AHEAD_DAYS
from models.sessions import list_sessions_between, live_sessions
from ui.pages import link, page
from ui.setup import page_setup
from ui.text import md_escape

UPCOMING_DAYS = 14  # "Next two weeks"
FOLLOW_UPS_SHOWN = 50  # follow-ups due listed at most

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
        due = follow_ups_due(db, until=local_today + timedelta(days=FOLLOW_UP_AHEAD_DAYS),
                             limit=FOLLOW_UPS_SHOWN + 1)


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

    def _follow_up(f) -> None:
        """One follow-up due: who, what kind, when, where it was recommended; links to the person and the record."""
        with st.container(border=True):
            cols = st.columns([3, 2, 2, 2])
            cols[0].markdown(f"**{md_escape(f.name)}**")
            status = md_escape(f.describe(local_today))
            cols[0].caption(f":orange[{status}]" if f.overdue(local_today) else status)
            if f.session_id is not None:
                cols[0].caption(md_escape(f"Recommended on {f.session_day:%Y-%m-%d} in {f.session_title}"))
            people = page("participants")
            cols[1].page_link(people.path, label="Participant", icon=people.icon,
                              query_params={"participant": f.participant_id})
            if f.session_id is not None:
                link("review", "Session record", session=f.session_id, container=cols[2])
            if f.scheduled_session_id is not None:
                link("live", "Scheduled session", session=f.scheduled_session_id, container=cols[3])


    if due:  # follow-ups recommended on /live or the record (models/follow_ups.py), not done, due soon or overdue
        st.subheader("Follow-ups due")
        st.caption(f"Not done and due by {local_today + timedelta(days=FOLLOW_UP_AHEAD_DAYS):%Y-%m-%d}, overdue "
                   "first. Mark one done on the record of the session that recommended it.")
        for f in due[:FOLLOW_UPS_SHOWN]:
            _follow_up(f)
        if len(due) > FOLLOW_UPS_SHOWN:
            st.caption(f"Only the first {FOLLOW_UPS_SHOWN} are shown.")

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
    from ui import assets, downloads, live_route, push

    app = st.App("streamlit_app.py",
                 routes=[*downloads.routes(), *push.routes(), *assets.routes(), *live_route.routes()])
