"""The audience view for the projector: steps, a very large countdown, and the content the group needs for
the step. Nothing private: it reads no participant data at all (except first names on the welcome slide,
when the facilitator switches that on). It follows /live by polling the session's revision number."""

from __future__ import annotations

import streamlit as st

from models import clock
from models.curriculum import activity_key, topic_key
from models.db import session_scope
from models.enums import QuestionStatus, SessionStatus
from models.session_view import load_session_view, session_revision, welcome_first_names
from ui.clock import clock_face
from ui.setup import int_param, page_setup
from ui.text import md_escape

engine = page_setup("projector")

st.html(
    """<style>
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
    [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
    [data-testid="stMainMenu"], footer { display: none !important; }
    .block-container, [data-testid="stMainBlockContainer"] { padding-top: 1.2rem !important;
      max-width: 100% !important; }
    [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 32px !important;
      line-height: 1.35 !important; color: #111111 !important; }
    [data-testid="stMarkdownContainer"] h1 { font-size: 56px !important; color: #111111 !important; }
    [data-testid="stMarkdownContainer"] h2 { font-size: 44px !important; color: #111111 !important; }
    [data-testid="stMarkdownContainer"] h3 { font-size: 36px !important; color: #111111 !important; }
    </style>"""
)

sid = int_param("session")
with session_scope(engine) as db:
    view = load_session_view(db, sid, private=False) if sid else None
    names = welcome_first_names(db, session_id=sid) if view else []

if view is None:
    # Said plainly but without a detail of any session: the room may be watching.
    if "session" not in st.query_params:
        st.markdown("# Welcome")
        st.markdown("This screen shows a group session once the facilitator opens it from the live view.")
    elif sid is None:
        st.markdown("# This link does not name a session")
        st.markdown("Open the projector view again from the session's live view.")
    else:
        st.markdown("# Unknown session")
        st.markdown(f"There is no session {sid}. Open the projector view again from the session's live view.")
    st.stop()

rendered_revision = view.session.revision


@st.fragment(run_every=1)
def _follow() -> None:
    """Runs every second: one indexed read; the whole page redraws only when the session changed."""
    with session_scope(engine) as db:
        current = session_revision(db, sid)
    if current != rendered_revision:
        st.rerun(scope="app")


_follow()

s, cur = view.session, view.curriculum
st.markdown(f"# {md_escape(cur.title)}")

if s.status == SessionStatus.PLANNED:
    st.markdown("## Welcome")
    st.markdown(f"We start at **{clock.fmt_local(s.scheduled_at, '%H:%M')}** on "
                f"{clock.fmt_local(s.scheduled_at, '%A %d %B')}.")
    st.markdown("### Today")
    st.markdown("\n".join(f"{i}. {md_escape(x.display_title)} · {x.minutes} min" for i, x in enumerate(cur.steps, 1)))
    if names:
        st.markdown("### Welcome, " + ", ".join(md_escape(n) for n in names))
    st.stop()

if s.status == SessionStatus.ENDED:
    st.markdown("## Thank you for taking part")
    summary = cur.step("summary")
    if summary.handouts:
        st.markdown("### Take home")
        st.markdown("\n".join(f"- {md_escape(h)}" for h in summary.handouts))
    st.stop()

step = cur.step(s.current_step or "intro")
cols = st.columns(len(cur.steps))
for i, (col, st_) in enumerate(zip(cols, cur.steps, strict=True), 1):
    label = f"{i}\\. {md_escape(st_.display_title)}"
    col.markdown(f"**▶ {label}**" if st_.id == step.id else label)

left, right = st.columns([2, 3], gap="large")
with left:
    clock_face(view.timer(), step_label=step.display_title, scale=2.6, key=f"pclock_{sid}", caption=False)

with right:
    st.markdown(f"## {md_escape(step.display_title)}")
    if step.id == "intro":
        st.markdown("### Today")
        st.markdown("\n".join(f"{i}. {md_escape(x.display_title)} · {x.minutes} min"
                              for i, x in enumerate(cur.steps, 1)))
        if names:
            st.markdown("### Welcome, " + ", ".join(md_escape(n) for n in names))
    elif step.id == "teach":
        pending = [t for t in step.topics if topic_key(t.id) not in view.ticks]
        now_topic = pending[0] if pending else None
        for t in step.topics:
            if topic_key(t.id) in view.ticks:
                st.markdown(f"✓ {md_escape(t.title)} — covered")
            elif t is now_topic:
                st.markdown(f"### ▶ {md_escape(t.title)}")
                st.markdown("\n".join(f"- {md_escape(k)}" for k in t.key_points))
            else:
                st.markdown(f"○ {md_escape(t.title)} — coming up")
    elif step.id == "activity":
        for a in step.activities:
            done = activity_key(a.id) in view.ticks
            st.markdown(f"### {'✓ ' if done else ''}{md_escape(a.title)}" + (" — done" if done else ""))
            if not done:
                if a.materials:
                    st.markdown("**You need:** " + "; ".join(md_escape(m) for m in a.materials))
                st.markdown("\n".join(f"{n}. {md_escape(x)}" for n, x in enumerate(a.instructions, 1)))
    elif step.id == "qa":
        st.markdown("\n".join(f"- {md_escape(p)}" for p in step.prompts))
        open_qs = [q for q in view.questions if q.status == QuestionStatus.OPEN]
        if open_qs:
            st.markdown("### Your questions")
            st.markdown("\n".join(f"- {md_escape(q.text)}" for q in open_qs))
    elif step.id == "summary":
        st.markdown("### Key points")
        st.markdown("\n".join(f"- {md_escape(r)}" for r in step.recap))
        if step.handouts:
            st.markdown("### Take home")
            st.markdown("\n".join(f"- {md_escape(h)}" for h in step.handouts))
