"""Drive a whole session through /live with AppTest and read everything back from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.db import session_scope
from models.session_view import load_session_view
from models.tables import ChecklistTick, Goal, GroupSession, NoteVersion, Pause, Question, Rating, StepRun
from tests.factories import make_session
from tests.pages.helpers import all_text, app, rendered
from ui.live_writes import goals_open_key, late_open_key, presence_key

pytestmark = pytest.mark.frozen_clock(lambda real: real.replace(microsecond=0) - timedelta(hours=3))


def _on_card(at, widget) -> None:
    """Run a click on a person's card (`widget`, already clicked or set). In the browser it reruns that card alone,
    which redraws the head-count too (ui/live_panels.py; tests/e2e/test_live_browser.py checks the answer's size);
    AppTest runs the page: the head-count is there and says the new count."""
    widget.run()
    assert not at.exception
    assert at.caption or at.warning  # the head-count


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_missing_bad_and_unknown_session_ids(any_db_url):
    for params in ({}, {"session": "abc"}, {"session": "1; DROP TABLE note"}, {"session": "-3"},
                   {"session": "999"}):
        at = app("pages/live.py", **params).run()
        assert not at.exception, params
        assert at.info, params
        assert any("plan" in pl.proto.page_script_hash or "Plan" in pl.proto.label for pl in at.get("page_link"))


def test_whole_session_through_five_steps(engine, frozen_clock):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=3)
        sid = s.id
        pids = [p.id for p in people]
    at = app("pages/live.py", session=sid).run()
    assert not at.exception
    assert any("Not started" in m.value for m in at.markdown)
    # roll call before the start: the third person did not come
    _on_card(at, at.checkbox(key=f"present_{sid}_{pids[2]}").uncheck())
    _button(at, "Start session").click().run()
    assert not at.exception
    with session_scope(engine) as db:
        view = load_session_view(db, sid)
        assert view.session.status == "live" and view.session.current_step == "intro"
        present = [p.participant_id for p in view.people if p.present]
    assert sorted(present) == sorted(pids[:2])
    # notes: typing then leaving the field saves at once, no save button
    frozen_clock.advance(minutes=5)
    at.text_area(key=f"note_{sid}_{pids[0]}_intro").input("Unsure about meter use").run()
    at.pills(key=f"tags_{sid}_{pids[0]}_intro").set_value(["needs follow-up"]).run()
    at.text_area(key=f"note_{sid}_group_intro").input("Group engaged").run()
    # edit keeps the earlier version
    at.text_area(key=f"note_{sid}_{pids[0]}_intro").input("Unsure about meter use; brought own meter").run()
    assert not at.exception
    # next step: teaching; tick a topic
    frozen_clock.advance(minutes=10)
    _button(at, "Next").click().run()
    assert rendered(at.subheader[0].value).startswith("Teaching")
    topic_box = next(c for c in at.checkbox if c.label.startswith("Topic delivered"))
    topic_box.check().run()
    # pause and resume
    _button(at, "Pause").click().run()
    frozen_clock.advance(minutes=3)
    _button(at, "Resume").click().run()
    frozen_clock.advance(minutes=40)
    _button(at, "Next").click().run()
    assert rendered(at.subheader[0].value).startswith("Activities")
    frozen_clock.advance(minutes=20)
    _button(at, "Next").click().run()
    assert rendered(at.subheader[0].value).startswith("Q&A")
    at.text_input(key=f"q_text_{sid}").input("Can I eat fruit?")
    _button(at, "Add question").click().run()
    _button(at, "Park").click().run()
    frozen_clock.advance(minutes=15)
    _button(at, "Next").click().run()
    assert rendered(at.subheader[0].value).startswith("Summary & follow-up")
    text = all_text(at)
    assert "Follow-up flags raised in notes" in text
    k = f"goal_{sid}_{pids[0]}"
    assert not [w for w in at.text_input if w.key == f"{k}_text"]  # each person's forms drawn only when opened
    assert "Set a goal or recommend a follow-up for Ada" in [e.label for e in at.expander]
    at.session_state[goals_open_key(sid, pids[0])] = True
    at.run()
    at.selectbox(key=f"{k}_beh").select("Monitoring")
    at.text_input(key=f"{k}_text").input("Check glucose before breakfast 5 days a week")
    at.slider(key=f"{k}_conf").set_value(6).run()
    assert any("below 7" in c.value for c in at.caption)
    _button(at, "Add goal").click().run()
    assert not at.exception
    frozen_clock.advance(minutes=15)
    _button(at, "End session…").click().run()
    assert "Not ticked as delivered" in all_text(at)  # what was not delivered is named before confirming
    _button(at, "Yes, end the session").click().run()
    assert not at.exception
    assert any("Ended at" in i.value for i in at.info)

    with session_scope(engine) as db:
        gs = db.get(GroupSession, sid)
        assert gs.status == "ended" and gs.ended_at is not None
        runs = list(db.exec(select(StepRun).where(StepRun.session_id == sid).order_by(StepRun.id)))
        assert [r.step for r in runs] == ["intro", "teach", "activity", "qa", "summary"]
        assert all(r.ended_at for r in runs)
        versions = list(db.exec(select(NoteVersion).order_by(NoteVersion.id)))
        texts = [v.text for v in versions]
        assert "Unsure about meter use" in texts and "Unsure about meter use; brought own meter" in texts
        assert "Group engaged" in texts
        assert any(v.tags == "needs follow-up" for v in versions)
        ticks = list(db.exec(select(ChecklistTick).where(ChecklistTick.session_id == sid)))
        assert any(t.item_key.startswith("teach:topic:") and t.done for t in ticks)
        q = db.exec(select(Question)).one()
        assert (q.text, q.status) == ("Can I eat fruit?", "parked")
        g = db.exec(select(Goal)).one()
        assert (g.behaviour, g.confidence, g.participant_id) == ("Monitoring", 6, pids[0])
        view = load_session_view(db, sid)
        t = view.timer()
        # 5 + 10 intro, 3 + 40 teach (3 paused), 20, 15, 15 → 105 running minutes
        assert t.session_elapsed == (5 + 10 + 40 + 20 + 15 + 15) * 60


def test_ratings_grid_saves_pre_and_post(engine, frozen_clock):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        sid, pids = s.id, [p.id for p in people]
    at = app("pages/live.py", session=sid).run()
    _button(at, "Start session").click().run()
    assert len(at.data_editor) == 1
    with session_scope(engine) as db:
        view = load_session_view(db, sid)
        items = [i.id for i in view.curriculum.assessment]
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": {0: {items[0]: 4, items[1]: 6}, 1: {items[0]: 9}},
                             "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    with session_scope(engine) as db:
        got = {(r.participant_id, r.item_id, r.phase): r.value for r in db.exec(select(Rating))}
    assert got == {(pids[0], items[0], "pre"): 4, (pids[0], items[1], "pre"): 6, (pids[1], items[0], "pre"): 9}
    # out-of-range input is refused with a message, nothing else is lost
    assert at.data_editor[0].key != key  # the grid shows what is stored now, with no old edits
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": {0: {items[0]: 4, items[1]: 6}, 1: {items[0]: 11}},
                             "added_rows": [], "deleted_rows": []}
    at.run()
    assert any("from 1 to 10" in e.value for e in at.error)
    with session_scope(engine) as db:
        assert {(r.participant_id, r.item_id): r.value for r in db.exec(select(Rating))}[(pids[0], items[1])] == 6


def test_privacy_curtain_hides_private_parts_and_persists(engine, frozen_clock):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        sid, pids = s.id, [p.id for p in people]
    at = app("pages/live.py", session=sid).run()
    _button(at, "Start session").click().run()
    at.text_area(key=f"note_{sid}_{pids[0]}_intro").input("Zqxprivate remark").run()
    assert "Testwell" in all_text(at)
    _button(at, "Curtain on").click().run()
    assert any("Privacy curtain is on" in w.value for w in at.warning)

    def hidden(page) -> None:
        text = all_text(page)
        assert "Testwell" not in text and "Fakeley" not in text
        assert "Zqxprivate" not in text
        assert not page.data_editor  # no ratings grid
        assert rendered(page.subheader[0].value).startswith("Introduction & assessment")
        assert "Facilitator checklist" in all_text(page)

    hidden(at)
    # a reload (a new browser session) keeps the curtain: it is stored with the session
    hidden(app("pages/live.py", session=sid).run())
    _button(at, "Lift curtain").click().run()
    assert "Testwell" in all_text(at)


def test_pause_does_what_its_screen_showed(engine, frozen_clock):
    """Two screens on one live session: a Pause pressed on a screen drawn before the other one paused leaves the
    clock paused (it used to toggle, resuming it), and Resume likewise; the button then shows the state."""
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        sid = s.id
    one = app("pages/live.py", session=sid).run()
    _button(one, "Start session").click().run()
    two = app("pages/live.py", session=sid).run()
    def is_paused() -> bool:
        with session_scope(engine) as db:
            return load_session_view(db, sid).timer().paused

    assert one.button(key=f"pause_{sid}").label == two.button(key=f"pause_{sid}").label == "Pause"
    frozen_clock.advance(minutes=2)
    one.button(key=f"pause_{sid}").click().run()
    assert is_paused() and one.button(key=f"pause_{sid}").label == "Resume"
    frozen_clock.advance(minutes=1)
    two.button(key=f"pause_{sid}").click().run()  # drawn while running: it still says Pause
    assert is_paused(), "a stale Pause resumed the clock"
    assert two.button(key=f"pause_{sid}").label == "Resume"
    frozen_clock.advance(minutes=1)
    two.button(key=f"pause_{sid}").click().run()
    assert not is_paused()
    one.button(key=f"pause_{sid}").click().run()  # drawn while paused: it still says Resume
    assert not is_paused(), "a stale Resume paused the clock again"
    assert one.button(key=f"pause_{sid}").label == "Pause"
    with session_scope(engine) as db:  # one pause, from the first press to the first Resume
        pauses = db.exec(select(Pause).where(Pause.session_id == sid)).all()
        assert [(p.resumed_at - p.paused_at) for p in pauses] == [timedelta(minutes=2)]
    assert not one.exception and not two.exception


def test_arrive_and_leave_one_click_each(engine, frozen_clock):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=3)
        sid, pids = s.id, [p.id for p in people]
    at = app("pages/live.py", session=sid).run()
    _button(at, "Start session").click().run()
    frozen_clock.advance(minutes=10)
    presence = lambda pid: at.button(key=presence_key(sid, pid))  # noqa: E731
    assert presence(pids[1]).label == "Left now"
    presence(pids[1]).click().run()
    assert any("2 patient(s) in the room" in c.value for c in at.caption)  # the head-count reran with the card
    assert presence(pids[1]).label == "Arrived now"  # the same button, its label turned
    at.run()
    frozen_clock.advance(minutes=5)
    _on_card(at, presence(pids[1]).click())
    assert presence(pids[1]).label == "Left now"
    frozen_clock.advance(minutes=1)
    _on_card(at, presence(pids[0]).click())
    presence(pids[2]).click().run()
    assert any("Only one patient" in w.value and "G0108" in w.value for w in at.warning)
    with session_scope(engine) as db:
        by = {p.participant_id: p for p in load_session_view(db, sid).people}
    t0 = by[pids[0]].intervals[0][0]
    assert by[pids[1]].intervals == [(t0, t0 + timedelta(minutes=10)), (t0 + timedelta(minutes=15), None)]
    assert by[pids[0]].intervals == [(t0, t0 + timedelta(minutes=16))]


def test_late_arrival_added_during_session(engine, frozen_clock):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        sid = s.id
    at = app("pages/live.py", session=sid).run()
    _button(at, "Start session").click().run()
    assert f"late_first_{sid}" not in [t.key for t in at.text_input]  # drawn only once opened
    at.session_state[late_open_key(sid)] = True  # "Add a late arrival" opened
    at.run()
    at.text_input(key=f"late_first_{sid}").input("Quin")
    at.text_input(key=f"late_last_{sid}").input("Tardyson")
    _button(at, "Add new participant").click().run()
    assert not at.exception
    cards = [m.value.strip("*") for m in at.markdown]
    assert "Quin Tardyson · in the room" in cards  # added at the start: not late
    with session_scope(engine) as db:
        late = [p for p in load_session_view(db, sid).people if p.added_late]
    assert len(late) == 1 and late[0].in_room
    # late means arriving after the start, in minutes, from presence
    frozen_clock.advance(minutes=12)
    at.text_input(key=f"late_first_{sid}").input("Rui")
    at.text_input(key=f"late_last_{sid}").input("Slowpoke")
    _button(at, "Add new participant").click().run()
    assert "Rui Slowpoke · in the room · arrived 12 min late" in [m.value.strip("*") for m in at.markdown]


def test_a_goal_typed_and_not_added_survives_closing_its_form(engine):
    """Each person's goal and follow-up forms are drawn only while open (Streamlit forgets a widget it does not
    draw): what was typed or chosen there and not yet added comes back when the form is opened again, and an
    added goal empties its field for good."""
    from models.sessions import go_to_step, start_session
    from ui.live_writes import follow_up_keys

    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2)
        sid, pid = s.id, people[0].id
        start_session(db, session_id=sid)
        go_to_step(db, session_id=sid, step="summary")
    at = app("pages/live.py", session=sid).run()
    k = f"goal_{sid}_{pid}"
    _, kind_key, note_key = follow_up_keys(sid, pid)
    at.session_state[goals_open_key(sid, pid)] = True
    at.run()
    at.selectbox(key=f"{k}_beh").select("Monitoring")
    at.text_input(key=f"{k}_text").input("Walk after dinner")
    at.slider(key=f"{k}_conf").set_value(8)
    at.selectbox(key=kind_key).select_index(1)
    at.text_input(key=note_key).input("Phone in two weeks").run()
    chosen_kind = at.selectbox(key=kind_key).value
    at.session_state[goals_open_key(sid, pid)] = False  # closed: nothing of the forms is drawn
    at.run()
    assert not [w for w in at.text_input if w.key == f"{k}_text"]
    at.session_state[goals_open_key(sid, pid)] = True  # opened again: as it was left
    at.run()
    assert not at.exception and not at.warning
    assert at.text_input(key=f"{k}_text").value == "Walk after dinner"
    assert at.selectbox(key=f"{k}_beh").value == "Monitoring"
    assert at.slider(key=f"{k}_conf").value == 8
    assert at.text_input(key=note_key).value == "Phone in two weeks"
    assert at.selectbox(key=kind_key).value == chosen_kind
    _button(at, "Add goal").click().run()
    assert at.text_input(key=f"{k}_text").value == ""
    at.session_state[goals_open_key(sid, pid)] = False
    at.run()
    at.session_state[goals_open_key(sid, pid)] = True
    at.run()
    assert at.text_input(key=f"{k}_text").value == ""  # added: not typed again
    with session_scope(engine) as db:
        assert db.exec(select(Goal)).one().text == "Walk after dinner"
