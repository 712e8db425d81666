"""Two screens on one record: every write is checked against the version its screen showed. A screen that is
behind never writes its older value over a newer one; it gets a Conflict with the value stored now, and can
keep its own by writing again with that version. Writing the value already stored is no change. Every person
here is invented."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.assessments import set_competency, set_rating
from models.attendance import correct_presence, set_caregiver
from models.curriculum import checklist_items
from models.errors import Conflict
from models.notes import amend_note, save_live_note, session_notes
from models.session_view import load_session_view
from models.sessions import end_session, set_tick, start_session
from tests.factories import SCHEDULED, curriculum, make_session

pytestmark = pytest.mark.frozen_clock(SCHEDULED)
ITEM = curriculum().assessment[0].id
TOPIC = curriculum().topics[0].id


@pytest.fixture
def live(db, frozen_clock):
    s, people, _ = make_session(db, n=2)
    start_session(db, session_id=s.id)
    return s.id, people[0].id


def test_rating_cell(db, live):
    sid, ada = live
    v1 = set_rating(db, session_id=sid, participant_id=ada, item_id=ITEM, phase="pre", value=4, seen_version=0)
    assert v1.version == 1 and v1.changed
    # a screen that still shows the empty cell cannot write over the 4
    with pytest.raises(Conflict) as err:
        set_rating(db, session_id=sid, participant_id=ada, item_id=ITEM, phase="pre", value=6, seen_version=0)
    assert (err.value.theirs, err.value.version) == (4, 1)
    # ... unless it writes the same value (nothing changes), or keeps its own knowingly with the new version
    same = set_rating(db, session_id=sid, participant_id=ada, item_id=ITEM, phase="pre", value=4, seen_version=0)
    assert same == (1, False)
    assert set_rating(db, session_id=sid, participant_id=ada, item_id=ITEM, phase="pre", value=6,
                      seen_version=1) == (2, True)
    # clearing keeps the row and counts on, so a screen that saw version 1 is still behind
    assert set_rating(db, session_id=sid, participant_id=ada, item_id=ITEM, phase="pre", value=None,
                      seen_version=2).version == 3
    with pytest.raises(Conflict) as err:
        set_rating(db, session_id=sid, participant_id=ada, item_id=ITEM, phase="pre", value=5, seen_version=1)
    assert (err.value.theirs, err.value.version) == (None, 3)
    view = load_session_view(db, sid)
    assert (ada, ITEM, "pre") not in view.ratings and view.version("rating", ada, ITEM, "pre") == 3


def test_competency_cell(db, live):
    sid, ada = live
    kw = {"session_id": sid, "participant_id": ada, "topic_id": TOPIC, "phase": "pre"}
    assert set_competency(db, **kw, level="2", seen_version=0).version == 1
    with pytest.raises(Conflict) as err:
        set_competency(db, **kw, level="3", seen_version=0)
    assert err.value.theirs == "2"
    assert set_competency(db, **kw, level="3", seen_version=1).version == 2
    assert load_session_view(db, sid).competency[(ada, TOPIC, "pre")] == "3"


def test_tick_of_another_screen_keeps_its_time(db, live, frozen_clock):
    sid, _ = live
    key = checklist_items(curriculum(), "intro")[0].key
    assert set_tick(db, session_id=sid, item_key=key, done=True, seen_version=0) == (1, True)
    first = load_session_view(db, sid).ticks[key]
    frozen_clock.advance(minutes=3)
    # a screen that still showed it unticked ticks it: already done, nothing is rewritten
    assert set_tick(db, session_id=sid, item_key=key, done=True, seen_version=0) == (1, False)
    assert load_session_view(db, sid).ticks[key] == first
    assert set_tick(db, session_id=sid, item_key=key, done=False, seen_version=1).version == 2
    assert key not in load_session_view(db, sid).ticks


def test_live_note_text_and_tags(db, live):
    sid, ada = live
    kw = {"session_id": sid, "participant_id": ada, "step": "intro"}
    save_live_note(db, **kw, text="Brought a meter", tags=[], seen_version=None)
    first = session_notes(db, session_id=sid)[0].version_id
    # another screen adds a tag
    save_live_note(db, **kw, text="Brought a meter", tags=["needs follow-up"], seen_version=first)
    newer = session_notes(db, session_id=sid)[0].version_id
    # the first screen, which never saw the tag, saves new text: refused, the tag is not lost
    with pytest.raises(Conflict) as err:
        save_live_note(db, **kw, text="Brought a meter and a log book", tags=[], seen_version=first)
    assert err.value.theirs == ("Brought a meter", ["needs follow-up"]) and err.value.version == newer
    # a screen that opened before the note existed is behind too
    with pytest.raises(Conflict):
        save_live_note(db, **kw, text="Other text", tags=[], seen_version=None)
    # keeping its own, knowingly
    save_live_note(db, **kw, text="Brought a meter and a log book", tags=["needs follow-up"], seen_version=newer)
    notes = session_notes(db, session_id=sid)
    assert (notes[0].text, notes[0].tags, notes[0].versions) == ("Brought a meter and a log book",
                                                                 ["needs follow-up"], 3)


def test_review_amendment_written_after_the_reviewer_opened_the_note(db, live):
    sid, ada = live
    kw = {"session_id": sid, "participant_id": ada, "step": "intro"}
    note = save_live_note(db, **kw, text="First words", tags=[], seen_version=None)
    opened = session_notes(db, session_id=sid)[0].version_id  # what /review shows
    save_live_note(db, **kw, text="First words, then more from /live", tags=[], seen_version=opened)
    with pytest.raises(Conflict) as err:
        amend_note(db, note_id=note.id, text="Reviewer's correction", tags=[], seen_version=opened)
    assert err.value.theirs == ("First words, then more from /live", [])
    assert session_notes(db, session_id=sid)[0].text == "First words, then more from /live"
    assert amend_note(db, note_id=note.id, text="Reviewer's correction", tags=[],
                      seen_version=err.value.version) is not None


def test_caregiver_and_presence_correction(db, live, frozen_clock):
    sid, ada = live
    shown = load_session_view(db, sid).version("attendance", ada)
    set_caregiver(db, session_id=sid, participant_id=ada, present=True, seen_version=shown)
    # the same box from a screen that was behind: the value it wants is stored already
    set_caregiver(db, session_id=sid, participant_id=ada, present=True, seen_version=shown)
    frozen_clock.advance(minutes=60)
    s = end_session(db, session_id=sid)
    view = load_session_view(db, sid)
    opened = view.version("attendance", ada)
    start, end = s.started_at, s.ended_at
    correct_presence(db, session_id=sid, participant_id=ada, intervals=[(start + timedelta(minutes=10), end)],
                     seen_version=opened)
    with pytest.raises(Conflict) as err:  # a second reviewer who opened the record before that correction
        correct_presence(db, session_id=sid, participant_id=ada, intervals=[(start, end - timedelta(minutes=5))],
                         seen_version=opened)
    assert err.value.theirs == [(start + timedelta(minutes=10), end)]
    assert load_session_view(db, sid).people[0].intervals == [(start + timedelta(minutes=10), end)]
