"""A participant's history: sessions with units and DSMT hours, the allowance, latest competency, goals and
ratings over time; and finding a participant. Plain pytest on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import clock
from models.assessments import set_competency
from models.attendance import set_present
from models.participant_history import participant_history
from models.people import create_facilitator, create_participant, find_participants
from models.questions_goals import add_goal, mark_goal_followed_up
from models.sessions import create_session, end_session, start_session
from tests.factories import curriculum
from tests.models.helpers import T0, rate

pytestmark = pytest.mark.frozen_clock(T0)


def test_participant_history_units_allowance_competency_goals_ratings(db, frozen_clock):
    fac = create_facilitator(db, name="Pat Educator", credential="RN")
    ada = create_participant(db, first_name="Ada", last_name="Testwell", record_number="MRN-1")
    bram = create_participant(db, first_name="Bram", last_name="Fakeley")
    days = [T0, T0 + timedelta(days=30), T0 + timedelta(days=60)]
    sids = []
    for i, when in enumerate(days):
        s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=when, setting="clinic",
                           facilitator_id=fac.id, participant_ids=[ada.id, bram.id])
        sids.append(s.id)
        if i == 2:
            set_present(db, session_id=s.id, participant_id=bram.id, present=False)  # Ada alone: G0108
        frozen_clock.at(when)
        start_session(db, session_id=s.id)
        rate(db, s.id, ada.id, "pre", 3 + i)
        level = {0: "2", 1: "4", 2: "NC"}[i]
        set_competency(db, session_id=s.id, participant_id=ada.id, topic_id="medicines", phase="post", level=level)
        if i == 0:
            set_competency(db, session_id=s.id, participant_id=ada.id, topic_id="lows-and-highs", phase="pre",
                           level="1")
        frozen_clock.at(when, 45)
        rate(db, s.id, ada.id, "post", 6 + i)
        g = add_goal(db, session_id=s.id, participant_id=ada.id, behaviour="Monitoring", text=f"Goal {i}",
                     confidence=6, follow_up_date=when.date() + timedelta(days=14))
        if i == 0:
            mark_goal_followed_up(db, goal_id=g.id)
        frozen_clock.at(when, 60 if i < 2 else 30)
        end_session(db, session_id=s.id)
    s4 = create_session(db, curriculum=curriculum("hypertension-group"), billing_code="98961",
                        scheduled_at=T0 + timedelta(days=90), setting="clinic", facilitator_id=fac.id,
                        participant_ids=[ada.id, bram.id])
    frozen_clock.at(T0, 60 * 24 * 100)
    h = participant_history(db, ada.id)
    assert [r.session_id for r in h.sessions] == [*sids, s4.id]
    assert [(r.billed_code, r.minutes, r.units, r.present) for r in h.sessions] == [
        ("G0109", 60, 2, True), ("G0109", 60, 2, True), ("G0108", 30, 1, True), (None, None, None, False)]
    assert [r.dsmt_hours for r in h.sessions] == [1.0, 1.0, 0.5, None]  # never ran: no DSMT code billed
    a = h.allowance
    assert (a.group_used, a.individual_used, a.initial_used) == (2.0, 0.5, 2.5)
    assert a.first_day == clock.to_local(T0).date()
    latest = {t.topic_id: (t.level, t.session_id) for t in h.competency}
    assert latest == {"medicines": ("4", sids[1]), "lows-and-highs": ("1", sids[0])}
    assert [(g.text, g.followed_up_at is not None) for g in h.goals] == [("Goal 0", True), ("Goal 1", False),
                                                                         ("Goal 2", False)]
    assert [(r.session_id, r.phase, r.score) for r in h.ratings] == [
        (sids[0], "pre", 3), (sids[0], "post", 6), (sids[1], "pre", 4), (sids[1], "post", 7), (sids[2], "pre", 5),
        (sids[2], "post", 8)]
    assert participant_history(db, 999_999) is None
    assert [p.id for p in find_participants(db, text="mrn-1")] == [ada.id]
    assert [p.id for p in find_participants(db, text="ada test")] == [ada.id]
    assert find_participants(db, text="%") == []
