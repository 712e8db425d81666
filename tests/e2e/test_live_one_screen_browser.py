"""/live's screen drawn by one component (ui/live_screen.py; what /live opens) in Chromium: each click writes what the
screen showed and shows the answer; what is being typed survives the redraws other clicks cause; a note's text and
tags are saved together; a conflict with another screen shows both values; a step change, the privacy curtain and
the end's confirmation; and what the screen does not draw yet (the question queue, the ratings) stays under it.
Every person here is invented (tests/factories.py)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from models.db import init_engine, session_scope
from models.notes import save_live_note
from models.session_view import load_session_view
from models.sessions import go_to_step, start_session
from tests.e2e.conftest import eventually, keeping, seed, wait_for_app_idle
from tests.factories import make_session


def _planned(db):
    s, people, _ = make_session(db, n=3)
    return s.id, [p.id for p in people]


def _live(db):
    sid, pids = _planned(db)
    start_session(db, session_id=sid)
    return sid, pids


def _view(url: str, sid: int):
    engine = init_engine(url)
    try:
        with session_scope(engine) as db:
            return load_session_view(db, sid)
    finally:
        engine.dispose()


def _open(page, server, sid: int) -> None:
    page.goto(server.page_url(f"/live?session={sid}"))
    expect(page.locator(".gsf-live .gsf-head")).to_be_visible()
    wait_for_app_idle(page)


def test_each_click_is_written_and_shown_and_start_leaves_the_focus_on_pause(server, page):
    sid, (ada, bram, _) = seed(server.db_url, _planned)
    _open(page, server, sid)
    expect(page.locator(".gsf-live")).to_contain_text("Not started")
    page.locator(".gsf-live button[data-act=start]").click()
    pause = page.locator(".gsf-live button[data-act=pause]")
    expect(pause).to_have_text(re.compile("Pause"))
    expect(pause).to_be_focused()  # Start is gone: the focus is where the clock is controlled now

    progress = page.locator(".gsf-live [data-testid=stProgress]")
    before = int(re.search(r"(\d+) of", progress.inner_text()).group(1))
    box = page.locator(f'.gsf-live [class*="st-key-tick_{sid}_intro-check-0"] input')
    box.click()
    expect(progress).to_contain_text(f"Curriculum delivered: {before + 1} of")
    expect(box).to_be_checked()
    expect(box).to_be_focused()  # redrawn, and the focus is still on the box just ticked

    line = page.locator(f".gsf-live .st-key-person_{sid}_{ada} strong")
    expect(line).to_contain_text("in the room")
    page.locator(f".gsf-live .st-key-presence_{sid}_{ada} button").click()
    expect(line).to_contain_text("· left")
    page.locator(f".gsf-live .st-key-carer_{sid}_{bram} input").click()
    expect(page.locator(f".gsf-live .st-key-person_{sid}_{bram} strong")).to_contain_text("caregiver")
    pause.click()
    expect(pause).to_have_text(re.compile("Resume"))

    view = _view(server.db_url, sid)
    assert "intro:check:0" in view.ticks
    people = {p.participant_id: p for p in view.people}
    assert not people[ada].in_room and people[bram].caregiver
    assert view.timer().paused


def test_typing_survives_the_redraw_of_a_save_and_a_note_keeps_its_text_and_tags(server, page):
    sid, (ada, bram, _) = seed(server.db_url, _live)
    _open(page, server, sid)
    first = page.locator(f".gsf-live .st-key-note_{sid}_{ada}_intro textarea")
    second = page.locator(f".gsf-live .st-key-note_{sid}_{bram}_intro textarea")
    first.fill("Invented: asks about strips")
    second.click()  # leaving the first field saves it; its redraw comes while the second is being typed in
    second.press_sequentially("Invented: brought a log", delay=15)
    wait_for_app_idle(page)
    expect(second).to_have_value("Invented: brought a log")
    expect(second).to_be_focused()
    page.locator(f'.gsf-live button[data-act=tag][data-field="note_{sid}_{bram}_intro"]').first.click()

    def stored():
        return {n.participant_id: (n.text, tuple(n.tags), n.versions) for n in _view(server.db_url, sid).notes}

    notes = eventually(lambda: (s := stored()).get(bram, ("", ()))[1] and s)  # once the tag is stored
    assert notes[ada] == ("Invented: asks about strips", (), 1)
    # the text and the tag pressed straight after typing are one save, one version (the redraw that came while
    # it was being typed did not save half of it)
    assert notes[bram][:2] == ("Invented: brought a log", ("needs follow-up",)) and notes[bram][2] == 1
    page.reload()
    expect(page.locator(f".gsf-live .st-key-note_{sid}_{bram}_intro textarea")).to_have_value(
        "Invented: brought a log")
    expect(page.locator(f'.gsf-live button[data-act=tag][data-field="note_{sid}_{bram}_intro"]').first
           ).to_have_attribute("aria-pressed", "true")


def test_a_note_changed_on_another_screen_shows_both_and_keeps_the_one_chosen(server, page):
    sid, (ada, _, _) = seed(server.db_url, _live)
    _open(page, server, sid)
    field = page.locator(f".gsf-live .st-key-note_{sid}_{ada}_intro textarea")
    expect(field).to_have_value("")
    seed(server.db_url, lambda db: save_live_note(db, session_id=sid, participant_id=ada, step="intro",
                                                  text="Invented: theirs", tags=[], seen_version=None))
    field.fill("Invented: mine")
    page.locator(".gsf-live h2").first.click()  # leaves the field: saved against what this screen showed
    box = page.locator(f'.st-key-conflict_note_{sid}_{ada}_intro')
    expect(box).to_contain_text("changed on another screen")
    expect(box).to_contain_text("Invented: theirs")
    expect(box).to_contain_text("Invented: mine")
    assert [n.text for n in _view(server.db_url, sid).notes] == ["Invented: theirs"]  # nothing overwritten
    expect(field).to_have_value("Invented: mine")  # still what was typed, until a choice is made
    box.get_by_role("button", name="Keep theirs").click()
    expect(box).to_have_count(0)
    expect(field).to_have_value("Invented: theirs")


def test_a_step_change_the_queue_under_it_the_curtain_and_the_end(server, page):
    sid, (ada, _, _) = seed(server.db_url, _live)
    _open(page, server, sid)
    expect(page.get_by_text("Pre-assessment")).to_be_visible()  # the ratings, under the component
    page.locator(".gsf-live .st-key-step_qa button").click()
    expect(page.locator(".gsf-live .gsf-step-title")).to_contain_text("Q&A")
    expect(page.locator(".gsf-live")).to_contain_text("Starter prompts")
    expect(page.get_by_placeholder("Type a question")).to_be_visible()  # the queue, open at Q&A
    expect(page.get_by_text("Pre-assessment")).to_have_count(0)
    assert _view(server.db_url, sid).session.current_step == "qa"

    page.locator(".gsf-live button[data-act=curtain]").click()
    expect(page.locator(".gsf-live")).to_contain_text("Participants are hidden while the privacy curtain is on")
    expect(page.locator(".gsf-live")).not_to_contain_text("Testwell")  # no surname on the screen
    page.locator(".gsf-live button[data-act=curtain]").click()
    expect(page.locator(f".gsf-live .st-key-person_{sid}_{ada}")).to_contain_text("Testwell")

    page.locator(".gsf-live button[data-act=end]").click()
    page.get_by_role("button", name="Yes, end the session").click()
    expect(page.locator(".gsf-live")).to_contain_text("read-only here")
    expect(page.locator(f".gsf-live .st-key-note_{sid}_{ada}_qa textarea")).to_be_disabled()
    assert _view(server.db_url, sid).session.status == "ended"


def test_the_keyboard_drives_the_session_but_not_from_a_note(server, page):
    sid, (ada, _, _) = seed(server.db_url, _planned)
    _open(page, server, sid)
    page.bring_to_front()  # key events go to the focused page of the shared browser

    def press(key: str) -> None:
        wait_for_app_idle(page)
        page.locator(".gsf-live h1").click()  # the page, not a field
        page.keyboard.press(key)

    press("s")
    eventually(lambda: _view(server.db_url, sid).session.status == "live")
    expect(page.locator(".gsf-live button[data-act=pause]")).to_be_visible()
    press("n")
    expect(page.locator(".gsf-live .gsf-step-title")).to_contain_text("Teaching")
    press("b")
    expect(page.locator(".gsf-live .gsf-step-title")).to_contain_text("Introduction")
    press("p")
    eventually(lambda: _view(server.db_url, sid).timer().paused)
    expect(page.locator(".gsf-live button[data-act=pause]")).to_have_text(re.compile("Resume"))
    press("h")
    expect(page.locator(".gsf-live")).to_contain_text("Participants are hidden")
    press("h")
    note = page.locator(f".gsf-live .st-key-note_{sid}_{ada}_intro textarea")
    note.click()
    page.keyboard.type("bnph s")  # letters typed into a note are text
    expect(note).to_have_value("bnph s")
    wait_for_app_idle(page)
    view = _view(server.db_url, sid)
    assert view.session.current_step == "intro" and view.timer().paused and not view.session.privacy_curtain


def test_on_a_laptop_and_a_projector_the_controls_stay_in_view_and_nothing_runs_off_the_side(server, page):
    sid, _ = seed(server.db_url, _live)
    for width, height in ((1366, 768), (1280, 720), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        _open(page, server, sid)
        page.mouse.move(width // 2, height // 2)
        page.mouse.wheel(0, 2000)  # well down the cards
        page.wait_for_function("() => document.querySelector('[data-testid=stMain]').scrollTop > 500")
        if height < 1000:  # down at the ratings and the queue, under the component's end: pinned to the window
            expect(page.locator(".gsf-live .gsf-top-box.gsf-pinned")).to_have_count(1)
        for control in ("[data-act=pause]", "[data-act=end]", ".st-key-step_teach button", "[data-focus=next]"):
            box = page.locator(f".gsf-live {control}").bounding_box()
            assert box and 0 <= box["y"] and box["y"] + box["height"] <= height * 0.45, (width, control, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    # pinned below the component's end, a click's answer is drawn there too (the header drawn afresh)
    page.locator(".gsf-live [data-act=pause]").click()
    expect(page.locator(".gsf-live [data-act=pause]")).to_have_text(re.compile("Resume"))
    box = page.locator(".gsf-live [data-act=pause]").bounding_box()
    assert box and 0 <= box["y"] <= 1080 * 0.45 and box["x"] > 0, box


def test_a_note_typed_and_never_saved_is_offered_back_after_a_reload_where_it_was_typed(server, page):
    sid, (ada, bram, _) = seed(server.db_url, _live)
    _open(page, server, sid)
    keeping(page, f"drafts_{sid}")
    page.locator(f".gsf-live .st-key-note_{sid}_{ada}_intro textarea").fill("Invented: typed, never left")
    page.reload()  # the field was not left: nothing reached the record
    expect(page.locator(".gsf-live .gsf-head")).to_be_visible()
    offer = page.locator(f".gsf-live .st-key-draft_note_{sid}_{ada}_intro")
    expect(offer).to_contain_text("Not saved")
    expect(offer).to_contain_text("Invented: typed, never left")
    assert not _view(server.db_url, sid).notes
    offer.get_by_role("button", name="Restore and save").click()
    expect(offer).to_have_count(0)
    expect(page.locator(f".gsf-live .st-key-note_{sid}_{ada}_intro textarea")).to_have_value(
        "Invented: typed, never left")
    assert [n.text for n in _view(server.db_url, sid).notes] == ["Invented: typed, never left"]
    wait_for_app_idle(page)
    keeping(page, f"drafts_{sid}")
    page.locator(f".gsf-live .st-key-note_{sid}_{bram}_intro textarea").fill("Invented: to throw away")
    page.reload()
    other = page.locator(f".gsf-live .st-key-draft_note_{sid}_{bram}_intro")
    expect(other).to_contain_text("Invented: to throw away")
    other.get_by_role("button", name="Discard it").click()
    expect(other).to_have_count(0)
    wait_for_app_idle(page)
    page.reload()
    expect(page.locator(f".gsf-live .st-key-note_{sid}_{ada}_intro textarea")).to_have_value(
        "Invented: typed, never left")
    expect(page.locator(".gsf-live [class*=st-key-draft_note_]")).to_have_count(0)  # neither is offered again

    # typed at one step, the step changed on another screen before it was saved: offered where it was typed
    keeping(page, f"drafts_{sid}")
    page.locator(f".gsf-live .st-key-note_{sid}_{bram}_intro textarea").fill("Invented: said in the intro")
    seed(server.db_url, lambda db: go_to_step(db, session_id=sid, step="teach"))
    page.reload()
    elsewhere = page.locator(f".gsf-live .st-key-draft_note_{sid}_{bram}_intro")
    expect(elsewhere).to_contain_text("a note on Bram in Introduction")
    elsewhere.get_by_role("button", name="Restore and save").click()
    expect(elsewhere).to_have_count(0)
    notes = {(n.participant_id, n.step): n.text for n in _view(server.db_url, sid).notes}
    assert notes[(bram, "intro")] == "Invented: said in the intro"


def _acts(page) -> list[str]:
    """Each answer of the fast path (ui/live_route.py) this page receives: "done" or "fallback"."""
    seen: list[str] = []

    fast = re.compile(r"/live/session/\d+/act$")

    def answered(response) -> None:
        if response.request.method == "POST" and fast.search(response.url):
            seen.append("done" if response.json().get("done") else "fallback")

    page.on("response", answered)
    page.on("requestfailed", lambda request: seen.append("lost") if fast.search(request.url) else None)
    return seen


def _ticked(url: str, sid: int, key: str) -> tuple[bool, int]:
    view = _view(url, sid)
    return key in view.ticks, view.version("tick", key)


def test_a_plain_click_is_answered_by_the_fast_path_and_shown_without_a_run_of_the_page(server, page):
    sid, (ada, _, _) = seed(server.db_url, _live)
    _open(page, server, sid)
    acts = _acts(page)
    runs = page.evaluate("window.__e2eRuns.done")
    page.locator(f'.gsf-live [class*="st-key-tick_{sid}_intro-check-0"] input').click()
    expect(page.locator(".gsf-live [data-testid=stProgress]")).to_contain_text("Curriculum delivered: 1 of")
    page.locator(f".gsf-live button[data-act=presence][data-id='{ada}']").click()
    expect(page.locator(f".gsf-live button[data-act=presence][data-id='{ada}']")).to_have_text(re.compile("Arrived"))
    page.wait_for_timeout(300)
    assert page.evaluate("window.__e2eRuns.done") == runs  # no Streamlit run: the fast path's answers drew them
    note = page.locator(f".gsf-live textarea[data-field='note_{sid}_{ada}_intro']")
    note.fill("Invented: brought a meter")
    page.locator(f".gsf-live button[data-act=presence][data-id='{ada}']").focus()  # the field is left: saved
    eventually(lambda: [n.text for n in _view(server.db_url, sid).notes] == ["Invented: brought a meter"])
    note.fill("Invented: brought a meter and a log")  # saved again, against the version its first save made
    page.locator(".gsf-live button[data-act=tag]").first.click()
    eventually(lambda: [(n.text, len(n.tags)) for n in _view(server.db_url, sid).notes]
               == [("Invented: brought a meter and a log", 1)])
    assert acts and set(acts) == {"done"}, acts
    assert not page.locator(".gsf-live [class*=st-key-conflict_]").count()
    view = _view(server.db_url, sid)
    assert next(p for p in view.people if p.participant_id == ada).in_room is False
    assert view.notes[0].versions == 2


def test_without_the_fast_path_each_click_is_written_once_by_the_page(server, page):
    """The fast path refused or unreachable, or its answer lost after it wrote: the page's own path writes the click,
    once."""
    sid, _ = seed(server.db_url, _live)
    _open(page, server, sid)
    acts = _acts(page)
    key = "intro:check:0"
    box = page.locator(f'.gsf-live [class*="st-key-tick_{sid}_intro-check-0"] input')
    progress = page.locator(".gsf-live [data-testid=stProgress]")

    page.route(re.compile(r"/live/session/\d+/act$"), lambda route: route.abort())  # no connection to it
    box.click()
    expect(progress).to_contain_text("Curriculum delivered: 1 of")
    eventually(lambda: _ticked(server.db_url, sid, key) == (True, 1))
    page.unroute(re.compile(r"/live/session/\d+/act$"))

    def written_then_lost(route) -> None:  # the server writes; the answer never reaches the page
        route.fetch()
        route.abort()

    page.route(re.compile(r"/live/session/\d+/act$"), written_then_lost)
    box.click()
    expect(progress).to_contain_text("Curriculum delivered: 0 of")
    eventually(lambda: _ticked(server.db_url, sid, key) == (False, 2))  # unticked once: version 2, not 3
    wait_for_app_idle(page)
    assert _ticked(server.db_url, sid, key) == (False, 2)
    assert "lost" in acts, acts
    # handled once: the page's path did not write it again, nor take its own write for another screen's
    expect(page.get_by_text("on another screen")).to_have_count(0)
    expect(page.get_by_text("did not match what this screen shows")).to_have_count(0)


def test_text_typed_after_a_fast_step_change_survives_the_pages_next_redraw(server, page):
    """A step reached by the fast path draws its note fields before the page's run has said anything of them (the
    field's generation: a draft restored there, "Keep theirs"): text typed into one is kept when that run draws the
    screen again, also in a field whose text "Keep theirs" once replaced."""
    sid, (ada, _, _) = seed(server.db_url, _live)
    _open(page, server, sid)
    field = page.locator(f".gsf-live .st-key-note_{sid}_{ada}_intro textarea")
    seed(server.db_url, lambda db: save_live_note(db, session_id=sid, participant_id=ada, step="intro",
                                                  text="Invented: theirs", tags=[], seen_version=None))
    field.fill("Invented: mine")
    page.locator(".gsf-live h2").first.click()  # a conflict, and "Keep theirs": the field's next generation
    page.locator(f".st-key-conflict_note_{sid}_{ada}_intro").get_by_role("button", name="Keep theirs").click()
    expect(field).to_have_value("Invented: theirs")
    wait_for_app_idle(page)
    acts = _acts(page)
    end, cancel = page.locator(".gsf-live button[data-act=end]"), page.get_by_role("button", name="Cancel")
    page.locator(".gsf-live button[data-act=step]", has_text="Next").click()  # by the fast path
    expect(page.locator(".gsf-live .gsf-step-title")).to_contain_text("Teaching")
    end.click()  # the page's path: its run draws Teaching's fields, not the introduction's
    cancel.click()
    wait_for_app_idle(page)
    page.locator(".gsf-live button[data-act=step]", has_text="Previous").click()  # back by the fast path
    expect(page.locator(".gsf-live .gsf-step-title")).to_contain_text("Introduction")
    field.fill("Invented: theirs, and typed on, not left yet")
    end.dispatch_event("click")  # the page's run draws the field again, with its generation (the focus stays)
    expect(page.get_by_role("button", name="Yes, end the session")).to_be_visible()
    wait_for_app_idle(page)
    expect(field).to_have_value("Invented: theirs, and typed on, not left yet")
    assert acts[:2] == ["done", "done"], acts


def test_a_second_click_before_the_first_ones_answer_is_checked_against_this_screens_own_write(server, page):
    """Two clicks of one cell sent before the first one's answer (a checkbox clicked twice, "Arrived now" and then
    "Caregiver" on one card) are both made against the version the screen showed: the second is checked against
    the version the first one wrote, this screen's own, so both are written and nothing is called a change made on
    another screen."""
    sid, (ada, _, _) = seed(server.db_url, _live)
    _open(page, server, sid)
    acts = _acts(page)
    key = "intro:check:0"
    page.evaluate("""(sel) => { const box = document.querySelector(sel); box.click(); box.click(); }""",
                  f'.gsf-live [class*="st-key-tick_{sid}_intro-check-0"] input')
    eventually(lambda: _ticked(server.db_url, sid, key) == (False, 2))  # ticked, then unticked: two versions
    page.evaluate("""([presence, carer]) => { document.querySelector(presence).click();
                                               document.querySelector(carer).click(); }""",
                  [f".gsf-live button[data-act=presence][data-id='{ada}']",
                   f".gsf-live input[data-act=carer][data-id='{ada}']"])

    def ada_now():
        return next(p for p in _view(server.db_url, sid).people if p.participant_id == ada)

    eventually(lambda: (a := ada_now()).caregiver and not a.in_room)
    expect(page.locator(f".gsf-live .st-key-person_{sid}_{ada} strong")).to_contain_text("caregiver")
    wait_for_app_idle(page)
    expect(page.get_by_text("on another screen")).to_have_count(0)
    expect(page.locator(".gsf-live [class*=st-key-conflict_]")).to_have_count(0)
    assert acts == ["done"] * 4, acts
