"""A record that can be trusted, in a real browser: text being typed survives a server restart (the draft comes
back marked as not saved); a save while another process holds the database's write lock keeps the text, says
it was not saved, and no log line holds it; and two pages on one session never undo each other (a note and a
tick here; every other path — ratings grid, competency, presence corrections, /review amendments — runs the
same server code and is driven by tests/pages/test_live_conflicts.py and test_review_conflicts.py). Every person
here is invented."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date

from playwright.sync_api import expect

from models.curriculum import checklist_items
from models.notes import session_notes
from models.session_view import load_session_view
from models.sessions import set_tick, start_session
from tests.e2e.conftest import STEP_HEADING, eventually, keeping, seed, wait_for_app_idle
from tests.factories import curriculum, make_session


def _live(db):
    s, people, _ = make_session(db, n=2)
    start_session(db, session_id=s.id)
    return s.id, people[0].id


def _with_intro_note(person: int):
    """A seeder: a live session (_live) whose `person`-th participant (in the room's order: 0 Ada, 1 Bram) has a
    stored note at the introduction; returns the session's id."""

    def seed_it(db):
        from models.notes import add_note

        sid, _ = _live(db)
        pid = load_session_view(db, sid).people[person].participant_id
        add_note(db, session_id=sid, participant_id=pid, step="intro", text="Invented: uses a pen", tags=[])
        return sid

    return seed_it


def _notes(server, sid):
    return seed(server.db_url, lambda db: [(n.text, n.tags) for n in session_notes(db, session_id=sid)])


def _kept(page, *keys: str) -> None:
    """Wait until this tab holds a copy of each of these fields (ui/drafts.typed; a key, or the end of one): the
    keeper looks 50 ms after the page's changes settle, and every second; a person does not reload sooner than
    that, a test on a busy machine can."""
    page.wait_for_function("keys => keys.every((k) => Object.keys(sessionStorage).some((n) => n.endsWith(k)))",
                           arg=list(keys), timeout=20_000, polling=50)


def _dropped(page, *keys: str) -> None:
    """Wait until this tab holds no copy of these fields (_kept's reverse): what was added or recorded is dropped."""
    page.wait_for_function("keys => !keys.some((k) => Object.keys(sessionStorage).some((n) => n.endsWith(k)))",
                           arg=list(keys), timeout=20_000, polling=50)


def _type_part(page, segment, typed: str, value: str) -> None:
    """Type one part of a date (its year, month or day box) and see it taken, typing it again if the keys were
    taken otherwise (on a machine starved of CPU the second digit of "14" was once taken as a new day: 01), as a
    person who sees the wrong day types it again."""
    for attempt in range(3):
        segment.click()
        page.keyboard.type(typed, delay=30)
        try:
            expect(segment).to_have_attribute("aria-valuenow", value, timeout=5_000 if attempt < 2 else 20_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def _choose(page, key: str, option: str) -> None:
    """Pick `option` in the select box with widget key `key`, as a person does, and see it chosen."""
    wait_for_app_idle(page)  # the list opened once no run is under way to close it
    box = page.locator(f".st-key-{key} input")
    # in the middle of the screen, as a person scrolls to it: scrolled in by the click, a box sits under /live's
    # sticky header's scroll padding, and the focus scrolls the page again under the pointer
    box.evaluate("e => e.scrollIntoView({block: 'center'})")
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)


def _note_field(page):
    return page.get_by_label("Notes on Ada")


def test_a_draft_survives_a_server_restart(server, page):
    sid, _ = seed(server.db_url, _live)
    url = server.page_url(f"/live?session={sid}")
    page.goto(url)
    wait_for_app_idle(page)
    keeping(page, f"drafts_{sid}")
    field = _note_field(page)
    field.click()
    page.keyboard.type("Typed before the power cut")  # the field is never left: nothing reaches the server
    server.kill()
    server.start()
    page.goto(url)
    wait_for_app_idle(page)
    banner = page.locator("[class*='st-key-draft_note_']")
    expect(banner).to_contain_text("Not saved")
    expect(banner).to_contain_text("Typed before the power cut")
    assert _notes(server, sid) == []
    banner.get_by_role("button", name="Restore and save").click()
    eventually(lambda: _notes(server, sid) == [("Typed before the power cut", [])])
    wait_for_app_idle(page)
    expect(_note_field(page)).to_have_value("Typed before the power cut")
    page.reload()
    wait_for_app_idle(page)
    expect(page.locator("[class*='st-key-draft_note_']")).to_have_count(0)  # saved: the draft is gone



def test_a_draft_of_a_step_changed_on_another_screen_is_offered_back(server, page):
    """A note typed (never saved) at one step, the step then changed on another screen, and the page reloaded:
    the note is offered under the step it was typed in, and saved there."""
    from models.sessions import go_to_step

    sid, _ = seed(server.db_url, _live)
    url = server.page_url(f"/live?session={sid}")
    page.goto(url)
    wait_for_app_idle(page)
    keeping(page, f"drafts_{sid}")
    _note_field(page).click()
    page.keyboard.type("Typed at the introduction")
    seed(server.db_url, lambda db: go_to_step(db, session_id=sid, step="teach"))  # another screen
    page.reload()
    wait_for_app_idle(page)
    banner = page.locator("[class*='st-key-draft_note_']")
    expect(banner).to_contain_text("Not saved: a note on Ada in Introduction & assessment")
    expect(banner).to_contain_text("Typed at the introduction")
    expect(_note_field(page)).to_have_value("")  # the field on screen is the teaching step's
    banner.get_by_role("button", name="Restore and save").click()
    eventually(lambda: seed(server.db_url, lambda db: [(n.step, n.text) for n in session_notes(db, session_id=sid)])
               == [("intro", "Typed at the introduction")])
    page.reload()
    wait_for_app_idle(page)
    page.wait_for_timeout(800)
    expect(page.locator("[class*='st-key-draft_note_']")).to_have_count(0)  # saved: the draft is gone

_HOLD_LOCK = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("ROLLBACK")
"""


def test_a_locked_database_keeps_the_text_and_says_so(server_factory, page):
    server = server_factory(env={"GSF_SQLITE_BUSY_TIMEOUT_MS": "1500"})
    sid, _ = seed(server.db_url, _live)
    server.start()
    page.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(page)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(server.db_path), "8"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        _note_field(page).fill("Zqxlocked words about the pen")
        page.get_by_text("Whole group").click()  # leaving the field saves, and the save waits, then fails
        expect(page.get_by_text(re.compile("^Not saved"))).to_be_visible(timeout=15_000)
        expect(_note_field(page)).to_have_value("Zqxlocked words about the pen")
        assert _notes(server, sid) == []
    finally:
        holder.wait(20)
    page.get_by_role("button", name="Retry").click()
    eventually(lambda: _notes(server, sid) == [("Zqxlocked words about the pen", [])], timeout=15)
    assert "Zqxlocked" not in server.log_text()
    assert "pen" not in server.log_text().lower()


def test_two_pages_never_undo_each_other(server, browser):
    sid, ada = seed(server.db_url, _live)
    key = checklist_items(curriculum(), "intro")[0].key
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    laptop, tablet = context.new_page(), context.new_page()
    try:
        for p in (laptop, tablet):
            p.goto(server.page_url(f"/live?session={sid}"))
            wait_for_app_idle(p)
        # the two are tabs of one browser, sharing its localStorage: a page's first look for drafts (400 ms after it
        # is drawn, later in a busy background tab) could otherwise find the tablet's typing as a draft, run the
        # laptop's people panel, and show it the tablet's note before the laptop writes (then no conflict is due)
        laptop.wait_for_timeout(1200)
        # the tablet writes a note; the laptop, which still shows the note empty, writes its own
        _note_field(tablet).fill("Tablet: brought a meter")
        tablet.get_by_text("Whole group").click()
        eventually(lambda: _notes(server, sid) == [("Tablet: brought a meter", [])])
        _note_field(laptop).fill("Laptop: asked about pens")
        laptop.get_by_text("Whole group").click()
        box = laptop.locator("[class*='st-key-conflict_note_']")
        expect(box).to_contain_text("changed on another screen")
        expect(box).to_contain_text("Tablet: brought a meter")
        expect(box).to_contain_text("Laptop: asked about pens")
        assert _notes(server, sid) == [("Tablet: brought a meter", [])]  # the newer text survives
        box.get_by_role("button", name="Keep mine").click()
        eventually(lambda: _notes(server, sid) == [("Laptop: asked about pens", [])])
        wait_for_app_idle(laptop)
        laptop.wait_for_timeout(800)  # let the page's drafts check settle before the next write elsewhere
        wait_for_app_idle(laptop)

        # a tick made on the tablet keeps its time when the laptop, still showing it unticked, ticks it too
        seed(server.db_url, lambda db: set_tick(db, session_id=sid, item_key=key, done=True, seen_version=0))
        first = seed(server.db_url, lambda db: load_session_view(db, sid).ticks[key])
        time.sleep(1.1)
        laptop.get_by_text(items_label(key), exact=True).click()
        expect(laptop.get_by_text(re.compile("already ticked on another screen"))).to_be_visible()
        assert seed(server.db_url, lambda db: load_session_view(db, sid).ticks[key]) == first
        expect(laptop.get_by_test_id("stException")).to_have_count(0)
    finally:
        context.close()


def items_label(key: str) -> str:
    return next(i.label for i in checklist_items(curriculum()) if i.key == key)



def _questions(server, sid):
    return seed(server.db_url, lambda db: [q.text for q in load_session_view(db, sid).questions])


def test_short_fields_not_yet_added_survive_a_restart_and_are_never_added_twice(server, page):
    """A question and a late arrival's name typed but not added come back into their fields after the server
    restarts and the page is loaded again; once the question is added, a reload leaves its field empty."""
    sid, _ = seed(server.db_url, _live)
    url = server.page_url(f"/live?session={sid}")
    page.goto(url)
    wait_for_app_idle(page)
    keeping(page, f"typed_{sid}")
    page.get_by_text(re.compile(r"^Question queue")).click()
    page.get_by_role("textbox", name="Question", exact=True).fill("Can I swap rice for quinoa?")
    page.get_by_text("Add a late arrival", exact=True).click()
    wait_for_app_idle(page)
    page.get_by_role("textbox", name="First name").fill("Quillon")  # typed, never left: nothing reaches the server
    server.kill()
    server.start()
    page.goto(url)
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile("Put back after the reload"))).to_be_visible()
    page.get_by_text(re.compile(r"^Question queue")).click()
    expect(page.get_by_role("textbox", name="Question", exact=True)).to_have_value("Can I swap rice for quinoa?")
    page.get_by_text("Add a late arrival", exact=True).click()
    expect(page.get_by_role("textbox", name="First name")).to_have_value("Quillon")
    assert _questions(server, sid) == []
    said = page.get_by_text(re.compile("Put back after the reload"))
    expect(said).to_contain_text("the question (in the question queue)")  # said until it is read
    page.get_by_role("button", name="OK", exact=True).click()
    expect(said).to_have_count(0)

    page.get_by_role("button", name="Add question").click()
    eventually(lambda: _questions(server, sid) == ["Can I swap rice for quinoa?"])
    # a new label makes a new expander: drawn open once this screen has used the queue, at any step
    expect(page.get_by_text("Question queue (1 open)")).to_be_visible()
    expect(page.get_by_role("textbox", name="Question", exact=True)).to_be_visible()
    expect(page.get_by_role("textbox", name="Question", exact=True)).to_have_value("")
    page.get_by_role("button", name="Answered").click()
    expect(page.get_by_text("Question queue (0 open)")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()  # still open after the status moved
    page.wait_for_timeout(800)  # the page sees the emptied field
    page.reload()
    wait_for_app_idle(page)
    page.wait_for_timeout(1200)  # time for anything kept to be put back
    page.get_by_text(re.compile(r"^Question queue")).click()
    expect(page.get_by_role("textbox", name="Question", exact=True)).to_have_value("")
    page.get_by_text("Add a late arrival", exact=True).click()
    expect(page.get_by_role("textbox", name="First name")).to_have_value("Quillon")  # still not added: still kept
    assert _questions(server, sid) == ["Can I swap rice for quinoa?"]


def test_a_note_being_added_on_the_record_and_a_new_name_on_the_plan_survive_a_reload(server, page):
    """The record's "Add a note" (its text, person, step and tag) and "Recommend a follow-up" (its person, kind and
    note), the plan's "Add a new participant" and a new course's name and setting keep what was typed or chosen but
    not yet added across a reload; once the note is added, a reload leaves the field empty and the note is there
    once, filed under the person and step chosen before the reload."""
    sid, _ = seed(server.db_url, _live)
    url = server.page_url(f"/review?session={sid}")
    page.goto(url)
    wait_for_app_idle(page)
    keeping(page, f"typed_record_{sid}")

    note = page.get_by_role("textbox", name="Note", exact=True)
    note.fill("Invented: asked for the large-print handout")
    _choose(page, f"an_who_{sid}", "Bram Fakeley")
    _choose(page, f"an_step_{sid}", "Teaching")
    page.locator(f".st-key-an_tags_{sid} input").fill("information overload")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_text("Recommend a follow-up", exact=True).click()
    _choose(page, f"rfu_{sid}_who", "Bram Fakeley")
    _choose(page, f"rfu_{sid}_kind", "Phone follow-up")
    _kept(page, f"an_text_{sid}", f"an_who_{sid}", f"an_step_{sid}", f"an_tags_{sid}", f"rfu_{sid}_who",
          f"rfu_{sid}_kind")
    page.reload()
    wait_for_app_idle(page)
    said = page.get_by_text(re.compile("Put back after the reload"))
    expect(said).to_contain_text("the note being added (under “Add a note”)")
    expect(said).to_contain_text("the person, step or tags of the note being added (under “Add a note”)")
    expect(said).to_contain_text("the person, due date or kind of the follow-up (under “Recommend a follow-up”)")
    expect(note).to_have_value("Invented: asked for the large-print handout")
    expect(page.locator(f".st-key-an_who_{sid} input")).to_have_value("Bram Fakeley")
    expect(page.locator(f".st-key-an_step_{sid} input")).to_have_value("Teaching")
    expect(page.locator(f".st-key-an_tags_{sid} [data-tag] > span[title]")).to_have_text(["information overload"])
    expect(page.locator(f".st-key-rfu_{sid}_who input")).to_have_value("Bram Fakeley")
    expect(page.locator(f".st-key-rfu_{sid}_kind input")).to_have_value("Phone follow-up")
    wait_for_app_idle(page)
    page.get_by_role("button", name="Add note").click()
    eventually(lambda: [t for t, _ in _notes(server, sid)] == ["Invented: asked for the large-print handout"])
    filed = seed(server.db_url, lambda db: [(n.participant_id, n.step, n.tags)
                                            for n in session_notes(db, session_id=sid)])
    bram = seed(server.db_url, lambda db: load_session_view(db, sid).people[1].participant_id)
    assert filed == [(bram, "teach", ["information overload"])]
    expect(note).to_have_value("")
    page.reload()
    wait_for_app_idle(page)
    page.wait_for_timeout(1200)  # time for anything kept to be put back
    expect(note).to_have_value("")
    expect(page.get_by_text(re.compile("the note being added"))).to_have_count(0)  # added: nothing of it comes back
    assert len(_notes(server, sid)) == 1

    page.goto(server.page_url("/plan"))
    wait_for_app_idle(page)
    keeping(page, "typed_plan")
    page.get_by_text("Add a facilitator", exact=True).click()
    creds = page.locator(".st-key-nf_cred input")
    creds.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)  # the expander has opened: a list opened while the page still moves closes again
    creds.click()
    creds.press_sequentially("RD")
    page.get_by_role("option", name="RD", exact=True).click()
    page.keyboard.press("Escape")
    expect(page.locator(".st-key-nf_cred [data-tag] > span[title]")).to_have_text(["RD"])
    page.get_by_text("Add a new participant", exact=True).click()
    page.get_by_role("textbox", name="Last name").fill("Quistwether")
    for part, typed, value in (("year", "1952", "1952"), ("month", "03", "3"), ("day", "14", "14")):
        _type_part(page, page.locator(f".st-key-np_dob [data-type='{part}']"), typed, value)
    _kept(page, "np_dob", "nf_cred")
    page.reload()
    wait_for_app_idle(page)
    said = page.get_by_text(re.compile("Put back after the reload"))
    expect(said).to_contain_text("the new facilitator's name or credentials")
    expect(said).to_contain_text("the new participant's name, record number or date of birth")
    page.get_by_text("Add a new participant", exact=True).click()
    expect(page.get_by_role("textbox", name="Last name")).to_have_value("Quistwether")
    for part, value in (("year", "1952"), ("month", "3"), ("day", "14")):
        expect(page.locator(f".st-key-np_dob [data-type='{part}']")).to_have_attribute("aria-valuenow", value)
    page.get_by_text("Add a facilitator", exact=True).click()
    expect(page.locator(".st-key-nf_cred [data-tag] > span[title]")).to_have_text(["RD"])
    page.get_by_role("textbox", name="First name").fill("Wendeline")
    page.get_by_role("button", name="Add to roster").click()
    expect(page.get_by_text("Added Wendeline Quistwether to the roster.")).to_be_visible()
    assert seed(server.db_url, _date_of_birth("Quistwether")) == date(1952, 3, 14)
    # the runs that follow (the tab drops its copy) keep the person on the roster, the line that says so, and
    # both forms open: the line once came above them for one run, every element below was drawn afresh, both
    # forms closed and the roster lost the person just created (a second "Add" would have made a duplicate)
    _dropped(page, "np_last", "np_dob")  # the tab hears the participant was added
    wait_for_app_idle(page)
    expect(page.locator(".st-key-plan_roster [data-tag] > span[title]")).to_have_text(["Wendeline Quistwether"])
    expect(page.get_by_text("Added Wendeline Quistwether to the roster.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Last name")).to_have_value("")  # open, emptied for the next one
    expect(page.locator(".st-key-nf_cred [data-tag] > span[title]")).to_have_text(["RD"])  # still open
    page.reload()
    wait_for_app_idle(page)
    page.wait_for_timeout(1200)  # time for anything kept to be put back
    put_back = page.get_by_text(re.compile("Put back after the reload")).all_inner_texts()
    assert len(put_back) == 1 and "participant" not in put_back[0], put_back  # the credentials only: not added

    page.goto(server.page_url("/courses"))
    wait_for_app_idle(page)
    page.get_by_role("tab", name="Plan a course").click()  # the tab's run draws its keeper
    keeping(page, "typed_courses")
    _choose(page, "course_setting", "Telehealth")  # a choice, kept in the page's link (ui/links)
    expect(page).to_have_url(re.compile(r"setting=telehealth"))
    page.get_by_role("textbox", name="Course name").fill("Invented Thursday group")
    page.reload()
    wait_for_app_idle(page)
    # the tab opens again by itself, with the choice and the name typed
    expect(page.get_by_role("textbox", name="Course name")).to_have_value("Invented Thursday group")
    expect(page.locator(".st-key-course_setting input")).to_have_value("Telehealth")


def test_what_a_run_cut_short_did_not_put_back_is_put_back_by_the_next(server_factory, page):
    """A busy server: the run that puts back a note's text and a follow-up's person is slow between the two, and the
    tab, seeing the note back, reports again at once; Streamlit starts a newer run before the first has drawn the
    person, and the browser's value (the first person) would win. The newer run puts the person back again, and the
    message names both."""
    from pathlib import Path

    slow = Path(__file__).parent / "slow_put_back"
    server = server_factory(env={"PYTHONPATH": str(slow), "GSF_E2E_SLOW_PUT_BACK": "1"})
    sid, _ = seed(server.db_url, _live)
    server.start()
    page.goto(server.page_url(f"/review?session={sid}"))
    wait_for_app_idle(page)
    keeping(page, f"typed_record_{sid}")
    page.get_by_role("textbox", name="Note", exact=True).fill("Invented: prefers the morning group")
    page.get_by_text("Recommend a follow-up", exact=True).click()
    _choose(page, f"rfu_{sid}_who", "Bram Fakeley")
    _kept(page, f"an_text_{sid}", f"rfu_{sid}_who")
    page.reload()
    wait_for_app_idle(page)
    said = page.get_by_text(re.compile("Put back after the reload"))
    expect(said).to_contain_text("the note being added (under “Add a note”)")
    expect(said).to_contain_text("the person, due date or kind of the follow-up (under “Recommend a follow-up”)")
    expect(page.get_by_role("textbox", name="Note", exact=True)).to_have_value("Invented: prefers the morning group")
    expect(page.locator(f".st-key-rfu_{sid}_who input")).to_have_value("Bram Fakeley")


def test_an_amendment_typed_but_not_saved_is_offered_back_after_a_reload(server, page):
    sid = seed(server.db_url, _with_intro_note(0))
    page.goto(server.page_url(f"/review?session={sid}"))
    wait_for_app_idle(page)
    keeping(page, f"amend_drafts_{sid}")
    field = page.get_by_role("textbox", name="Text", exact=True)
    expect(field).to_have_value("Invented: uses a pen")
    field.fill("Invented: uses a pen and a meter")  # never saved
    page.reload()
    wait_for_app_idle(page)
    banner = page.locator("[class*='st-key-draft_am_text_']")
    expect(banner).to_contain_text("Not saved: an amendment")
    expect(banner).to_contain_text("Invented: uses a pen and a meter")
    expect(field).to_have_value("Invented: uses a pen")  # the field shows what is stored
    banner.get_by_role("button", name="Put it back").click()
    expect(field).to_have_value("Invented: uses a pen and a meter")
    assert _notes(server, sid) == [("Invented: uses a pen", [])]  # put back, not saved
    page.get_by_role("button", name="Save amendment").click()
    eventually(lambda: _notes(server, sid) == [("Invented: uses a pen and a meter", [])])
    page.reload()
    wait_for_app_idle(page)
    page.wait_for_timeout(800)
    expect(page.locator("[class*='st-key-draft_am_text_']")).to_have_count(0)


def test_an_attestation_being_written_survives_a_reload_and_is_not_offered_once_recorded(server, page):
    """The attestation's fields start from the facilitator's name and the standard statement: what the educator
    typed over them comes back after a reload, in the form drawn open, until it is recorded; once recorded, a
    reload puts nothing back. A corrected start typed but not saved comes back too."""
    from models.sessions import end_session

    def ended(db):
        sid, _ = _live(db)
        end_session(db, session_id=sid)
        return sid

    sid = seed(server.db_url, ended)
    page.goto(server.page_url(f"/review?session={sid}"))
    wait_for_app_idle(page)
    keeping(page, f"typed_record_{sid}")
    name = page.get_by_role("textbox", name="Instructor's name")
    statement = page.get_by_role("textbox", name="Attestation", exact=True)
    expect(name).to_have_value("Pat Educator")
    name.fill("Pat Educator-Quill")
    statement.fill("Invented: I delivered this session with a co-facilitator.")
    page.reload()
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile("Put back after the reload.*the instructor's attestation"))).to_be_visible()
    expect(name).to_have_value("Pat Educator-Quill")
    expect(statement).to_have_value("Invented: I delivered this session with a co-facilitator.")
    assert seed(server.db_url, lambda db: _attested(db, sid)) is None  # put back, not recorded

    wait_for_app_idle(page)  # the keeper's run after the put-back has ended (a click during it was once lost)
    page.get_by_role("button", name="Record the attestation").click()
    eventually(lambda: seed(server.db_url, lambda db: _attested(db, sid))
               == ("Pat Educator-Quill", "Invented: I delivered this session with a co-facilitator."))
    wait_for_app_idle(page)
    # as if the page were reloaded before the tab heard the fields were recorded: the tab still holds them
    page.evaluate("""([ns, texts]) => { for (const [k, t] of Object.entries(texts))
                        sessionStorage.setItem(ns + ":" + k, JSON.stringify({text: t, at: Date.now()})); }""",
                  [f"gsf-typed-record:{sid}", {f"at_name_{sid}": "Pat Educator-Quill",
                                               f"at_text_{sid}": "Invented: I delivered this session with a "
                                                                 "co-facilitator."}])
    page.reload()
    wait_for_app_idle(page)
    expect(page.get_by_text("Attested by Pat Educator-Quill")).to_be_visible()
    page.wait_for_timeout(1200)  # time for anything kept to be put back
    put_back = page.get_by_text(re.compile("Put back after the reload")).all_inner_texts()
    assert put_back == [], put_back  # what the record holds is not offered again
    page.get_by_text("Replace this attestation", exact=False).click()
    expect(statement).not_to_have_value("Invented: I delivered this session with a co-facilitator.")
    # the tab drops its copy of what is recorded (it is told on the run after it reported it)
    _dropped(page, f"at_text_{sid}")

    # the start being corrected (a time typed, its reason not yet) comes back after a reload too
    page.get_by_text("Correct the start or end time (kept as an amendment)", exact=True).click()
    hour = page.locator(f".st-key-tc_{sid}_a_0 [role='spinbutton'][data-type='hour']")
    earlier = (int(hour.get_attribute("aria-valuenow")) + 23) % 24  # an hour earlier, on the clock
    hour.click()
    page.keyboard.type(f"{earlier:02d}")
    expect(hour).to_have_attribute("aria-valuenow", str(earlier))
    _kept(page, f"tc_{sid}_a_0")
    page.reload()
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile("Put back after the reload.*the corrected start or end"))).to_be_visible()
    expect(hour).to_have_attribute("aria-valuenow", str(earlier))  # in the form, drawn open


def _date_of_birth(last_name: str):
    def read(db):
        from sqlmodel import select

        from models.tables import Participant

        return db.exec(select(Participant.date_of_birth).where(Participant.last_name == last_name)).one()

    return read


def _attested(db, sid):
    from models.attestation import attestation
    from models.sessions import get_session

    a = attestation(get_session(db, sid))
    return (a.name, a.text) if a else None


def test_an_order_being_typed_survives_a_reload_and_is_not_offered_once_saved(server, page):
    """The referral forms on /participants: a correction typed over the stored order (its practice and its group
    hours), and a new order's practitioner, date, hours, topics (one of the list, one typed) and training, come
    back after a reload in their forms drawn open; once saved, a reload puts nothing back."""
    from datetime import date

    from models.enums import Training
    from models.referrals import create_referral, order_topics, ordered_hours, referrals_of

    def person_with_an_order(db):
        _, pid = _live(db)
        create_referral(db, participant_id=pid, practitioner_name="Dr Invented Quill", order_date=date(2026, 1, 5),
                        group_hours=9, individual_hours=0, topics=["Monitoring"],
                        training=Training.INITIAL)
        return pid

    pid = seed(server.db_url, person_with_an_order)
    page.goto(server.page_url(f"/participants?participant={pid}"))
    wait_for_app_idle(page)
    keeping(page, f"typed_orders_{pid}")
    page.get_by_text("Correct the latest order", exact=True).click()
    page.get_by_text("Add an order", exact=True).click()
    corrected, new = (page.locator(f"[class*='st-key-ref_{k}_'] input[aria-label='Practice (optional)']")
                      for k in ("edit", "new"))
    expect(corrected).to_have_value("")
    corrected.fill("Invented Lakeside Practice")
    new_name = page.locator("[class*='st-key-ref_new_'] input[aria-label='Referring practitioner']")
    new_name.fill("Dr Invented Marrow")
    edit_group = page.locator("[class*='st-key-ref_edit_'] input[aria-label='Group hours ordered']")
    edit_group.fill("10.5")
    new_field = lambda f: page.locator(f".st-key-ref_new_{pid}_{f}")  # noqa: E731
    day = new_field("date").locator("[role='spinbutton'][data-type='day']")
    day.click()
    page.keyboard.type("03")  # the order date, typed
    new_field("individual").get_by_label("Individual hours ordered").fill("1.5")
    topics = new_field("topics").get_by_role("combobox", name="Topics ordered")
    for topic in ("Checking your blood glucose", "Invented foot care"):  # one of the list, one of the educator's
        topics.fill(topic)  # typed and Enter: no list to wait for (on a busy machine it can open late, or close)
        page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    new_field("training").locator("[data-testid='stRadioOption']").nth(1).click()  # follow-up training
    tags = lambda: new_field("topics").locator("[data-tag] > span[title]")  # noqa: E731
    expect(tags()).to_have_text(["Checking your blood glucose", "Invented foot care"])
    chosen = day.get_attribute("aria-valuenow")
    _kept(page, *(f"ref_new_{pid}_{f}" for f in ("name", "date", "individual", "topics", "training")),
          "_practice", "_group")  # the correction's (its key holds the order's id and version)
    page.reload()
    wait_for_app_idle(page)
    said = page.get_by_text(re.compile("Put back after the reload, not yet saved"))
    expect(said).to_contain_text("the order's practice (under “Correct the latest order”)")
    expect(said).to_contain_text("the order's group hours (under “Correct the latest order”)")
    expect(said).to_contain_text("the order's referring practitioner (under “Add an order”)")
    for what in ("order date", "individual hours", "topics", "training"):
        expect(said).to_contain_text(f"the order's {what} (under “Add an order”)")
    expect(corrected).to_have_value("Invented Lakeside Practice")  # the forms are drawn open
    expect(new_name).to_have_value("Dr Invented Marrow")
    expect(edit_group).to_have_value("10.5")
    expect(day).to_have_attribute("aria-valuenow", chosen)
    expect(new_field("individual").get_by_label("Individual hours ordered")).to_have_value("1.5")
    expect(tags()).to_have_text(["Checking your blood glucose", "Invented foot care"])
    expect(new_field("training").locator("[data-testid='stRadioOption']").nth(1)).to_have_attribute(
        "data-selected", "true")
    stored = lambda: seed(server.db_url, lambda db: [(r.practitioner_name, r.practice)  # noqa: E731
                                                     for r in referrals_of(db, pid)])
    assert stored() == [("Dr Invented Quill", None)]  # put back, not saved

    wait_for_app_idle(page)  # as a person reads the message first: the runs that put the text back are over
    page.get_by_role("button", name="Save the corrected order").click()
    expect(page.get_by_text("Order saved.")).to_be_visible()
    eventually(lambda: stored() == [("Dr Invented Quill", "Invented Lakeside Practice")], timeout=20)
    assert seed(server.db_url, lambda db: ordered_hours(referrals_of(db, pid)[0])) == (10.5, 0)
    wait_for_app_idle(page)
    page.get_by_role("button", name="Save the order").click()
    eventually(lambda: stored()[0] == ("Dr Invented Marrow", None), timeout=20)
    saved = seed(server.db_url, lambda db: referrals_of(db, pid)[0])
    assert (saved.order_date.day, ordered_hours(saved), saved.training) == (3, (0, 1.5), Training.FOLLOW_UP)
    assert order_topics(saved) == ["Checking your blood glucose", "Invented foot care"]
    wait_for_app_idle(page)
    expect(new_name).to_have_value("")  # an empty form for the next order
    expect(tags()).to_have_count(0)
    page.reload()
    wait_for_app_idle(page)
    page.wait_for_timeout(1200)  # time for anything kept to be put back
    expect(page.get_by_text(re.compile("Put back after the reload"))).to_have_count(0)
    page.get_by_text("Add an order", exact=True).click()
    expect(new_name).to_have_value("")


def test_notes_typed_on_live_as_another_screen_ends_the_session_are_offered_on_the_record(server, page):
    """/live is read-only once the session has ended: notes typed there but never saved (the page was reloaded
    before the field was left: a change to Bram's stored note at the introduction, then a new note on Ada in
    Teaching, while other screens changed the step and ended the session) are counted on /live and offered on the
    record, where the new one goes into "Add a note" and the change into its note's amendment; once saved,
    neither is offered again."""
    from models.sessions import end_session, go_to_step

    sid = seed(server.db_url, _with_intro_note(1))
    page.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(page)
    keeping(page, f"drafts_{sid}")
    page.get_by_label("Notes on Bram").click()
    page.keyboard.press("End")
    page.keyboard.type(" and a meter")  # never left: never saved
    seed(server.db_url, lambda db: go_to_step(db, session_id=sid, step="teach"))  # another screen
    page.reload()
    wait_for_app_idle(page)
    keeping(page, f"drafts_{sid}")
    expect(page.locator(STEP_HEADING).filter(has_text="Teaching").first).to_be_visible()
    _note_field(page).click()
    page.keyboard.type("Invented: asked about sick days")  # never left
    seed(server.db_url, lambda db: end_session(db, session_id=sid))  # another screen ends it
    page.reload()
    wait_for_app_idle(page)
    expect(page.get_by_text("2 notes typed on this screen never reached the record")).to_be_visible()
    expect(page.locator(".gsf-phase")).to_have_text("■ Ended")  # the clock as it stood, not a live warning
    assert [t for t, _ in _notes(server, sid)] == ["Invented: uses a pen"]

    page.goto(server.page_url(f"/review?session={sid}"))
    wait_for_app_idle(page)
    offers = page.locator("[class*='st-key-draft_note_']")
    expect(offers).to_have_count(2)
    ada = offers.filter(has_text="Invented: asked about sick days")
    expect(ada).to_contain_text("Not saved: a note on Ada")
    ada.get_by_role("button", name="Put it back").click()
    wait_for_app_idle(page)
    expect(page.get_by_role("textbox", name="Note", exact=True)).to_have_value("Invented: asked about sick days")
    # what the add changes on the page (its line "Note added.", the offer gone, a note listed) moves nothing after
    # it: the same elements stay, not drawn afresh (a click landing on one being drawn afresh was lost)
    stay = [page.get_by_role("button", name=n).element_handle() for n in ("Save amendment", "Add note")]
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Note added.")).to_be_visible()
    wait_for_app_idle(page)
    assert [e.evaluate("(e) => e.isConnected") for e in stay] == [True, True]
    eventually(lambda: sorted(t for t, _ in _notes(server, sid))
               == ["Invented: asked about sick days", "Invented: uses a pen"], timeout=20)
    wait_for_app_idle(page)
    bram_offer = page.locator("[class*='st-key-draft_note_']").filter(has_text="Invented: uses a pen and a meter")
    expect(bram_offer).to_contain_text("Not saved: a note on Bram")
    bram_offer.get_by_role("button", name="Put it back").click()
    wait_for_app_idle(page)  # the field of the note chosen replaces the one shown before
    expect(page.get_by_role("textbox", name="Text", exact=True)).to_have_value("Invented: uses a pen and a meter")
    page.get_by_role("button", name="Save amendment").click()
    expect(page.get_by_text("Amendment saved; the earlier text is kept.")).to_be_visible()
    eventually(lambda: sorted(t for t, _ in _notes(server, sid))
               == ["Invented: asked about sick days", "Invented: uses a pen and a meter"], timeout=20)
    page.reload()
    wait_for_app_idle(page)
    page.wait_for_timeout(800)
    expect(page.locator("[class*='st-key-draft_note_']")).to_have_count(0)
    page.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(page)
    expect(page.get_by_text("Ended at")).to_be_visible()
    expect(page.get_by_text(re.compile("never reached the record"))).to_have_count(0)


_DUPLICATE_JS = """
if (!sessionStorage.getItem("e2e-copied")) {  // what the browser's "Duplicate" does: the first tab's copy
  sessionStorage.setItem("e2e-copied", "1");
  for (const [k, v] of Object.entries(JSON.parse(COPY))) sessionStorage.setItem(k, v);
}
"""


def test_a_duplicated_tab_does_not_put_back_the_first_tabs_unadded_text(server, page):
    """A tab duplicated from one holding a new participant's name not yet added starts with that tab's
    sessionStorage; while the first tab is open the copy is dropped, so the name is not put back in both (to be
    added twice); the first tab, reloaded, still gets it back."""
    page.goto(server.page_url("/plan"))
    wait_for_app_idle(page)
    keeping(page, "typed_plan")
    page.get_by_text("Add a new participant", exact=True).click()
    page.get_by_role("textbox", name="Last name").fill("Quistwether")
    copied = page.evaluate("() => JSON.stringify(Object.fromEntries(Object.entries(sessionStorage)))")
    assert "Quistwether" in copied and "gsf-tab" in copied
    twin = page.context.new_page()
    try:
        twin.add_init_script(_DUPLICATE_JS.replace("COPY", repr(copied)))
        twin.goto(server.page_url("/plan"))
        wait_for_app_idle(twin)
        keeping(twin, "typed_plan")
        twin.wait_for_timeout(1200)  # time for anything kept to be put back
        expect(twin.get_by_text(re.compile("Put back after the reload"))).to_have_count(0)
        twin.get_by_text("Add a new participant", exact=True).click()
        expect(twin.get_by_role("textbox", name="Last name")).to_have_value("")
        assert "Quistwether" not in twin.evaluate("() => JSON.stringify(Object.entries(sessionStorage))")
    finally:
        twin.close()
    page.reload()
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile("Put back after the reload.*new participant"))).to_be_visible()
    page.get_by_text("Add a new participant", exact=True).click()
    expect(page.get_by_role("textbox", name="Last name")).to_have_value("Quistwether")


def test_a_goal_and_a_follow_up_being_set_on_live_keep_their_choices_across_a_reload(server, page):
    """On the summary step, a goal's behaviour and confidence and a follow-up's kind chosen (not yet added) come
    back after a reload with the goal's text, so the goal is added with the behaviour chosen for it."""
    from sqlmodel import select

    from models.sessions import go_to_step
    from models.tables import Goal

    def at_summary(db):
        sid, _ = _live(db)
        go_to_step(db, session_id=sid, step="summary")
        return sid

    sid = seed(server.db_url, at_summary)
    page.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(page)
    keeping(page, f"typed_{sid}")
    ada = seed(server.db_url, lambda db: load_session_view(db, sid).people[0].participant_id)
    opener = page.get_by_text("Set a goal or recommend a follow-up for Ada", exact=True)
    opener.click()
    wait_for_app_idle(page)

    _choose(page, f"goal_{sid}_{ada}_beh", "Being active")
    _choose(page, f"fu_{sid}_{ada}_kind", "Phone follow-up")
    slider = page.locator(f".st-key-goal_{sid}_{ada}_conf input[type='range']")
    slider.focus()
    page.keyboard.press("ArrowLeft")  # confidence 7 → 6
    expect(page.locator(f".st-key-goal_{sid}_{ada}_conf input[type='range']")).to_have_value("6")
    page.locator(f".st-key-goal_{sid}_{ada}_text input").fill("Invented: walk after lunch three days a week")
    _kept(page, *(f"goal_{sid}_{ada}_{f}" for f in ("beh", "conf", "text")), f"fu_{sid}_{ada}_kind")
    page.reload()
    wait_for_app_idle(page)
    said = page.get_by_text(re.compile("Put back after the reload"))
    expect(said).to_contain_text("Ada's goal (under “Set a goal or recommend a follow-up”)")
    expect(said).to_contain_text("the follow-up for Ada (under “Set a goal or recommend a follow-up”)")
    opener.click()
    expect(page.locator(f".st-key-goal_{sid}_{ada}_beh input")).to_have_value("Being active")
    expect(page.locator(f".st-key-goal_{sid}_{ada}_text input")).to_have_value(
        "Invented: walk after lunch three days a week")
    expect(page.locator(f".st-key-fu_{sid}_{ada}_kind input")).to_have_value("Phone follow-up")
    expect(page.locator(f".st-key-goal_{sid}_{ada}_conf input[type='range']")).to_have_value("6")
    wait_for_app_idle(page)
    page.get_by_role("button", name="Add goal").click()
    goals = lambda db: [(g.behaviour, g.text, g.confidence)  # noqa: E731
                        for g in db.exec(select(Goal).where(Goal.session_id == sid))]
    eventually(lambda: seed(server.db_url, goals) == [("Being active", "Invented: walk after lunch three days a week",
                                                       6)])



