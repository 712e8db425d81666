"""A facilitator on /live and a co-facilitator on /review edit the same live session at once: every note and
tick from either tab is stored, neither page shows an error or "database is locked", and the server log has
no lock error either. Every person here is invented."""

from __future__ import annotations

from playwright.sync_api import expect

from models.sessions import load_session_view, start_session
from tests.e2e.conftest import eventually, seed, wait_for_app_idle
from tests.factories import INVENTED, make_session

INTRO_ITEMS = ["Agenda posted", "Session started on time", "Ground rules and confidentiality agreed"]


def _live_session(db):
    s, people, _ = make_session(db, n=3)
    start_session(db, session_id=s.id)
    return s.id


def _no_errors(*pages) -> None:
    for p in pages:
        expect(p.get_by_test_id("stException")).to_have_count(0)
        expect(p.get_by_text("database is locked")).to_have_count(0)
        expect(p.get_by_text("could not be saved")).to_have_count(0)


def test_live_and_review_edit_the_same_session_at_once(server, browser):
    sid = seed(server.db_url, _live_session)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    live, review = context.new_page(), context.new_page()
    try:
        live.goto(server.page_url(f"/live?session={sid}"))
        review.goto(server.page_url(f"/review?session={sid}"))
        wait_for_app_idle(live)
        wait_for_app_idle(review)
        review_note = review.get_by_role("textbox", name="Note", exact=True)
        add = review.get_by_role("button", name="Add note")

        for r, (first, _last) in enumerate(INVENTED[:3]):
            # both tabs act without waiting for each other's runs to finish
            live.get_by_label(f"Notes on {first}").fill(f"Live note {r} on {first}")
            review_note.fill(f"Review note {r} for the group")
            live.get_by_text(INTRO_ITEMS[r], exact=True).click()  # leaving the note field saves it; ticks
            add.click()
            wait_for_app_idle(live)
            wait_for_app_idle(review)
            expect(review_note).to_have_value("")  # the form cleared: the note went in
            _no_errors(live, review)

        def stored():
            v = seed(server.db_url, lambda db: load_session_view(db, sid))
            texts = {n.text for n in v.notes}
            return v if (texts >= {f"Live note {r} on {f}" for r, (f, _) in enumerate(INVENTED[:3])}
                         | {f"Review note {r} for the group" for r in range(3)}
                         and {k for k in v.ticks} >= {"intro:check:0", "intro:check:1", "intro:check:3"}) else None

        view = eventually(stored, timeout=15)
        group = [n for n in view.notes if n.participant_id is None]
        assert len(group) == 3
        # the live page, reloaded, shows its notes; the record shows both tabs' notes
        review.reload()
        wait_for_app_idle(review)
        expect(review.get_by_text("Live note 2 on Cora").first).to_be_visible()
        expect(review.get_by_text("Review note 0 for the group").first).to_be_visible()
        _no_errors(live, review)
    finally:
        context.close()
    log = server.log_text()
    assert "database is locked" not in log and "OperationalError" not in log
