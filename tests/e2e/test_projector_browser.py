"""The projector in a real browser: readable from the back of the room, phase shown in words, nothing private."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from models import clock
from models.assessments import set_rating
from models.attendance import add_to_roster
from models.notes import save_live_note
from models.people import create_participant
from models.questions_goals import add_goal
from models.session_view import load_session_view
from models.sessions import go_to_step, set_privacy_curtain, start_session
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


PRIVATE = (*MARKS, "Zqxfirst", "distress", "Healthy coping", "1950-03-04")


def test_readable_overtime_in_words_and_nothing_private(server, page):
    sid = seed(server.db_url, _overtime_session)
    frames: list[bytes] = []  # every WebSocket message the projector's browser receives
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda data: frames.append(data if isinstance(data, bytes) else data.encode())))
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
    body = page.locator('[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li')
    assert body.count() > 0
    for i in range(body.count()):
        el = body.nth(i)
        assert float(el.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 28
        assert contrast(el.evaluate("e => getComputedStyle(e).color"), bg) >= 7
    # no sidebar, menu or controls
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_role("button")).to_have_count(0)

    # every step with the privacy curtain off (the open projector follows) and on (a fresh load): nothing private
    # in the page's HTML nor in any WebSocket message it received
    for step in ("intro", "teach", "activity", "qa", "summary"):
        for curtain in (False, True):
            seed(server.db_url, lambda db, st=step, on=curtain: (
                go_to_step(db, session_id=sid, step=st), set_privacy_curtain(db, session_id=sid, on=on)))
            if curtain:
                page.reload()
            else:
                page.wait_for_timeout(1500)  # the projector follows within two seconds
            expect(page.locator("h2").first).to_be_visible()
            wait_for_app_idle(page)
            text = page.inner_text("body") + page.content()
            received = b"".join(frames)
            assert b"Teaching" in received  # the messages are read as sent: the step names are in them
            for marker in PRIVATE:
                assert marker not in text, (step, curtain, marker)
                assert marker.encode() not in received, (step, curtain, marker)
