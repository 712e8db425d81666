"""Kill the server with SIGKILL at ten points of a live session, restart it on the same database, and find
every change the page had saved and the clock showing the right time. The log never holds names or notes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from models.session_view import load_session_view
from tests.e2e.conftest import eventually, seed, wait_for_app_idle
from tests.factories import INVENTED, make_session


def _session(db):
    s, people, _ = make_session(db, n=3)
    return s.id, [p.id for p in people]


def _view(server, sid):
    return seed(server.db_url, lambda db: load_session_view(db, sid))


def _seconds(text: str) -> int:
    parts = [int(x) for x in text.strip().lstrip("+").split(":")]
    return sum(v * 60 ** i for i, v in enumerate(reversed(parts)))


@pytest.mark.parametrize("screen", ["&screen=widgets", ""], ids=["widget screen", "one component"])
def test_ten_kill_points_lose_nothing(server, page, screen):
    """On either /live screen (the one-component screen, /live's own, writes its plain clicks through its fast
    path)."""
    sid, pids = seed(server.db_url, _session)
    url = server.page_url(f"/live?session={sid}{screen}")
    page.goto(url)
    wait_for_app_idle(page)

    def note_field():
        return page.get_by_placeholder(re.compile("Notes during")).first

    def do_note(n):
        def act():
            note_field().fill(f"Crash note {n} for Ada")
            page.get_by_text("Whole group").click()
        return act, lambda v: any(x.text == f"Crash note {n} for Ada" for x in v.notes)

    def do_button(label, check):
        return (lambda: page.get_by_role("button", name=label).first.click()), check

    def do_tick():
        def act():
            page.get_by_text(re.compile("^(Agenda|Topic delivered|Activity done)")).first.click()
        return act, lambda v: len(v.ticks) >= 1

    steps = [
        do_button("Start session", lambda v: v.session.status == "live"),
        do_note(1),
        do_tick(),
        do_button("Next", lambda v: v.session.current_step == "teach"),
        do_note(2),
        do_button("Pause", lambda v: v.timer().paused),
        do_button("Resume", lambda v: not v.timer().paused),
        do_button("Left now", lambda v: sum(p.in_room for p in v.people) == 2),
        do_button("Next", lambda v: v.session.current_step == "activity"),
        do_note(3),
        do_button("Arrived now", lambda v: sum(p.in_room for p in v.people) == 3),
    ]
    for n, (act, check) in enumerate(steps, 1):
        act()
        wait_for_app_idle(page)
        # The page saves within its own run; allow the run to finish on a loaded machine before killing.
        eventually(lambda check=check: check(_view(server, sid)), timeout=15)
        server.kill()
        server.start()
        page.goto(url)
        wait_for_app_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        view = _view(server, sid)
        assert check(view), f"kill point {n}: lost after restart"
        if view.session.status == "live":
            face = page.locator(".gsf-step-time")
            expect(face).to_have_text(re.compile(r"^\+?\d+:\d\d"))
            shown = _seconds(face.inner_text())
            expected = int(view.timer().step_remaining)
            assert abs(shown - expected) <= 3, (n, shown, expected)
    final = _view(server, sid)
    assert {f"Crash note {i} for Ada" for i in (1, 2, 3)} <= {x.text for x in final.notes}
    log = server.log_text()
    for first, last in INVENTED[:3]:
        assert first not in log and last not in log
    assert "Crash note" not in log
