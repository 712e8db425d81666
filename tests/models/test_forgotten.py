"""Issue 12, point 3: a forgotten session is noticed and never billed silently. The rules of models/forgotten.py
and the time cap of models/billing.py at their boundaries, each with the units it gives, driven through the
session functions with a frozen clock. The curriculum plans 120 minutes, so with the 30-minute margin 150
minutes count without a confirmation. Everyone here is invented."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from models.assessments import set_competency, set_rating
from models.attendance import mark_arrived, mark_left, set_caregiver
from models.billing import summary_for_view
from models.csv_exports import billing_csv
from models.db import make_engine, migrate, session_scope
from models.enums import EndMethod
from models.errors import RuleError
from models.forgotten import check_forgotten, confirm_extra_time, forgotten_sessions, withdraw_extra_time
from models.notes import save_live_note
from models.participant_history import participant_history
from models.pdf_layout import block_texts
from models.pdf_record import record_parts
from models.questions_goals import add_goal, add_question
from models.reports import billing_rows
from models.rules import FORGOTTEN_MARGIN_MINUTES
from models.session_record import session_record
from models.session_view import load_session_view
from models.sessions import (
    end_at_suggested,
    end_session,
    go_to_step,
    pause,
    set_privacy_curtain,
    set_tick,
)
from models.tables import Attendance, GroupSession, Pause, PresenceInterval, StepRun
from tests.factories import curriculum, make_session
from tests.models.helpers import ITEMS, T0, end_at, start_at_t0

pytestmark = pytest.mark.frozen_clock(T0)

PLANNED = curriculum().minutes  # 120
LIMIT = PLANNED + FORGOTTEN_MARGIN_MINUTES  # 150


def _units(summary) -> dict[int, tuple[int, int]]:
    return {p.participant_id: (p.minutes, p.units) for p in summary.people}


def _excluded(summary) -> dict[int, int]:
    return {p.participant_id: p.excluded_minutes for p in summary.people}


def _summary(db, sid):
    return summary_for_view(load_session_view(db, sid))


def _flag(db, sid, clk, minute):
    clk.at(T0, minute)
    view = load_session_view(db, sid)
    return check_forgotten(view.session, view.runs)


def test_the_numbers_are_the_rules():
    assert PLANNED == 120 and FORGOTTEN_MARGIN_MINUTES == 30


# ---------------------------------------------------------------- the time cap at its boundary


def test_exactly_planned_plus_margin_counts_everything(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock)
    s = end_at(db, frozen_clock, sid, LIMIT)
    assert (s.recorded_minutes, s.face_to_face_minutes, s.excluded_minutes, s.extra_minutes) == (150, 150, 0, 0)
    assert _units(s) == {a: (150, 5), b: (150, 5), c: (150, 5)}
    assert _excluded(s) == {a: 0, b: 0, c: 0}
    assert s.time_note() == "" and s.warnings == []


def test_one_minute_over_is_excluded_and_said(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock)
    s = end_at(db, frozen_clock, sid, LIMIT + 1)
    assert (s.recorded_minutes, s.face_to_face_minutes, s.excluded_minutes, s.extra_minutes) == (151, 150, 1, 1)
    assert _units(s) == {a: (150, 5), b: (150, 5), c: (150, 5)}
    assert _excluded(s) == {a: 1, b: 1, c: 1}
    assert s.confirmed_minutes == 0
    assert s.warnings == ["The clock ran 151 min. 1 min of face-to-face time beyond the planned 120 min plus the "
                          "30-minute margin not counted: not confirmed on the record. Confirm the extra time on the "
                          "session record to count it."]


@pytest.mark.parametrize(("minutes", "counted", "units", "excluded"),
                         [(90, 90, 3, 0), (91, 90, 3, 1), (106, 90, 3, 16)])
def test_98961_cap_at_60_planned_plus_30(db, frozen_clock, minutes, counted, units, excluded):
    # 106 minutes would be 4 units by the midpoint rule; capped at 90 they are 3
    sid, (a, _, _) = start_at_t0(db, frozen_clock, cid="hypertension-group", code="98961")
    s = end_at(db, frozen_clock, sid, minutes)
    assert s.face_to_face_minutes == counted and s.excluded_minutes == excluded
    assert _units(s)[a] == (counted, units)


def test_a_participant_who_left_before_the_cap_loses_nothing(db, frozen_clock):
    sid, (a, b, _) = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 100)
    mark_left(db, session_id=sid, participant_id=b)
    s = end_at(db, frozen_clock, sid, 200)
    assert _units(s)[a] == (150, 5) and _excluded(s)[a] == 50
    assert _units(s)[b] == (100, 3) and _excluded(s)[b] == 0
    assert s.time_note(b) == "" and "50 min" in s.time_note(a)


def test_someone_arriving_only_after_the_cap_has_not_attended_until_confirmed(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock, absent=(2,))
    frozen_clock.at(T0, 160)
    mark_arrived(db, session_id=sid, participant_id=c)
    s = end_at(db, frozen_clock, sid, 200)
    assert c not in s.attended and _units(s)[c] == (0, 0) and _excluded(s)[c] == 40
    confirm_extra_time(db, session_id=sid, minutes=50, by="Pat Educator", reason="Cooking demonstration ran long")
    s = _summary(db, sid)
    assert c in s.attended and _units(s)[c] == (40, 1)
    assert _units(s)[a] == (200, 6)


# ---------------------------------------------------------------- confirming and withdrawing


def test_confirmed_extra_time_is_counted_and_a_withdrawal_stops_it(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock)
    s = end_at(db, frozen_clock, sid, 180)
    assert _units(s)[a] == (150, 5) and s.extra_minutes == 30 and s.excluded_minutes == 30
    with pytest.raises(RuleError, match="is 30 min, not 29"):
        confirm_extra_time(db, session_id=sid, minutes=29, by="Pat Educator", reason="Ran long")
    with pytest.raises(RuleError, match="Say who"):
        confirm_extra_time(db, session_id=sid, minutes=30, by="  ", reason="Ran long")
    with pytest.raises(RuleError, match="Say why"):
        confirm_extra_time(db, session_id=sid, minutes=30, by="Pat Educator", reason="")
    frozen_clock.at(T0, 300)
    confirm_extra_time(db, session_id=sid, minutes=30, by="Pat Educator", reason="The group asked to go on")
    s = _summary(db, sid)
    assert _units(s) == {a: (180, 6), b: (180, 6), c: (180, 6)}
    assert (s.excluded_minutes, s.confirmed_minutes) == (0, 30)
    assert {p.confirmed_minutes for p in s.people} == {30}
    assert "30 min of face-to-face time beyond the planned 120 min plus the 30-minute margin counted: confirmed by " \
           "Pat Educator" in s.time_note(a)
    assert any("confirmed by Pat Educator" in w for w in s.warnings)
    frozen_clock.at(T0, 400)
    withdraw_extra_time(db, session_id=sid, by="Sam Coach")
    s = _summary(db, sid)
    assert _units(s)[a] == (150, 5) and s.excluded_minutes == 30 and s.confirmed_minutes == 0
    rec = session_record(db, sid)
    assert any("confirmed by Pat Educator" in t and "Reason: The group asked to go on" in t
               and "Withdrawn by Sam Coach" in t for t in rec.time_notes)
    with pytest.raises(RuleError, match="No extra time is confirmed"):
        withdraw_extra_time(db, session_id=sid, by="Sam Coach")


def test_confirmation_is_refused_while_live_and_within_the_cap(db, frozen_clock):
    sid, _ = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 180)
    with pytest.raises(RuleError, match="session is live"):
        confirm_extra_time(db, session_id=sid, minutes=30, by="Pat Educator", reason="Ran long")
    other, _ = start_at_t0(db, frozen_clock)
    end_at(db, frozen_clock, other, LIMIT)
    with pytest.raises(RuleError, match="nothing to confirm"):
        confirm_extra_time(db, session_id=other, minutes=0, by="Pat Educator", reason="Ran long")


# ---------------------------------------------------------------- the flag, just inside and outside the margin


def test_running_session_flag_at_the_length_and_activity_boundaries(db, frozen_clock):
    sid, _ = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 110)
    go_to_step(db, session_id=sid, step="summary")  # the last step change
    assert _flag(db, sid, frozen_clock, LIMIT) is None  # exactly planned + margin: not past it
    f = _flag(db, sid, frozen_clock, LIMIT + 1)
    assert f and not f.paused and f.running_minutes == 151 and f.idle_minutes == 41
    assert f.suggested_end == T0 + _min(110) and f.method == EndMethod.LAST_ACTIVITY
    assert f.suggested_option.startswith("End at the last recorded activity (")
    # a note is facilitator activity: the flag waits for the margin after it
    frozen_clock.at(T0, 140)
    save_live_note(db, session_id=sid, participant_id=None, step="summary", text="Wrapping up", tags=[])
    assert _flag(db, sid, frozen_clock, 140 + FORGOTTEN_MARGIN_MINUTES - 1) is None  # 29 min idle
    f = _flag(db, sid, frozen_clock, 140 + FORGOTTEN_MARGIN_MINUTES)  # 30 min idle
    assert f and f.last_activity == T0 + _min(140) and f.suggested_end == T0 + _min(140)


def test_an_active_session_running_long_is_not_flagged_but_still_capped(db, frozen_clock):
    sid, (a, _, _) = start_at_t0(db, frozen_clock)
    for minute in range(20, 200, 20):
        frozen_clock.at(T0, minute)
        save_live_note(db, session_id=sid, participant_id=None, step="intro", text=f"At {minute}", tags=[])
        assert _flag(db, sid, frozen_clock, minute + 29) is None
    s = end_at(db, frozen_clock, sid, 200)
    assert _units(s)[a] == (150, 5) and s.excluded_minutes == 50


def test_home_page_query_flags_only_forgotten_live_sessions(db, frozen_clock):
    old, _ = start_at_t0(db, frozen_clock)
    fresh, _ = start_at_t0(db, frozen_clock)
    ended, _ = start_at_t0(db, frozen_clock)
    end_at(db, frozen_clock, ended, 60)
    frozen_clock.at(T0, 170)
    go_to_step(db, session_id=fresh, step="teach")
    frozen_clock.at(T0, 185)
    rows = [db.get(GroupSession, i) for i in (old, fresh, ended)]
    assert set(forgotten_sessions(db, rows)) == {old}


# ---------------------------------------------------------------- ending: at the last activity, at a time given


def test_end_at_the_last_activity_closes_everything_there(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 100)
    mark_left(db, session_id=sid, participant_id=c)
    frozen_clock.at(T0, 130)
    set_rating(db, session_id=sid, participant_id=a, item_id=ITEMS[0], phase="post", value=7)  # last activity
    frozen_clock.at(T0, 300)  # nobody pressed End; b was never marked as having left
    assert _flag(db, sid, frozen_clock, 300)
    end_at_suggested(db, session_id=sid, reason="Forgot to press End")
    s = db.get(GroupSession, sid)
    assert s.ended_at == T0 + _min(130) and s.end_method == EndMethod.LAST_ACTIVITY
    assert s.end_reason == "Forgot to press End" and s.end_recorded_at == T0 + _min(300)
    assert all(r.ended_at == T0 + _min(130) for r in db.exec(_runs(sid)))
    view = load_session_view(db, sid)
    assert {p.participant_id: p.intervals[-1][1] for p in view.people} == {
        a: T0 + _min(130), b: T0 + _min(130), c: T0 + _min(100)}
    summary = summary_for_view(view)
    assert _units(summary) == {a: (130, 4), b: (130, 4), c: (100, 3)}
    assert summary.excluded_minutes == 0
    rec = session_record(db, sid)
    assert rec.time_notes and rec.time_notes[0].startswith("Ended at ")
    assert "at the last recorded activity" in rec.time_notes[0] and "Reason: Forgot to press End" in rec.time_notes[0]
    billing = next(p for p in record_parts(rec, None) if p.name == "Billing units")
    assert any("Time: Ended at" in t for b_ in billing.blocks for t in block_texts(b_))


def test_ending_forgotten_without_choosing_still_caps_a_participant_never_marked_left(db, frozen_clock):
    sid, (a, b, _) = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 60)
    mark_left(db, session_id=sid, participant_id=b)
    s = end_at(db, frozen_clock, sid, 240)  # End pressed hours late; a was never marked as having left
    assert db.get(GroupSession, sid).end_method == EndMethod.NOW
    assert _units(s)[a] == (150, 5) and _excluded(s)[a] == 90
    assert _units(s)[b] == (60, 2) and _excluded(s)[b] == 0


def test_end_at_a_time_given(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock, absent=(2,))
    frozen_clock.at(T0, 100)
    go_to_step(db, session_id=sid, step="teach")
    frozen_clock.at(T0, 140)
    mark_arrived(db, session_id=sid, participant_id=c)  # arrives after the end the educator will give
    frozen_clock.at(T0, 260)
    with pytest.raises(RuleError, match="cannot be before"):
        end_session(db, session_id=sid, at=T0 + _min(99), reason="Class ended early")
    with pytest.raises(RuleError, match="later than now"):
        end_session(db, session_id=sid, at=T0 + _min(261), reason="Typo")
    with pytest.raises(RuleError, match="Say why"):
        end_session(db, session_id=sid, at=T0 + _min(135))
    end_session(db, session_id=sid, at=T0 + _min(135), reason="Class ended at 17:15; the note came later")
    s = db.get(GroupSession, sid)
    assert s.ended_at == T0 + _min(135) and s.end_method == EndMethod.GIVEN and s.end_recorded_at == T0 + _min(260)
    arrival = db.exec(_presence(sid)).all()
    assert [(iv.arrived_at, iv.left_at) for iv in arrival if iv.arrived_at == T0 + _min(140)] == [
        (T0 + _min(140), T0 + _min(140))]  # kept, with a stay of no time
    summary = _summary(db, sid)
    assert _units(summary) == {a: (135, 4), b: (135, 4), c: (0, 0)}
    assert c not in summary.attended


def test_a_planned_session_cannot_be_given_an_end_time(db, frozen_clock):
    s, _, _ = make_session(db, when=T0)
    with pytest.raises(RuleError, match="never started"):
        end_session(db, session_id=s.id, at=T0, reason="No")


# ---------------------------------------------------------------- a forgotten pause


def test_forgotten_pause_flag_and_end_at_the_pause(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 60)
    pause(db, session_id=sid)
    assert _flag(db, sid, frozen_clock, 60 + FORGOTTEN_MARGIN_MINUTES - 1) is None
    f = _flag(db, sid, frozen_clock, 60 + FORGOTTEN_MARGIN_MINUTES)
    assert f and f.paused and f.running_minutes == 60 and f.method == EndMethod.PAUSE_START
    assert f.suggested_end == T0 + _min(60) and f.suggested_option.startswith("End when the clock was paused (")
    frozen_clock.at(T0, 70)
    save_live_note(db, session_id=sid, participant_id=a, step="intro", text="Took a break", tags=[])
    assert _flag(db, sid, frozen_clock, 99) is None
    f = _flag(db, sid, frozen_clock, 100)
    assert f and f.suggested_end == T0 + _min(60)  # the note came during the pause: the clock stopped at 60
    frozen_clock.at(T0, 480)
    end_at_suggested(db, session_id=sid, reason="Never came back from the break")
    s = db.get(GroupSession, sid)
    assert s.ended_at == T0 + _min(60) and s.end_method == EndMethod.PAUSE_START
    p = db.exec(_pauses(sid)).one()
    assert p.paused_at == p.resumed_at == T0 + _min(60)
    summary = _summary(db, sid)
    assert _units(summary) == {a: (60, 2), b: (60, 2), c: (60, 2)}
    assert summary.excluded_minutes == 0


def test_paused_time_is_never_face_to_face_even_when_ended_late(db, frozen_clock):
    sid, (a, _, _) = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 60)
    pause(db, session_id=sid)
    s = end_at(db, frozen_clock, sid, 600)
    assert s.recorded_minutes == 60 and _units(s)[a] == (60, 2) and s.excluded_minutes == 0


# ---------------------------------------------------------------- every write path records activity


WRITES = {
    "note": lambda db, sid, pids: save_live_note(db, session_id=sid, participant_id=pids[0], step="intro",
                                                 text="Asked about meters", tags=[]),
    "rating": lambda db, sid, pids: set_rating(db, session_id=sid, participant_id=pids[0], item_id=ITEMS[0],
                                               phase="pre", value=5),
    "competency": lambda db, sid, pids: set_competency(db, session_id=sid, participant_id=pids[0],
                                                       topic_id="medicines", phase="pre", level="2"),
    "caregiver": lambda db, sid, pids: set_caregiver(db, session_id=sid, participant_id=pids[0], present=True),
    "left": lambda db, sid, pids: mark_left(db, session_id=sid, participant_id=pids[0]),
    "question": lambda db, sid, pids: add_question(db, session_id=sid, text="Can I eat fruit?"),
    "goal": lambda db, sid, pids: add_goal(db, session_id=sid, participant_id=pids[0], behaviour="Being active",
                                           text="Walk 20 minutes after dinner", confidence=8, follow_up_date=None),
    "tick": lambda db, sid, pids: set_tick(db, session_id=sid, item_key="intro:check:0", done=True),
    "curtain": lambda db, sid, pids: set_privacy_curtain(db, session_id=sid, on=True),
    "pause": lambda db, sid, pids: pause(db, session_id=sid),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_write_is_activity(db, frozen_clock, write):
    sid, pids = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 17)
    WRITES[write](db, sid, pids)
    assert db.get(GroupSession, sid).last_activity_at == T0 + _min(17)


# ---------------------------------------------------------------- the billing CSV and the DSMT allowance say it


def test_billing_csv_and_allowance_say_excluded_then_confirmed(db, frozen_clock):
    sid, (a, b, c) = start_at_t0(db, frozen_clock)
    frozen_clock.at(T0, 100)
    mark_left(db, session_id=sid, participant_id=c)
    end_at(db, frozen_clock, sid, 180)
    day = T0.date()

    def csv_rows():
        data = billing_csv(billing_rows(db, date_from=day, date_to=day))
        return {int(r["participant_id"]): r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}

    rows = csv_rows()
    assert (rows[a]["minutes"], rows[a]["units"], rows[a]["excluded_minutes"], rows[a]["confirmed_minutes"]) == (
        "150", "5", "30", "0")
    assert "30 min of face-to-face time beyond the planned 120 min" in rows[a]["time_note"]
    assert "not counted" in rows[a]["time_note"] and "not counted" in rows[a]["warnings"]
    assert (rows[c]["minutes"], rows[c]["excluded_minutes"], rows[c]["time_note"]) == ("100", "0", "")
    use = participant_history(db, a).allowance.uses[0]
    assert use.hours == 2.5 and "not counted" in use.note
    assert participant_history(db, c).allowance.uses[0].note == ""

    confirm_extra_time(db, session_id=sid, minutes=30, by="Pat Educator", reason="Extra practice with meters")
    rows = csv_rows()
    assert (rows[a]["minutes"], rows[a]["units"], rows[a]["excluded_minutes"], rows[a]["confirmed_minutes"]) == (
        "180", "6", "0", "30")
    assert "counted: confirmed by Pat Educator" in rows[a]["time_note"]
    hist = participant_history(db, a)
    assert hist.allowance.uses[0].hours == 3.0 and "confirmed by Pat Educator" in hist.allowance.uses[0].note
    assert "confirmed by Pat Educator" in hist.sessions[0].time_note


# ---------------------------------------------------------------- migration 0005


def test_migration_0005_fills_planned_length_and_last_activity(blank_db_url):
    eng = make_engine(blank_db_url)
    migrate(eng, "0004")
    cur = curriculum()
    with eng.begin() as conn:
        fac = conn.execute(text("INSERT INTO facilitator (name, credential, created_at) VALUES ('Pat Educator', "
                                "'RN', :t) RETURNING id"), {"t": T0}).scalar()
        sid = conn.execute(text(
            "INSERT INTO group_session (curriculum_id, curriculum_version, curriculum_title, curriculum_json, "
            "billing_code, scheduled_at, setting, facilitator_id, status, current_step, show_first_names, "
            "privacy_curtain, revision, created_at, started_at) VALUES (:cid, :ver, :title, :json, 'G0109', :t, "
            "'clinic', :fac, 'live', 'teach', false, false, 3, :t, :t) RETURNING id"),
            {"cid": cur.id, "ver": cur.version, "title": cur.title, "json": cur.to_json(), "t": T0, "fac": fac}
        ).scalar()
        conn.execute(text("INSERT INTO step_run (session_id, step, started_at, ended_at) VALUES "
                          "(:s, 'intro', :a, :b), (:s, 'teach', :b, NULL)"),
                     {"s": sid, "a": T0, "b": T0 + _min(15)})
        nid = conn.execute(text("INSERT INTO note (session_id, step, created_at) VALUES (:s, 'teach', :t) "
                                "RETURNING id"), {"s": sid, "t": T0 + _min(20)}).scalar()
        conn.execute(text("INSERT INTO note_version (note_id, text, tags, created_at, after_session) VALUES "
                          "(:n, 'Group engaged', '', :t, false)"), {"n": nid, "t": T0 + _min(42)})
    migrate(eng)
    with session_scope(eng) as db:
        s = db.get(GroupSession, sid)
        assert s.planned_minutes == PLANNED
        assert s.last_activity_at == T0 + _min(42)
        assert s.end_method is None and s.extra_confirmed_minutes is None
    eng.dispose()


# ---------------------------------------------------------------- helpers


def _min(n: float) -> timedelta:
    return timedelta(minutes=n)


def _runs(sid):
    return select(StepRun).where(StepRun.session_id == sid)


def _pauses(sid):
    return select(Pause).where(Pause.session_id == sid)


def _presence(sid):
    return (select(PresenceInterval).join(Attendance, Attendance.id == PresenceInterval.attendance_id)
            .where(Attendance.session_id == sid))
