"""The session record's corrections with AppTest: the session's own start and end corrected with a reason (kept,
with its history), a correction's message shown beside its form, which stays open, and a note version that
changed only its tags said as such. Every person here is invented."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models import clock
from models.db import session_scope
from models.notes import amend_note, session_notes
from models.session_times import correct_session_times
from models.tables import GroupSession, SessionTimeCorrection
from tests.pages.helpers import all_text, app, noon_days_before, rendered
from tests.pages.test_review import _ran

pytestmark = pytest.mark.frozen_clock(noon_days_before(1))


def _expander(at, start: str):
    return next(e for e in at.expander if e.label.startswith(start))


def _local(t):
    return clock.to_local(t).replace(tzinfo=None)


def _fill_times(at, sid, start=None, end=None, *, by="Pat Educator", why="Start pressed late", ver=0):
    if start is not None:
        at.datetime_input(key=f"tc_{sid}_a_{ver}").set_value(start)
    if end is not None:
        at.datetime_input(key=f"tc_{sid}_b_{ver}").set_value(end)
    at.text_input(key=f"tc_{sid}_by").input(by)
    at.text_area(key=f"tc_{sid}_why").input(why)
    next(b for b in at.button if b.label == "Save the corrected times").click().run()
    assert not at.exception


def test_start_corrected_with_a_reason_and_kept(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, _ = _ran(db, frozen_clock)
    start = frozen_clock.start
    at = app("pages/review.py", session=sid).run()
    assert {m.label: m.value for m in at.metric}["Face-to-face"] == "60 min"
    assert at.datetime_input(key=f"tc_{sid}_a_0").value == _local(start)
    # refused: the end before the step change at minute 30; the message is beside the form, which stays open
    _fill_times(at, sid, end=_local(start + timedelta(minutes=20)))
    form = _expander(at, "Correct the start or end time")
    assert len(form.error) == 1 and "The end must be after" in form.error[0].value
    assert "the clock moved to Teaching" in form.error[0].value
    assert len(at.error) == 1 and form.proto.expanded and at.session_state[f"tc_{sid}_open"]
    # accepted: 15 minutes earlier; the end as it was (the form keeps the stored seconds)
    _fill_times(at, sid, start=_local(start - timedelta(minutes=15)), end=_local(start + timedelta(minutes=60)))
    form = _expander(at, "Correct the start or end time")
    assert not form.error and "Start and end corrected" in form.success[0].value and form.proto.expanded
    with session_scope(engine) as db:
        s = db.get(GroupSession, sid)
        assert (s.started_at, s.ended_at) == (start - timedelta(minutes=15), start + timedelta(minutes=60))
        kept = db.exec(select(SessionTimeCorrection)).one()
        assert (kept.started_before, kept.reason, kept.corrected_by) == (start, "Start pressed late", "Pat Educator")
    assert {m.label: m.value for m in at.metric}["Face-to-face"] == "75 min"
    history = next(d.value for d in at.dataframe if "Reason" in d.value.columns and "Change" in d.value.columns)
    assert list(history["By"]) == ["Pat Educator"] and "→" in history["Change"][0]
    # the form now shows the corrected times, and the reason field is empty for the next one
    assert at.datetime_input(key=f"tc_{sid}_a_1").value == _local(start - timedelta(minutes=15))
    assert at.text_area(key=f"tc_{sid}_why").value == ""


def test_times_corrected_on_another_screen_first_are_shown_not_overwritten(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, _ = _ran(db, frozen_clock)
    start = frozen_clock.start
    at = app("pages/review.py", session=sid).run()
    with session_scope(engine) as db:  # another reviewer corrects the start first
        correct_session_times(db, session_id=sid, started_at=start - timedelta(minutes=5),
                              ended_at=start + timedelta(minutes=60), reason="Other screen", by="Sam Coach",
                              seen=(start, start + timedelta(minutes=60)))
    _fill_times(at, sid, start=_local(start - timedelta(minutes=10)))
    assert "was changed on another screen" in all_text(at)
    with session_scope(engine) as db:
        assert db.get(GroupSession, sid).started_at == start - timedelta(minutes=5)
    next(b for b in at.button if b.label == "Keep mine").click().run()
    with session_scope(engine) as db:
        assert db.get(GroupSession, sid).started_at == start - timedelta(minutes=10)
        assert len(db.exec(select(SessionTimeCorrection)).all()) == 2


def test_presence_correction_message_beside_its_form_which_stays_open(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    at = app("pages/review.py", session=sid).run()
    assert not _expander(at, "Correct presence times").proto.expanded
    at.selectbox(key=f"pc_who_{sid}").select(pids[0]).run()
    arrived = next(d for d in at.datetime_input if d.key.startswith(f"pc_{sid}_{pids[0]}_a_0"))
    arrived.set_value(_local(frozen_clock.start - timedelta(minutes=30)))
    at.button(key=f"pc_{sid}_{pids[0]}_save").click().run()
    form = _expander(at, "Correct presence times")
    assert not at.exception and form.proto.expanded
    assert len(at.error) == 1 and "within the session" in form.error[0].value
    arrived = next(d for d in at.datetime_input if d.key.startswith(f"pc_{sid}_{pids[0]}_a_0"))
    arrived.set_value(_local(frozen_clock.start + timedelta(minutes=10)))
    at.button(key=f"pc_{sid}_{pids[0]}_save").click().run()
    form = _expander(at, "Correct presence times")
    assert form.proto.expanded and not at.error and "Presence corrected" in form.success[0].value


def test_a_tag_only_change_in_the_note_history(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, _ = _ran(db, frozen_clock)
        note = session_notes(db, session_id=sid)[0]
        amend_note(db, note_id=note.note_id, text=note.text, tags=["distress"])
    at = app("pages/review.py", session=sid).run()
    history = _expander(at, "Edit history (2 versions)")
    assert [rendered(c.value) for c in history.caption if "tags changed" in rendered(c.value)] == [
        "Text unchanged; tags changed: added distress; removed needs follow-up"]
    assert [t.value for t in history.text] == ["Asked about insulin storage"]  # said once, not repeated


def test_an_added_interval_put_back_after_a_reload_is_drawn_and_saved(engine, frozen_clock):
    """An interval added on the presence form and typed into comes back after a reload (ui/drafts.typed sets its
    fields, as here): the form draws it again beside the stored one, and saving records both."""
    from models.session_record import session_record

    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    pid = pids[1]
    at = app("pages/review.py", session=sid).run()
    at.selectbox(key=f"pc_who_{sid}").select(pid).run()
    first = next(d.key for d in at.datetime_input if d.key.startswith(f"pc_{sid}_{pid}_a_0_"))
    ver = first.rsplit("_", 1)[1]
    assert not [d for d in at.datetime_input if d.key.startswith(f"pc_{sid}_{pid}_a_1_")]  # one stored interval
    start = frozen_clock.start
    at.session_state[f"pc_{sid}_{pid}_b_0_{ver}"] = _local(start + timedelta(minutes=20))
    at.session_state[f"pc_{sid}_{pid}_a_1_{ver}"] = _local(start + timedelta(minutes=40))  # put back
    at.session_state[f"pc_{sid}_{pid}_b_1_{ver}"] = _local(start + timedelta(minutes=55))
    at.run()
    assert not at.exception
    rows = sorted(d.key for d in at.datetime_input if d.key.startswith(f"pc_{sid}_{pid}_"))
    assert rows == sorted(f"pc_{sid}_{pid}_{part}_{i}_{ver}" for part in "ab" for i in range(2))
    assert at.datetime_input(key=f"pc_{sid}_{pid}_a_1_{ver}").value == _local(start + timedelta(minutes=40))
    at.button(key=f"pc_{sid}_{pid}_save").click().run()
    assert not at.exception and not at.error
    with session_scope(engine) as db:
        person = next(p for p in session_record(db, sid).view.people if p.participant_id == pid)
        got = [(_local(a), _local(b)) for a, b in person.intervals]
    assert got == [(_local(start), _local(start + timedelta(minutes=20))),
                   (_local(start + timedelta(minutes=40)), _local(start + timedelta(minutes=55)))]


def test_an_amendments_tags_put_back_after_a_reload_are_shown_and_saved(engine, frozen_clock):
    """Tags chosen for an amendment and put back after a reload (ui/drafts.typed sets the tags field, as here, and
    the record chooses their note): the field shows them beside the stored text, and saving records them."""
    with session_scope(engine) as db:
        sid, _ = _ran(db, frozen_clock)
        note = session_notes(db, session_id=sid)[0]
    at = app("pages/review.py", session=sid)
    at.session_state[f"am_tags_{note.note_id}"] = ["needs follow-up", "information overload"]  # put back
    at.session_state[f"am_pick_{sid}"] = note.note_id
    at.run()
    assert not at.exception
    assert at.text_area(key=f"am_text_{note.note_id}").value == note.text  # the stored text beside them
    assert at.multiselect(key=f"am_tags_{note.note_id}").value == ["needs follow-up", "information overload"]
    at.button(key=f"am_save_{sid}").click().run()
    assert not at.exception and not at.error
    with session_scope(engine) as db:
        saved = session_notes(db, session_id=sid)[0]
    assert (saved.text, saved.tags) == (note.text, ["needs follow-up", "information overload"])
