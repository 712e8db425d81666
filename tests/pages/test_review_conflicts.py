"""/review when another screen changed the record after the reviewer opened it: an amendment or a presence
correction never replaces what was written meanwhile, and is not thrown away either; both are shown and the
reviewer keeps either. Every person here is invented."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models import clock
from models.attendance import correct_presence
from models.db import session_scope
from models.notes import save_live_note, session_notes
from models.session_view import load_session_view
from models.tables import NoteVersion
from tests.pages.helpers import all_text, app, noon_days_before
from tests.pages.test_review import _ran

pytestmark = pytest.mark.frozen_clock(noon_days_before(1))


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_amendment_after_a_newer_version_is_shown_not_written(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
        note = session_notes(db, session_id=sid)[0]
    at = app("pages/review.py", session=sid).run()
    at.selectbox(key=f"am_pick_{sid}").select(note.note_id).run()
    # a co-facilitator amends the same note from /live's record of the step (or another /review)
    with session_scope(engine) as db:
        save_live_note(db, session_id=sid, participant_id=pids[0], step="teach",
                       text="Asked about insulin storage and travel", tags=["needs follow-up"],
                       seen_version=note.version_id)
    at.text_area(key=f"am_text_{note.note_id}").input("Asked about insulin storage; leaflet sent")
    at.button(key=f"am_save_{sid}").click().run()
    assert not at.exception
    with session_scope(engine) as db:
        assert session_notes(db, session_id=sid)[0].text == "Asked about insulin storage and travel"
    text = all_text(at)
    assert "was changed on another screen" in text
    assert "Asked about insulin storage and travel" in text and "Asked about insulin storage; leaflet sent" in text
    assert at.text_area(key=f"am_text_{note.note_id}").value == "Asked about insulin storage; leaflet sent"
    _button(at, "Keep mine").click().run()
    with session_scope(engine) as db:
        texts = [v.text for v in db.exec(select(NoteVersion).where(NoteVersion.note_id == note.note_id)
                                         .order_by(NoteVersion.id))]
    assert texts == ["Asked about insulin storage", "Asked about insulin storage and travel",
                     "Asked about insulin storage; leaflet sent"]  # every version kept, the newest is mine


def test_presence_correction_after_another_correction(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
        s = load_session_view(db, sid).session
        start, end = s.started_at, s.ended_at
    at = app("pages/review.py", session=sid).run()
    at.selectbox(key=f"pc_who_{sid}").select(pids[1]).run()
    with session_scope(engine) as db:  # another reviewer corrects the same person first
        correct_presence(db, session_id=sid, participant_id=pids[1],
                         intervals=[(start + timedelta(minutes=20), end)],
                         seen_version=load_session_view(db, sid).version("attendance", pids[1]))
    arrived = next(d for d in at.datetime_input if d.key.startswith(f"pc_{sid}_{pids[1]}_a_0"))
    arrived.set_value(clock.to_local(start + timedelta(minutes=31)).replace(tzinfo=None))
    at.button(key=f"pc_{sid}_{pids[1]}_save").click().run()
    assert not at.exception
    with session_scope(engine) as db:
        person = next(p for p in load_session_view(db, sid).people if p.participant_id == pids[1])
    assert person.intervals == [(start + timedelta(minutes=20), end)]  # the other reviewer's correction stands
    assert "was changed on another screen" in all_text(at)
    _button(at, "Keep mine").click().run()
    with session_scope(engine) as db:
        person = next(p for p in load_session_view(db, sid).people if p.participant_id == pids[1])
    assert person.intervals == [(start + timedelta(minutes=31), end)]
