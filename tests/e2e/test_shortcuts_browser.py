"""Keyboard shortcuts on /live in a real browser: s starts, n and b move between steps, p pauses and resumes,
h draws the privacy curtain; the same letters typed into a note are text, not commands. Every person here is
invented."""

from __future__ import annotations

from playwright.sync_api import expect

from models.curriculum import STEP_ORDER
from models.session_view import load_session_view
from tests.e2e.conftest import STEP_HEADING, eventually, seed, wait_for_app_idle
from tests.factories import make_session

TITLES = {"intro": "Introduction", "teach": "Teaching"}


def _session(db):
    s, _, _ = make_session(db, n=3)
    return s.id


def _expect_current_step(page, step: str) -> None:
    """The step's heading is shown and the stepper highlights that step and no other."""
    expect(page.locator(STEP_HEADING).filter(has_text=TITLES[step]).first).to_be_visible()
    for other in STEP_ORDER:
        kind = "primary" if other == step else "secondary"
        button = page.locator(f".st-key-step_{other}").get_by_role("button")  # not Streamlit's hidden copy
        expect(button).to_have_attribute("data-testid", f"stBaseButton-{kind}")


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
    _expect_current_step(page, "intro")

    press("n")
    eventually(lambda: view().session.current_step == "teach")
    _expect_current_step(page, "teach")

    press("p")
    eventually(lambda: view().timer().paused)
    expect(page.locator(".gsf-phase")).to_contain_text("Paused")
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    press("p")
    eventually(lambda: not view().timer().paused)
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.locator(".gsf-phase")).not_to_contain_text("Paused")

    press("b")
    eventually(lambda: view().session.current_step == "intro")
    _expect_current_step(page, "intro")
    v = view()
    assert [r.step for r in v.runs] == ["intro", "teach", "intro"]  # one step per key press, no double moves

    # typing in a note: every shortcut letter goes into the text and nothing happens to the session
    wait_for_app_idle(page)
    note = page.get_by_label("Notes on Ada")
    note.click()
    page.keyboard.type("snbph")
    expect(note).to_have_value("snbph")
    wait_for_app_idle(page)
    v = view()
    assert (v.session.current_step, v.timer().paused, v.session.privacy_curtain) == ("intro", False, False)
    assert len(v.runs) == 3
    _expect_current_step(page, "intro")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.get_by_text("Privacy curtain is on: surnames")).to_have_count(0)

    page.get_by_text("Whole group").click()  # leaves the field: the note saves
    eventually(lambda: any(n.text == "snbph" for n in view().notes))
    press("h")
    eventually(lambda: view().session.privacy_curtain)
    expect(page.get_by_text("Privacy curtain is on: surnames")).to_be_visible()
    expect(page.get_by_text("Notes on Ada")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
