"""The live flow driven with the keyboard alone in a real browser: no mouse at all, not even to focus. Tab and
Shift+Tab move the focus, Enter presses a button, Space ticks a box, text is typed and Tab leaves the field. The
session is started, a checklist item ticked, a person marked as left and arrived again, a note typed and saved,
the next step opened, the clock paused and resumed; after each, the database and the page show it, and a
focused button or checkbox shows a focus ring. Every person here is invented."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from models.curriculum import checklist_items
from models.session_view import load_session_view
from tests.e2e.conftest import STEP_HEADING, eventually, seed, wait_for_app_idle
from tests.factories import make_session

# Counts pointer events the page receives: the test proves it never used one.
_POINTER_COUNTER_JS = """
(() => {
  window.__e2ePointer = 0;
  for (const t of ["pointerdown", "mousedown", "touchstart"])
    document.addEventListener(t, () => { window.__e2ePointer += 1; }, true);
})();
"""

# What has the focus, in a few words: tag, role, accessible label or text, the `.st-key-…` container.
_DESCRIBE_FOCUS_JS = """
() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "(body)";
  const box = e.closest('[class*="st-key-"]');
  const key = box ? [...box.classList].find((c) => c.startsWith("st-key-")) : "";
  const label = e.getAttribute("aria-label") || (e.innerText || e.value || "").trim().replace(/\\s+/g, " ");
  return `<${e.tagName.toLowerCase()}${e.getAttribute("role") ? " role=" + e.getAttribute("role") : ""}> `
         + `"${label.slice(0, 50)}"${key ? " in ." + key : ""}`;
}
"""

# Whether the focused control shows where the focus is: an outline or a box shadow on what is drawn (a checkbox's
# input is visually hidden, so there it is its label), and the control is not under the sticky header.
_FOCUS_RING_JS = """
() => {
  const e = document.activeElement;
  const shown = e.matches('input[type="checkbox"]') ? e.closest("label") : e;
  const cs = getComputedStyle(shown);
  const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0;
  const shadow = cs.boxShadow !== "none";
  const r = shown.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + Math.min(r.width / 2, 12), r.top + r.height / 2);
  return {ring: outline || shadow, uncovered: !!hit && shown.contains(hit),
          style: `outline ${cs.outlineStyle} ${cs.outlineWidth}, box-shadow ${cs.boxShadow}`};
}
"""


def _where(page: Page) -> str:
    """What has the focus, for a failing assertion."""
    return "the focus is on " + page.evaluate(_DESCRIBE_FOCUS_JS)


def _focused(page: Page, target: Locator | str) -> bool:
    """Whether the focus is on `target`: a locator (one of the elements it matches) or a JS predicate source
    called with document.activeElement."""
    if isinstance(target, str):
        return page.evaluate(f"() => {{ const e = document.activeElement; return !!e && !!({target})(e); }}")
    return target.evaluate_all("(els) => els.includes(document.activeElement)")


def _tab_to(page: Page, target: Locator | str, max_presses: int = 200, *, back: bool = False) -> int:
    """Press Tab (Shift+Tab with `back`) until the focus is on `target`; returns how many presses it took. Fails
    listing, in order, where the focus went when it never arrives."""
    if isinstance(target, Locator):
        expect(target).to_be_visible()  # drawn by the run the last action caused
    key = "Shift+Tab" if back else "Tab"
    path: list[list] = []  # [where the focus went, how many presses in a row it stayed there]
    for presses in range(max_presses + 1):
        if _focused(page, target):
            return presses
        if presses == max_presses:
            break
        page.keyboard.press(key)
        where = page.evaluate(_DESCRIBE_FOCUS_JS)
        if path and path[-1][0] == where:
            path[-1][1] += 1
        else:
            path.append([where, 1])
    went = "\n  ".join(w + (f" (×{n})" if n > 1 else "") for w, n in path)
    raise AssertionError(f"{target} never got the focus in {max_presses} presses of {key}; the focus went to:\n  "
                         + went)


def _press(page: Page, target: Locator | str, key: str, *, back: bool = False) -> None:
    """Tab to `target`, check its focus is shown, press `key` there."""
    wait_for_app_idle(page)
    _tab_to(page, target, back=back)
    ring = page.evaluate(_FOCUS_RING_JS)
    where = page.evaluate(_DESCRIBE_FOCUS_JS)
    assert ring["ring"], f"no visible focus on {where}: {ring['style']}"
    assert ring["uncovered"], f"{where} has the focus but is covered (by the sticky header?)"
    page.keyboard.press(key)


def _session(db):
    s, people, _ = make_session(db, n=3)
    return s.id, [p.id for p in people]


def test_live_flow_by_keyboard_alone(server, page):
    sid, (ada, bram, _) = seed(server.db_url, _session)
    view = lambda: seed(server.db_url, lambda db: load_session_view(db, sid))  # noqa: E731
    person = lambda pid: next(p for p in view().people if p.participant_id == pid)  # noqa: E731
    page.add_init_script(_POINTER_COUNTER_JS)
    page.goto(server.page_url(f"/live?session={sid}"))
    page.bring_to_front()  # key events go to the focused page of the shared browser
    wait_for_app_idle(page)
    header = page.locator(".st-key-live_header")
    button = lambda name: header.get_by_role("button", name=name)  # noqa: E731  (icon and shortcut in the name)

    # the folded sidebar's links are out of the Tab order: no press from the top of the page stops in it
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => { const e = document.activeElement; return [e.tagName, "
                                   "(e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 40), "
                                   "!!e.closest('[data-testid=stSidebar]')]; }"))
    assert not [s for s in stops if s[2]], stops
    page.evaluate("() => document.activeElement.blur()")

    # start: Tab from the top of the page to "Start session", Enter
    _press(page, button("Start session"), "Enter")
    eventually(lambda: view().session.status == "live")
    expect(button("Pause")).to_be_visible()
    wait_for_app_idle(page)
    expect(button("Pause")).to_be_focused()  # Start is gone: the focus went to Pause, not to the page
    expect(page.locator(STEP_HEADING).filter(has_text="Introduction").first).to_be_visible()

    # tick the introduction's first checklist item with Space
    first = next(i for i in checklist_items(view().curriculum, "intro") if i.kind == "check")
    box = page.locator(f".st-key-tick_{sid}_{re.sub('[^A-Za-z0-9_-]', '-', first.key)}").get_by_role("checkbox")
    _press(page, box, "Space")
    eventually(lambda: first.key in view().ticks)
    expect(box).to_be_checked()
    expect(page.get_by_text("Curriculum delivered: 1 of")).to_be_visible()

    # Ada left the room, then came back: the card's presence button, with Enter each time
    card = page.locator(f".st-key-person_{sid}_{ada}")
    _press(page, card.get_by_role("button", name="Left now"), "Enter")
    eventually(lambda: not person(ada).in_room)
    expect(card.get_by_text("Ada Testwell · left")).to_be_visible()
    # the focus stayed on the button, whose label turned: Enter again marks her back, no Tab needed
    wait_for_app_idle(page)
    assert _focused(page, card.get_by_role("button", name="Arrived now")), _where(page)
    page.keyboard.press("Enter")
    eventually(lambda: person(ada).in_room)
    assert len(person(ada).intervals) == 2  # in, out, in again
    expect(card.get_by_text("Ada Testwell · in the room")).to_be_visible()
    wait_for_app_idle(page)
    assert _focused(page, card.get_by_role("button", name="Left now")), _where(page)

    # a note on Bram, typed, saved by leaving the field with Tab
    note = page.get_by_label("Notes on Bram")
    wait_for_app_idle(page)
    _tab_to(page, "(e) => e.tagName === 'TEXTAREA' && e.getAttribute('aria-label') === 'Notes on Bram'")
    text = "Invented note: asks about snacks at night"
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    eventually(lambda: any(n.participant_id == bram and n.step == "intro" and n.text == text for n in view().notes))
    expect(note).to_have_value(text)
    assert not _focused(page, note)  # Tab left the field

    # the next step, back up the page with Shift+Tab
    _press(page, button("Next"), "Enter", back=True)
    eventually(lambda: view().session.current_step == "teach")
    expect(page.locator(STEP_HEADING).filter(has_text="Teaching").first).to_be_visible()
    expect(page.locator(".st-key-step_teach").get_by_role("button")).to_have_attribute(
        "data-testid", "stBaseButton-primary")

    # pause and resume
    _press(page, button("Pause"), "Enter", back=True)
    eventually(lambda: view().timer().paused)
    expect(page.locator(".gsf-phase")).to_contain_text("Paused")
    wait_for_app_idle(page)
    assert _focused(page, button("Resume")), _where(page)  # the same button: Enter again resumes
    page.keyboard.press("Enter")
    eventually(lambda: not view().timer().paused)
    expect(button("Pause")).to_be_visible()
    expect(page.locator(".gsf-phase")).not_to_contain_text("Paused")

    # the privacy curtain on and off with Enter, the focus staying on its button
    _press(page, button("Curtain on"), "Enter", back=True)
    eventually(lambda: view().session.privacy_curtain)
    expect(page.get_by_text("Privacy curtain is on: surnames")).to_be_visible()
    wait_for_app_idle(page)
    assert _focused(page, button("Lift curtain")), _where(page)
    page.keyboard.press("Enter")
    eventually(lambda: not view().session.privacy_curtain)
    expect(button("Curtain on")).to_be_visible()

    v = view()
    assert [r.step for r in v.runs] == ["intro", "teach"]  # the letters typed in the note were text, not shortcuts
    assert not v.session.privacy_curtain
    assert page.evaluate("window.__e2ePointer") == 0  # no mouse, no touch
    expect(page.get_by_test_id("stException")).to_have_count(0)
