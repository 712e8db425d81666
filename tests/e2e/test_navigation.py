"""The first request after a fresh server start may be a deep link to any page (the `pages/` trap, see the
guide): it must still pass through page_setup (database, menu) and never show Streamlit's automatic menu,
which would list the hidden projector page."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_for_app_idle

MENU_LABELS = ["Home", "Plan a session", "Courses", "Live session", "Review & records", "Participants",
               "Curricula"]

CASES = [
    # (path, expected h1 or None for "any non-empty title", whether our menu must be in the sidebar)
    ("/plan", "Plan a session", True),
    ("/live?session=1", re.compile("live", re.I), True),
    ("/review", re.compile("review", re.I), True),
    ("/participants", "Participants", True),
    ("/curricula", "Curricula", True),
    ("/projector?session=1", None, False),  # the projector may collapse or hide the sidebar
]


@pytest.mark.parametrize(("path", "title", "menu"), CASES, ids=[c[0].strip("/") for c in CASES])
def test_deep_link_as_first_request(server, page, path, title, menu):
    assert server.db_path is not None and not server.db_path.exists(), "the database must come from this request"

    page.goto(server.page_url(path))

    h1 = page.locator('[data-testid="stMain"] h1').first
    expect(h1).to_be_visible()
    if title is None:
        expect(h1).not_to_have_text("")
    else:
        expect(h1).to_have_text(title)
    wait_for_app_idle(page)

    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # Streamlit's automatic menu
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.locator('a[href*="projector"]')).to_have_count(0)
    expect(sidebar.get_by_text(re.compile(r"^projector$", re.I))).to_have_count(0)
    if menu:
        links = sidebar.get_by_test_id("stPageLink-NavLink")
        expect(links).to_have_count(len(MENU_LABELS))
        for label in MENU_LABELS:
            expect(links.filter(has_text=label)).to_have_count(1)

    assert server.db_path.exists()
    with sqlite3.connect(server.db_path) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "alembic_version" in tables
        assert con.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
        assert "group_session" in tables
    assert "Traceback" not in server.log_text()
