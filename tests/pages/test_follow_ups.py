"""Follow-ups with AppTest: recommended on /live's summary step and on the session record (marked done there), listed
on the home page when due, filling a new session's roster on the plan page; and the letter to the referring
provider on the participants page. Every person here is invented."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from models import clock
from models.db import session_scope
from models.enums import FollowUpKind
from models.follow_ups import default_due_date, mark_follow_up_done, recommend_follow_up
from models.letter import letter_filename
from models.rules import MAX_FOLLOW_UP_NOTE
from models.sessions import go_to_step, start_session
from models.tables import Attendance, FollowUp, GroupSession, Participant
from tests.factories import make_session
from tests.pages.helpers import app, link_of, noon_days_before, rendered
from tests.pages.test_review import _ran
from ui.live_writes import goals_open_key

pytestmark = pytest.mark.frozen_clock(noon_days_before(1))


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _recommend(engine, sid, pid, due, kind=FollowUpKind.GROUP, note=""):
    with session_scope(engine) as db:
        return recommend_follow_up(db, participant_id=pid, session_id=sid, due_date=due, kind=kind, note=note).id


def test_recommend_on_the_summary_step_of_live(engine, frozen_clock):
    with session_scope(engine) as db:
        s, people, _ = make_session(db, n=2, when=frozen_clock.start)
        sid, pids = s.id, [p.id for p in people]
        start_session(db, session_id=sid)
        go_to_step(db, session_id=sid, step="summary")
    at = app("pages/live.py", session=sid)
    for pid in pids:  # "Set a goal or recommend a follow-up for …" opened
        at.session_state[goals_open_key(sid, pid)] = True
    at.run()
    assert not at.exception
    day = clock.local_day(frozen_clock.start)
    assert at.date_input(key=f"fu_{sid}_{pids[1]}_date").value == default_due_date(day)
    at.date_input(key=f"fu_{sid}_{pids[1]}_date").set_value(day + timedelta(days=30))
    at.selectbox(key=f"fu_{sid}_{pids[1]}_kind").select(FollowUpKind.PHONE)
    at.text_input(key=f"fu_{sid}_{pids[1]}_note").input("Call about the new meter")
    at.button(key=f"fu_{sid}_{pids[1]}_add").click().run()
    assert not at.exception and not at.error
    with session_scope(engine) as db:
        f = db.exec(select(FollowUp)).one()
        assert (f.participant_id, f.session_id, f.due_date, f.kind, f.note) == (
            pids[1], sid, day + timedelta(days=30), "phone", "Call about the new meter")
    assert at.text_input(key=f"fu_{sid}_{pids[1]}_note").value == ""  # emptied for the next one
    assert f"📅 Phone follow-up due {day + timedelta(days=30):%Y-%m-%d}: Call about the new meter" in [
        t.value for t in at.text]
    # a note beyond the limit is refused with the reason, and stays to be shortened; nothing is stored
    at.text_input(key=f"fu_{sid}_{pids[0]}_note").input("x" * (MAX_FOLLOW_UP_NOTE + 1))
    at.button(key=f"fu_{sid}_{pids[0]}_add").click().run()
    assert not at.exception
    assert any(f"at most {MAX_FOLLOW_UP_NOTE:,} characters" in rendered(e.value) for e in at.error)
    assert len(at.text_input(key=f"fu_{sid}_{pids[0]}_note").value) == MAX_FOLLOW_UP_NOTE + 1
    with session_scope(engine) as db:
        assert len(db.exec(select(FollowUp)).all()) == 1


def test_recommend_and_mark_done_on_the_record(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    at = app("pages/review.py", session=sid).run()
    assert not at.exception
    assert "Follow-up" in [h.value for h in at.header]
    assert "No follow-up recommended in this session." in [c.value for c in at.caption]
    day = clock.local_day(frozen_clock.start)
    k = f"rfu_{sid}"
    at.selectbox(key=f"{k}_who").select(pids[2])
    at.date_input(key=f"{k}_date").set_value(day + timedelta(days=60))
    at.selectbox(key=f"{k}_kind").select(FollowUpKind.INDIVIDUAL)
    at.text_input(key=f"{k}_note").input("Review the food diary one to one")
    _button(at, "Recommend the follow-up").click().run()
    assert not at.exception and not at.error
    assert any("Follow-up recommended" in rendered(s.value) for s in at.success)
    with session_scope(engine) as db:
        f = db.exec(select(FollowUp)).one()
        fid = f.id
        assert (f.participant_id, f.kind, f.due_date, f.note) == (pids[2], "individual", day + timedelta(days=60),
                                                                  "Review the food diary one to one")
    due = day + timedelta(days=60)
    assert f"Cora Inventa · individual follow-up · due on {due:%Y-%m-%d}" in [rendered(c.value) for c in at.caption]
    at.checkbox(key=f"fu_done_{fid}").check().run()
    assert not at.exception
    with session_scope(engine) as db:
        assert db.get(FollowUp, fid).done_at == frozen_clock.now
    assert f"Cora Inventa · individual follow-up · due {due:%Y-%m-%d} · done on {day:%Y-%m-%d}" in [
        rendered(c.value) for c in at.caption]
    # another screen undoes it; this screen, which showed it done, cannot undo it again blindly
    with session_scope(engine) as db:
        mark_follow_up_done(db, follow_up_id=fid, done=False)
        mark_follow_up_done(db, follow_up_id=fid, done=True)
    at.checkbox(key=f"fu_done_{fid}").uncheck().run()
    assert any("changed on another screen" in e.value for e in at.error)
    with session_scope(engine) as db:
        assert db.get(FollowUp, fid).done_at is not None


def test_home_lists_follow_ups_due_with_links(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    frozen_clock.advance(days=3)
    today = clock.today()
    _recommend(engine, sid, pids[0], today - timedelta(days=1), FollowUpKind.PHONE)  # overdue
    _recommend(engine, sid, pids[1], today + timedelta(days=14))  # the last day listed
    _recommend(engine, sid, pids[2], today + timedelta(days=15))  # beyond two weeks: not listed
    done = _recommend(engine, sid, pids[2], today)
    with session_scope(engine) as db:
        mark_follow_up_done(db, follow_up_id=done)
    at = app("streamlit_app.py").run()
    assert not at.exception
    assert "Follow-ups due" in [h.value for h in at.subheader]
    names = [rendered(m.value) for m in at.markdown if m.value.startswith("**")]
    assert [n for n in names if n in ("**Ada Testwell**", "**Bram Fakeley**", "**Cora Inventa**")] == [
        "**Ada Testwell**", "**Bram Fakeley**"]
    links = [(pl.proto.label, pl.proto.query_string) for pl in at.get("page_link")]
    assert links.count(("Session record", f"session={sid}")) == 2
    assert ("Participant", f"participant={pids[0]}") in links and ("Participant", f"participant={pids[1]}") in links
    assert ("Participant", f"participant={pids[2]}") not in links
    captions = [rendered(c.value) for c in at.caption]
    assert f":orange[phone follow-up · overdue since {today - timedelta(days=1):%Y-%m-%d}]" in captions
    assert f"group follow-up · due on {today + timedelta(days=14):%Y-%m-%d}" in captions
    assert captions.count(f"Recommended on {clock.local_day(frozen_clock.start):%Y-%m-%d} in Living well with "
                          "diabetes: group DSMT session") == 2


def test_plan_fills_the_roster_from_follow_ups_due(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    day = clock.local_day(frozen_clock.start)
    group = _recommend(engine, sid, pids[1], day + timedelta(days=7))
    _recommend(engine, sid, pids[2], day + timedelta(days=7), FollowUpKind.PHONE)  # never a session
    _recommend(engine, sid, pids[0], day + timedelta(days=40))  # due after the new session's day
    at = app("pages/plan.py").run()
    at.selectbox(key="plan_curriculum").select("diabetes-dsmt-group").run()
    at.date_input(key="plan_date").set_value(day + timedelta(days=10)).run()
    picker = at.multiselect(key="plan_follow_ups")
    assert picker.options == [f"Bram Fakeley · due {day + timedelta(days=7):%Y-%m-%d} · from {day:%Y-%m-%d}"]
    picker.set_value([group]).run()
    assert at.multiselect(key="plan_roster").value == [pids[1]]
    at = app("pages/plan.py", **link_of(at)).run()  # a reload keeps the follow-up chosen, and its person
    assert at.multiselect(key="plan_follow_ups").value == [group]
    assert at.multiselect(key="plan_roster").value == [pids[1]]
    _button(at, "Create session").click().run()
    assert not at.exception and not at.error
    with session_scope(engine) as db:
        new = db.exec(select(GroupSession).where(GroupSession.id != sid)).one()
        assert [a.participant_id for a in db.exec(select(Attendance).where(Attendance.session_id == new.id))] == [
            pids[1]]
        assert db.get(FollowUp, group).scheduled_session_id == new.id
    # scheduled: no longer offered for the next session
    _button(at, "Plan another session").click().run()
    assert not at.exception
    assert not [m for m in at.multiselect if m.key == "plan_follow_ups"]


def test_letter_on_the_participants_page(engine, frozen_clock, downloads):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    _recommend(engine, sid, pids[0], clock.local_day(frozen_clock.start) + timedelta(days=90),
               note="Group follow-up on sick-day rules")
    at = app("pages/participants.py", participant=pids[0]).run()
    assert not at.exception
    assert "Letter to the referring provider" in [h.value for h in at.subheader]
    with session_scope(engine) as db:
        name = letter_filename(db.get(Participant, pids[0]), clock.today())
    pdf = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(downloads.data(name))).pages).split())
    for fact in ("Letter to the referring provider", "Ada Testwell", "No referral order is recorded", "60",
                 "4.00", "7.00", "+3.00", "Check glucose daily", "Group follow-up on sick-day rules", "Pat Educator"):
        assert fact in pdf, fact
    # the same letter as plain text, built when its box is opened
    assert not at.code
    at.session_state[f"pp_letter_text_{pids[0]}"] = True
    at.run()
    assert not at.exception
    text = " ".join(at.code[0].value.split())
    for fact in ("LETTER TO THE REFERRING PROVIDER", "Ada Testwell", "Minutes: 60", "Pre: 4.00; Post: 7.00; "
                 "Change: +3.00", "Check glucose daily", "Group follow-up on sick-day rules", "Pat Educator"):
        assert fact in text, fact
