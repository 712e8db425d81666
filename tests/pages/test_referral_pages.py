"""The referral and order with AppTest: on /participants, add an order and see hours ordered, used, planned and
left beside the Medicare allowance, a refused NPI, stored text shown literally, and correcting the latest order
against a change made on another screen; on /plan, the warnings above "Create session", which never block it.
Every person is invented."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from models import clock
from models.db import session_scope
from models.enums import Training
from models.errors import UNCHECKED
from models.people import create_facilitator, create_participant
from models.referrals import create_referral, latest_referral, update_referral
from models.rules import MAX_CONTACT, MAX_DIAGNOSIS_CODE, MAX_NAME, MAX_PRACTICE
from models.sessions import create_session
from models.tables import GroupSession
from tests.factories import INVENTED, curriculum
from tests.models.helpers import T0, run
from tests.pages.helpers import all_text, app, rendered
from ui.text import md_escape

pytestmark = pytest.mark.frozen_clock(T0)
DAY0 = clock.to_local(T0).date()
HOSTILE = "Dr Quill **Nobody** [x](https://example.org)"


def _people(engine, frozen_clock, *, planned: bool = True):
    """Ada, Bram and Cora; Ada and Bram attended one G0109 hour at T0, and a 120-minute G0109 session is planned
    for them a week later; now is a day after T0."""
    with session_scope(engine) as db:
        fac = create_facilitator(db, name="Pat Educator", credential="RN")
        ada, bram, cora = (create_participant(db, first_name=f, last_name=last).id for f, last in INVENTED[:3])
        s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=T0, setting="clinic",
                           facilitator_id=fac.id, participant_ids=[ada, bram])
        run(db, frozen_clock, s.id, when=T0, minutes=60)
        if planned:
            create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=T0 + timedelta(days=7),
                           setting="clinic", facilitator_id=fac.id, participant_ids=[ada, bram])
    frozen_clock.set(T0 + timedelta(days=1))
    return ada, bram, cora


def _order(engine, pid, **kw):
    with session_scope(engine) as db:
        return create_referral(db, participant_id=pid, practitioner_name="Dr Quill Nobody", order_date=DAY0,
                               topics=["Monitoring"], training=Training.INITIAL, **kw).id


def _warnings(at) -> list[str]:
    """The warnings as a reader sees them (Markdown escapes resolved)."""
    return [rendered(w.value) for w in at.warning]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_add_an_order_and_see_ordered_used_planned_and_left(engine, frozen_clock):
    ada, _, _ = _people(engine, frozen_clock)
    at = app("pages/participants.py", participant=ada).run()
    assert not at.exception
    assert any("No order on file" in c.value for c in at.caption)
    form = f"ref_new_{ada}"
    at.text_input(key=f"{form}_name").input(HOSTILE)
    at.text_input(key=f"{form}_npi").input("1234567893")
    at.text_input(key=f"{form}_practice").input("Invented Family Practice")
    at.text_input(key=f"{form}_contact").input("fax 555-0100")
    at.text_input(key=f"{form}_dx").input("E11.9")
    at.date_input(key=f"{form}_date").set_value(DAY0)  # the day of the session Ada attended: it counts as used
    at.number_input(key=f"{form}_group").set_value(2.5)
    at.number_input(key=f"{form}_individual").set_value(1.0)
    at.multiselect(key=f"{form}_topics").select("Taking your diabetes medicines")
    at.radio(key=f"{form}_training").set_value(Training.INITIAL)
    at.button(key=f"{form}_save").click().run()
    assert not at.exception and not at.error
    assert any("Order saved" in s.value for s in at.success)
    m = _metrics(at)
    assert [m[f"Group hours {k}"] for k in ("ordered", "used", "planned", "left")] == ["2.5", "1", "2", "0"]
    assert [m[f"Individual hours {k}"] for k in ("ordered", "used", "planned", "left")] == ["1", "0", "0", "1"]
    assert [w for w in _warnings(at) if "beyond the order" in w] == [
        f"Group hours: 1 used since the order of {DAY0:%Y-%m-%d} and 2 planned, 2.5 ordered: 0.5 beyond the order."]
    assert any(md_escape(HOSTILE) in m.value for m in at.markdown)  # shown as typed, never as a link or bold
    text = all_text(at)
    for part in (HOSTILE, "NPI 1234567893", "Invented Family Practice",
                 "fax 555-0100", "diagnosis E11.9", "Taking your diabetes medicines", "initial training"):
        assert part in text, part
    allowance = next(d.value for d in at.dataframe if "Allowance" in d.value.columns)  # beside the order
    first = allowance.iloc[0]
    assert first["Allowance"].startswith("Initial group") and (first["Limit"], first["Used"], first["Planned"],
                                                                first["Left"]) == (9, 1, 2, 6)
    assert at.text_input(key=f"ref_new_{ada}_name").value == ""  # an empty form for the next order
    with session_scope(engine) as db:
        r = latest_referral(db, ada)
        assert (r.group_minutes_ordered, r.individual_minutes_ordered, r.topics) == (
            150, 60, "Taking your diabetes medicines")


def test_an_order_typed_for_one_person_never_shows_in_anothers_form(engine, frozen_clock):
    ada, bram, _ = _people(engine, frozen_clock, planned=False)
    at = app("pages/participants.py", participant=ada).run()
    at.text_input(key=f"ref_new_{ada}_name").input("Dr Quill Nobody").run()  # typed, not saved
    at.query_params["participant"] = str(bram)
    at.run()
    assert not at.exception
    assert at.text_input(key=f"ref_new_{bram}_name").value == ""
    with session_scope(engine) as db:
        assert latest_referral(db, ada) is None and latest_referral(db, bram) is None


def test_a_refused_npi_keeps_what_was_typed(engine, frozen_clock):
    ada, _, _ = _people(engine, frozen_clock, planned=False)
    at = app("pages/participants.py", participant=ada).run()
    at.text_input(key=f"ref_new_{ada}_name").input("Dr Quill Nobody")
    at.text_input(key=f"ref_new_{ada}_npi").input("1234567890")
    at.date_input(key=f"ref_new_{ada}_date").set_value(DAY0)
    at.number_input(key=f"ref_new_{ada}_group").set_value(9.0)
    at.button(key=f"ref_new_{ada}_save").click().run()
    assert not at.exception
    assert any("10 digits" in e.value for e in at.error)
    assert at.text_input(key=f"ref_new_{ada}_name").value == "Dr Quill Nobody"
    assert at.number_input(key=f"ref_new_{ada}_group").value == 9.0
    with session_scope(engine) as db:
        assert latest_referral(db, ada) is None


@pytest.mark.parametrize(("field", "limit"), [("name", MAX_NAME), ("practice", MAX_PRACTICE),
                                              ("contact", MAX_CONTACT), ("dx", MAX_DIAGNOSIS_CODE)])
def test_over_long_text_is_refused_with_its_limit(engine, frozen_clock, field, limit):
    ada, _, _ = _people(engine, frozen_clock, planned=False)
    at = app("pages/participants.py", participant=ada).run()
    at.text_input(key=f"ref_new_{ada}_name").input("Dr Quill Nobody")
    at.number_input(key=f"ref_new_{ada}_group").set_value(1.0)
    at.text_input(key=f"ref_new_{ada}_{field}").input("x" * (limit + 1))
    at.button(key=f"ref_new_{ada}_save").click().run()
    assert not at.exception
    said = " ".join(rendered(e.value) for e in at.error)
    assert f"at most {limit} characters" in said
    assert at.text_input(key=f"ref_new_{ada}_{field}").value == "x" * (limit + 1)


def test_correct_the_latest_order_after_another_screen_changed_it(engine, frozen_clock):
    ada, _, _ = _people(engine, frozen_clock, planned=False)
    rid = _order(engine, ada, group_hours=9, individual_hours=1)
    at = app("pages/participants.py", participant=ada).run()
    assert _metrics(at)["Group hours ordered"] == "9"
    at.number_input(key=f"ref_edit_{rid}_1_group").set_value(4.0)
    with session_scope(engine) as db:  # another screen saves first
        update_referral(db, referral_id=rid, practitioner_name="Dr Quill Nobody", order_date=DAY0, group_hours=6,
                        individual_hours=1, topics=["Monitoring"], training=Training.INITIAL, seen_version=UNCHECKED)
    at.button(key=f"ref_edit_{rid}_1_save").click().run()
    assert not at.exception
    text = all_text(at)
    assert "6 group hours" in text and "4 group hours" in text  # both orders shown, nothing overwritten
    with session_scope(engine) as db:
        assert latest_referral(db, ada).group_minutes_ordered == 360
    at.button(key=f"mine_ref_edit_{rid}").click().run()
    assert not at.exception
    with session_scope(engine) as db:
        r = latest_referral(db, ada)
        assert (r.group_minutes_ordered, r.version) == (240, 3)
    assert _metrics(at)["Group hours ordered"] == "4"


def test_plan_page_warns_before_create_and_does_not_block(engine, frozen_clock):
    ada, bram, cora = _people(engine, frozen_clock, planned=False)
    _order(engine, ada, group_hours=3, individual_hours=0)
    _order(engine, bram, group_hours=2, individual_hours=0)
    at = app("pages/plan.py").run()
    at.selectbox(key="plan_curriculum").select("diabetes-dsmt-group").run()
    at.date_input(key="plan_date").set_value(DAY0 + timedelta(days=7))
    at.multiselect(key="plan_roster").set_value([ada, cora]).run()
    assert not at.exception
    order_warnings = [w for w in _warnings(at) if "order" in w]
    assert order_warnings == ["No order on file for Medicare DSMT (G0109): Cora Inventa. The order from the treating "
                              "practitioner states the hours, the topics, and group or individual."]
    at.multiselect(key="plan_roster").set_value([ada, bram, cora]).run()  # Bram: 1 used + 2 planned, 2 ordered
    assert f"Bram Fakeley, with this session: group hours: 1 used since the order of {DAY0:%Y-%m-%d} and 2 planned, " \
           "2 ordered: 1 beyond the order." in _warnings(at)
    assert not any(w.startswith("Ada Testwell") for w in _warnings(at))  # exactly her 3 hours
    at.date_input(key="plan_date").set_value(date(DAY0.year + 1, DAY0.month, DAY0.day)).run()  # a year on
    assert any(w.startswith("Ada Testwell: on") and "older than 12 months" in w for w in _warnings(at))
    create = next(b for b in at.button if b.label == "Create session")
    assert not create.disabled
    create.click().run()
    assert not at.exception
    with session_scope(engine) as db:
        assert len(db.exec(select(GroupSession).where(GroupSession.status == "planned")).all()) == 1

