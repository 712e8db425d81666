"""Questions and goals: blank questions, unknown behaviours and confidence outside 0–10 are refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import clock
from models.errors import RuleError
from models.questions_goals import add_goal, add_question, default_follow_up_date, goal_due, set_question_status
from models.rules import GOAL_FOLLOW_UP_DAYS
from tests.factories import SCHEDULED, make_session

pytestmark = pytest.mark.frozen_clock(SCHEDULED)


def test_questions_and_goals_validate(db, frozen_clock):
    s, people, _ = make_session(db, n=2)
    pid = people[0].id
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


def test_goal_follow_up_is_due_on_its_date_not_before():
    day = date(2026, 12, 1)
    assert not goal_due(day, False, date(2026, 11, 30))
    assert goal_due(day, False, day) and goal_due(day, False, date(2026, 12, 2))
    assert not goal_due(day, True, date(2026, 12, 2))  # followed up
    assert not goal_due(None, False, date(2030, 1, 1))  # no date set: never due


def test_default_follow_up_date_counts_from_the_local_session_day(frozen_clock):
    assert default_follow_up_date(date(2026, 1, 31)) == date(2026, 3, 2)  # GOAL_FOLLOW_UP_DAYS = 30
    assert default_follow_up_date() == clock.today() + timedelta(days=GOAL_FOLLOW_UP_DAYS)