def test_how_and_when_a_forgotten_session_is_ended_survive_a_reload(server, page):
    """Ending a forgotten session at a time given: the choice, the time and the reason typed come back after a
    reload, in the confirmation drawn open, and the session is ended at the time given, never at the suggested
    one beside the reason typed for the other."""
    from datetime import timedelta

    from models import clock
    from models.sessions import go_to_step

    def forgotten(db):  # its last step change (the end suggested, and the earliest allowed) at ten past an hour
        start = (clock.now() - timedelta(hours=4)).replace(minute=20, second=0, microsecond=0)
        with clock.simulated(start) as c:
            s, _, _ = make_session(db, n=2, when=start)
            start_session(db, session_id=s.id)
            c.at(start + timedelta(minutes=110))
            go_to_step(db, session_id=s.id, step="summary")
        return s.id

    sid = seed(server.db_url, forgotten)
    page.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(page)
    keeping(page, f"typed_{sid}")
    page.get_by_role("button", name="End session…").click()
    how = page.locator(f".st-key-end_how_{sid} [data-testid='stRadioOption']")
    how.nth(1).click()  # "End at a time I give"
    minute = page.locator(f".st-key-end_at_{sid} [role='spinbutton'][data-type='minute']")
    expect(minute).to_have_attribute("aria-valuenow", "10")  # the suggested end
    given = 17  # seven minutes after it: between the last step change and now
    minute.click()
    page.keyboard.type(f"{given:02d}")
    expect(minute).to_have_attribute("aria-valuenow", str(given))
    page.get_by_role("textbox", name="Why (kept on the record)").fill("Invented: the projector cable failed")
    _kept(page, f"end_how_{sid}", f"end_at_{sid}", f"end_reason_{sid}")
    page.reload()
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile("Put back after the reload.*why or when the session is ended"))).to_be_visible()
    expect(how.nth(1)).to_have_attribute("data-selected", "true")
    expect(minute).to_have_attribute("aria-valuenow", str(given))
    reason = page.get_by_role("textbox", name="Why (kept on the record)")
    expect(reason).to_have_value("Invented: the projector cable failed")
    assert seed(server.db_url, lambda db: load_session_view(db, sid).session.status) == "live"  # put back, not ended
    wait_for_app_idle(page)
    page.get_by_role("button", name="Yes, end the session").click()
    ended = lambda db: load_session_view(db, sid).session  # noqa: E731
    eventually(lambda: seed(server.db_url, ended).status == "ended")
    s = seed(server.db_url, ended)
    assert clock.to_wall_clock(s.ended_at).minute == given
    assert s.end_reason == "Invented: the projector cable failed"


