"""The audience view for the projector: steps, a very large countdown (or the calm clock, or none, as the
facilitator chose for the session), and the content the group needs for the step, one screen at a time: a step
longer than the screen is cut into pages (models/projector_pages.py) that the facilitator moves through from /live,
and the page says "Page 2 of 3". Nothing private: it reads no participant data at all (except first names on the
welcome slide, when the facilitator switches that on). The slide is our own HTML (ui/slide.py), drawn by a browser
component that the session's push stream sends each new slide to the moment a change is committed (ui/push.py):
the projector follows /live without a run of this page."""

from __future__ import annotations

import streamlit as st

from ui.push import show_slide
from ui.setup import int_param, page_setup
from ui.slide import DPX, dpx, read_slide

engine = page_setup("projector")

# Every size in design pixels (ui/slide.py, models/projector_pages.py). Streamlit's own spacing is in rem, so the
# root font size scales with it.
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
    </style>"""
)

sid = int_param("session")
slide = read_slide(engine, sid) if sid else None

if slide is None:
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

show_slide(sid, slide)  # and every newer slide the session's stream sends
