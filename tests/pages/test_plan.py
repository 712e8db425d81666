from datetime import date, time

from sqlmodel import select

from models.db import session_scope
from models.people import create_facilitator, create_participant
from models.tables import Attendance, GroupSession
from tests.pages.helpers import all_text, app


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
    # a blank name is refused with a message, nothing is created
    next(b for b in at.button if b.label == "Add to roster").click().run()
    assert any("First name is required" in e.value for e in at.error)
    assert len(at.multiselect(key="plan_roster").value) == 1
