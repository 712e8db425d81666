from datetime import date, time

from sqlmodel import select

from models import clock
from models.db import session_scope
from models.people import create_facilitator, create_participant
from models.rules import SETTINGS
from models.tables import Attendance, GroupSession
from tests.pages.helpers import all_text, app, link_of


def test_plan_creates_session_with_roster(engine):
    with session_scope(engine) as db:
        fac = create_facilitator(db, name="Pat Educator", credential="RN")
        ids = [create_participant(db, first_name=f"Inv{i}", last_name="Testperson").id for i in range(3)]
        fac_id = fac.id
    at = app("pages/plan.py").run()
    assert not at.exception
    at.selectbox(key="plan_curriculum").select("diabetes-dsmt-group").run()
    assert at.selectbox(key="plan_code").options == ["HCPCS G0109 Medicare DSMT, group of 2–20",
                                                     "HCPCS G0108 Medicare DSMT, individual"]
    at.multiselect(key="plan_roster").set_value(ids).run()
    assert any("fits" in s.value for s in at.success)
    at.selectbox(key="plan_setting").select("telehealth")
    at.date_input(key="plan_date").set_value(date(2026, 12, 1))
    create = next(b for b in at.button if b.label == "Create session")
    create.click().run()
    assert not at.exception
    with session_scope(engine) as db:
        s = db.exec(select(GroupSession)).one()
        assert (s.curriculum_id, s.billing_code, s.setting, s.facilitator_id) == (
            "diabetes-dsmt-group", "G0109", "telehealth", fac_id)
        assert s.status == "planned" and s.scheduled_at.astimezone().date() == date(2026, 12, 1)
        assert sorted(a.participant_id for a in db.exec(select(Attendance))) == sorted(ids)
        assert '"steps"' in s.curriculum_json  # frozen copy
    links = {pl.proto.label: pl.proto.query_string for pl in at.get("page_link")}
    assert links["Open live view"] == links["Open projector"] == f"session={s.id}"


def test_after_create_the_session_and_its_roster_are_shown_and_the_form_comes_back(engine):
    with session_scope(engine) as db:
        create_facilitator(db, name="Pat Educator", credential="RN")
        ids = [create_participant(db, first_name=first, last_name="Plannerton").id for first in ("Ada", "Bram")]
    at = app("pages/plan.py").run()
    at.selectbox(key="plan_curriculum").select("diabetes-dsmt-group").run()
    at.multiselect(key="plan_roster").set_value(ids).run()
    at.selectbox(key="plan_setting").select("telehealth")
    at.date_input(key="plan_date").set_value(date(2026, 12, 1))
    at.time_input(key="plan_time").set_value(time(14, 30))
    next(b for b in at.button if b.label == "Create session").click().run()
    assert not at.exception
    with session_scope(engine) as db:
        sid = db.exec(select(GroupSession)).one().id
    # the created session as stored, in place of the form: nothing looks wiped, nothing can be created twice
    text = all_text(at)
    assert f"Session {sid} is planned." in text
    for part in ("Living well with diabetes", "HCPCS G0109", "2026-12-01 14:30", "Telehealth",
                 "Pat Educator (RN)", "Roster (2):", "Ada Plannerton, Bram Plannerton"):
        assert part in text, part
    assert not [b for b in at.button if b.label == "Create session"]
    links = {pl.proto.label: pl.proto.query_string for pl in at.get("page_link")}
    assert links["Open live view"] == links["Open projector"] == f"session={sid}"
    # the same group again: every choice kept, the roster too
    next(b for b in at.button if b.label == "Plan another for this group").click().run()
    assert not at.exception and f"Session {sid} is planned." not in all_text(at)
    assert at.selectbox(key="plan_curriculum").value == "diabetes-dsmt-group"
    assert at.selectbox(key="plan_setting").value == "telehealth"
    assert (at.date_input(key="plan_date").value, at.time_input(key="plan_time").value) == (date(2026, 12, 1),
                                                                                            time(14, 30))
    assert sorted(at.multiselect(key="plan_roster").value) == sorted(ids)
    next(b for b in at.button if b.label == "Create session").click().run()
    # another session: the choices kept, the roster empty (a new group)
    next(b for b in at.button if b.label == "Plan another session").click().run()
    assert at.selectbox(key="plan_setting").value == "telehealth" and at.multiselect(key="plan_roster").value == []
    assert at.date_input(key="plan_date").value == date(2026, 12, 1)
    with session_scope(engine) as db:
        assert len(db.exec(select(GroupSession)).all()) == 2


def test_group_size_messages(engine):
    with session_scope(engine) as db:
        create_facilitator(db, name="Pat Educator", credential="RN")
        ids = [create_participant(db, first_name=f"Inv{i}", last_name="Sizer").id for i in range(21)]
    at = app("pages/plan.py").run()
    at.selectbox(key="plan_curriculum").select("hypertension-group").run()
    at.selectbox(key="plan_code").select_index(0).run()  # 98961
    at.multiselect(key="plan_roster").set_value(ids[:6]).run()
    assert any("98962" in w.value for w in at.warning)
    at.selectbox(key="plan_curriculum").select("diabetes-dsmt-group").run()
    at.multiselect(key="plan_roster").set_value(ids).run()
    assert any("Split the group" in e.value for e in at.error)
    create = next(b for b in at.button if b.label == "Create session")
    assert create.disabled


