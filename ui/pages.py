"""The one table of pages: the menu, each page's browser title and heading, and every link between pages read
it. A page file passes its key to `ui.setup.page_setup`; links go through `link`.

The menu's "Live session" leads to the sessions it can open (models.sessions.sessions_to_open): a link for each
session running now, or else for the next one today; the plain link to the page only when there is neither."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from models import clock
from models.db import session_scope
from models.enums import SessionStatus
from models.sessions import sessions_to_open
from ui.text import md_escape

log = logging.getLogger("facilitator")


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str  # relative to the project root, as st.page_link wants it
    title: str  # the menu label, the browser tab's title and the page's heading
    icon: str
    in_menu: bool = True


PAGES: dict[str, PageSpec] = {
    p.key: p
    for p in (
        PageSpec("home", "streamlit_app.py", "Home", ":material/home:"),
        PageSpec("plan", "pages/plan.py", "Plan a session", ":material/event:"),
        PageSpec("courses", "pages/courses.py", "Courses", ":material/date_range:"),
        PageSpec("live", "pages/live.py", "Live session", ":material/play_circle:"),
        PageSpec("review", "pages/review.py", "Review & records", ":material/fact_check:"),
        PageSpec("participants", "pages/participants.py", "Participants", ":material/groups:"),
        PageSpec("curricula", "pages/curricula.py", "Curricula", ":material/menu_book:"),
        # the audience view: reached from /live or a session row, never from the menu
        PageSpec("projector", "pages/projector.py", "Projector view", ":material/cast:", in_menu=False),
    )
}


def page(key: str) -> PageSpec:
    return PAGES[key]


def link(key: str, label: str | None = None, *, session: int | None = None, container=None,
         icon: str | None = None) -> None:
    """A link to a page (with ?session=ID when given), labelled with the page's own title unless told."""
    spec = PAGES[key]
    target = container if container is not None else st
    target.page_link(spec.path, label=label or spec.title, icon=icon or spec.icon,
                     query_params={"session": session} if session is not None else None)


def session_links(engine: Engine, *, container=None) -> bool:
    """Links to the live view of the sessions it can open now, under a caption saying which they are: every
    session running (with when it started), or the next one today (with when it is planned). False, drawing
    nothing, when there is none or the database cannot be read just now."""
    try:
        with session_scope(engine) as db:
            found = sessions_to_open(db)
    except SQLAlchemyError as exc:
        log.warning("sessions to open not read: %s", type(exc).__name__)
        return False
    if not found:
        return False
    target = container if container is not None else st
    running = found[0].status == SessionStatus.LIVE
    spec = PAGES["live"]
    target.caption(f"{spec.title} · {'running now' if running else 'next today'}")
    for x in found:
        at, title = clock.fmt_local(x.started_at if running else x.scheduled_at, "%H:%M"), md_escape(x.title)
        target.page_link(spec.path, label=f"{at} · {title}", query_params={"session": x.session_id},
                         icon=spec.icon if running else ":material/schedule:",
                         help=f"{title}: running since {at}" if running else f"{title}: planned for {at}")
    return True


def menu(engine: Engine | None = None) -> None:
    """The sidebar menu from the table of pages; with the engine, "Live session" lists what it can open."""
    for spec in PAGES.values():
        if not spec.in_menu or spec.key == "live" and engine is not None and session_links(engine):
            continue
        st.page_link(spec.path, label=spec.title, icon=spec.icon)
