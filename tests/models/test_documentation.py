"""Documentation gaps: each reason a session's documentation is incomplete (pure rules, no database)."""

from __future__ import annotations

from datetime import date, timedelta

from models.documentation import GoalFact, TaggedNote, documentation_gaps


def test_documentation_gaps_each_reason():
    today = date(2026, 3, 10)
    base = dict(status="ended", ran=True, n_items=8, attended={1, 2}, post_counts={1: 8, 2: 6},
                goals=[GoalFact(1, None, False), GoalFact(2, None, False)], notes=[], today=today)
    assert documentation_gaps(**base) == []
    assert documentation_gaps(**{**base, "status": "live"}) == []
    assert documentation_gaps(**{**base, "ran": False}) == ["ended without being run (no time recorded)"]
    # "missing" only when not one post item was rated; too few to score says how many were
    assert documentation_gaps(**{**base, "post_counts": {1: 8}}) == ["post ratings missing for 1 participant(s)"]
    assert documentation_gaps(**{**base, "post_counts": {1: 8, 2: 5}}) == [
        "post ratings too few to score for 1 participant(s) (5 of 8 items rated; 6 needed)"]
    assert documentation_gaps(**{**base, "goals": [GoalFact(1, None, False)]}) == ["no goal for 1 participant(s)"]
    # a goal's follow-up is open from its date on, until marked followed up
    due = [GoalFact(1, today, False), GoalFact(2, today + timedelta(days=1), False)]
    assert documentation_gaps(**{**base, "goals": due}) == ["open follow-up: 1 goal follow-up(s) due"]
    done = [GoalFact(1, today, True), GoalFact(2, None, False)]
    assert documentation_gaps(**{**base, "goals": done}) == []
    # a note tagged for follow-up stays open until that person has a goal marked followed up
    tagged = [TaggedNote(2, ("needs follow-up",)), TaggedNote(1, ("distress",))]
    assert documentation_gaps(**{**base, "notes": tagged}) == ["open follow-up: 1 note(s) tagged for follow-up"]
    assert documentation_gaps(**{**base, "notes": tagged, "goals": [GoalFact(1, None, False),
                                                                     GoalFact(2, None, True)]}) == []
    group = [TaggedNote(None, ("refer to one-on-one",))]
    assert documentation_gaps(**{**base, "notes": group, "goals": [GoalFact(1, None, True),
                                                                   GoalFact(2, None, True)]}) != []


def test_post_ratings_missing_and_too_few_are_told_apart():
    base = dict(status="ended", ran=True, n_items=8, attended={1, 2, 3, 4}, goals=[GoalFact(p, None, False)
                for p in (1, 2, 3, 4)], notes=[], today=date(2026, 3, 10))
    # at the boundary: 6 of 8 rated scores (at most 2 missing), 5 does not
    assert documentation_gaps(**base, post_counts={1: 6, 2: 6, 3: 8, 4: 7}) == []
    assert documentation_gaps(**base, post_counts={1: 0, 2: 5, 3: 3, 4: 5}) == [
        "post ratings missing for 1 participant(s)",
        "post ratings too few to score for 3 participant(s) (3 and 5 of 8 items rated; 6 needed)"]
    assert documentation_gaps(**base, post_counts={2: 1, 3: 2, 4: 3}) == [
        "post ratings missing for 1 participant(s)",
        "post ratings too few to score for 3 participant(s) (1, 2 and 3 of 8 items rated; 6 needed)"]
    # a patient who did not attend is not counted either way; no assessment, nothing to rate
    assert documentation_gaps(**{**base, "attended": {3}}, post_counts={3: 8, 1: 0}) == []
    assert documentation_gaps(**{**base, "n_items": 0}, post_counts={}) == []