def test_a_presence_correction_being_typed_survives_a_reload(server, page):
    """On the record, the presence correction of the second person, with an interval added and a time typed into
    it, comes back after a reload: the person chosen, the added interval drawn again with the time typed, in the
    form drawn open."""
    from datetime import timedelta

    from models import clock
    from models.sessions import end_session

    def ran_an_hour(db):
        start = (clock.now() - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
        with clock.simulated(start) as c:
            s, _, _ = make_session(db, n=2, when=start)
            start_session(db, session_id=s.id)
            c.at(start + timedelta(minutes=60))
            end_session(db, session_id=s.id)
        return s.id, load_session_view(db, s.id).people[1]

    sid, person = seed(server.db_url, ran_an_hour)
    pid = person.participant_id
    page.goto(server.page_url(f"/review?session={sid}"))
    wait_for_app_idle(page)
    keeping(page, f"typed_record_{sid}")
    page.get_by_text("Correct presence times (kept as amendments)", exact=True).click()
    _choose(page, f"pc_who_{sid}", person.name)
    wait_for_app_idle(page)
    page.get_by_role("button", name="Add an interval").click()
    wait_for_app_idle(page)
    added = page.locator(f"[class*='st-key-pc_{sid}_{pid}_a_1_']")
    minute = added.locator("[role='spinbutton'][data-type='minute']")
    expect(minute).to_have_attribute("aria-valuenow", "0")  # an added interval starts as the whole session
    _type_part(page, minute, "40", "40")
    key = next(c for c in added.get_attribute("class").split() if c.startswith("st-key-"))[len("st-key-"):]
    _kept(page, f"pc_who_{sid}", key)
    # the tab keeps the time as it shows it (a person does not reload between the two digits of a minute)
    page.wait_for_function("k => (sessionStorage.getItem(k) || '').includes(':40')",
                           arg=f"gsf-typed-record:{sid}:{key}", timeout=20_000, polling=50)
    page.reload()
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile("Put back after the reload.*the presence times being corrected"))
           ).to_be_visible()
    expect(page.locator(f".st-key-pc_who_{sid} input")).to_have_value(person.name)  # in the form, drawn open
    expect(minute).to_have_attribute("aria-valuenow", "40")
    assert seed(server.db_url, lambda db: len(load_session_view(db, sid).people[1].intervals)) == 1  # not saved


