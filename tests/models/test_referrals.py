"""The practitioner's order beside the Medicare DSMT allowance: what an order holds (NPI check digits, half-hour
steps, limits), its version check, and the arithmetic of hours ordered, used, planned and left at its boundaries
(exactly at the order and half an hour over; group vs individual; an order asking more than the allowance; planned
sessions; codes that are not DSMT; the order's age; initial vs follow-up). Every person is invented."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import clock, rules
from models.attendance import set_present
from models.enums import Training
from models.errors import UNCHECKED, Conflict, RuleError
from models.people import create_facilitator, create_participant
from models.referrals import (
    create_referral,
    latest_referral,
    npi_is_valid,
    order_expires,
    order_status,
    order_topics,
    plan_warnings,
    referrals_of,
    topic_titles,
    update_referral,
)
from models.sessions import create_session
from models.tables import Referral
from tests.factories import INVENTED, curriculum
from tests.models.helpers import T0, run

pytestmark = pytest.mark.frozen_clock(T0)
DAY0 = clock.to_local(T0).date()
VALID_NPI = "1234567893"  # the CMS example: Luhn over 80840123456789 gives 3


@pytest.fixture
def people(db):
    fac = create_facilitator(db, name="Pat Educator", credential="RN")
    ada, bram, cora = (create_participant(db, first_name=f, last_name=last) for f, last in INVENTED[:3])
    return fac, ada, bram, cora


def order(db, pid, *, group=9.0, individual=1.0, training=Training.INITIAL, order_date=DAY0, **kw):
    return create_referral(db, participant_id=pid, practitioner_name="Dr Quill Nobody", order_date=order_date,
                           group_hours=group, individual_hours=individual, topics=kw.pop("topics", ["Monitoring"]),
                           training=training, **kw)


def session(db, fac, pids, *, days=0, code="G0109", cid="diabetes-dsmt-group", planned_minutes=None):
    s = create_session(db, curriculum=curriculum(cid), billing_code=code, scheduled_at=T0 + timedelta(days=days),
                       setting="clinic", facilitator_id=fac.id, participant_ids=pids)
    if planned_minutes is not None:  # a planned length other than the curriculum's 120 minutes
        s.planned_minutes = planned_minutes
        db.add(s)
        db.flush()
    return s


def ended(db, clk, fac, pids, *, days=0, minutes=60, code="G0109", cid="diabetes-dsmt-group"):
    s = session(db, fac, pids, days=days, code=code, cid=cid)
    run(db, clk, s.id, when=T0 + timedelta(days=days), minutes=minutes)
    return s


# ---------------------------------------------------------------- what an order holds


def test_npi_check_digit():
    assert npi_is_valid(VALID_NPI)
    assert [d for d in "0123456789" if npi_is_valid(VALID_NPI[:-1] + d)] == ["3"]  # one check digit fits
    # The standard's shortcut: Luhn over the nine digits alone, plus 24 for the prefix 80840.
    # 124531959: doubled 9,9,3,4,1 → 9+9+6+8+2 = 34; the others 5,1,5,2 → 13; 34 + 13 + 24 = 71 → 9.
    assert npi_is_valid("1245319599") and not npi_is_valid("1245319590")
    for bad in ("123456789", "12345678930", "123456789X", "１２３４５６７８９３", " 1234567893x", ""):
        assert not npi_is_valid(bad)


def test_npi_is_optional_and_checked(db, people):
    _, ada, *_ = people
    assert order(db, ada.id).practitioner_npi is None
    assert order(db, ada.id, practitioner_npi=f"  {VALID_NPI} ").practitioner_npi == VALID_NPI
    for bad in ("1234567890", "123456789", "12345678931"):
        with pytest.raises(RuleError, match="10 digits"):
            order(db, ada.id, practitioner_npi=bad)


def test_hours_are_stored_in_minutes_in_half_hour_steps(db, people):
    _, ada, *_ = people
    r = order(db, ada.id, group=9, individual=0.5)
    assert (r.group_minutes_ordered, r.individual_minutes_ordered) == (540, 30)
    most = rules.MAX_ORDER_HOURS
    assert order(db, ada.id, group=most, individual=0).group_minutes_ordered == most * 60
    for group, individual, match in ((most + 0.5, 0, f"at most {most} group hours"),
                                     (0.25, 0, "steps of 0.5 hour"), (1, 1.2, "steps of 0.5 hour"),
                                     (-0.5, 1, "zero or more"), (0, 0, "at least 0.5 hour"),
                                     (float("nan"), 1, "zero or more")):
        with pytest.raises(RuleError, match=match):
            order(db, ada.id, group=group, individual=individual)


def test_text_limits_topics_date_and_training(db, people, frozen_clock):
    _, ada, *_ = people
    r = order(db, ada.id, practice="P" * rules.MAX_PRACTICE, contact="c" * rules.MAX_CONTACT,
              diagnosis_code="E" * rules.MAX_DIAGNOSIS_CODE,
              topics=["t" * rules.MAX_TOPIC, " Monitoring ", "Monitoring", ""])
    assert order_topics(r) == ["t" * rules.MAX_TOPIC, "Monitoring"]  # trimmed, once each, empty ones left out
    most_topics = [f"topic {i}" for i in range(rules.MAX_TOPICS)]
    assert order_topics(order(db, ada.id, topics=most_topics)) == most_topics
    refused = [
        ({"practitioner_name": " "}, "name is required"),
        ({"practitioner_name": "N" * (rules.MAX_NAME + 1)}, f"at most {rules.MAX_NAME} characters"),
        ({"practice": "P" * (rules.MAX_PRACTICE + 1)}, f"at most {rules.MAX_PRACTICE} characters"),
        ({"contact": "c" * (rules.MAX_CONTACT + 1)}, f"at most {rules.MAX_CONTACT} characters"),
        ({"diagnosis_code": "E" * (rules.MAX_DIAGNOSIS_CODE + 1)}, f"at most {rules.MAX_DIAGNOSIS_CODE} characters"),
        ({"contact": "fax\x00"}, "NUL"),
        ({"topics": ["t" * (rules.MAX_TOPIC + 1)]}, f"at most {rules.MAX_TOPIC} characters"),
        ({"topics": [f"topic {i}" for i in range(rules.MAX_TOPICS + 1)]}, f"at most {rules.MAX_TOPICS} topics"),
        ({"topics": ["eating | moving"]}, "two topics"),
        ({"order_date": DAY0 + timedelta(days=1)}, "in the future"),
        ({"training": "refresher"}, "initial or follow-up"),
    ]
    for kw, match in refused:
        args = {"practitioner_name": "Dr Quill Nobody", "order_date": DAY0, "training": Training.INITIAL} | kw
        with pytest.raises(RuleError, match=match):
            create_referral(db, participant_id=ada.id, group_hours=1, individual_hours=0,
                            topics=kw.get("topics", []), **{k: v for k, v in args.items() if k != "topics"})
    with pytest.raises(RuleError, match="no participant"):
        order(db, 999_999)


def test_topic_titles_come_from_the_curricula():
    titles = topic_titles([curriculum(), curriculum("hypertension-group"), curriculum()])
    assert "Taking your diabetes medicines" in titles and len(titles) == len(set(titles))
    assert titles == sorted(titles, key=str.casefold)


def test_latest_order_is_the_newest_order_date(db, people):
    _, ada, bram, _ = people
    assert latest_referral(db, ada.id) is None and order_status(db, ada.id).referral is None
    older = order(db, ada.id, order_date=DAY0 - timedelta(days=30))
    newer = order(db, ada.id, order_date=DAY0 - timedelta(days=10))
    order(db, ada.id, order_date=DAY0 - timedelta(days=20))  # entered later, dated earlier
    same_day = order(db, ada.id, order_date=DAY0 - timedelta(days=10))  # same date: the one entered last
    order(db, bram.id)
    assert latest_referral(db, ada.id).id == same_day.id
    assert [r.id for r in referrals_of(db, ada.id)][:2] == [same_day.id, newer.id]
    assert referrals_of(db, ada.id)[-1].id == older.id


def test_update_checks_the_version_it_saw(db, people):
    _, ada, *_ = people
    r = order(db, ada.id, group=6)
    fields = dict(practitioner_name="Dr Quill Nobody", order_date=DAY0, group_hours=6, individual_hours=1,
                  topics=["Monitoring"], training=Training.INITIAL)
    assert update_referral(db, referral_id=r.id, seen_version=1, **fields).version == 1  # nothing changed
    r = update_referral(db, referral_id=r.id, seen_version=1, **(fields | {"group_hours": 8}))
    assert (r.group_minutes_ordered, r.version) == (480, 2)
    with pytest.raises(Conflict) as exc:  # a screen that still shows version 1
        update_referral(db, referral_id=r.id, seen_version=1, **(fields | {"group_hours": 4}))
    assert exc.value.version == 2 and "8 group hours" in exc.value.theirs
    r = update_referral(db, referral_id=r.id, seen_version=exc.value.version, **(fields | {"group_hours": 4}))
    assert (r.group_minutes_ordered, r.version) == (240, 3)
    assert update_referral(db, referral_id=r.id, seen_version=UNCHECKED, **fields).version == 4
    with pytest.raises(RuleError, match="no longer exists"):
        update_referral(db, referral_id=999_999, seen_version=1, **fields)


# ---------------------------------------------------------------- ordered, used, planned, left


@pytest.mark.parametrize(("ordered", "over"), [(3.0, 0.0), (2.5, 0.5)])
def test_exactly_at_the_order_and_half_an_hour_over(db, people, frozen_clock, ordered, over):
    fac, ada, bram, _ = people
    ended(db, frozen_clock, fac, [ada.id, bram.id], minutes=60)  # 1 group hour used
    session(db, fac, [ada.id, bram.id], days=7)  # 120 minutes planned: 2 group hours
    order(db, ada.id, group=ordered, individual=0.5)
    st = order_status(db, ada.id)
    assert (st.group.limit, st.group.used, st.group.planned, st.group.left, st.group.over) == (
        ordered, 1.0, 2.0, 0.0, over)
    beyond = [w for w in st.warnings if "beyond the order" in w]
    assert beyond == ([] if not over else [
        f"Group hours: 1 used since the order of {DAY0:%Y-%m-%d} and 2 planned, 2.5 ordered: 0.5 beyond the order."])


def test_group_and_individual_are_counted_apart(db, people, frozen_clock):
    fac, ada, bram, _ = people
    order(db, ada.id, group=1, individual=0.5)
    ended(db, frozen_clock, fac, [ada.id, bram.id], minutes=60)  # G0109: 1 group hour
    alone = session(db, fac, [ada.id, bram.id], days=1)
    set_present(db, session_id=alone.id, participant_id=bram.id, present=False)  # Ada alone: billed G0108
    run(db, frozen_clock, alone.id, when=T0 + timedelta(days=1), minutes=30)
    st = order_status(db, ada.id)
    assert (st.group.used, st.individual.used) == (1.0, 0.5)
    assert (st.group.left, st.individual.left) == (0.0, 0.0) and not any("beyond" in w for w in st.warnings)
    session(db, fac, [ada.id], days=9, code="G0108", planned_minutes=30)  # half an hour individual planned
    st = order_status(db, ada.id)
    assert (st.group.planned, st.individual.planned, st.individual.over) == (0.0, 0.5, 0.5)
    assert [w for w in st.warnings if "beyond the order" in w] == [
        f"Individual hours: 0.5 used since the order of {DAY0:%Y-%m-%d} and 0.5 planned, 0.5 ordered: 0.5 beyond the "
        "order."]


def test_used_counts_since_the_order_date_and_only_dsmt_codes(db, people, frozen_clock):
    fac, ada, bram, _ = people
    ended(db, frozen_clock, fac, [ada.id, bram.id], minutes=60)  # before the order: not used on it
    ended(db, frozen_clock, fac, [ada.id, bram.id], days=2, minutes=60, code="98961", cid="hypertension-group")
    ended(db, frozen_clock, fac, [ada.id, bram.id], days=3, minutes=90)
    frozen_clock.set(T0 + timedelta(days=4))
    order(db, ada.id, group=4, order_date=DAY0 + timedelta(days=3))
    session(db, fac, [ada.id, bram.id], days=7, code="98961", cid="hypertension-group")  # not DSMT: not planned
    st = order_status(db, ada.id)
    assert (st.group.used, st.group.planned, st.group.left) == (1.5, 0.0, 2.5)
    assert st.allowance.group_used == 2.5  # the allowance counts every DSMT hour billed


def test_planned_is_future_sessions_on_the_roster_in_full_units(db, people, frozen_clock):
    fac, ada, bram, _ = people
    order(db, ada.id, group=9)
    frozen_clock.set(T0 + timedelta(days=2))
    session(db, fac, [ada.id, bram.id], days=1)  # scheduled before now, never run: not planned
    s75 = session(db, fac, [ada.id, bram.id], days=3, planned_minutes=75)  # full units: 2, one hour
    absent = session(db, fac, [ada.id, bram.id], days=4)
    set_present(db, session_id=absent.id, participant_id=ada.id, present=False)  # not expected: not planned
    session(db, fac, [bram.id, create_participant(db, first_name="Dov", last_name="Madeup").id], days=5)
    st = order_status(db, ada.id)
    assert [(p.session_id, p.units, p.hours) for p in st.planned] == [(s75.id, 2, 1.0)]
    assert (st.group.planned, st.group.left) == (1.0, 8.0)
    frozen_clock.set(T0 + timedelta(days=3, seconds=1))  # its time has come: no longer planned
    assert order_status(db, ada.id).group.planned == 0.0


def test_an_order_beyond_the_allowance_and_a_plan_beyond_the_allowance(db, people, frozen_clock):
    fac, ada, bram, _ = people
    order(db, ada.id, group=12, individual=1)
    assert order_status(db, ada.id).warnings == [
        "The order asks for 12 group hours; Medicare's initial allowance is 9 group hours."]
    for day in range(3):
        ended(db, frozen_clock, fac, [ada.id, bram.id], days=day, minutes=120)  # 6 group hours
    frozen_clock.set(T0 + timedelta(days=5))
    session(db, fac, [ada.id, bram.id], days=10)  # 2 hours
    session(db, fac, [ada.id, bram.id], days=11, planned_minutes=60)  # 1 hour: 9 exactly
    st = order_status(db, ada.id)
    assert (st.group.used, st.group.planned, st.group.left) == (6.0, 3.0, 3.0)
    initial_group = st.allowance_rows[0]
    assert initial_group.label.startswith("Initial group")
    assert (initial_group.hours.limit, initial_group.hours.used, initial_group.hours.planned,
            initial_group.hours.left) == (9, 6.0, 3.0, 0.0)
    assert not any("beyond" in w for w in st.warnings)
    last = session(db, fac, [ada.id, bram.id], days=12, planned_minutes=30)  # half an hour beyond the allowance
    st = order_status(db, ada.id)
    assert st.group.over == 0.0 and st.group.left == 2.5  # the order still allows it …
    assert [w for w in st.warnings if "beyond" in w] == [  # … Medicare does not
        f"Planned session {last.id} (G0109, 0.5 h on {DAY0 + timedelta(days=12):%Y-%m-%d}): 0.5 h beyond the initial "
        f"allowance of 9 group hours (10 in all) in the 12 months from {DAY0:%Y-%m-%d}."]


@pytest.mark.parametrize(("training", "group", "individual", "expected"), [
    (Training.INITIAL, 9, 1, []),
    (Training.INITIAL, 9.5, 1, ["9.5 group hours; Medicare's initial allowance is 9 group"]),
    (Training.INITIAL, 9, 1.5, ["1.5 individual hours; Medicare's initial allowance is 1 individual"]),
    (Training.FOLLOW_UP, 1.5, 0.5, []),
    (Training.FOLLOW_UP, 2, 0.5, ["2.5 hours of follow-up training; Medicare allows 2 hours each calendar year"]),
])
def test_order_against_the_allowance(db, people, frozen_clock, training, group, individual, expected):
    fac, ada, bram, _ = people
    ended(db, frozen_clock, fac, [ada.id, bram.id], days=-400, minutes=60)  # initial long over: follow-up fits
    frozen_clock.set(T0)
    order(db, ada.id, group=group, individual=individual, training=training)
    warnings = [w for w in order_status(db, ada.id).warnings if w.startswith("The order asks")]
    assert len(warnings) == len(expected) and all(e in w for e, w in zip(expected, warnings, strict=True))


def test_order_older_than_the_program_setting(db, people, frozen_clock):
    _, ada, *_ = people
    r = order(db, ada.id, order_date=date(2025, 3, 3))
    expires = order_expires(r)
    assert expires == date(2026, 3, 3) and rules.ORDER_VALID_MONTHS == 12
    assert not any("older than" in w for w in order_status(db, ada.id, today=expires - timedelta(days=1)).warnings)
    assert [w for w in order_status(db, ada.id, today=expires).warnings if "older than" in w] == [
        "The order of 2025-03-03 is older than 12 months (since 2026-03-03): ask the referring practitioner for a "
        "new order."]


@pytest.mark.parametrize(("months", "ordered", "expires"), [
    (12, date(2024, 2, 29), date(2025, 3, 1)),  # no 29 February: the first of March, as the allowance's window
    (6, date(2025, 8, 31), date(2026, 3, 1)),
    (1, date(2025, 10, 31), date(2025, 12, 1)),
    (1, date(2025, 12, 15), date(2026, 1, 15)),
])
def test_order_age_follows_the_setting(monkeypatch, months, ordered, expires):
    import models.referrals

    monkeypatch.setattr(models.referrals, "ORDER_VALID_MONTHS", months)
    assert order_expires(Referral(participant_id=1, practitioner_name="x", order_date=ordered)) == expires


def test_training_kind_against_the_allowance_period(db, people, frozen_clock):
    fac, ada, bram, cora = people
    follow_up = order(db, cora.id, group=2, individual=0, training=Training.FOLLOW_UP)
    assert any("no initial DSMT hours are billed" in w for w in order_status(db, cora.id).warnings)
    ended(db, frozen_clock, fac, [ada.id, bram.id], minutes=60)  # Ada's initial window: 2026-03-02 … 2027-03-01
    order(db, ada.id, training=Training.INITIAL)
    assert not any("training" in w for w in order_status(db, ada.id, today=date(2027, 3, 1)).warnings)
    after = order_status(db, ada.id, today=date(2027, 3, 2)).warnings
    assert any("initial DSMT training ended on 2027-03-01" in w and "from 2028" in w for w in after)
    order(db, ada.id, group=2, individual=0, training=Training.FOLLOW_UP)
    before = order_status(db, ada.id, today=date(2027, 12, 31)).warnings
    assert any("follow-up hours start in 2028" in w for w in before)
    assert not any("training" in w for w in order_status(db, ada.id, today=date(2028, 1, 1)).warnings)
    assert follow_up.training == "follow-up"


# ---------------------------------------------------------------- the plan page's warnings


def test_plan_warnings_at_the_order_and_half_an_hour_over(db, people, frozen_clock):
    fac, ada, bram, cora = people
    ended(db, frozen_clock, fac, [ada.id, bram.id], minutes=60)  # 1 group hour each
    order(db, ada.id, group=3, individual=0)
    order(db, bram.id, group=9, individual=1)
    when = T0 + timedelta(days=7)
    assert plan_warnings(db, participant_ids=[ada.id, bram.id], billing_code="G0109", scheduled_at=when,
                         planned_minutes=120) == []  # Ada exactly at her 3 hours
    out = plan_warnings(db, participant_ids=[ada.id, bram.id, cora.id, ada.id], billing_code="G0109",
                        scheduled_at=when, planned_minutes=150)
    assert out == [
        f"Ada Testwell, with this session: group hours: 1 used since the order of {DAY0:%Y-%m-%d} and 2.5 planned, "
        "3 ordered: 0.5 beyond the order.",
        "No order on file for Medicare DSMT (G0109): Cora Inventa. The order from the treating practitioner states "
        "the hours, the topics, and group or individual."]
    assert plan_warnings(db, participant_ids=[cora.id], billing_code="98961", scheduled_at=when,
                         planned_minutes=60) == []  # not DSMT: no order needed, nothing counted
    individual = plan_warnings(db, participant_ids=[ada.id], billing_code="G0108", scheduled_at=when,
                               planned_minutes=30)
    assert individual == [f"Ada Testwell, with this session: individual hours: 0 used since the order of "
                          f"{DAY0:%Y-%m-%d} and 0.5 planned, 0 ordered: 0.5 beyond the order."]


def test_plan_warnings_for_the_allowance_and_the_order_age(db, people, frozen_clock):
    fac, ada, bram, _ = people
    ended(db, frozen_clock, fac, [ada.id, bram.id], minutes=60)  # window 2026-03-02 … 2027-03-01
    order(db, ada.id, group=20, individual=1)
    assert any("older than" in w and "2027-03-02" in w for w in plan_warnings(
        db, participant_ids=[ada.id], billing_code="G0109", scheduled_at=T0 + timedelta(days=365),
        planned_minutes=60))  # 2027-03-02: the order is 12 months old, and the session falls after the window
    later = plan_warnings(db, participant_ids=[ada.id], billing_code="G0109",
                          scheduled_at=T0.replace(year=2027, month=6), planned_minutes=60)
    assert [w for w in later if "beyond" in w] == [
        "Ada Testwell, this session (G0109, 1 h on 2027-06-02): 1 h beyond the allowance: the initial training "
        "ends on 2027-03-01, and follow-up hours start in 2028."]
    next_year = plan_warnings(db, participant_ids=[ada.id], billing_code="G0109",
                              scheduled_at=T0.replace(year=2028), planned_minutes=150)
    assert [w for w in next_year if "beyond" in w] == [
        "Ada Testwell, this session (G0109, 2.5 h on 2028-03-02): 0.5 h beyond the follow-up allowance of 2 hours "
        "in 2028."]
    assert (order_status(db, ada.id).allowance_rows[0].hours.used, len(order_status(db, ada.id).planned)) == (1.0, 0)
