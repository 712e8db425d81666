"""Keyboard shortcuts on /live in a real browser: s starts, n and b move between steps, p pauses and resumes,
h draws the privacy curtain; the same letters typed into a note are text, not commands."""

from __future__ import annotations

from playwright.sync_api import expect

from models.sessions import load_session_view
from tests.e2e.conftest import eventually, seed, wait_for_app_idle
from tests.factories import make_session


def _session(db):
    s, _, _ = make_session(db, n=3)
    return s.id


def test_keyboard_drives_the_session_but_not_from_a_note(server, page):
    sid = seed(server.db_url, _session)
    view = lambda: seed(server.db_url, lambda db: load_session_view(db, sid))  # noqa: E731
    page.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(page)
    expect(page.get_by_role("button", name="Start session")).to_be_visible()
    page.bring_to_front()  # key events go to the focused page of the shared browser

    def press(key: str) -> None:
        wait_for_app_idle(page)  # the buttons a run draws register their shortcuts when it has finished
        page.locator("h1").first.click()  # focus the page, not a field
        page.keyboard.press(key)

    press("s")
    eventually(lambda: view().session.status == "live")
    expect(page.locator("h2").filter(has_text="Introduction")).to_be_visible()

    press("n")
    eventually(lambda: view().session.current_step == "teach")
    expect(page.locator("h2").filter(has_text="Teaching")).to_be_visible()

    press("p")
    eventually(lambda: view().timer().paused)
    expect(page.locator(".gsf-phase")).to_contain_text("Paused")
    press("p")
    eventually(lambda: not view().timer().paused)

    press("b")
    eventually(lambda: view().session.current_step == "intro")
    expect(page.locator("h2").filter(has_text="Introduction")).to_be_visible()

    # typing in a note: every shortcut letter goes into the text and nothing happens to the session
    wait_for_app_idle(page)
    note = page.get_by_label("Notes on Ada").and_(page.get_by_placeholder("Notes during Introduction", exact=False))
    note.click()
    page.keyboard.type("snbph")
    expect(note).to_have_value("snbph")
    wait_for_app_idle(page)
    v = view()
    assert (v.session.current_step, v.timer().paused, v.session.privacy_curtain) == ("intro", False, False)

    page.get_by_text("Whole group").click()  # leaves the field: the note saves
    eventually(lambda: any(n.text == "snbph" for n in view().notes))
    press("h")
    eventually(lambda: view().session.privacy_curtain)
    expect(page.get_by_text("Notes on Ada")).to_have_count(0)
