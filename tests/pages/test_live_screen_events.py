"""The one-component /live screen's events on the server (ui/live_screen.py): the component keeps each event until
the server says it was handled and sends all those not yet handled each time, so the server handles each number
once and in order; two saves of one note sent before the screen was drawn again are not a conflict with
itself, while another screen's save still is; an event naming nothing the screen showed writes nothing and says so.
The browser's side is in tests/e2e/test_live_one_screen_browser.py."""

from __future__ import annotations

import uuid

from streamlit.testing.v1 import AppTest

from models.db import session_scope
from models.notes import save_live_note
from models.session_view import load_session_view
from models.sessions import start_session
from tests.factories import make_session


def _events_script():
    import os

    import streamlit as st

    from models.db import init_engine
    from ui import live_screen

    sid = st.session_state["sid"]
    st.session_state[live_screen.fields_key(sid)] = st.session_state.get("fields", {})  # the note fields shown
    st.session_state[live_screen.screen_key(sid)] = {"act": st.session_state["sent"]}
    live_screen.handle_events(init_engine(os.environ["DATABASE_URL"]), sid)
    from ui.actions import flash_errors

    flash_errors(slot=False)


def _send(at: AppTest, sid: int, page: str, *events: dict, fields: dict | None = None) -> AppTest:
    at.session_state["sid"] = sid
    at.session_state["sent"] = {"page": page, "events": list(events)}
    at.session_state["fields"] = fields or {}
    return at.run()


def _page() -> str:
    """A page load's id, as the component makes one (random): the server remembers each page load's events."""
    return uuid.uuid4().hex[:12]


def _live(engine):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        start_session(db, session_id=s.id)
        return s.id, [p.id for p in people]


def _view(engine, sid):
    with session_scope(engine) as db:
        return load_session_view(db, sid)


def test_events_are_handled_once_in_order_and_own_saves_are_not_a_conflict(engine):
    sid, (ada, bram) = _live(engine)
    key = f"note_{sid}_{ada}_intro"
    fields = {key: (ada, "intro")}
    at = AppTest.from_function(_events_script, default_timeout=30)
    note = {"act": "note", "key": key, "tags": [], "v": ""}
    p1, p2 = _page(), _page()
    # the field left, then a tag pressed before the screen was drawn again: both against "no note yet"
    _send(at, sid, p1, {**note, "seq": 2, "text": "Invented: second", "tags": ["needs follow-up"]},
          {**note, "seq": 1, "text": "Invented: first"}, fields=fields)
    assert not at.exception
    notes = _view(engine, sid).notes
    assert [(n.text, n.tags, n.versions) for n in notes] == [("Invented: second", ["needs follow-up"], 2)]
    assert not [w for w in at.warning if "another screen" in w.value]
    # the same trigger again (sent before the component heard they were handled): nothing more is written
    left = {"act": "presence", "id": bram, "in_room": True, "seq": 3}
    back = {"act": "presence", "id": bram, "in_room": False, "seq": 4}
    _send(at, sid, p1, {**note, "seq": 1, "text": "Invented: first"}, left, fields=fields)
    _send(at, sid, p1, left, back, fields=fields)
    _send(at, sid, p1, left, back, fields=fields)  # handled again, Bram would leave and come back once more
    view = _view(engine, sid)
    assert view.notes[0].versions == 2
    bram_now = next(p for p in view.people if p.participant_id == bram)
    assert bram_now.in_room and len(bram_now.intervals) == 2  # left once, came back once
    # a reloaded page numbers its events from 1 again: they are new
    _send(at, sid, p2, {**note, "seq": 1, "text": "Invented: after a reload", "v": str(view.notes[0].version_id)},
          fields=fields)
    assert _view(engine, sid).notes[0].text == "Invented: after a reload"


def test_another_screens_save_is_still_a_conflict_and_unknown_names_write_nothing(engine):
    sid, (ada, _) = _live(engine)
    key = f"note_{sid}_{ada}_intro"
    fields = {key: (ada, "intro")}
    at = AppTest.from_function(_events_script, default_timeout=30)
    p1 = _page()
    with session_scope(engine) as db:
        save_live_note(db, session_id=sid, participant_id=ada, step="intro", text="Invented: theirs", tags=[],
                       seen_version=None)
    _send(at, sid, p1, {"act": "note", "key": key, "text": "Invented: mine", "tags": [], "v": "", "seq": 1},
          fields=fields)
    assert not at.exception
    assert [n.text for n in _view(engine, sid).notes] == ["Invented: theirs"]  # nothing overwritten
    pending = at.session_state["_conflicts"][key]  # shown under the component with both values (ui/conflicts)
    assert (pending.mine, pending.theirs) == ("Invented: mine", "Invented: theirs")

    _send(at, sid, p1, {"act": "presence", "id": 999_999, "in_room": True, "seq": 2},
          {"act": "tick", "id": "no:such:item", "on": True, "v": 0, "seq": 3},
          {"act": "note", "key": f"note_{sid}_999999_intro", "text": "x", "tags": [], "v": "", "seq": 4},
          {"act": "launch", "seq": 5}, fields=fields)
    assert not at.exception
    view = _view(engine, sid)
    assert not view.ticks and len(view.notes) == 1
    assert all(p.in_room for p in view.people)
    assert any("did not match what this screen shows" in i.value for i in at.info)
