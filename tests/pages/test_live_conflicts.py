"""/live when another screen changed the same record first: both values are shown and the person keeps either;
nothing older is written over anything newer. And when the database cannot take a save: the text stays, the
page says it was not saved, and Retry saves it. Every person here is invented."""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from models.assessments import set_rating
from models.curriculum import checklist_items
from models.db import session_scope
from models.notes import add_note, save_live_note, session_notes
from models.session_view import load_session_view
from models.sessions import set_tick, start_session
from models.tables import Rating
from tests.factories import curriculum, make_session
from tests.pages.helpers import all_text, app
from ui import actions

ITEMS = [i.id for i in curriculum().assessment]


@pytest.fixture
def live(engine, frozen_clock):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        start_session(db, session_id=s.id)
        return s.id, people[0].id


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _stored_note(engine, sid):
    with session_scope(engine) as db:
        n = session_notes(db, session_id=sid)
        return (n[0].text, n[0].tags) if n else None


def test_note_written_on_another_screen_is_not_overwritten(engine, live):
    sid, ada = live
    at = app("pages/live.py", session=sid).run()  # this screen shows an empty note
    with session_scope(engine) as db:  # the co-facilitator's tablet writes one
        save_live_note(db, session_id=sid, participant_id=ada, step="intro", text="Tablet: uses a pen",
                       tags=["needs follow-up"], seen_version=None)
    at.text_area(key=f"note_{sid}_{ada}_intro").input("Laptop: asked about pens").run()
    assert not at.exception
    assert _stored_note(engine, sid) == ("Tablet: uses a pen", ["needs follow-up"])
    text = all_text(at)
    assert "was changed on another screen" in text
    assert "Tablet: uses a pen" in text and "Laptop: asked about pens" in text
    assert at.text_area(key=f"note_{sid}_{ada}_intro").value == "Laptop: asked about pens"  # mine is kept
    _button(at, "Keep mine").click().run()
    assert _stored_note(engine, sid) == ("Laptop: asked about pens", [])
    assert "was changed on another screen" not in all_text(at)


def _opened_then_written_elsewhere(engine, sid, ada, text):
    """/live opened on an empty note, then the note written from another screen."""
    at = app("pages/live.py", session=sid).run()
    with session_scope(engine) as db:
        save_live_note(db, session_id=sid, participant_id=ada, step="intro", text=text, tags=[], seen_version=None)
    return at


def test_keep_theirs_shows_the_stored_note(engine, live):
    sid, ada = live
    at = _opened_then_written_elsewhere(engine, sid, ada, "Tablet words")
    at.text_area(key=f"note_{sid}_{ada}_intro").input("Laptop words").run()
    _button(at, "Keep theirs").click().run()
    assert at.text_area(key=f"note_{sid}_{ada}_intro").value == "Tablet words"
    assert _stored_note(engine, sid) == ("Tablet words", [])
    # and this screen now writes on top of what it shows, without a conflict
    at.text_area(key=f"note_{sid}_{ada}_intro").input("Tablet words, and more").run()
    assert _stored_note(engine, sid) == ("Tablet words, and more", [])


def test_a_screen_with_no_edit_takes_up_newer_text(engine, live):
    sid, ada = live
    at = _opened_then_written_elsewhere(engine, sid, ada, "From the tablet")
    at.run()
    assert at.text_area(key=f"note_{sid}_{ada}_intro").value == "From the tablet"


def test_rating_cell_changed_on_another_screen(engine, live):
    sid, ada = live
    at = app("pages/live.py", session=sid).run()  # the grid shows every cell empty
    with session_scope(engine) as db:
        set_rating(db, session_id=sid, participant_id=ada, item_id=ITEMS[0], phase="pre", value=7, seen_version=0)
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": {0: {ITEMS[0]: 3, ITEMS[1]: 5}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    with session_scope(engine) as db:
        got = {r.item_id: r.value for r in db.exec(select(Rating))}
    assert got == {ITEMS[0]: 7, ITEMS[1]: 5}  # the newer 7 survives; the untouched cell was saved
    assert "was changed on another screen" in all_text(at)
    _button(at, "Keep mine").click().run()
    with session_scope(engine) as db:
        assert db.exec(select(Rating).where(Rating.item_id == ITEMS[0])).one().value == 3


def test_tick_made_on_another_screen_keeps_its_time(engine, live, frozen_clock):
    sid, _ = live
    key = checklist_items(curriculum(), "intro")[0].key
    at = app("pages/live.py", session=sid).run()
    with session_scope(engine) as db:
        set_tick(db, session_id=sid, item_key=key, done=True, seen_version=0)
        first = load_session_view(db, sid).ticks[key]
    frozen_clock.advance(minutes=4)
    at.checkbox(key=f"tick_{sid}_{key}").check().run()
    assert not at.exception
    assert any("already ticked on another screen" in i.value for i in at.info)
    with session_scope(engine) as db:
        assert load_session_view(db, sid).ticks[key] == first


def test_database_unavailable_keeps_the_text_and_retries(engine, live, monkeypatch, caplog):
    sid, ada = live
    at = app("pages/live.py", session=sid).run()
    real = actions.session_scope

    @contextmanager
    def locked(engine):
        with real(engine) as db:
            yield db
            # the commit fails, as SQLite's does when another process holds the write lock past the busy timeout
            raise OperationalError("INSERT INTO note_version (text) VALUES (?)", ("Zqx secret words",),
                                   Exception("database is locked"))

    monkeypatch.setattr(actions, "session_scope", locked)
    with caplog.at_level(logging.DEBUG):
        at.text_area(key=f"note_{sid}_{ada}_intro").input("Zqx secret words").run()
    assert not at.exception
    assert any("Not saved" in e.value for e in at.error)
    assert at.text_area(key=f"note_{sid}_{ada}_intro").value == "Zqx secret words"
    assert _stored_note(engine, sid) is None
    assert "Zqx" not in caplog.text  # the log says what failed, never what was typed
    monkeypatch.setattr(actions, "session_scope", real)
    _button(at, "Retry").click().run()
    assert _stored_note(engine, sid) == ("Zqx secret words", [])
    assert not any("Not saved" in e.value for e in at.error)


def _drafts_spec(at, key):
    """What /live gave its note keeper with this component key: note field key → {saved, discarded}."""
    [keeper] = [e for e in at.get("bidi_component")
                if e.proto.component_name == "gsf_drafts" and json.loads(e.proto.json).get("id") == key]
    return json.loads(keeper.proto.json)["fields"]


def test_the_keeper_checks_a_note_field_against_the_note_it_shows(engine, live):
    """The record can add a second note for the same person and step while /live runs; /live's field shows, and
    writes, the first. Its draft is dropped once it equals that note's text, not the second's: checked against the
    second, the text typed and saved in the field stayed in the browser as a draft, to be offered as "not saved"
    once the note had changed again."""
    sid, ada = live
    with session_scope(engine) as db:
        save_live_note(db, session_id=sid, participant_id=ada, step="intro", text="Live: brings a pen",
                       tags=[], seen_version=None)
        add_note(db, session_id=sid, participant_id=ada, step="intro", text="Record: a second note", tags=[])
    at = app("pages/live.py", session=sid).run()
    key = f"note_{sid}_{ada}_intro"
    assert at.text_area(key=key).value == "Live: brings a pen"
    assert _drafts_spec(at, f"drafts_{sid}")[key]["saved"] == "Live: brings a pen"
