"""The start-up every page passes through, whether it is the first request after the server starts or
not: page config, database (with migrations), access check and our own menu (from the table in ui/pages.py)."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import streamlit as st
from sqlalchemy.engine import Engine

from models.curriculum import CurriculumCatalog, curricula_dir, load_catalog
from models.db import DatabaseTooNew, database_url, hold_app_lock, init_engine
from ui.pages import menu, page

log = logging.getLogger("facilitator")

# Drawn on every page, once, as a style only. WCAG 2.2 target size (2.5.8, at least 24 × 24 px): Streamlit's date
# and time inputs draw each part (year, month, day, hour, minute) as a react-aria spin button about 19 × 21 px.
# Focus visible (2.4.7): a checkbox reached with Tab gets a ring like the buttons' (Streamlit only tints its label
# faintly, about 1.2:1 against white); mouse clicks draw none. A folded sidebar (/live, /projector) is out of view,
# and its links out of the Tab order too (they were about eight invisible stops before the page's first control).
_ACCESSIBLE_CSS = """<style>
[role="spinbutton"][data-rac] { min-width: 24px; min-height: 24px; line-height: 24px; text-align: center; }
[data-testid="stCheckbox"] label[data-focus-visible="true"] { outline: 2px solid #0B4F8A; outline-offset: 2px; }
[data-testid="stSidebar"][data-collapsed="true"] { visibility: hidden; }
</style>"""


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    # The running app holds its SQLite database's lock file for the life of the process, so that a restore
    # refuses while it runs (models.backup). Another holder does not stop the app.
    if not hold_app_lock(url):
        log.warning("database lock held by another process (another app or a restore); starting anyway")
    return init_engine(url)


def get_engine() -> Engine:
    return _engine_for(database_url())


@st.cache_resource(show_spinner=False, ttl=30)
def _catalog(folder: str) -> CurriculumCatalog:
    return load_catalog(Path(folder))


def catalog() -> CurriculumCatalog:
    """Valid curricula and the files that failed validation (re-read every 30 s, so an edited file shows)."""
    return _catalog(str(curricula_dir()))


def page_setup(key: str, *, layout: str = "wide", sidebar: str | None = None) -> Engine:
    """Every page's first call, with its key in ui.pages.PAGES. `sidebar="collapsed"` starts with the menu
    folded away (the live page needs the whole width of a laptop screen)."""
    spec = page(key)
    st.set_page_config(
        page_title=f"{spec.title} · Group Session Facilitator",
        page_icon=":material/diversity_3:",
        layout=layout,
        initial_sidebar_state=sidebar or ("auto" if spec.in_menu else "collapsed"),
    )
    try:
        engine = get_engine()
    except DatabaseTooNew as exc:
        st.error(str(exc))
        st.stop()
    except Exception as exc:  # a database that cannot be opened must not show a trace
        log.error("database start-up failed: %s", type(exc).__name__)
        st.error("The database could not be opened. Check DATABASE_URL or the data/ folder, then reload.")
        st.stop()
    from ui.widgets import resend_unheld  # (ui.widgets imports this module)

    resend_unheld()  # before any widget: a value the page set reaches the browser (ui/widgets.set_shown)
    st.html(_ACCESSIBLE_CSS)
    _access_check()
    if spec.in_menu:
        with st.sidebar:
            st.markdown("**Group Session Facilitator**")
            menu(engine)
    return engine


LOCAL_ADDRESSES = {"127.0.0.1", "localhost", "::1"}
ALLOW_ENV = "GSF_ALLOW_UNAUTHENTICATED_NETWORK"


def auth_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for st.login (OIDC)."""
    try:
        return bool(st.secrets.get("auth"))
    except Exception:  # no secrets file at all
        return False


def listen_address() -> str:
    return (st.get_option("server.address") or "").strip()


def network_risk_accepted() -> bool:
    """The operator accepted serving records without sign-in beyond this computer."""
    return os.environ.get(ALLOW_ENV) == "1"


def _access_check() -> None:
    """Records are shown only to a signed-in user when sign-in is configured, and never to an open
    network without sign-in unless the operator explicitly accepted that risk."""
    if auth_configured():
        if not st.user.get("is_logged_in", False):
            st.title("Sign in")
            st.info("This program's records are available to signed-in staff only.")
            st.button("Sign in", type="primary", on_click=st.login)
            st.stop()
        with st.sidebar:
            st.caption(f"Signed in as {st.user.get('name') or st.user.get('email') or 'staff'}")
            st.button("Sign out", on_click=st.logout, type="tertiary")
        return
    address = listen_address()
    if address not in LOCAL_ADDRESSES and not network_risk_accepted():
        st.title("Records are locked")
        st.error(
            "This server listens beyond this computer "
            f"(server.address = '{address or 'all interfaces'}') and no sign-in is configured, so it will "
            "not show patient records. Configure st.login in .streamlit/secrets.toml (see README, "
            f"'Access control'), listen on 127.0.0.1 only, or set {ALLOW_ENV}=1 to accept the risk."
        )
        st.stop()


MAX_ID = 2**31 - 1  # the largest id an integer column holds on PostgreSQL (and so on every database)


def int_param(name: str) -> int | None:
    """A positive id from a query parameter, or None for anything else: missing, text, SQL, negative, spaces,
    other digits than ASCII 0-9 ("²", "①", "٣", "３", which str.isdigit accepts), or beyond any stored id."""
    raw = st.query_params.get(name)
    if raw is None or not re.fullmatch(r"[0-9]{1,10}", raw):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
