"""Sessions run through the model functions for the model tests, with the `frozen_clock` fixture moving time.
Every name here is invented (tests/factories.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.assessments import set_rating
from models.attendance import set_present
from models.billing import summary_for_view
from models.people import create_facilitator, create_participant
from models.session_view import load_session_view
from models.sessions import create_session, end_session, go_to_step, start_session
from tests.factories import curriculum, make_session

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ITEMS = [i.id for i in curriculum().assessment]


def run(db, clk, sid, *, when=T0, minutes=60, steps=("intro", "teach")):
    """Start at `when`, move through `steps` evenly and end `minutes` later."""
    clk.at(when)
    start_session(db, session_id=sid)
    for i, st in enumerate(steps[1:], 1):
        clk.at(when, minutes * i / len(steps))
        go_to_step(db, session_id=sid, step=st)
    clk.at(when, minutes)
    end_session(db, session_id=sid)


def rate(db, sid, pid, phase, value, n=None):
    """The same value for the curriculum's first `n` assessment items (all by default)."""
    for item in ITEMS[:n]:
        set_rating(db, session_id=sid, participant_id=pid, item_id=item, phase=phase, value=value)


def three_sessions(db, clk):
    """Three ended sessions on three days, different curricula, codes and facilitators."""
    fac_a = create_facilitator(db, name="Pat Educator", credential="RN")
    fac_b = create_facilitator(db, name="Sam Coach", credential="RD")
    ada = create_participant(db, first_name="Ada", last_name="Testwell", record_number="MRN-1")
    bram = create_participant(db, first_name="Bram", last_name="Fakeley")
    cora = create_participant(db, first_name="Cora", last_name="Inventa")
    out = []
    for day, cid, code, fac, people in (
        (0, "diabetes-dsmt-group", "G0109", fac_a, [ada, bram]),
        (1, "hypertension-group", "98961", fac_b, [bram, cora]),
        (2, "diabetes-dsmt-group", "G0109", fac_b, [ada, bram, cora]),
    ):
        when = T0 + timedelta(days=day)
        s = create_session(db, curriculum=curriculum(cid), billing_code=code, scheduled_at=when, setting="clinic",
                           facilitator_id=fac.id, participant_ids=[p.id for p in people])
        run(db, clk, s.id, when=when)
        out.append(s.id)
    return out, (ada, bram, cora), (fac_a, fac_b)


def start_at_t0(db, clk, *, n=3, cid="diabetes-dsmt-group", code=None, absent=(), credential="RN, CDCES"):
    """A session scheduled and started at T0; the people at the indexes in `absent` are marked not present."""
    s, people, _ = make_session(db, n=n, cid=cid, code=code, when=T0, credential=credential)
    pids = [p.id for p in people]
    for i in absent:
        set_present(db, session_id=s.id, participant_id=pids[i], present=False)
    clk.at(T0, 0)
    start_session(db, session_id=s.id)
    return s.id, pids


def end_at(db, clk, sid, minute):
    """End the session `minute` minutes after T0 and return its billing summary."""
    clk.at(T0, minute)
    end_session(db, session_id=sid)
    return summary_for_view(load_session_view(db, sid))
