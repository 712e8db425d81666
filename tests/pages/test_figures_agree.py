"""One answer per figure: where two pages show the same figure, they show the same value, because both ask the
same function in models/. Every person here is invented."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from models import clock
from models.assessments import set_rating
from models.db import session_scope
from models.people import create_participant
from models.rules import GOAL_FOLLOW_UP_DAYS
from models.session_record import session_record
from models.sessions import go_to_step, start_session
from tests.factories import curriculum, make_session
from tests.pages.helpers import app
from ui.live_writes import goals_open_key, late_open_key


@pytest.fixture
def far_east(local_zone):
    """The server's zone is UTC+14, so for the first 14 hours of a UTC day the local date is a day ahead."""
    local_zone("Pacific/Kiritimati")


def test_mean_change_on_live_is_the_records_change(engine):
    """/live's post grid and the session record both show post score minus pre score, each score the mean of
    the items rated with the missing-item rule, not a mean of per-item differences."""
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=3)
        sid, (ada, bram, cora) = s.id, [p.id for p in people]
        start_session(db, session_id=sid)
        items = [i.id for i in curriculum().assessment]
        # Ada: pre on all but the last item, post on all with a low last item; the two definitions differ
        for it in items[:-1]:
            set_rating(db, session_id=sid, participant_id=ada, item_id=it, phase="pre", value=2)
        for it in items[:-1]:
            set_rating(db, session_id=sid, participant_id=ada, item_id=it, phase="post", value=8)
        set_rating(db, session_id=sid, participant_id=ada, item_id=items[-1], phase="post", value=1)
        # Bram: too few pre items to score (more than two missing): no change, although items can be paired
        for it in items[:2]:
            set_rating(db, session_id=sid, participant_id=bram, item_id=it, phase="pre", value=3)
        for it in items:
            set_rating(db, session_id=sid, participant_id=bram, item_id=it, phase="post", value=5)
        go_to_step(db, session_id=sid, step="summary")
    n = len(items)
    ada_change = (7 * 8 + 1) / n - 2  # difference of the scored means
    assert round(ada_change, 2) != 6.0  # the mean of the per-item differences would say 6

    with session_scope(engine) as db:
        rec = session_record(db, sid)
    by_pid = {r.participant_id: r.change for r in rec.ratings}
    assert by_pid[ada] == pytest.approx(ada_change) and by_pid[bram] is None and by_pid[cora] is None

    at = app("pages/live.py", session=sid).run()
    assert not at.exception
    grid: pd.DataFrame = at.data_editor[0].value
    changes = dict(zip(grid["Participant"], grid["Change"], strict=True))
    assert changes["Ada Testwell"] == pytest.approx(round(ada_change, 2))
    assert pd.isna(changes["Bram Fakeley"]) and pd.isna(changes["Cora Inventa"])


def test_plan_and_live_find_by_full_name_and_take_wildcards_literally(engine):
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        sid = s.id
        start_session(db, session_id=sid)
        dov = create_participant(db, first_name="Dov", last_name="Madeup").id
        create_participant(db, first_name="Esi", last_name="Notreal")

    plan = app("pages/plan.py").run()
    plan.text_input(key="plan_search").input("Dov Madeup").run()
    assert plan.multiselect(key="plan_roster").options == ["Dov Madeup"]
    plan.text_input(key="plan_search").input("%").run()  # a LIKE wildcard, taken as the character itself
    assert plan.multiselect(key="plan_roster").options == []

    live = app("pages/live.py", session=sid)
    live.session_state[late_open_key(sid)] = True  # "Add a late arrival" opened
    live.run()
    live.text_input(key=f"late_q_{sid}").input("dov madeup").run()
    assert live.selectbox(key=f"late_pick_{sid}").options == ["Dov Madeup"]
    live.text_input(key=f"late_q_{sid}").input("_").run()
    assert live.selectbox(key=f"late_pick_{sid}").options == []
    assert dov  # on nobody's roster yet: both pickers offer him


@pytest.mark.frozen_clock(datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
def test_today_is_the_local_day_on_plan_and_live(engine, far_east, frozen_clock):
    """11:00 UTC on 23 November is 01:00 on 24 November in the server's zone: both pages start from the 24th."""
    now = frozen_clock.now
    assert clock.today() == date(2026, 11, 24)
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2, when=now)
        sid, ada = s.id, people[0].id
        start_session(db, session_id=sid)
        go_to_step(db, session_id=sid, step="summary")

    plan = app("pages/plan.py").run()
    assert plan.date_input(key="plan_date").value == date(2026, 11, 24)
    live = app("pages/live.py", session=sid)
    live.session_state[goals_open_key(sid, ada)] = True  # her goal form opened
    live.run()
    assert not live.exception
    follow_up = live.date_input(key=f"goal_{sid}_{ada}_date").value
    assert follow_up == date(2026, 11, 24) + timedelta(days=GOAL_FOLLOW_UP_DAYS)