def test_an_amendments_tags_survive_a_reload(server, page):
    """A tag chosen for a note's amendment on the record, not yet saved, comes back after a reload in that note's
    amendment (the note chosen), beside its stored text; once saved it is not offered again."""
    sid = seed(server.db_url, _with_intro_note(0))
    page.goto(server.page_url(f"/review?session={sid}"))
    wait_for_app_idle(page)
    keeping(page, f"typed_record_{sid}")
    tags = page.locator("[class*='st-key-am_tags_']")
    key = next(c for c in tags.get_attribute("class").split() if c.startswith("st-key-"))[len("st-key-"):]
    chip = tags.locator("[data-tag] > span[title='needs follow-up']")
    tags.locator("input").click()  # as a person chooses a tag: into the box, the first letters, the option
    page.keyboard.type("needs")
    page.get_by_role("option", name="needs follow-up", exact=True).click()
    page.keyboard.press("Escape")
    expect(chip).to_have_count(1)
    _kept(page, key)
    page.reload()
    wait_for_app_idle(page)
    expect(page.get_by_text(re.compile("Put back after the reload.*the tags of an amendment"))).to_be_visible()
    expect(chip).to_have_count(1)
    expect(page.get_by_role("textbox", name="Text", exact=True)).to_have_value("Invented: uses a pen")
    assert _notes(server, sid) == [("Invented: uses a pen", [])]  # put back, not saved
    wait_for_app_idle(page)
    page.get_by_role("button", name="Save amendment").click()
    eventually(lambda: _notes(server, sid) == [("Invented: uses a pen", ["needs follow-up"])])
    _dropped(page, key)
    page.reload()
    wait_for_app_idle(page)
    page.wait_for_timeout(1200)  # time for anything kept to be put back
    assert page.get_by_text(re.compile("Put back after the reload")).all_inner_texts() == []
