"""Hostile names and notes are stored exactly and shown inert on every page."""

from __future__ import annotations

from sqlmodel import select

from models.attendance import add_to_roster
from models.db import session_scope
from models.notes import save_live_note
from models.people import create_participant
from models.questions_goals import add_question
from models.sessions import start_session
from models.tables import NoteVersion, Participant
from tests.factories import make_session
from tests.hostile import HOSTILE_NAMES, HOSTILE_NOTES, unescaped_markup
from tests.pages.helpers import app

MARKDOWN_ELEMENTS = ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info",
                     "success", "expander")


def _markdown_sources(at) -> list[str]:
    out = []
    for kind in MARKDOWN_ELEMENTS:
        for el in at.get(kind):
            out.append(str(getattr(el, "value", "") or getattr(el, "label", "") or ""))
    for kind in ("checkbox", "button", "text_area", "text_input", "segmented_control", "toggle", "selectbox",
                 "pills", "slider", "date_input", "multiselect"):
        for el in at.get(kind):
            out.append(str(getattr(el, "label", "")))
    return out


def test_hostile_text_stored_exactly_and_inert(engine):
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        sid = s.id
        pids = []
        for first, last in HOSTILE_NAMES:
            p = create_participant(db, first_name=first, last_name=last, record_number="=cmd|' /C calc'!A0")
            add_to_roster(db, session_id=sid, participant_id=p.id)
            pids.append(p.id)
        start_session(db, session_id=sid)
        for pid, note in zip(pids, HOSTILE_NOTES, strict=False):
            save_live_note(db, session_id=sid, participant_id=pid, step="intro", text=note, tags=[])
        save_live_note(db, session_id=sid, participant_id=None, step="intro", text=HOSTILE_NOTES[-1], tags=[])
        add_question(db, session_id=sid, text=HOSTILE_NOTES[1], participant_id=pids[0])
    with session_scope(engine) as db:
        names = {(p.first_name, p.last_name) for p in db.exec(select(Participant))}
        assert set(HOSTILE_NAMES) <= names
        stored = {v.text for v in db.exec(select(NoteVersion))}
        assert set(HOSTILE_NOTES[:5]) | {HOSTILE_NOTES[-1]} <= stored

    for page, params in (("pages/live.py", {"session": sid}), ("pages/projector.py", {"session": sid}),
                         ("pages/plan.py", {}), ("streamlit_app.py", {}), ("pages/review.py", {"session": sid}),
                         ("pages/review.py", {}), ("pages/participants.py", {})):
        at = app(page, **params).run()
        assert not at.exception, page
        for src in _markdown_sources(at):
            assert not unescaped_markup(src), (page, src[:200])
