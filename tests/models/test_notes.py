"""Notes keep every version; tags and length are checked."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.errors import RuleError
from models.notes import amend_note, note_history, save_live_note, session_notes
from models.tables import NoteVersion
from tests.factories import SCHEDULED, make_session

pytestmark = pytest.mark.frozen_clock(SCHEDULED)


def test_notes_keep_every_version(db, frozen_clock):
    s, people, _ = make_session(db, n=2)
    pid = people[0].id
    assert save_live_note(db, session_id=s.id, participant_id=pid, step="intro", text="", tags=[]) is None
    n1 = save_live_note(db, session_id=s.id, participant_id=pid, step="intro", text="first", tags=[])
    save_live_note(db, session_id=s.id, participant_id=pid, step="intro", text="first", tags=[])  # no-op
    save_live_note(db, session_id=s.id, participant_id=pid, step="intro", text="second", tags=["distress"])
    amend_note(db, note_id=n1.id, text="third", tags=["distress"])
    assert [v.text for v in note_history(db, note_id=n1.id)] == ["first", "second", "third"]
    view = session_notes(db, session_id=s.id)
    assert len(view) == 1 and view[0].text == "third" and view[0].tags == ["distress"] and view[0].versions == 3
    with pytest.raises(RuleError, match="Unknown tag"):
        save_live_note(db, session_id=s.id, participant_id=pid, step="intro", text="x", tags=["gossip"])
    with pytest.raises(RuleError, match="at most"):
        save_live_note(db, session_id=s.id, participant_id=pid, step="intro", text="x" * 100_001, tags=[])
    assert db.exec(select(NoteVersion)).all()[-1].text == "third"
