"""Ratings and topic competency: what is accepted, what is stored, and how a scale is scored."""

from __future__ import annotations

import pytest

from models.assessments import ratings_needed, scale_score, set_competency, set_rating
from models.errors import RuleError
from models.session_view import load_session_view
from tests.factories import SCHEDULED, curriculum, make_session

pytestmark = pytest.mark.frozen_clock(SCHEDULED)


def test_scale_score_allows_two_missing_items():
    assert scale_score([4] * 8, 8) == 4
    assert scale_score([4] * 6 + [7], 8) == pytest.approx(31 / 7)
    assert scale_score([5] * 6, 8) == 5
    assert scale_score([5] * 5, 8) is None
    assert scale_score([], 8) is None
    assert ratings_needed(8) == 6 and ratings_needed(2) == 1 and ratings_needed(0) == 0


def test_ratings_and_competency_validate(db, frozen_clock):
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