def test_add_participant_and_facilitator_forms(engine):
    at = app("pages/plan.py").run()
    at.text_input(key="nf_name").input("Sam Coach")
    at.multiselect(key="nf_cred").set_value(["RD"])
    next(b for b in at.button if b.label == "Add facilitator").click().run()
    at.text_input(key="np_first").input("Zed")
    at.text_input(key="np_last").input("Inventedsson")
    next(b for b in at.button if b.label == "Add to roster").click().run()
    assert not at.exception
    assert any("Added Zed Inventedsson" in s.value for s in at.success)
    assert len(at.multiselect(key="plan_roster").value) == 1
    at.run()  # another run (the tab's keeper, say): the line stays until the next form is sent
    assert any("Added Zed Inventedsson" in s.value for s in at.success)
    # a blank name is refused with a message, nothing is created, and the earlier add's line goes
    next(b for b in at.button if b.label == "Add to roster").click().run()
    assert any("First name is required" in e.value for e in at.error)
    assert not any("Added Zed" in s.value for s in at.success)
    assert len(at.multiselect(key="plan_roster").value) == 1


def test_the_added_line_goes_when_the_roster_changes(engine):
    at = app("pages/plan.py").run()
    at.text_input(key="np_first").input("Ona")
    at.text_input(key="np_last").input("Inventova")
    next(b for b in at.button if b.label == "Add to roster").click().run()
    assert any("Added Ona Inventova" in s.value for s in at.success)
    at.multiselect(key="plan_roster").set_value([]).run()  # taken off again: the line would no longer be true
    assert not any("Added Ona" in s.value for s in at.success)


def test_the_forms_choices_are_in_the_link_and_a_reload_brings_them_back(engine):
    """A reload (a new browser session on the same link) shows the same curriculum, code, date, time, setting,
    facilitator and roster, in the roster's order; a session just created is shown again, never the form that
    would create it a second time."""
    with session_scope(engine) as db:
        create_facilitator(db, name="Pat Educator", credential="RN")
        fac2 = create_facilitator(db, name="Lee Dietitian", credential="RD").id
        ids = [create_participant(db, first_name=first, last_name="Reloadson").id for first in ("Ada", "Bram", "Cy")]
    at = app("pages/plan.py").run()
    at.selectbox(key="plan_curriculum").select("diabetes-dsmt-group").run()
    at.selectbox(key="plan_facilitator").select(fac2).run()
    at.multiselect(key="plan_roster").set_value([ids[2], ids[0]]).run()
    at.selectbox(key="plan_setting").select("telehealth").run()
    at.date_input(key="plan_date").set_value(date(2026, 12, 1)).run()
    at.time_input(key="plan_time").set_value(time(14, 30)).run()
    link = link_of(at)
    assert link == {"curriculum": "diabetes-dsmt-group", "code": "G0109", "date": "2026-12-01", "time": "14:30",
                    "setting": "telehealth", "facilitator": str(fac2), "roster": f"{ids[2]},{ids[0]}"}

    again = app("pages/plan.py", **link).run()  # the reload
    assert not again.exception
    assert again.selectbox(key="plan_curriculum").value == "diabetes-dsmt-group"
    assert again.selectbox(key="plan_facilitator").value == fac2
    assert again.selectbox(key="plan_setting").value == "telehealth"
    assert (again.date_input(key="plan_date").value, again.time_input(key="plan_time").value) == (
        date(2026, 12, 1), time(14, 30))
    assert again.multiselect(key="plan_roster").value == [ids[2], ids[0]]
    next(b for b in again.button if b.label == "Create session").click().run()
    with session_scope(engine) as db:
        s = db.exec(select(GroupSession)).one()
        assert (s.setting, s.facilitator_id) == ("telehealth", fac2)
        assert sorted(a.participant_id for a in db.exec(select(Attendance))) == sorted([ids[0], ids[2]])
    assert link_of(again)["created"] == str(s.id)

    shown = app("pages/plan.py", **link_of(again)).run()  # reloaded once created
    assert not shown.exception and f"Session {s.id} is planned." in all_text(shown)
    assert not [b for b in shown.button if b.label == "Create session"]
    next(b for b in shown.button if b.label == "Plan another session").click().run()
    assert "created" not in link_of(shown) and "roster" not in link_of(shown)
    assert link_of(shown)["setting"] == "telehealth"


def test_a_link_with_choices_the_form_cannot_take_opens_the_form_as_new(engine):
    """Hand-edited or stale links: what the form cannot take is left out, and the page never fails."""
    with session_scope(engine) as db:
        create_facilitator(db, name="Pat Educator", credential="RN")
        ada = create_participant(db, first_name="Ada", last_name="Linkley").id
    for link in ({"curriculum": "../../etc", "code": "G9999", "date": "2026-02-30", "time": "25:00",
                  "setting": "moon", "facilitator": "x", "roster": f"{ada},x,999999,١٢,-3", "follow_ups": "1e3,7",
                  "created": "999999"},
                 {"date": "1900-01-01", "roster": ",".join(str(i) for i in range(100_000, 105_000)),
                  "created": "٣"}):
        at = app("pages/plan.py", **link).run()
        assert not at.exception, link
        assert [b for b in at.button if b.label == "Create session"]  # the form, not a created session
        assert at.date_input(key="plan_date").value == clock.today()
        assert at.time_input(key="plan_time").value == time(10, 0)
        assert at.selectbox(key="plan_setting").value == SETTINGS[0]
        assert at.selectbox(key="plan_curriculum").value != "../../etc" and at.selectbox(key="plan_code").value
        assert at.multiselect(key="plan_roster").value == ([ada] if "moon" in link.values() else [])
