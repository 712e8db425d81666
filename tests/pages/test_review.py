"""/review with AppTest: the list (filters, search, pages), the program overview, the session record with
presence corrections, notes, follow-ups, and the exports opened and read."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from models import clock
from models.assessments import set_competency, set_rating
from models.attendance import add_to_roster, mark_arrived, set_present
from models.db import session_scope
from models.notes import add_note
from models.people import create_facilitator, create_participant
from models.questions_goals import add_goal
from models.sessions import create_session, end_session, go_to_step, start_session
from models.tables import Goal, NoteVersion, PresenceInterval
from tests.factories import curriculum, make_session
from tests.pages.helpers import all_text, app, noon_days_before
from ui.widgets import NO_FIGURE

pytestmark = pytest.mark.frozen_clock(noon_days_before(1))


def _ran(db, frozen_clock, *, n=3, late=None, when=None, code=None, cid="diabetes-dsmt-group"):
    """A session run for 60 minutes from frozen_clock.start (+when days); `late` arrives at minute 30."""
    start = frozen_clock.start + timedelta(days=when or 0)
    cur = curriculum(cid)
    topic = "medicines" if any(t.id == "medicines" for t in cur.topics) else cur.topics[0].id
    s, people, fac = make_session(db, n=n, when=start, cid=cid, code=code)
    pids = [p.id for p in people]
    if late is not None:
        set_present(db, session_id=s.id, participant_id=pids[late], present=False)
    frozen_clock.set(start)
    start_session(db, session_id=s.id)
    for pid in pids[:2]:
        for item in cur.assessment:
            set_rating(db, session_id=s.id, participant_id=pid, item_id=item.id, phase="pre", value=4)
        set_competency(db, session_id=s.id, participant_id=pid, topic_id=topic, phase="pre", level="2")
    frozen_clock.set(start + timedelta(minutes=30))
    go_to_step(db, session_id=s.id, step="teach")
    if late is not None:
        mark_arrived(db, session_id=s.id, participant_id=pids[late])
    add_note(db, session_id=s.id, participant_id=pids[0], step="teach", text="Asked about insulin storage",
             tags=["needs follow-up"])
    for pid in pids[:2]:
        for item in cur.assessment:
            set_rating(db, session_id=s.id, participant_id=pid, item_id=item.id, phase="post", value=7)
        set_competency(db, session_id=s.id, participant_id=pid, topic_id=topic, phase="post", level="4")
    add_goal(db, session_id=s.id, participant_id=pids[0], behaviour="Monitoring", text="Check glucose daily",
             confidence=8, follow_up_date=start.date())
    frozen_clock.set(start + timedelta(minutes=60))
    end_session(db, session_id=s.id)
    frozen_clock.set(start + timedelta(minutes=90))
    return s.id, pids


def _df(at, i=0):
    return at.dataframe[i].value


def _button(at, label):
    return next(b for b in at.button if b.label == label)


# ---------------------------------------------------------------- ids


@pytest.mark.parametrize("raw", ["abc", "-3", "0", "1; DROP TABLE note", "999999", "1e3"])
def test_bad_or_unknown_session_ids_are_neutral(any_db_url, raw):
    at = app("pages/review.py", session=raw).run()
    assert not at.exception
    assert at.info and ("does not name a session" in at.info[0].value or "no session" in at.info[0].value)


def test_no_sessions_yet(engine):
    at = app("pages/review.py").run()
    assert not at.exception
    assert any("No sessions yet" in i.value for i in at.info)


# ---------------------------------------------------------------- the list


def test_list_filters_search_and_pages(engine, frozen_clock):
    with session_scope(engine) as db:
        s1, _ = _ran(db, frozen_clock)
        s2, _ = _ran(db, frozen_clock, when=1, cid="hypertension-group", code="98961")
        p = create_participant(db, first_name="Zed", last_name="Inventedsson", record_number="R-77")
        s3 = create_session(db, curriculum=curriculum(), billing_code="G0109", setting="clinic",
                            scheduled_at=frozen_clock.start + timedelta(days=2), facilitator_id=None,
                            participant_ids=[p.id])
        s3 = s3.id
    at = app("pages/review.py").run()
    assert not at.exception
    df = _df(at)
    assert list(df["Record"]) == [f"review?session={s}" for s in (s3, s2, s1)]
    row1 = df[df["Record"] == f"review?session={s1}"].iloc[0]
    assert (row1["Code"], row1["Head-count"], row1["Minutes"], row1["Units"]) == ("G0109", 3, 60, 6)
    assert row1["Documentation"].startswith("incomplete")
    assert df[df["Record"] == f"review?session={s3}"].iloc[0]["Status"] == "planned"

    at.selectbox(key="rv_code").select("98961").run()
    assert list(_df(at)["Record"]) == [f"review?session={s2}"]
    at.selectbox(key="rv_code").select(None).run()
    at.text_input(key="rv_text").input("INSULIN storage").run()
    assert list(_df(at)["Record"]) == [f"review?session={s2}", f"review?session={s1}"]
    at.text_input(key="rv_text").input("no such words").run()
    assert any("No sessions match" in i.value for i in at.info)
    at.text_input(key="rv_text").input("").run()
    at.text_input(key="rv_pfind").input("r-77").run()
    at.selectbox(key="rv_participant").select(p.id).run()
    assert list(_df(at)["Record"]) == [f"review?session={s3}"]


def test_pagination(engine, frozen_clock):
    with session_scope(engine) as db:
        fac = create_facilitator(db, name="Pat Educator", credential="RN")
        person = create_participant(db, first_name="Ada", last_name="Testwell")
        for i in range(30):
            create_session(db, curriculum=curriculum(), billing_code="G0109", setting="clinic",
                           scheduled_at=frozen_clock.start + timedelta(hours=i), facilitator_id=fac.id,
                           participant_ids=[person.id])
    at = app("pages/review.py").run()
    assert len(_df(at)) == 25 and "page 1 of 2" in at.caption[0].value
    assert at.button(key="rv_prev").disabled
    at.button(key="rv_next").click().run()
    assert len(_df(at)) == 5 and "page 2 of 2" in at.caption[0].value
    at.button(key="rv_prev").click().run()
    assert len(_df(at)) == 25


def test_billing_export_from_the_list(engine, frozen_clock, downloads):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock, late=2)
    at = app("pages/review.py").run()
    day = clock.to_local(frozen_clock.start).date()
    at.date_input(key="rv_bill_from").set_value(day - timedelta(days=1)).run()
    at.date_input(key="rv_bill_to").set_value(day).run()
    assert not at.exception
    name = f"billing-{day - timedelta(days=1)}-to-{day}.csv"
    rows = list(csv.DictReader(io.StringIO(downloads.data(name).decode("utf-8-sig"))))
    assert [(int(r["participant_id"]), r["code"], r["minutes"], r["units"]) for r in rows] == [
        (pids[0], "G0109", "60", "2"), (pids[1], "G0109", "60", "2"), (pids[2], "G0109", "30", "1")]


def test_program_overview_tab(engine, frozen_clock):
    with session_scope(engine) as db:
        _ran(db, frozen_clock)
        _ran(db, frozen_clock, when=1)
    at = app("pages/review.py")
    at.session_state["rv_tab"] = "Program overview"
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions"] == "2" and metrics["Delivered"] == "2" and metrics["Attendance rate"] == "100%"
    assert metrics["On time"] == "0%"  # 60 of 120 planned minutes
    charts = at.get("vega_lite_chart")
    assert len(charts) == 5
    text = all_text(at)
    assert "Taking your diabetes medicines" in text


# ---------------------------------------------------------------- the record


def test_record_shows_every_part(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock, late=2)
    at = app("pages/review.py", session=sid).run()
    assert not at.exception
    headers = [h.value for h in at.header]
    for h in ("Attendance", "Billing units", "Time per step", "Curriculum fidelity", "Notes", "Ratings",
              "Topic competency (pre → post)", "Questions", "Goals and follow-up", "Exports"):
        assert h in headers, h
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Face-to-face"] == "60 min" and metrics["Patients present"] == "3" and metrics["Units"] == "5"
    frames = [d.value for d in at.dataframe]
    billing = next(f for f in frames if list(f.columns) == ["Participant", "Attended", "Minutes", "Units"])
    assert list(billing["Units"]) == [2, 2, 1] and list(billing["Minutes"]) == [60, 60, 30]
    grid = next(f for f in frames if "Taking your diabetes medicines" in list(f.index))
    assert list(grid.loc["Taking your diabetes medicines"]) == ["2 → 4", "2 → 4", "— → —"]
    ratings = next(f for f in frames if "Change" in f.columns)
    assert list(ratings["Change"])[:2] == [3.0, 3.0]
    assert any("Documentation incomplete" in w.value for w in at.warning)
    text = all_text(at)
    assert "Asked about insulin storage" in text and "Check glucose daily" in text
    assert "Agenda posted" in text
    assert len(at.get("vega_lite_chart")) == 2  # planned vs actual, ratings change


def test_presence_correction_keeps_the_amendment(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    at = app("pages/review.py", session=sid).run()
    at.selectbox(key=f"pc_who_{sid}").select(pids[1]).run()
    arrived = [d for d in at.datetime_input if d.key.startswith(f"pc_{sid}_{pids[1]}_a_0")][0]
    left = [d for d in at.datetime_input if d.key.startswith(f"pc_{sid}_{pids[1]}_b_0")][0]
    start_local = clock.to_local(frozen_clock.start).replace(tzinfo=None)
    assert arrived.value == start_local
    arrived.set_value(start_local + timedelta(minutes=31))
    left.set_value(start_local + timedelta(minutes=60))
    at.button(key=f"pc_{sid}_{pids[1]}_save").click().run()
    assert not at.exception
    assert any("Presence corrected" in s.value for s in at.success)
    with session_scope(engine) as db:
        rows = list(db.exec(select(PresenceInterval).order_by(PresenceInterval.id)))
        mine = [r for r in rows if r.amended or r.superseded_at]
        assert len(mine) == 2
        old, new = sorted(mine, key=lambda r: r.id)
        assert old.superseded_at is not None and not old.amended
        assert new.amended and new.superseded_at is None
        assert new.arrived_at == frozen_clock.start + timedelta(minutes=31)
    frames = [d.value for d in at.dataframe]
    billing = next(f for f in frames if list(f.columns) == ["Participant", "Attended", "Minutes", "Units"])
    assert list(billing["Units"]) == [2, 0, 2]  # 29 minutes: no full 30-minute increment
    history = next(f for f in frames if "Status" in f.columns and "Recorded" in f.columns)
    assert len(history) == 2 and any(str(s).startswith("superseded") for s in history["Status"])
    # an impossible correction is refused with a message, nothing changes
    at.selectbox(key=f"pc_who_{sid}").select(pids[0]).run()
    a0 = [d for d in at.datetime_input if d.key.startswith(f"pc_{sid}_{pids[0]}_a_0")][0]
    a0.set_value(start_local - timedelta(minutes=30))
    at.button(key=f"pc_{sid}_{pids[0]}_save").click().run()
    assert not at.exception and any("within the session" in e.value for e in at.error)


def test_add_and_amend_notes_keep_history(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    at = app("pages/review.py", session=sid).run()
    at.selectbox(key=f"an_who_{sid}").select(pids[1])
    at.text_area(key=f"an_text_{sid}").input("Called after the session: doing well")
    at.multiselect(key=f"an_tags_{sid}").set_value(["needs follow-up"])
    at.button(key=f"an_save_{sid}").click().run()
    assert not at.exception and any("Note added" in s.value for s in at.success)
    with session_scope(engine) as db:
        v = db.exec(select(NoteVersion).where(NoteVersion.text == "Called after the session: doing well")).one()
        assert v.after_session and v.tags == "needs follow-up"
    # amend the first note: the earlier text stays, with its time
    with session_scope(engine) as db:
        first = db.exec(select(NoteVersion).where(NoteVersion.text == "Asked about insulin storage")).one().note_id
    at.selectbox(key=f"am_pick_{sid}").select(first).run()
    area = next(t for t in at.text_area if t.key.startswith("am_text_"))
    assert area.value == "Asked about insulin storage"
    area.input("Asked about insulin storage; leaflet sent")
    at.button(key=f"am_save_{sid}").click().run()
    assert not at.exception and any("Amendment saved" in s.value for s in at.success)
    assert any(e.label == "Edit history (2 versions)" for e in at.expander)
    text = all_text(at)
    assert "Asked about insulin storage; leaflet sent" in text and "after the session" in text
    with session_scope(engine) as db:
        texts = [v.text for v in db.exec(select(NoteVersion).order_by(NoteVersion.id))]
        assert "Asked about insulin storage" in texts and "Asked about insulin storage; leaflet sent" in texts
    # an empty note is refused with a message
    at.button(key=f"an_save_{sid}").click().run()
    assert any("empty" in e.value for e in at.error)


def test_goal_marked_followed_up(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
        gid = db.exec(select(Goal)).one().id
    at = app("pages/review.py", session=sid).run()
    at.checkbox(key=f"goal_fu_{gid}").check().run()
    assert not at.exception
    with session_scope(engine) as db:
        assert db.get(Goal, gid).followed_up_at == frozen_clock.now
    at.checkbox(key=f"goal_fu_{gid}").uncheck().run()
    with session_scope(engine) as db:
        assert db.get(Goal, gid).followed_up_at is None


def test_exports_are_downloads_with_the_right_content(engine, frozen_clock, downloads):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock, late=2)
    at = app("pages/review.py", session=sid).run()
    assert not at.exception
    day = clock.fmt_local(frozen_clock.start, "%Y-%m-%d")
    group = downloads.data(f"session-{sid}-{day}-record.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(group)).pages)
    assert "Group education session record" in text and "Ada Testwell" in text and "Cora Inventa" in text
    at.selectbox(key=f"dl_who_{sid}").select(pids[2]).run()
    one = downloads.data(f"record-Inventa-Cora-{day}.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(one)).pages)
    assert "Cora Inventa" in text and "Ada Testwell" not in text
    att = list(csv.DictReader(io.StringIO(downloads.data(f"session-{sid}-{day}-attendance.csv")
                                          .decode("utf-8-sig"))))
    assert [(r["first_name"], r["minutes"], r["units"]) for r in att] == [("Ada", "60", "2"), ("Bram", "60", "2"),
                                                                         ("Cora", "30", "1")]
    notes = downloads.data(f"session-{sid}-{day}-notes.csv").decode("utf-8-sig")
    assert "Asked about insulin storage" in notes
    goals = downloads.data(f"session-{sid}-{day}-goals.csv").decode("utf-8-sig")
    assert "Check glucose daily" in goals
    ratings = downloads.data(f"session-{sid}-{day}-ratings.csv").decode("utf-8-sig")
    assert "medicines" in ratings
    assert downloads.named(".zip")


def test_odd_sessions_show_as_such(engine, frozen_clock):
    with session_scope(engine) as db:
        planned, _, _ = make_session(db, n=2, when=frozen_clock.start)
        ended, _, _ = make_session(db, n=2, when=frozen_clock.start)
        end_session(db, session_id=ended.id)
        empty, _, _ = make_session(db, n=0, when=frozen_clock.start)
    for sid, words in ((planned.id, "not been started"), (ended.id, "ended without being run"),
                       (empty.id, "No one is on the roster")):
        at = app("pages/review.py", session=sid).run()
        assert not at.exception, sid
        assert any(words in i.value.replace("\\", "") for i in at.info), (sid, [i.value for i in at.info])


def test_a_planned_sessions_missing_figures_show_as_a_dash(engine, frozen_clock):
    """A planned session has no units, head-count or minutes yet: the session list and the person's sessions show
    "—" there (st.dataframe's placeholder), not Streamlit's grey "None", and the ended session its figures."""
    with session_scope(engine) as db:
        _, pids = _ran(db, frozen_clock)
        planned, _, _ = make_session(db, n=2, when=frozen_clock.start + timedelta(days=3))
        add_to_roster(db, session_id=planned.id, participant_id=pids[0])
    at = app("pages/review.py").run()
    [table] = at.dataframe
    rows = table.value.set_index("Status")
    assert table.proto.placeholder == NO_FIGURE
    assert rows.loc["planned", ["Units", "Head-count", "Minutes"]].isna().all()
    assert rows.loc["ended", "Minutes"] == 60
    at = app("pages/participants.py", participant=pids[0]).run()
    sessions = next(d for d in at.dataframe if "DSMT hours" in d.value.columns)
    assert sessions.proto.placeholder == NO_FIGURE
    assert sessions.value.set_index("Status").loc["planned", ["Minutes", "Units"]].isna().all()
