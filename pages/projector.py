"""The audience view for the projector: steps, a very large countdown (or the calm clock, or none, as the
facilitator chose for the session), and the content the group needs for the step, one screen at a time: a step
longer than the screen is cut into pages (models/projector_pages.py) that the facilitator moves through from /live,
and the page says "Page 2 of 3". Nothing private: it reads no participant data at all (except first names on the
welcome slide, when the facilitator switches that on). It follows /live by being told: each committed change to the
session signals the open projectors, which then rerun (ui/push.py)."""

from __future__ import annotations

import streamlit as st

from models import clock
from models.curriculum import STEP_ORDER
from models.db import session_scope
from models.projector_pages import (
    BOX_H,
    BOX_W,
    GAP_PX,
    HEADING_ABOVE_PX,
    HEADING_BELOW_PX,
    HEADING_LINE,
    HEADING_PX,
    LIST_INDENT_EM,
    STEP_TITLE_PX,
    TEXT_LINE,
    TEXT_PX,
    TITLE_PX,
    Page,
    current_slide,
    decoration,
)
from models.session_view import load_session_view, welcome_first_names
from ui.clock import clock_face
from ui.push import follow_session
from ui.setup import int_param, page_setup
from ui.text import md_escape

engine = page_setup("projector")

# Every size in design pixels (models/projector_pages.py): 1 dpx = DPX, so a slide keeps its proportions from
# 1024×768 to 1920×1080 and a page cut to fit the 1440×1080 dpx box fits the screen. Streamlit's own spacing is in
# rem, so the root font size scales with it.
DPX = f"min(calc(100vh / {BOX_H}), calc(100vw / {BOX_W}))"
CLOCK_SCALE = 2.2  # the clock's words at 37 dpx, its countdown at 141 dpx


def dpx(n: float) -> str:
    return f"calc({n} * var(--gsf-u))"


def page_markdown(page: Page) -> str:
    """One page's blocks as Markdown, every stored text escaped; consecutive list items in one list."""
    parts: list[str] = []
    prev = None
    for b in page.blocks:
        before, lead, after = decoration(b)
        text = md_escape(before) + (f"**{md_escape(lead)}** " if lead else "") + md_escape(b.text) + md_escape(after)
        line = {"heading": f"### {text}", "bullet": f"- {text}", "number": f"{b.number}. {text}"}.get(b.kind, text)
        if parts and b.kind in ("bullet", "number") and b.kind == prev:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
        prev = b.kind
    return "\n\n".join(parts)


st.html(
    f"""<style>
    :root {{ --gsf-u: {DPX}; }}
    html {{ font-size: {dpx(17)} !important; }}
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
    [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
    [data-testid="stMainMenu"], footer {{ display: none !important; }}
    .block-container, [data-testid="stMainBlockContainer"] {{ padding: {dpx(16)} {dpx(32)} {dpx(8)} !important;
      max-width: 100% !important; }}
    [data-testid="stMarkdownContainer"] {{ color: #111111 !important; overflow-wrap: anywhere; }}
    [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {{
      font-size: {dpx(TEXT_PX)} !important; line-height: {TEXT_LINE} !important; color: #111111 !important;
      margin: 0 0 {dpx(GAP_PX)} 0 !important; padding: 0 !important; }}
    [data-testid="stMarkdownContainer"] ul, [data-testid="stMarkdownContainer"] ol {{ margin: 0 !important;
      padding-left: {LIST_INDENT_EM}em !important; font-size: {dpx(TEXT_PX)} !important; }}
    [data-testid="stMarkdownContainer"] h1, [data-testid="stMarkdownContainer"] h2 {{ color: #111111 !important;
      line-height: 1.2 !important; padding: 0 !important; margin: 0 !important; white-space: nowrap;
      overflow: hidden; text-overflow: ellipsis; }}
    [data-testid="stMarkdownContainer"] h1 {{ font-size: {dpx(TITLE_PX)} !important; }}
    [data-testid="stMarkdownContainer"] h2 {{ font-size: {dpx(STEP_TITLE_PX)} !important; }}
    [data-testid="stMarkdownContainer"] h3 {{ font-size: {dpx(HEADING_PX)} !important; color: #111111 !important;
      line-height: {HEADING_LINE} !important; padding: 0 !important;
      margin: {dpx(HEADING_ABOVE_PX)} 0 {dpx(HEADING_BELOW_PX)} 0 !important; }}
    .st-key-gsf_steps p {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; margin: 0 !important; }}
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

follow_session(sid, view.session.revision)  # reruns this page when the session moves past this revision

s, cur = view.session, view.curriculum
slide = current_slide(view, names)
page = slide.pages[slide.page]
st.markdown(f"# {md_escape(cur.title)}")

step = cur.step(slide.id) if slide.id in STEP_ORDER else None
if step is not None:
    # the steps in one row, each column as wide as its title, the current one marked
    labels = [f"{i}. {x.display_title}" for i, x in enumerate(cur.steps, 1)]
    with st.container(key="gsf_steps"):
        cols = st.columns([min(len(x), 40) + 3 for x in labels], gap="small")
    for col, x, label in zip(cols, cur.steps, labels, strict=True):
        col.markdown(f"**▶ {md_escape(label)}**" if x.id == step.id else md_escape(label))

left, right = st.columns([1, 2], gap="medium")
with left:
    if step is not None:
        clock_face(view.timer(), step_label=step.display_title, scale=CLOCK_SCALE, key=f"pclock_{sid}",
                   caption=False, mode=s.projector_clock, unit=DPX)
    elif slide.id == "welcome":
        st.markdown(f"We start at **{clock.fmt_local(s.scheduled_at, '%H:%M')}** on "
                    f"{clock.fmt_local(s.scheduled_at, '%A %d %B')}.")
with right:
    heading = {"welcome": "Welcome", "thanks": "Thank you for taking part"}.get(slide.id)
    head, number = st.columns([3, 1], vertical_alignment="bottom")
    head.markdown(f"## {md_escape(step.display_title) if step else heading}")
    if slide.label:
        number.markdown(f"**{slide.label}**")
    with st.container(key="gsf_page"):
        st.markdown(page_markdown(page))
