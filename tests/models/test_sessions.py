"""Session planning and the live flow at the model layer: a session freezes its curriculum and checks its
code, group size and setting; step actions need a live session; ticks name items of the curriculum."""

from __future__ import annotations

import pytest

from models.errors import RuleError
from models.people import create_participant
from models.sessions import create_session, end_session, go_to_step, set_tick, start_session
from tests.factories import SCHEDULED, curriculum, make_session

T0 = SCHEDULED
pytestmark = pytest.mark.frozen_clock(T0)


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


def test_step_actions_need_a_live_session(db, frozen_clock):
    s, _, _ = make_session(db, n=2)
    with pytest.raises(RuleError, match="planned"):
        go_to_step(db, session_id=s.id, step="teach")
    start_session(db, session_id=s.id)
    with pytest.raises(RuleError, match="Unknown step"):
        go_to_step(db, session_id=s.id, step="lunch")
    end_session(db, session_id=s.id)
    with pytest.raises(RuleError, match="ended"):
        start_session(db, session_id=s.id)


def test_a_tick_names_an_item_of_the_curriculum(db, frozen_clock):
    s, _, _ = make_session(db, n=2)
    with pytest.raises(RuleError):
        set_tick(db, session_id=s.id, item_key="teach:topic:nope", done=True)
