"""/participants with AppTest: pick a person, their sessions with units, DSMT allowance, goals and
follow-up, latest topic competency and ratings over time; bad links stay neutral."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.assessments import set_competency, set_rating
from models.attendance import set_present
from models.db import session_scope
from models.people import create_facilitator, create_participant
from models.questions_goals import add_goal, mark_goal_followed_up
from models.sessions import create_session, end_session, start_session
from models.tables import Goal
from tests.factories import curriculum
from tests.pages.helpers import all_text, app, noon_days_before

pytestmark = pytest.mark.frozen_clock(noon_days_before(20))


def _history(engine, frozen_clock):
    """Ada attends two G0109 sessions (60 and 90 minutes) and one alone (G0108, 30 minutes)."""
    start = frozen_clock.now
    with session_scope(engine) as db:
        fac = create_facilitator(db, name="Pat Educator", credential="RN")
        ada = create_participant(db, first_name="Ada", last_name="Testwell", record_number="MRN-1")
        bram = create_participant(db, first_name="Bram", last_name="Fakeley")
        sids = []
        for i, minutes in enumerate((60, 90, 30)):
            when = start + timedelta(days=3 * i)
            s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=when,
                               setting="clinic", facilitator_id=fac.id, participant_ids=[ada.id, bram.id])
            sids.append(s.id)
            if i == 2:
                set_present(db, session_id=s.id, participant_id=bram.id, present=False)
            frozen_clock.set(when)
            start_session(db, session_id=s.id)
            for item in curriculum().assessment:
                set_rating(db, session_id=s.id, participant_id=ada.id, item_id=item.id, phase="pre", value=3 + i)
                set_rating(db, session_id=s.id, participant_id=ada.id, item_id=item.id, phase="post", value=6 + i)
            set_competency(db, session_id=s.id, participant_id=ada.id, topic_id="medicines", phase="post",
                           level=str(2 + i) if i < 2 else "NC")
            add_goal(db, session_id=s.id, participant_id=ada.id, behaviour="Monitoring", text=f"Goal number {i}",
                     confidence=5 + i, follow_up_date=when.date() + timedelta(days=7))
            frozen_clock.set(when + timedelta(minutes=minutes))
            end_session(db, session_id=s.id)
        frozen_clock.set(start + timedelta(days=10))
        return ada.id, bram.id, sids


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "1 OR 1=1", "999999"])
def test_bad_or_unknown_participant_ids_are_neutral(any_db_url, raw):
    at = app("pages/participants.py", participant=raw).run()
    assert not at.exception
    assert at.info and ("does not name" in at.info[0].value or "no participant" in at.info[0].value)


def test_pick_a_participant_by_search(engine, frozen_clock):
    ada, bram, _ = _history(engine, frozen_clock)
    at = app("pages/participants.py").run()
    assert not at.exception and any("Search and choose" in i.value for i in at.info)
    at.text_input(key="pp_find").input("mrn-1").run()
    box = at.selectbox(key="pp_pick")
    assert len(box.options) == 2  # "Choose a participant" and Ada
    box.select(ada).run()
    assert not at.exception
    assert at.query_params["participant"] == [str(ada)] or at.query_params["participant"] == str(ada)
    assert any("Ada Testwell" in h.value for h in at.header)


def test_history_allowance_goals_competency_and_ratings(engine, frozen_clock):
    ada, bram, sids = _history(engine, frozen_clock)
    at = app("pages/participants.py", participant=ada).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions attended"] == "3"
    assert metrics["Initial DSMT hours"] == "3 / 10"  # 1 + 1.5 group hours, 0.5 individual
    assert metrics["Units billed"] == "6"
    frames = [d.value for d in at.dataframe]
    sessions = next(f for f in frames if "Record" in f.columns)
    assert list(sessions["Code"]) == ["G0108", "G0109", "G0109"]  # newest first
    assert list(sessions["Units"]) == [1, 3, 2] and list(sessions["DSMT hours"]) == [0.5, 1.5, 1.0]
    assert list(sessions["Record"]) == [f"review?session={s}" for s in reversed(sids)]
    text = all_text(at)
    assert "Initial DSMT: 3 of 10 hours used (2.5 of 9 group, 0.5 of 1 individual)" in text
    assert "Goal number 2" in text and "below 7: problem-solve the plan" in text
    comp = next(f for f in frames if "Latest level" in f.columns)
    assert list(comp["Latest level"]) == ["3 comprehends key points"]  # a later NC does not hide it
    assert len(at.get("vega_lite_chart")) == 2  # allowance bars, ratings over time

    with session_scope(engine) as db:
        gid = db.exec(select(Goal).where(Goal.text == "Goal number 0")).one().id
    at.checkbox(key=f"pp_goal_{gid}").check().run()
    assert not at.exception
    with session_scope(engine) as db:
        assert db.get(Goal, gid).followed_up_at is not None

    other = app("pages/participants.py", participant=bram).run()
    assert not other.exception
    assert {m.label: m.value for m in other.metric}["Sessions attended"] == "2"
    assert any("No goals recorded" in c.value for c in other.caption)


def test_open_goals_first_and_old_followed_up_goals_folded(engine, frozen_clock):
    ada, _, sids = _history(engine, frozen_clock)
    with session_scope(engine) as db:
        for i in range(7):
            g = add_goal(db, session_id=sids[0], participant_id=ada, behaviour="Healthy eating",
                         text=f"Done goal {i}", confidence=8, follow_up_date=None)
            mark_goal_followed_up(db, goal_id=g.id, done=True)
    at = app("pages/participants.py", participant=ada).run()
    assert not at.exception
    shown = [t.value for t in at.text if "goal" in t.value.lower()]
    assert shown[:3] == ["Goal number 2", "Goal number 1", "Goal number 0"]  # the open ones, newest first
    assert len([t for t in shown if t.startswith("Done goal")]) == 5
    assert any("3 open" in c.value and "7 followed up" in c.value for c in at.caption)
    at.toggle(key=f"pp_all_done_{ada}").set_value(True).run()
    assert len([t.value for t in at.text if t.value.startswith("Done goal")]) == 7
