"""The projector fits the screen (issue 17): at 1920×1080, 1280×720 and 1024×768 every page of every step of the
diabetes curriculum, and the longest step of every shipped curriculum, shows whole without scrolling, its text at
least 28 px at 1080p and never below the projector's smallest size scaled to the screen (models/projector_pages.py:
TEXT_PX design pixels, 32 px at 1080p, 21.3 px at 720p, 22.8 px at 768p); the clock shows as the facilitator chose;
/live's page buttons and their shortcuts move the projector. Every person here is invented."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from playwright.sync_api import expect

from models import clock
from models.curriculum import STEP_ORDER
from models.enums import ProjectorClock
from models.projector_pages import BOX_H, BOX_W, TEXT_PX, block_height, current_slide, slide_pages
from models.session_view import load_session_view, welcome_first_names
from models.sessions import (
    end_session,
    go_to_step,
    set_projector_clock,
    set_projector_names,
    set_projector_page,
    start_session,
)
from tests.e2e.conftest import eventually, seed, wait_for_app_idle
from tests.e2e.test_projector_browser import contrast
from tests.factories import curriculum, make_session
from ui.clock import CALM_WORDS, COLOURS

SIZES = ((1920, 1080), (1280, 720), (1024, 768))
SHIPPED = ("diabetes-dsmt-group", "asthma-group", "hypertension-group")
CLOCK_PARTS = (".gsf-step-label", ".gsf-step-time", ".gsf-phase", ".gsf-session")
_INVISIBLE = dict.fromkeys(map(ord, "\u2060\u2068\u2069"))  # what md_escape adds to stored text (ui/text.py)

_MEASURE = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const doc = document.scrollingElement;
  const texts = [...document.querySelectorAll('.gsf-slide :is(p, li, h1, h2, h3)')]
    .filter((e) => e.offsetParent !== null && e.innerText.trim());
  const content = document.querySelector('.gsf-page');
  return {
    scroll: {doc: [doc.scrollHeight, doc.clientHeight, doc.scrollWidth, doc.clientWidth],
             main: [main.scrollHeight, main.clientHeight, main.scrollWidth, main.clientWidth]},
    bottom: Math.max(...texts.map((e) => e.getBoundingClientRect().bottom)),
    texts: texts.map((e) => [e.tagName, parseFloat(getComputedStyle(e).fontSize), getComputedStyle(e).color,
                             e.innerText.slice(0, 40)]),
    content: content ? content.innerText : "",
  };
}"""


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _plain(text: str) -> str:
    return " ".join(text.translate(_INVISIBLE).split())


def min_text_px(height: int, width: int) -> float:
    """The smallest text allowed on a screen this size: TEXT_PX design pixels (1 dpx = min(vh/1080, vw/1440)),
    and at least 28 px at 1080p."""
    scale = min(height / BOX_H, width / BOX_W)
    return max(TEXT_PX * scale, 28.0 if height >= 1080 else 0.0) - 0.5


