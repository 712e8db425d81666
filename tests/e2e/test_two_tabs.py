"""A facilitator on /live and a co-facilitator on /review edit the same live session at once: notes, ticks and
arrivals/departures and caregivers on /live, notes added and /live's notes amended on /review, the two tabs' actions
interleaved without waiting for each other. Every change from either tab is stored, /live takes up the
amendments instead of writing over them, neither page ever shows an error (watched for the whole test, not
only at the end) and the server log has no lock error. Every person here is invented."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from models.curriculum import checklist_items
from models.notes import note_history
from models.session_view import load_session_view
from models.sessions import start_session
from tests.e2e.conftest import EXPECT_TIMEOUT_MS, eventually, seed, wait_for_app_idle
from tests.factories import INVENTED, make_session

ROUNDS = 3
PEOPLE = [first for first, _ in INVENTED[:ROUNDS]]
INTRO_ITEMS = ["Agenda posted", "Session started on time", "Attendance roster signed by each participant",
               "Ground rules and confidentiality agreed"]

# Records every error a page shows at any moment: Streamlit's exception box, an st.error (a RuleError from an
# action), or a lock message anywhere in the page, even one replaced by the next run a moment later.
_ERROR_WATCH_JS = """
(() => {
  if (window.__e2eErrors) return;
  window.__e2eErrors = [];
  const seen = new WeakSet();
  const scan = () => {
    for (const el of document.querySelectorAll(
        '[data-testid="stException"], [data-testid="stAlertContentError"]')) {
      if (!seen.has(el)) { seen.add(el); window.__e2eErrors.push(el.textContent.slice(0, 300)); }
    }
    const text = document.body ? document.body.textContent : "";
    const m = text.match(/.{0,80}(database is locked|OperationalError|could not be saved).{0,80}/i);
    if (m && !window.__e2eErrors.includes(m[0])) window.__e2eErrors.push(m[0]);
  };
  new MutationObserver(scan).observe(document, {subtree: true, childList: true, characterData: true});
})();
"""


def _live_session(db):
    s, people, _ = make_session(db, n=ROUNDS)
    start_session(db, session_id=s.id)
    return s.id, [p.id for p in people]


def _choose(page, selectbox, text: str, attempts: int = 5) -> None:
    """Pick the option holding `text` in a Streamlit selectbox. On a loaded machine the drop-down now and then
    does not open on the first click (no option in the page at all), so open it again a few times."""
    option = page.get_by_role("option").filter(has_text=text)
    for n in range(attempts):
        selectbox.get_by_role("combobox").click()
        try:
            option.click(timeout=3000 if n < attempts - 1 else EXPECT_TIMEOUT_MS)
            return
        except PlaywrightTimeoutError:
            if n == attempts - 1:
                raise
            print(f"drop-down not open after click {n + 1}; options: {page.get_by_role('option').all_inner_texts()}")
            page.keyboard.press("Escape")


def _no_errors(*pages) -> None:
    for p in pages:
        assert p.evaluate("() => window.__e2eErrors") == [], p.url
        expect(p.get_by_test_id("stException")).to_have_count(0)
        expect(p.get_by_text("database is locked")).to_have_count(0)


@pytest.mark.parametrize("screen", ["&screen=widgets", ""], ids=["widget screen", "one component"])
def test_live_and_review_edit_the_same_session_at_once(server, browser, tmp_path, screen):
    sid, pids = seed(server.db_url, _live_session)
    view = lambda: seed(server.db_url, lambda db: load_session_view(db, sid))  # noqa: E731
    item_keys = {i.label: i.key for i in checklist_items(view().curriculum, "intro")}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    context.add_init_script(_ERROR_WATCH_JS)
    live, review = context.new_page(), context.new_page()
    try:
        live.goto(server.page_url(f"/live?session={sid}{screen}"))
        review.goto(server.page_url(f"/review?session={sid}"))
        wait_for_app_idle(live)
        wait_for_app_idle(review)
        expect(live.get_by_label("Notes on Ada")).to_be_visible()
        review_note = review.locator(f".st-key-an_text_{sid} textarea")
        add = review.locator(f".st-key-an_save_{sid} button")
        amend_pick = review.locator(f".st-key-am_pick_{sid}")
        amend_save = review.locator(f".st-key-am_save_{sid} button")
        # who leaves or comes back in each round: Ada leaves, Bram leaves, Ada comes back
        fresh = ":not([data-stale='true'])"  # a part being redrawn briefly shows its old copy too
        presence = [f".st-key-presence_{sid}_{pids[0]}{fresh} button:has-text('Left now')",
                    f".st-key-presence_{sid}_{pids[1]}{fresh} button:has-text('Left now')",
                    f".st-key-presence_{sid}_{pids[0]}{fresh} button:has-text('Arrived now')"]

        for r, first in enumerate(PEOPLE):
            # the two tabs act without waiting for each other's runs
            live.get_by_label(f"Notes on {first}").fill(f"Live note {r} on {first}")
            review_note.fill(f"Review note {r} for the group")
            live.get_by_text(INTRO_ITEMS[r], exact=True).click()  # leaving the note field saves it; ticks
            add.click()
            live.locator(presence[r]).first.click()
            # the form cleared and the note listed: it went in (the one-run "Note added." line is not waited for:
            # any later run of the page, one the test did not cause included, takes it away)
            expect(review_note).to_have_value("")
            expect(review.get_by_test_id("stText").get_by_text(f"Review note {r} for the group", exact=True)
                   ).to_be_visible()
            wait_for_app_idle(review)  # its choice of notes to amend is drawn late in the run
            if r:
                # amend the note /live wrote in the previous round, while /live may still be running
                earlier = f"Live note {r - 1} on {PEOPLE[r - 1]}"
                nid = next(n.note_id for n in view().notes if n.text == earlier)
                _choose(review, amend_pick, earlier)
                amend_text = review.locator(f".st-key-am_text_{nid} textarea")  # this note's amendment field
                expect(amend_text).to_have_value(earlier)
                amend_text.fill(f"{earlier}, amended on review")
                amend_save.click()
            live.locator(f".st-key-carer_{sid}_{pids[r]}{fresh} label").first.click()
            if r:
                expect(review.get_by_text("Amendment saved; the earlier text is kept.")).to_be_visible()
            wait_for_app_idle(live)
            wait_for_app_idle(review)
            _no_errors(live, review)

        # one more action on /live, then /live drawn afresh (a click on one card reruns that card only, so the
        # others show the amendments once the page is drawn again): its note fields show the amendments, it did
        # not write over them, and nothing typed there is offered back as unsaved
        live.get_by_text(INTRO_ITEMS[ROUNDS], exact=True).click()
        wait_for_app_idle(live)
        live.reload()
        wait_for_app_idle(live)
        expect(live.get_by_text("Not saved: text typed in this browser")).to_have_count(0)
        for r, first in enumerate(PEOPLE):
            text = f"Live note {r} on {first}" + (", amended on review" if r < ROUNDS - 1 else "")
            expect(live.get_by_label(f"Notes on {first}")).to_have_value(text)

        expected_ticks = {item_keys[label] for label in INTRO_ITEMS}

        def stored():
            v = view()
            return v if expected_ticks <= set(v.ticks) and len(v.notes) == 2 * ROUNDS else None

        v = eventually(stored, timeout=20)
        by_owner = {(n.participant_id, n.step): n for n in v.notes if n.participant_id is not None}
        for r, first in enumerate(PEOPLE):
            note = by_owner[(pids[r], "intro")]
            original = f"Live note {r} on {first}"
            history = [x.text for x in seed(server.db_url, lambda db, n=note: note_history(db, note_id=n.note_id))]
            if r < ROUNDS - 1:
                assert history == [original, f"{original}, amended on review"], history
            else:
                assert history == [original], history
        group = sorted(n.text for n in v.notes if n.participant_id is None)
        assert group == [f"Review note {r} for the group" for r in range(ROUNDS)]
        assert all(n.step == "summary" for n in v.notes if n.participant_id is None)
        people = {p.participant_id: p for p in v.people}
        ada, bram, cora = (people[pid] for pid in pids)
        assert ada.in_room and len(ada.intervals) == 2 and ada.intervals[0][1] is not None  # left, came back
        assert not bram.in_room and len(bram.intervals) == 1 and bram.intervals[0][1] is not None
        assert cora.in_room and len(cora.intervals) == 1
        assert ada.caregiver and bram.caregiver and cora.caregiver

        # the record, reloaded, shows both tabs' notes
        review.reload()
        wait_for_app_idle(review)
        shown = review.get_by_test_id("stText")
        expect(shown.get_by_text("Live note 2 on Cora", exact=True)).to_be_visible()
        expect(shown.get_by_text("Live note 0 on Ada, amended on review", exact=True).first).to_be_visible()
        expect(shown.get_by_text("Review note 0 for the group", exact=True)).to_be_visible()
        _no_errors(live, review)
    except BaseException:
        for name, p in (("live", live), ("review", review)):  # both tabs, as the page fixture does for one
            shot = tmp_path / f"failure-{name}.png"
            try:
                p.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}; errors seen: {p.evaluate('() => window.__e2eErrors')}")
            except Exception as exc:
                print(f"no screenshot of {name}: {exc!r}")
        print("server log:\n" + server.log_tail(60))
        raise
    finally:
        context.close()
    log = server.log_text()
    assert "database is locked" not in log and "OperationalError" not in log and "Traceback" not in log
