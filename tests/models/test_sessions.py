"""Session planning and the live actions at the model layer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from models import clock
from models.assessments import set_competency, set_rating
from models.attendance import add_to_roster, mark_arrived, mark_left, set_present
from models.errors import RuleError
from models.notes import amend_note, note_history, save_live_note, session_notes
from models.people import create_participant
from models.questions_goals import add_goal, add_question, set_question_status
from models.session_view import load_session_view, welcome_first_names
from models.sessions import create_session, end_session, go_to_step, set_tick, start_session
from models.tables import NoteVersion, PresenceInterval
from tests.factories import curriculum, make_session

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def fake_now(monkeypatch):
    box = {"t": T0}
    monkeypatch.setattr(clock, "now", lambda: box["t"])
    return box


def test_create_session_freezes_curriculum_and_checks_code(db):
    s, people, _ = make_session(db, n=3)
    assert s.curriculum_json and s.curriculum_version == curriculum().version and s.status == "planned"
    with pytest.raises(RuleError, match="may be delivered under"):
        create_session(db, curriculum=curriculum(), billing_code="98961", scheduled_at=T0, setting="clinic",
                       facilitator_id=None, participant_ids=[])
    many = [create_participant(db, first_name=f"P{i}", last_name="Many").id for i in range(21)]
    with pytest.raises(RuleError, match="Split the group"):
        create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=T0, setting="clinic",
                       facilitator_id=None, participant_ids=many)
    with pytest.raises(RuleError, match="setting"):
        create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=T0, setting="moon",
                       facilitator_id=None, participant_ids=[])


def test_notes_keep_every_version(db, fake_now):
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


def test_presence_arrive_leave_and_never_came(db, fake_now):
    s, people, _ = make_session(db, n=3)
    a, b, c = (p.id for p in people)
    set_present(db, session_id=s.id, participant_id=c, present=False)
    start_session(db, session_id=s.id)
    fake_now["t"] = T0 + timedelta(minutes=10)
    mark_left(db, session_id=s.id, participant_id=a)
    fake_now["t"] = T0 + timedelta(minutes=20)
    mark_arrived(db, session_id=s.id, participant_id=a)
    mark_arrived(db, session_id=s.id, participant_id=c)  # late
    fake_now["t"] = T0 + timedelta(minutes=25)
    set_present(db, session_id=s.id, participant_id=b, present=False)  # b never came: withdrawn, kept
    late = create_participant(db, first_name="Lou", last_name="Latecomer")
    add_to_roster(db, session_id=s.id, participant_id=late.id)
    fake_now["t"] = T0 + timedelta(minutes=30)
    end_session(db, session_id=s.id)
    view = load_session_view(db, s.id)
    by = {p.participant_id: p for p in view.people}
    m = lambda x: T0 + timedelta(minutes=x)  # noqa: E731
    assert by[a].intervals == [(m(0), m(10)), (m(20), m(30))]
    assert by[c].intervals == [(m(20), m(30))]
    assert by[b].intervals == [] and not by[b].present
    assert by[late.id].added_late and by[late.id].intervals == [(m(25), m(30))]
    superseded = db.exec(select(PresenceInterval).where(PresenceInterval.superseded_at.is_not(None))).all()
    assert len(superseded) == 1  # b's interval is kept, not deleted


def test_ratings_competency_questions_goals_validate(db, fake_now):
    s, people, _ = make_session(db, n=2)
    pid = people[0].id
    cur = curriculum()
    item = cur.assessment[0]
    set_rating(db, session_id=s.id, participant_id=pid, item_id=item.id, phase="pre", value=item.low)
    set_rating(db, session_id=s.id, participant_id=pid, item_id=item.id, phase="pre", value=item.high)
    with pytest.raises(RuleError):
        set_rating(db, session_id=s.id, participant_id=pid, item_id=item.id, phase="pre", value=item.high + 1)
    with pytest.raises(RuleError):
        set_rating(db, session_id=s.id, participant_id=pid, item_id="nope", phase="pre", value=5)
    set_competency(db, session_id=s.id, participant_id=pid, topic_id=cur.topics[0].id, phase="pre", level="NC")
    with pytest.raises(RuleError):
        set_competency(db, session_id=s.id, participant_id=pid, topic_id=cur.topics[0].id, phase="pre", level="5")
    view = load_session_view(db, s.id)
    assert view.ratings == {(pid, item.id, "pre"): item.high}
    assert view.competency == {(pid, cur.topics[0].id, "pre"): "NC"}
    q = add_question(db, session_id=s.id, text="  Why?  ")
    set_question_status(db, question_id=q.id, status="parked")
    with pytest.raises(RuleError):
        add_question(db, session_id=s.id, text="   ")
    with pytest.raises(RuleError):
        add_goal(db, session_id=s.id, participant_id=pid, behaviour="Flying", text="x", confidence=5,
                 follow_up_date=None)
    with pytest.raises(RuleError):
        add_goal(db, session_id=s.id, participant_id=pid, behaviour="Being active", text="walk", confidence=11,
                 follow_up_date=None)
    add_goal(db, session_id=s.id, participant_id=pid, behaviour="Being active", text="walk", confidence=0,
             follow_up_date=date(2027, 1, 1))
    with pytest.raises(RuleError):
        set_tick(db, session_id=s.id, item_key="teach:topic:nope", done=True)


def test_step_actions_need_a_live_session(db, fake_now):
    s, _, _ = make_session(db, n=2)
    with pytest.raises(RuleError, match="planned"):
        go_to_step(db, session_id=s.id, step="teach")
    start_session(db, session_id=s.id)
    with pytest.raises(RuleError, match="Unknown step"):
        go_to_step(db, session_id=s.id, step="lunch")
    end_session(db, session_id=s.id)
    with pytest.raises(RuleError, match="ended"):
        start_session(db, session_id=s.id)


def test_welcome_names_only_first_names_of_present_when_on(db):
    from models.sessions import set_projector_names

    s, people, _ = make_session(db, n=3)
    assert welcome_first_names(db, session_id=s.id) == []
    set_projector_names(db, session_id=s.id, show=True)
    set_present(db, session_id=s.id, participant_id=people[2].id, present=False)
    assert welcome_first_names(db, session_id=s.id) == sorted([people[0].first_name, people[1].first_name])