def assert_fits(pg, size, slide, where: str) -> None:
    """The projector page `pg` (at `size`) shows `slide`'s page whole: no scrolling either way, nothing below
    the screen, every block's text there, the page number when there is more than one, text large enough and
    dark enough."""
    width, height = size
    page = slide.pages[slide.page]
    if slide.label:
        expect(pg.get_by_text(slide.label, exact=True)).to_be_visible()
    wait_for_app_idle(pg)
    m = pg.evaluate(_MEASURE)
    for box, (sh, ch, sw, cw) in m["scroll"].items():
        assert sh <= ch and sw <= cw, (where, size, box, m["scroll"])
    assert m["bottom"] <= height, (where, size, m["bottom"])
    shown = _plain(m["content"])
    for b in page.blocks:
        assert _plain(b.text) in shown, (where, size, b.key)
    if not slide.label:
        assert not re.search(r"Page \d+ of \d+", shown)
    least = min_text_px(height, width)
    for tag, px, colour, text in m["texts"]:
        assert px >= least, (where, size, tag, px, text)
        assert contrast(colour, "rgb(255, 255, 255)") >= 7, (where, size, tag, colour, text)
    for part in CLOCK_PARTS:
        el = pg.locator(part)
        if el.count() and el.is_visible() and el.inner_text().strip():
            assert float(el.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= least, (where, part)
            assert contrast(el.evaluate("e => getComputedStyle(e).color"), "rgb(255, 255, 255)") >= 7, (where, part)


def _open(browser, size):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    ctx.set_default_timeout(20_000)
    return ctx, ctx.new_page()


def _show_every_page(server, screens, sid: int, where: str) -> int:
    """Load the projector at every size for every page of the session's current slide; the number of pages."""
    slide = seed(server.db_url, lambda db: current_slide(load_session_view(db, sid, private=False),
                                                         welcome_first_names(db, session_id=sid)))
    for n in range(len(slide.pages)):
        if len(slide.pages) > 1:
            seed(server.db_url, lambda db, n=n: set_projector_page(db, session_id=sid, page=n))
        shown = replace(slide, page=n)
        for size, pg in screens.items():
            pg.goto(server.page_url(f"/projector?session={sid}"))
            expect(pg.locator(".gsf-page")).to_be_visible()
            assert_fits(pg, size, shown, f"{where} page {n + 1}")
    return len(slide.pages)


def _longest_step(cid: str) -> str:
    cur = curriculum(cid)
    return max(STEP_ORDER, key=lambda s: sum(block_height(b) for p in slide_pages(cur, s) for b in p.blocks))


def test_every_step_fits_every_screen(server, browser):
    opened = [_open(browser, size) for size in SIZES]
    screens = {size: pg for size, (_, pg) in zip(SIZES, opened, strict=True)}
    try:
        def planned(db, cid="diabetes-dsmt-group"):
            s, _, _ = make_session(db, n=8, cid=cid)
            set_projector_names(db, session_id=s.id, show=True)
            return s.id

        sid = seed(server.db_url, planned)
        _show_every_page(server, screens, sid, "welcome")
        seed(server.db_url, lambda db: start_session(db, session_id=sid))
        counts = {}
        for step in STEP_ORDER:
            seed(server.db_url, lambda db, step=step: go_to_step(db, session_id=sid, step=step))
            counts[step] = _show_every_page(server, screens, sid, f"diabetes {step}")
        assert counts["activity"] > 1  # the step that ran 800 px below a 1080p screen is paged
        seed(server.db_url, lambda db: end_session(db, session_id=sid))
        _show_every_page(server, screens, sid, "thank you")

        for cid in SHIPPED[1:]:
            step = _longest_step(cid)

            def live(db, cid=cid, step=step):
                s, _, _ = make_session(db, n=3, cid=cid)
                start_session(db, session_id=s.id)
                go_to_step(db, session_id=s.id, step=step)
                return s.id

            _show_every_page(server, screens, seed(server.db_url, live), f"{cid} {step}")
    finally:
        for ctx, _ in opened:
            ctx.close()


def test_the_clock_shows_as_chosen(server, browser):
    def overtime(db):
        s, _, _ = make_session(db, n=2)
        with clock.simulated(clock.now() - timedelta(minutes=40)):  # the 15-minute introduction is in overtime
            start_session(db, session_id=s.id)
        return s.id

    sid = seed(server.db_url, overtime)
    opened = [_open(browser, size) for size in SIZES]
    try:
        for mode in ProjectorClock:
            seed(server.db_url, lambda db, mode=mode: set_projector_clock(db, session_id=sid, mode=mode))
            slide = seed(server.db_url, lambda db: current_slide(load_session_view(db, sid, private=False)))
            for size, (_, pg) in zip(SIZES, opened, strict=True):
                pg.goto(server.page_url(f"/projector?session={sid}"))
                label, time_, phase, session = (pg.locator(p) for p in CLOCK_PARTS)
                if mode == ProjectorClock.FULL:
                    expect(time_).to_have_text(re.compile(r"^\+\d\d:\d\d$"))
                    expect(phase).to_have_text(re.compile("Overtime"))
                    expect(time_).to_have_css("color", _rgb(COLOURS["overtime"]))
                    expect(session).to_have_text(re.compile(r"^Session "))
                elif mode == ProjectorClock.CALM:  # no countdown past zero, no red, no warning
                    expect(label).to_have_text(CALM_WORDS["label"])
                    expect(time_).to_have_text(CALM_WORDS["over"])
                    expect(time_).to_have_css("color", _rgb(COLOURS["on-time"]))
                    expect(phase).to_have_text("")
                    expect(session).to_be_hidden()
                else:  # the step's title only
                    expect(label).to_have_text("Introduction & assessment")
                    for el in (time_, phase, session):
                        expect(el).to_be_hidden()
                assert_fits(pg, size, slide, f"clock {mode}")
        # calm on a step with time left: whole minutes, in the on-time colour
        seed(server.db_url, lambda db: (go_to_step(db, session_id=sid, step="teach"),
                                        set_projector_clock(db, session_id=sid, mode="calm")))
        pg = opened[0][1]
        pg.goto(server.page_url(f"/projector?session={sid}"))
        expect(pg.locator(".gsf-step-time")).to_have_text(f"{curriculum().step('teach').minutes} min")
        expect(pg.locator(".gsf-step-time")).to_have_css("color", _rgb(COLOURS["on-time"]))
    finally:
        for ctx, _ in opened:
            ctx.close()


def test_live_moves_the_projector_through_the_pages(server, page, browser):
    def live(db):
        s, _, _ = make_session(db, n=3)
        start_session(db, session_id=s.id)
        go_to_step(db, session_id=s.id, step="activity")
        return s.id

    sid = seed(server.db_url, live)
    first, second = curriculum().step("activity").activities[:2]
    stored = lambda: seed(server.db_url, lambda db: load_session_view(db, sid).session)  # noqa: E731
    ctx, projector = _open(browser, (1280, 720))
    try:
        projector.goto(server.page_url(f"/projector?session={sid}"))
        expect(projector.get_by_text("Page 1 of 2", exact=True)).to_be_visible()
        expect(projector.get_by_text(first.title)).to_be_visible()

        page.goto(server.page_url(f"/live?session={sid}"))
        wait_for_app_idle(page)
        page.get_by_text("Projector options").click()
        wait_for_app_idle(page)  # the run that draws the options over, as a person sees them before clicking
        page.get_by_role("button", name="Next page").click()
        expect(page.get_by_text("The projector shows page 2 of 2.")).to_be_visible()
        eventually(lambda: stored().projector_page == 1)
        expect(projector.get_by_text("Page 2 of 2", exact=True)).to_be_visible()  # the projector follows
        expect(projector.get_by_text(second.title)).to_be_visible()
        expect(projector.get_by_text(first.title)).to_have_count(0)

        # the shortcuts: Shift+B and Shift+N move the page, and only the page (N and B move the step)
        page.bring_to_front()

        def press(key: str) -> None:
            wait_for_app_idle(page)  # the buttons a run draws register their shortcuts when it has finished
            page.get_by_text("The projector shows").click()  # focus the page, not a field
            page.keyboard.press(key)

        runs = len(seed(server.db_url, lambda db: load_session_view(db, sid).runs))
        press("Shift+B")
        eventually(lambda: stored().projector_page == 0)
        expect(projector.get_by_text("Page 1 of 2", exact=True)).to_be_visible()
        press("Shift+N")
        eventually(lambda: stored().projector_page == 1)
        expect(projector.get_by_text("Page 2 of 2", exact=True)).to_be_visible()
        wait_for_app_idle(page)
        assert stored().current_step == "activity"
        assert len(seed(server.db_url, lambda db: load_session_view(db, sid).runs)) == runs  # no step moved
        press("n")  # the next step starts on its first page, which is its only one
        eventually(lambda: stored().current_step == "qa")
        assert stored().projector_page == 0
        expect(projector.get_by_text(re.compile(r"^Page \d of \d$"))).to_have_count(0)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(projector.get_by_test_id("stException")).to_have_count(0)
    finally:
        ctx.close()
