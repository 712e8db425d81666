"""/live on the laptops a clinic has (1366×768 and 1440×900): no label is cut off, and the clock and the step
controls stay in view while the educator scrolls down to the people. Every person here is invented."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from models.sessions import go_to_step, start_session
from tests.e2e.conftest import seed, wait_for_app_idle
from tests.factories import make_session

# Every text that Streamlit may shorten with an ellipsis: button labels, widget labels, checkbox labels, pills.
_CUT_LABELS = """
() => {
  const cut = [];
  const sel = 'button p, [data-testid="stWidgetLabel"] p, label p, [data-testid="stCheckbox"] p';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;  // not shown (a collapsed part)
    if (el.scrollWidth > el.clientWidth + 1) cut.push(el.textContent.trim());
  }
  return cut;
}
"""


def _live(db):
    s, _, _ = make_session(db, n=8)
    start_session(db, session_id=s.id)
    return s.id


@pytest.mark.parametrize("size", [(1366, 768), (1440, 900)])
def test_laptop_screen_labels_whole_and_controls_in_view(server, browser, size):
    sid = seed(server.db_url, _live)
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        for step in ("intro", "teach", "activity", "qa", "summary"):
            seed(server.db_url, lambda db, step=step: go_to_step(db, session_id=sid, step=step))
            page.goto(server.page_url(f"/live?session={sid}"))
            wait_for_app_idle(page)
            expect(page.locator(".gsf-step-time")).to_be_visible()
            assert page.evaluate(_CUT_LABELS) == [], (size, step)
            assert page.get_by_text("Clock at render").count() == 0  # the live clock says the time
            # scroll to the last person: the clock and Next are still on the screen
            page.get_by_label("Notes on Hal").scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            for locator in (page.locator(".gsf-step-time"), page.get_by_role("button", name="Pause")):
                box = locator.bounding_box()
                assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= size[1], (step, box)
            expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        context.close()


def test_notes_of_earlier_steps_show_in_a_later_step(server, page):
    sid = seed(server.db_url, _live)
    page.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(page)
    page.get_by_label("Notes on Ada").fill("Brought her own meter")
    page.get_by_text("Whole group").click()
    wait_for_app_idle(page)
    page.get_by_role("button", name="Next").click()
    wait_for_app_idle(page)
    expect(page.get_by_text("Earlier: Introduction & assessment: Brought her own meter")).to_be_visible()
