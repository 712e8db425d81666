"""Questions raised in the session (the Q&A queue) and each participant's behaviour goals with their
follow-up."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from models import clock
from models.enums import QuestionStatus
from models.errors import RuleError
from models.rules import ADCES7, CONFIDENCE_MAX, CONFIDENCE_MIN, GOAL_FOLLOW_UP_DAYS, MAX_GOAL, MAX_QUESTION
from models.session_rows import attendance_row, mark_activity, require_session, touch
from models.tables import Goal, Question


def add_question(db: Session, *, session_id: int, text: str, participant_id: int | None = None) -> Question:
    require_session(db, session_id)
    text = text.strip()
    if not text:
        raise RuleError("The question is empty.")
    if "\x00" in text:
        raise RuleError("The question contains a NUL character, which cannot be stored; remove it.")
    if len(text) > MAX_QUESTION:
        raise RuleError(f"A question holds at most {MAX_QUESTION:,} characters; this one has {len(text):,}.")
    if participant_id is not None:
        attendance_row(db, session_id, participant_id)
    q = Question(session_id=session_id, participant_id=participant_id, text=text)
    db.add(q)
    touch(db, session_id)
    db.flush()
    return q


def set_question_status(db: Session, *, question_id: int, status: str) -> None:
    if status not in tuple(QuestionStatus):
        raise RuleError("A question is open, answered or parked.")
    q = db.get(Question, question_id)
    if q is None:
        raise RuleError("That question does not exist.")
    q.status, q.updated_at = status, clock.now()
    db.add(q)
    touch(db, q.session_id)
    db.flush()


def add_goal(
    db: Session,
    *,
    session_id: int,
    participant_id: int,
    behaviour: str,
    text: str,
    confidence: int,
    follow_up_date: date | None,
) -> Goal:
    require_session(db, session_id)
    attendance_row(db, session_id, participant_id)
    if behaviour not in ADCES7:
        raise RuleError("Choose one of the ADCES7 self-care behaviours.")
    text = text.strip()
    if not text:
        raise RuleError("The goal is empty.")
    if "\x00" in text:
        raise RuleError("The goal contains a NUL character, which cannot be stored; remove it.")
    if len(text) > MAX_GOAL:
        raise RuleError(f"A goal holds at most {MAX_GOAL:,} characters; this one has {len(text):,}.")
    if not CONFIDENCE_MIN <= int(confidence) <= CONFIDENCE_MAX:
        raise RuleError(f"Confidence runs from {CONFIDENCE_MIN} to {CONFIDENCE_MAX}.")
    g = Goal(session_id=session_id, participant_id=participant_id, behaviour=behaviour, text=text,
             confidence=int(confidence), follow_up_date=follow_up_date)
    db.add(g)
    mark_activity(db, session_id)
    db.flush()
    return g


def mark_goal_followed_up(db: Session, *, goal_id: int, done: bool = True) -> None:
    g = db.get(Goal, goal_id)
    if g is None:
        raise RuleError("That goal does not exist.")
    g.followed_up_at = clock.now() if done else None
    db.add(g)
    db.flush()


def default_follow_up_date(session_day: date | None = None) -> date:
    """A new goal's follow-up date unless the educator picks another: GOAL_FOLLOW_UP_DAYS after the session's
    local day (today by default)."""
    return (session_day or clock.today()) + timedelta(days=GOAL_FOLLOW_UP_DAYS)


def goal_due(follow_up_date: date | None, followed_up: bool, today: date) -> bool:
    """A goal's follow-up is due when its date has come (on or before today) and it is not followed up yet."""
    return not followed_up and follow_up_date is not None and follow_up_date <= today
