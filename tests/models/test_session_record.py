"""The session record: step times, fidelity, ratings and competency, odd sessions, note histories and group
notes, and presence typed in local time. Plain pytest on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import clock
from models.assessments import set_competency
from models.attendance import set_present
from models.errors import RuleError
from models.notes import add_note, amend_note
from models.questions_goals import add_goal
from models.session_record import presence_from_local, session_record
from models.sessions import end_session, get_session, go_to_step, set_tick, start_session
from tests.factories import make_session
from tests.models.helpers import T0, rate, run, start_at_t0

pytestmark = pytest.mark.frozen_clock(T0)


def test_session_record_times_fidelity_ratings_and_competency(db, frozen_clock):
    s, people, _ = make_session(db, n=3, when=T0)
    sid = s.id
    a, b, c = (p.id for p in people)
    set_present(db, session_id=sid, participant_id=c, present=False)
    frozen_clock.at(T0)
    start_session(db, session_id=sid)
    set_tick(db, session_id=sid, item_key="intro:check:0", done=True)
    set_tick(db, session_id=sid, item_key="teach:topic:medicines", done=True)
    rate(db, sid, a, "pre", 4)
    rate(db, sid, b, "pre", 3, n=5)  # not scorable: 3 of 8 missing
    set_competency(db, session_id=sid, participant_id=a, topic_id="medicines", phase="pre", level="2")
    set_competency(db, session_id=sid, participant_id=b, topic_id="medicines", phase="pre", level="NC")
    frozen_clock.at(T0, 20)
    go_to_step(db, session_id=sid, step="teach")
    frozen_clock.at(T0, 70)
    go_to_step(db, session_id=sid, step="summary")
    rate(db, sid, a, "post", 7, n=6)
    set_competency(db, session_id=sid, participant_id=a, topic_id="medicines", phase="post", level="4")
    set_competency(db, session_id=sid, participant_id=b, topic_id="medicines", phase="post", level="3")
    add_goal(db, session_id=sid, participant_id=a, behaviour="Being active", text="Walk", confidence=8,
             follow_up_date=date(2026, 3, 16))
    frozen_clock.at(T0, 85)
    end_session(db, session_id=sid)

    rec = session_record(db, sid)
    times = {t.step: (t.planned_minutes, t.actual_minutes, t.runs) for t in rec.step_times}
    assert times == {"intro": (15, 20.0, 1), "teach": (50, 50.0, 1), "activity": (25, 0.0, 0), "qa": (15, 0.0, 0),
                     "summary": (15, 15.0, 1)}
    fid = {f.step: f for f in rec.fidelity}
    assert fid["intro"].delivered == ["Agenda posted"] and "Session started on time" in fid["intro"].skipped
    assert fid["teach"].delivered == ["Taking your diabetes medicines"]
    assert fid["activity"].delivered == [] and len(fid["activity"].skipped) == 8
    r = {x.participant_id: x for x in rec.ratings}
    assert (r[a].pre, r[a].post, r[a].change) == (4, 7, 3)
    assert r[b].pre is None and r[b].pre_count == 5 and r[b].change is None
    grid = {(x.participant_id, x.topic_id): x for x in rec.competency}
    assert grid[(a, "medicines")].text == "2 → 4" and grid[(a, "medicines")].improved
    assert grid[(b, "medicines")].text == "NC → 3" and grid[(b, "medicines")].improved is None
    assert grid[(c, "medicines")].text == "— → —"
    assert grid[(a, "glucose-monitoring")].text == "— → —"
    assert rec.attended == {a, b}
    assert "post ratings missing for 1 participant(s)" in rec.gaps and "no goal for 1 participant(s)" in rec.gaps
    assert {p.participant_id: p.units for p in rec.billing.people} == {a: 2, b: 2, c: 0}


def test_odd_sessions_show_as_such(db, frozen_clock):
    s, _, _ = make_session(db, n=2, when=T0)
    rec = session_record(db, s.id)
    assert rec.billing is None and rec.gaps == []
    assert any("not been started" in o for o in rec.oddities)
    end_session(db, session_id=s.id)
    rec = session_record(db, s.id)
    assert rec.gaps == ["ended without being run (no time recorded)"]
    assert any("ended without being run" in o for o in rec.oddities)
    assert all(t.actual_minutes == 0 for t in rec.step_times)
    s2, _, _ = make_session(db, n=2, when=T0)
    run(db, frozen_clock, s2.id)
    rec = session_record(db, s2.id)
    assert any("No ratings were recorded" in o for o in rec.oddities)
    assert session_record(db, 999_999) is None


def test_note_history_and_group_notes_in_the_record(db, frozen_clock):
    s, people, _ = make_session(db, n=2, when=T0)
    run(db, frozen_clock, s.id)
    frozen_clock.at(T0, 90)
    n = add_note(db, session_id=s.id, participant_id=people[0].id, step="qa", text="First", tags=["distress"])
    frozen_clock.at(T0, 95)
    amend_note(db, note_id=n.id, text="Second", tags=["needs follow-up"])
    add_note(db, session_id=s.id, participant_id=None, step="summary", text="Group note", tags=[])
    rec = session_record(db, s.id)
    [mine] = rec.notes_for(people[0].id)
    assert mine.text == "Second" and mine.edited_after_session and mine.versions == 2
    assert [v.text for v in rec.histories[n.id]] == ["First", "Second"]
    assert [v.created_at for v in rec.histories[n.id]] == [T0 + timedelta(minutes=90), T0 + timedelta(minutes=95)]
    assert [x.text for x in rec.notes_for(None)] == ["Group note"]
    assert any("note(s) tagged for follow-up" in g for g in rec.gaps)


def test_presence_from_local_snaps_to_start_and_end(db, frozen_clock):
    sid, _ = start_at_t0(db, frozen_clock)
    frozen_clock.set(T0 + timedelta(minutes=60, seconds=40))
    end_session(db, session_id=sid)
    s = get_session(db, sid)
    local = lambda ts: clock.to_local(ts).replace(tzinfo=None)  # noqa: E731
    rows = [(local(T0 + timedelta(seconds=20)), local(T0 + timedelta(minutes=20))),
            (local(T0 + timedelta(minutes=30)), local(T0 + timedelta(minutes=60)))]
    out = presence_from_local(s, rows)
    assert out == [(T0, T0 + timedelta(minutes=20)), (T0 + timedelta(minutes=30), s.ended_at)]
    assert presence_from_local(s, [(None, None)]) == []
    with pytest.raises(RuleError):
        presence_from_local(s, [(local(T0), None)])
