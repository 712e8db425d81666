"""The projector in a real browser: readable from the back of the room, phase shown in words, nothing private."""

from __future__ import annotations

import html
import re
import signal
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from models import clock
from models.assessments import set_rating
from models.attendance import add_to_roster
from models.notes import save_live_note
from models.people import create_participant
from models.questions_goals import add_goal
from models.session_view import load_session_view
from models.sessions import go_to_step, set_privacy_curtain, start_session
from models.tables import GroupSession
from tests.e2e.conftest import seed, wait_for_app_idle
from tests.factories import make_session

MARKS = ("Zqxsurname", "Zqxnote", "Zqxgoal", "ZQX-REC-9")


def _luminance(rgb: tuple[int, int, int]) -> float:
    def ch(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (ch(x) for x in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    def parse(css: str) -> tuple[int, int, int]:
        return tuple(int(x) for x in re.findall(r"\d+", css)[:3])  # type: ignore[return-value]

    a, b = sorted((_luminance(parse(fg)), _luminance(parse(bg))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _overtime_session(db):
    s, people, _ = make_session(db, n=2)
    p = create_participant(db, first_name="Zqxfirst", last_name=MARKS[0], record_number=MARKS[3],
                           date_of_birth=date(1950, 3, 4))
    add_to_roster(db, session_id=s.id, participant_id=p.id)
    with clock.simulated(clock.now() - timedelta(minutes=40)):  # the 15-minute introduction is in overtime
        start_session(db, session_id=s.id)
    save_live_note(db, session_id=s.id, participant_id=p.id, step="intro", text=MARKS[1], tags=["distress"])
    cur_items = load_session_view(db, s.id).curriculum.assessment
    set_rating(db, session_id=s.id, participant_id=p.id, item_id=cur_items[0].id, phase="pre", value=2)
    add_goal(db, session_id=s.id, participant_id=p.id, behaviour="Healthy coping", text=MARKS[2], confidence=3,
             follow_up_date=None)
    return s.id


def _titles(db, sid: int) -> dict[str, str]:
    return {x.id: x.display_title for x in load_session_view(db, sid).curriculum.steps}


def _live(db) -> int:
    s, _, _ = make_session(db, n=2)
    start_session(db, session_id=s.id)
    return s.id


PRIVATE = (*MARKS, "Zqxfirst", "distress", "Healthy coping", "1950-03-04")
# Keeps, in window.__sse, every message the page's push streams (ui/push.py) receive.
SSE_RECORDER = """(() => {
  window.__sse = [];
  const Source = window.EventSource;
  window.EventSource = class extends Source {
    constructor(...a) { super(...a); this.addEventListener("message", (e) => window.__sse.push(e.data)); }
  };
})();"""


def test_readable_overtime_in_words_and_nothing_private(server, page):
    sid = seed(server.db_url, _overtime_session)
    frames: list[bytes] = []  # every WebSocket message the projector's browser receives
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda data: frames.append(data if isinstance(data, bytes) else data.encode())))
    page.add_init_script(SSE_RECORDER)  # and every message of its push stream
    page.goto(server.page_url(f"/projector?session={sid}"))
    wait_for_app_idle(page)
    countdown = page.locator(".gsf-step-time")
    expect(countdown).to_have_text(re.compile(r"^\+\d\d:\d\d$"))
    expect(page.locator(".gsf-phase")).to_have_text(re.compile("Overtime"))
    assert float(countdown.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 120
    bg = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    for el in (countdown, page.locator(".gsf-phase"), page.locator(".gsf-session")):
        fg = el.evaluate("e => getComputedStyle(e).color")
        assert contrast(fg, bg) >= 7, (fg, bg)
        assert float(el.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 28
    body = page.locator(".gsf-page p, .gsf-page li")
    assert body.count() > 0
    for i in range(body.count()):
        el = body.nth(i)
        assert float(el.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 28
        assert contrast(el.evaluate("e => getComputedStyle(e).color"), bg) >= 7
    # no sidebar, menu or controls
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_role("button")).to_have_count(0)

    # every step with the privacy curtain off (the open projector follows the step chosen on /live) and on (a
    # fresh load): nothing private in the page's HTML nor in any WebSocket message it received
    titles = seed(server.db_url, lambda db: _titles(db, sid))
    live = page.context.new_page()
    live.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(live)
    for step in ("intro", "teach", "activity", "qa", "summary"):
        for curtain in (False, True):
            if curtain:
                seed(server.db_url, lambda db, st=step: (
                    go_to_step(db, session_id=sid, step=st), set_privacy_curtain(db, session_id=sid, on=True)))
                page.reload()
            else:
                seed(server.db_url, lambda db: set_privacy_curtain(db, session_id=sid, on=False))
                if step != "intro":
                    live.locator(f".st-key-step_{step} button").first.click()
            expect(page.locator(".gsf-step-label")).to_have_text(titles[step])
            expect(page.locator("h2").first).to_be_visible()
            wait_for_app_idle(page)
            text = page.inner_text("body") + page.content()
            received = b"".join(frames)
            streamed = "".join(page.evaluate("() => window.__sse"))
            assert b"Teaching" in received  # the messages are read as sent: the step names are in them
            assert html.escape(titles[step]) in streamed  # each step's slide came over the stream
            for marker in PRIVATE:
                assert marker not in text, (step, curtain, marker)
                assert marker.encode() not in received, (step, curtain, marker)
                assert marker not in streamed, (step, curtain, marker)


# ---------------------------------------------------------------- following /live: sent, not asking


def _runs(page) -> int:
    """Script runs this page has finished (the `page` fixture counts them)."""
    return page.evaluate("() => window.__e2eRuns.done")


@pytest.mark.parametrize("screen", ["&screen=widgets", ""], ids=["widget screen", "one component"])
def test_the_projector_follows_live_without_reload_or_a_run_of_its_own(server, page, screen):
    """Each step clicked on /live shows on the projector, sent over its push stream: no reload, no run of the
    projector's page, whether something changes or nothing does. From either /live screen: the one-component
    screen's step change is written by its fast path (ui/live_route.py), without a run of /live."""
    sid = seed(server.db_url, _live)
    titles = seed(server.db_url, lambda db: _titles(db, sid))
    page.goto(server.page_url(f"/projector?session={sid}"))
    expect(page.locator(".gsf-step-label")).to_have_text(titles["intro"])
    wait_for_app_idle(page)
    page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page were reloaded
    live = page.context.new_page()
    live.goto(server.page_url(f"/live?session={sid}{screen}"))
    wait_for_app_idle(live)
    wait_for_app_idle(page)

    idle = _runs(page)
    page.wait_for_timeout(3000)  # a polling projector would have run three times
    assert _runs(page) == idle

    for step in ("teach", "activity", "intro"):
        live.locator(f".st-key-step_{step} button").first.click()
        expect(page.locator(".gsf-step-label")).to_have_text(titles[step])
        expect(page.locator("h2")).to_have_text(titles[step])
    assert _runs(page) == idle
    assert page.evaluate("() => window.__sameDocument === true")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_the_projector_reconnects_after_a_restart_and_catches_up(server_factory, page):
    server = server_factory().start()
    sid = seed(server.db_url, _live)
    titles = seed(server.db_url, lambda db: _titles(db, sid))
    page.goto(server.page_url(f"/projector?session={sid}"))
    expect(page.locator(".gsf-step-label")).to_have_text(titles["intro"])
    wait_for_app_idle(page)
    page.evaluate("() => { window.__sameDocument = true; }")

    server.stop()  # the projector stays open while the server is gone ...
    assert server.proc.returncode != -signal.SIGKILL  # its open stream did not hold the server's shutdown
    def restored(db):  # ... and the session moves on, in a database restored from an older copy (a lower revision)
        go_to_step(db, session_id=sid, step="teach")
        db.execute(update(GroupSession).where(GroupSession.id == sid).values(revision=0))

    seed(server.db_url, restored)
    server.start()
    expect(page.locator(".gsf-step-label")).to_have_text(titles["teach"], timeout=60_000)

    live = page.context.new_page()  # and it follows the facilitator again, on the same connection's successor
    live.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(live)
    live.locator(".st-key-step_qa button").first.click()
    expect(page.locator(".gsf-step-label")).to_have_text(titles["qa"])
    assert page.evaluate("() => window.__sameDocument === true")


def test_the_projector_tries_again_after_an_error_answer(server, page):
    sid = seed(server.db_url, _live)
    titles = seed(server.db_url, lambda db: _titles(db, sid))
    # a proxy in front of the server answers 503 for a while: the browser's EventSource gives up on such an answer
    page.route("**/push/session/**", lambda route: route.fulfill(status=503, body="Service unavailable"))
    page.goto(server.page_url(f"/projector?session={sid}"))
    expect(page.locator(".gsf-step-label")).to_have_text(titles["intro"])
    live = page.context.new_page()
    live.goto(server.page_url(f"/live?session={sid}"))
    live.locator(".st-key-step_teach button").first.click()
    wait_for_app_idle(live)
    page.unroute("**/push/session/**")  # the proxy is back: the projector's next try catches up
    expect(page.locator(".gsf-step-label")).to_have_text(titles["teach"], timeout=60_000)


def test_a_change_on_another_replica_reaches_the_projector_on_postgresql(server_factory, page, pg_cluster):
    """Two app servers on one PostgreSQL database, as two replicas behind a load balancer: the projector open on
    one follows, at once and without a reload or a run of its page, the steps clicked on /live served by the other
    (and a write from a third process, this test's own). Only PostgreSQL's NOTIFY connects them: the slow check
    comes after 30 s, and each step here must show within 5."""
    name, url = pg_cluster.fresh()
    servers = []
    try:
        servers = [server_factory(db_url=url).start(), server_factory(db_url=url).start()]
        one, other = servers
        sid = seed(url, _live)
        titles = seed(url, lambda db: _titles(db, sid))
        page.goto(one.page_url(f"/projector?session={sid}"))
        expect(page.locator(".gsf-step-label")).to_have_text(titles["intro"])
        wait_for_app_idle(page)
        page.evaluate("() => { window.__sameDocument = true; }")
        runs = _runs(page)

        live = page.context.new_page()
        live.goto(other.page_url(f"/live?session={sid}"))
        wait_for_app_idle(live)
        for step in ("teach", "activity"):
            live.locator(f".st-key-step_{step} button").first.click()
            expect(page.locator(".gsf-step-label")).to_have_text(titles[step], timeout=5000)
        seed(url, lambda db: go_to_step(db, session_id=sid, step="qa"))
        expect(page.locator(".gsf-step-label")).to_have_text(titles["qa"], timeout=5000)
        assert _runs(page) == runs and page.evaluate("() => window.__sameDocument === true")
        live.close()
    finally:
        for srv in servers:  # before the database goes
            srv.stop()
        pg_cluster.drop(name)
