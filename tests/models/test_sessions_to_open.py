"""Which sessions a "Live session" link leads to (models.sessions.sessions_to_open): every one running now, or
else the next one today, in one query that reads no frozen curriculum."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from models.people import create_facilitator
from models.sessions import create_session, sessions_to_open
from tests.factories import curriculum

NOON = datetime(2026, 11, 24, 12, 0).astimezone().astimezone(UTC)  # local noon
pytestmark = pytest.mark.frozen_clock(NOON)


def _plan(db, fac_id, hours: float):
    return create_session(db, curriculum=curriculum(), billing_code="G0109", setting="clinic", facilitator_id=fac_id,
                          scheduled_at=NOON + timedelta(hours=hours), participant_ids=[]).id


def test_the_next_today_or_else_the_last_one_due(db, frozen_clock):
    fac = create_facilitator(db, name="Pat Educator", credential="RN").id
    _plan(db, fac, -3)
    due = _plan(db, fac, -1)
    assert [x.session_id for x in sessions_to_open(db)] == [due]  # nothing later today: the one due last
    later = _plan(db, fac, 1)
    _plan(db, fac, 3)
    _plan(db, fac, 24)  # tomorrow
    assert [(x.session_id, x.title) for x in sessions_to_open(db)] == [(later, curriculum().title)]


def test_one_query_whatever_the_history(db, engine, frozen_clock):
    fac = create_facilitator(db, name="Pat Educator", credential="RN").id
    for day in range(1, 40):
        _plan(db, fac, -24 * day)
    db.commit()
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert sessions_to_open(db) == []
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 1 and "curriculum_json" not in statements[0]
