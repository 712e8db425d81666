"""The one table of pages: the menu, each page's browser title and heading, and every link between pages read
it. A page file passes its key to `ui.setup.page_setup`; links go through `link`."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


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


def menu() -> None:
    for spec in PAGES.values():
        if spec.in_menu:
            st.page_link(spec.path, label=spec.title, icon=spec.icon)
