"""Reports: billing rows (one per attending participant) and the program overview (on time, attendance,
rating changes, competency reached). Plain pytest on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import clock
from models.assessments import set_competency
from models.attendance import mark_arrived, set_present
from models.reports import billing_rows, program_overview
from models.sessions import create_session, end_session, start_session
from models.tables import Participant
from tests.factories import curriculum, make_session
from tests.models.helpers import T0, rate, run, three_sessions

pytestmark = pytest.mark.frozen_clock(T0)


# ---------------------------------------------------------------- billing rows


def test_billing_rows_one_per_attending_participant(db, frozen_clock):
    (s1, s2, s3), (ada, bram, cora), _ = three_sessions(db, frozen_clock)
    extra = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=T0 + timedelta(days=1),
                           setting="clinic", facilitator_id=None, participant_ids=[ada.id, bram.id])  # planned
    set_present(db, session_id=extra.id, participant_id=ada.id, present=True)
    day0 = clock.to_local(T0).date()
    rows = billing_rows(db, date_from=day0, date_to=day0 + timedelta(days=1))
    assert [(r.session_id, r.participant_id, r.code, r.minutes, r.units, r.group_size) for r in rows] == [
        (s1, ada.id, "G0109", 60, 2, 2), (s1, bram.id, "G0109", 60, 2, 2),
        (s2, bram.id, "98961", 60, 2, 2), (s2, cora.id, "98961", 60, 2, 2)]
    assert rows[0].record_number == "MRN-1" and rows[0].last_name == "Testwell"
    assert billing_rows(db, date_from=day0 + timedelta(days=5), date_to=day0 + timedelta(days=9)) == []


def test_billing_rows_leave_out_the_absent(db, frozen_clock):
    s, people, _ = make_session(db, n=3, when=T0)
    set_present(db, session_id=s.id, participant_id=people[2].id, present=False)
    run(db, frozen_clock, s.id)
    day0 = clock.to_local(T0).date()
    rows = billing_rows(db, date_from=day0, date_to=day0)
    assert sorted(r.participant_id for r in rows) == sorted(p.id for p in people[:2])


# ---------------------------------------------------------------- program overview


@pytest.mark.parametrize(("delay", "length", "on_time"), [
    (0, 120, True), (10, 120, True), (-10, 120, True), (11, 120, False), (-11, 120, False),
    (0, 108, True), (0, 132, True), (0, 107, False), (0, 133, False),
])
def test_on_time_boundaries(db, frozen_clock, delay, length, on_time):
    s, _, _ = make_session(db, n=2, when=T0)  # planned 120 minutes
    run(db, frozen_clock, s.id, when=T0 + timedelta(minutes=delay), minutes=length)
    day0 = clock.to_local(T0).date()
    ov = program_overview(db, date_from=day0, date_to=day0)
    [t] = ov.timings
    assert t.on_time is on_time
    assert ov.on_time_share == (1.0 if on_time else 0.0)


def test_program_overview_figures(db, frozen_clock):
    (s1, s2, s3), (ada, bram, cora), _ = three_sessions(db, frozen_clock)
    # s3 was planned for 3 and ran with all: make one no-show in a fourth session
    s4, people, _ = make_session(db, n=4, when=T0 + timedelta(days=3))
    set_present(db, session_id=s4.id, participant_id=people[3].id, present=False)
    run(db, frozen_clock, s4.id, when=T0 + timedelta(days=3))
    make_session(db, n=2, when=T0 + timedelta(days=40))  # planned, next month
    for sid, pid, pre, post in ((s1, ada.id, 4, 6), (s1, bram.id, 5, 6), (s3, ada.id, 6, 8)):
        rate(db, sid, pid, "pre", pre)
        rate(db, sid, pid, "post", post)
    rate(db, s1, bram.id, "post", 9, n=1)  # overwrites one item: still scorable
    rate(db, s3, cora.id, "pre", 2)  # no post: left out
    for sid, pid, level in ((s1, ada.id, "2"), (s3, ada.id, "4"), (s1, bram.id, "3"), (s3, cora.id, "2"),
                            (s3, bram.id, "NC")):
        set_competency(db, session_id=sid, participant_id=pid, topic_id="medicines", phase="post", level=level)
    day0 = clock.to_local(T0).date()
    ov = program_overview(db, date_from=day0, date_to=day0 + timedelta(days=60))
    months = {(m.month, m.status): m.sessions for m in ov.sessions_per_month}
    m0 = clock.to_local(T0).strftime("%Y-%m")
    assert months[(m0, "ended")] == 4 and sum(v for (m, st), v in months.items() if st == "planned") == 1
    assert (sum(a.rostered for a in ov.attendance), sum(a.present for a in ov.attendance)) == (11, 10)
    assert ov.attendance_rate == pytest.approx(10 / 11)
    [change] = ov.changes
    assert change.curriculum_id == "diabetes-dsmt-group" and change.pairs == 3
    bram_post = (9 + 6 * 7) / 8
    assert change.average_pre == pytest.approx((4 + 5 + 6) / 3)
    assert change.average_post == pytest.approx((6 + bram_post + 8) / 3)
    [share] = [c for c in ov.competency if c.topic_id == "medicines"]
    assert (share.rated, share.reached) == (3, 2)  # Ada reached 4, Bram 3, Cora 2; NC is not a rating
    assert share.topic == "Taking your diabetes medicines"
    assert len(ov.timings) == 4 and ov.delivered == 4
    only = program_overview(db, date_from=day0, date_to=day0 + timedelta(days=60), curriculum_id="hypertension-group")
    assert only.total_sessions == 1 and only.changes == [] and only.competency == []


def test_mark_arrived_late_counts_in_attendance(db, frozen_clock):
    s, people, _ = make_session(db, n=2, when=T0)
    set_present(db, session_id=s.id, participant_id=people[1].id, present=False)
    frozen_clock.at(T0)
    start_session(db, session_id=s.id)
    frozen_clock.at(T0, 10)
    mark_arrived(db, session_id=s.id, participant_id=people[1].id)
    frozen_clock.at(T0, 60)
    end_session(db, session_id=s.id)
    day0 = clock.to_local(T0).date()
    ov = program_overview(db, date_from=day0, date_to=day0)
    assert ov.attendance_rate == 1.0
    assert db.get(Participant, people[1].id) is not None
