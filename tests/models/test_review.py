"""Review queries: the session list (filters, note search, pagination in SQL, per-page figures in a fixed
number of queries, years of history), documentation gaps, the session record, participant histories,
billing rows and the program overview. Plain pytest on SQLite and PostgreSQL, with a fake clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, insert

from models import clock
from models.assessments import ratings_needed, scale_score, set_competency, set_rating
from models.attendance import mark_arrived, set_present
from models.documentation import GoalFact, TaggedNote, documentation_gaps
from models.notes import add_note, amend_note
from models.participant_history import participant_history
from models.people import create_facilitator, create_participant, find_participants
from models.questions_goals import add_goal, mark_goal_followed_up
from models.reports import billing_rows, program_overview
from models.session_list import SessionFilter, count_sessions, filter_choices, list_sessions
from models.session_record import session_record
from models.sessions import create_session, end_session, go_to_step, set_tick, start_session
from models.tables import (
    Attendance,
    GroupSession,
    Note,
    NoteVersion,
    Participant,
    PresenceInterval,
    StepRun,
)
from tests.factories import curriculum, make_session

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ITEMS = [i.id for i in curriculum().assessment]


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> datetime:
        return self.t

    def at(self, when: datetime, minutes: float = 0) -> None:
        self.t = when + timedelta(minutes=minutes)


@pytest.fixture
def clk(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(clock, "now", c)
    return c


def _run(db, clk, sid, *, when=T0, minutes=60, steps=("intro", "teach")):
    clk.at(when)
    start_session(db, session_id=sid)
    for i, st in enumerate(steps[1:], 1):
        clk.at(when, minutes * i / len(steps))
        go_to_step(db, session_id=sid, step=st)
    clk.at(when, minutes)
    end_session(db, session_id=sid)


def _rate(db, sid, pid, phase, value, n=None):
    for item in ITEMS[:n]:
        set_rating(db, session_id=sid, participant_id=pid, item_id=item, phase=phase, value=value)


# ---------------------------------------------------------------- pure helpers


def test_scale_score_allows_two_missing_items():
    assert scale_score([4] * 8, 8) == 4
    assert scale_score([4] * 6 + [7], 8) == pytest.approx(31 / 7)
    assert scale_score([5] * 6, 8) == 5
    assert scale_score([5] * 5, 8) is None
    assert scale_score([], 8) is None
    assert ratings_needed(8) == 6 and ratings_needed(2) == 1 and ratings_needed(0) == 0


def test_documentation_gaps_each_reason():
    today = date(2026, 3, 10)
    base = dict(status="ended", ran=True, n_items=8, attended={1, 2}, post_counts={1: 8, 2: 6},
                goals=[GoalFact(1, None, False), GoalFact(2, None, False)], notes=[], today=today)
    assert documentation_gaps(**base) == []
    assert documentation_gaps(**{**base, "status": "live"}) == []
    assert documentation_gaps(**{**base, "ran": False}) == ["ended without being run (no time recorded)"]
    assert documentation_gaps(**{**base, "post_counts": {1: 8, 2: 5}}) == ["post ratings missing for 1 participant(s)"]
    assert documentation_gaps(**{**base, "goals": [GoalFact(1, None, False)]}) == ["no goal for 1 participant(s)"]
    # a goal's follow-up is open from its date on, until marked followed up
    due = [GoalFact(1, today, False), GoalFact(2, today + timedelta(days=1), False)]
    assert documentation_gaps(**{**base, "goals": due}) == ["open follow-up: 1 goal follow-up(s) due"]
    done = [GoalFact(1, today, True), GoalFact(2, None, False)]
    assert documentation_gaps(**{**base, "goals": done}) == []
    # a note tagged for follow-up stays open until that person has a goal marked followed up
    tagged = [TaggedNote(2, ("needs follow-up",)), TaggedNote(1, ("distress",))]
    assert documentation_gaps(**{**base, "notes": tagged}) == ["open follow-up: 1 note(s) tagged for follow-up"]
    assert documentation_gaps(**{**base, "notes": tagged, "goals": [GoalFact(1, None, False),
                                                                     GoalFact(2, None, True)]}) == []
    group = [TaggedNote(None, ("refer to one-on-one",))]
    assert documentation_gaps(**{**base, "notes": group, "goals": [GoalFact(1, None, True),
                                                                   GoalFact(2, None, True)]}) != []


# ---------------------------------------------------------------- the list


def _three_sessions(db, clk):
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
        _run(db, clk, s.id, when=when)
        out.append(s.id)
    return out, (ada, bram, cora), (fac_a, fac_b)


def test_list_newest_first_with_figures(db, clk):
    (s1, s2, s3), _, _ = _three_sessions(db, clk)
    page = list_sessions(db)
    assert [r.session_id for r in page.rows] == [s3, s2, s1]
    r3 = page.rows[0]
    assert (r3.head_count, r3.minutes, r3.units, r3.rostered, r3.code, r3.facilitator) == (3, 60, 6, 3, "G0109",
                                                                                         "Sam Coach")
    assert r3.incomplete and any("post ratings" in g for g in r3.gaps) and any("no goal" in g for g in r3.gaps)
    assert page.total == 3 and page.pages == 1


def test_list_filters(db, clk):
    (s1, s2, s3), (ada, bram, cora), (fac_a, fac_b) = _three_sessions(db, clk)
    ids = lambda **kw: [r.session_id for r in list_sessions(db, filters=SessionFilter(**kw)).rows]  # noqa: E731
    day0 = clock.to_local(T0).date()
    assert ids(date_from=day0, date_to=day0) == [s1]
    assert ids(date_from=day0 + timedelta(days=1)) == [s3, s2]
    assert ids(date_to=day0 + timedelta(days=1)) == [s2, s1]
    assert ids(curriculum_id="hypertension-group") == [s2]
    assert ids(code="G0109") == [s3, s1]
    assert ids(facilitator_id=fac_a.id) == [s1]
    assert ids(participant_id=ada.id) == [s3, s1]
    assert ids(participant_id=cora.id, code="G0109") == [s3]
    assert ids(status="planned") == []
    ch = filter_choices(db)
    assert {c for c, _ in ch.curricula} == {"diabetes-dsmt-group", "hypertension-group"}
    assert ch.codes == ["98961", "G0109"]


def test_note_search_uses_current_text_only(db, clk):
    (s1, s2, s3), (ada, bram, _), _ = _three_sessions(db, clk)
    n = add_note(db, session_id=s1, participant_id=ada.id, step="teach", text="Asked about INSULIN pens", tags=[])
    add_note(db, session_id=s2, participant_id=bram.id, step="qa", text="100% sure_about salt", tags=[])
    search = lambda text: [r.session_id for r in list_sessions(db, filters=SessionFilter(text=text)).rows]  # noqa: E731
    assert search("insulin") == [s1]
    assert search("  Insulin Pens ") == [s1]
    amend_note(db, note_id=n.id, text="Asked about meters", tags=[])
    assert search("insulin") == []  # the earlier version is history, not current text
    assert search("meters") == [s1]
    assert search("100%") == [s2]
    assert search("%") == [s2]  # wildcards are literal
    assert search("_") == [s2]
    assert search("nothing like this") == []


def test_note_search_folds_case_beyond_ascii_and_takes_any_characters(db, clk):
    (s1, s2, _), (ada, bram, _), _ = _three_sessions(db, clk)
    add_note(db, session_id=s1, participant_id=ada.id, step="teach", text="Ünsure about the ÉTAPE two", tags=[])
    add_note(db, session_id=s2, participant_id=bram.id, step="qa", text='Said "NEAR" * OR x:y \' drop', tags=[])
    search = lambda text: [r.session_id for r in list_sessions(db, filters=SessionFilter(text=text)).rows]  # noqa: E731
    assert search("ünsure") == [s1]
    assert search("étape TWO") == [s1]
    assert search("ab") == [s1]  # shorter than the index's three characters: still found
    assert search('"near" *') == [s2]  # quotes and operators are text, not query syntax
    assert search("x:y ' drop") == [s2]
    assert search("' OR 1=1 --") == []


def test_pagination_in_sql(db, clk, engine):
    fac = create_facilitator(db, name="Pat Educator", credential="RN")
    p = create_participant(db, first_name="Ada", last_name="Testwell")
    ids = []
    for i in range(12):
        when = T0 + timedelta(hours=i)
        s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=when, setting="clinic",
                           facilitator_id=fac.id, participant_ids=[p.id])
        ids.append(s.id)
    db.commit()
    page = list_sessions(db, limit=5, offset=5)
    assert [r.session_id for r in page.rows] == ids[::-1][5:10]
    assert (page.page, page.pages, page.total) == (2, 3, 12)
    last = list_sessions(db, limit=5, offset=500)  # past the end: the last page
    assert [r.session_id for r in last.rows] == ids[::-1][10:] and last.page == 3
    assert all(r.state == "planned" and r.head_count is None and not r.incomplete for r in page.rows)
    assert count_sessions(db) == 12


def test_figures_for_the_page_only_in_a_fixed_number_of_queries(db, clk, engine):
    fac = create_facilitator(db, name="Pat Educator", credential="RN")
    people = [create_participant(db, first_name=f"P{i}", last_name="Invented") for i in range(3)]
    for i in range(30):
        when = T0 + timedelta(days=i)
        s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=when, setting="clinic",
                           facilitator_id=fac.id, participant_ids=[p.id for p in people])
        _run(db, clk, s.id, when=when, minutes=30)
        add_note(db, session_id=s.id, participant_id=people[0].id, step="teach", text=f"note {i}",
                 tags=["needs follow-up"])
    db.commit()
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    counts = {}
    for limit in (5, 25):
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            page = list_sessions(db, limit=limit, filters=SessionFilter(text="note"))
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert len(page.rows) == limit and page.rows[0].units == 3
        counts[limit] = len(statements)
        assert any("LIMIT" in s.upper() for s in statements)
    assert counts[5] == counts[25] <= 12


def test_years_of_history_read_only_the_page(db, clk, engine):
    """2,000 sessions and 60,000 notes: a page, a deep filtered page and a note search are right and load only
    the page's sessions (speed itself is shown by scripts/benchmark.py, not timed here)."""
    cur = curriculum()
    cjson = cur.to_json()
    fac = create_facilitator(db, name="Pat Educator", credential="RN")
    people = [create_participant(db, first_name=f"P{i}", last_name="Invented") for i in range(3)]
    db.commit()
    n_sessions, notes_per = 2000, 30
    sess, runs, atts, ivs, notes, versions = [], [], [], [], [], []
    base = 10_000
    for i in range(n_sessions):
        sid = base + i
        when = T0 - timedelta(days=i)
        sess.append(dict(id=sid, curriculum_id=cur.id, curriculum_version=cur.version, curriculum_title=cur.title,
                         curriculum_json=cjson, billing_code="G0109", scheduled_at=when, setting="clinic",
                         facilitator_id=fac.id, status="ended", revision=0, show_first_names=False,
                         privacy_curtain=False, created_at=when, started_at=when,
                         ended_at=when + timedelta(minutes=60)))
        runs.append(dict(session_id=sid, step="intro", started_at=when, ended_at=when + timedelta(minutes=60)))
        for j, p in enumerate(people):
            aid = sid * 10 + j
            atts.append(dict(id=aid, session_id=sid, participant_id=p.id, present=True, caregiver_present=False,
                             added_late=False, created_at=when))
            ivs.append(dict(attendance_id=aid, arrived_at=when, left_at=when + timedelta(minutes=60), recorded_at=when,
                            amended=False))
        for k in range(notes_per):
            nid = sid * 100 + k
            notes.append(dict(id=nid, session_id=sid, participant_id=people[k % 3].id, step="teach", created_at=when))
            text = f"Session {i} note {k}: talked about meals and walking" + (" zebra-word" if i == 1234 else "")
            versions.append(dict(note_id=nid, text=text, tags="", created_at=when, after_session=False))
    for table, rows in ((GroupSession, sess), (StepRun, runs), (Attendance, atts), (PresenceInterval, ivs),
                        (Note, notes), (NoteVersion, versions)):
        for i in range(0, len(rows), 5000):
            db.execute(insert(table.__table__), rows[i:i + 5000])
    db.commit()
    assert count_sessions(db) == n_sessions

    loaded: list[int] = []
    listener = lambda target, _ctx: loaded.append(target.id)  # noqa: E731
    event.listen(GroupSession, "load", listener)
    try:
        db.expunge_all()
        page = list_sessions(db, limit=25)
        assert len(page.rows) == 25 and page.total == n_sessions and page.rows[0].units == 6
        assert sorted(loaded) == sorted(r.session_id for r in page.rows)  # the page's sessions, no others
        db.expunge_all()
        loaded.clear()
        page = list_sessions(db, limit=25, offset=1975, filters=SessionFilter(participant_id=people[1].id))
        assert len(page.rows) == 25 and page.page == 80
        assert [r.session_id for r in page.rows] == [base + i for i in range(1975, 2000)]
        assert len(loaded) == 25
        db.expunge_all()
        loaded.clear()
        found = list_sessions(db, filters=SessionFilter(text="ZEBRA-word"))  # notes bulk-inserted: indexed too
        assert [r.session_id for r in found.rows] == [base + 1234] and loaded == [base + 1234]
    finally:
        event.remove(GroupSession, "load", listener)


# ---------------------------------------------------------------- the session record


def test_session_record_times_fidelity_ratings_and_competency(db, clk):
    s, people, _ = make_session(db, n=3, when=T0)
    sid = s.id
    a, b, c = (p.id for p in people)
    set_present(db, session_id=sid, participant_id=c, present=False)
    clk.at(T0)
    start_session(db, session_id=sid)
    set_tick(db, session_id=sid, item_key="intro:check:0", done=True)
    set_tick(db, session_id=sid, item_key="teach:topic:medicines", done=True)
    _rate(db, sid, a, "pre", 4)
    _rate(db, sid, b, "pre", 3, n=5)  # not scorable: 3 of 8 missing
    set_competency(db, session_id=sid, participant_id=a, topic_id="medicines", phase="pre", level="2")
    set_competency(db, session_id=sid, participant_id=b, topic_id="medicines", phase="pre", level="NC")
    clk.at(T0, 20)
    go_to_step(db, session_id=sid, step="teach")
    clk.at(T0, 70)
    go_to_step(db, session_id=sid, step="summary")
    _rate(db, sid, a, "post", 7, n=6)
    set_competency(db, session_id=sid, participant_id=a, topic_id="medicines", phase="post", level="4")
    set_competency(db, session_id=sid, participant_id=b, topic_id="medicines", phase="post", level="3")
    add_goal(db, session_id=sid, participant_id=a, behaviour="Being active", text="Walk", confidence=8,
             follow_up_date=date(2026, 3, 16))
    clk.at(T0, 85)
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


def test_odd_sessions_show_as_such(db, clk):
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
    _run(db, clk, s2.id)
    rec = session_record(db, s2.id)
    assert any("No ratings were recorded" in o for o in rec.oddities)
    assert session_record(db, 999_999) is None


def test_note_history_and_group_notes_in_the_record(db, clk):
    s, people, _ = make_session(db, n=2, when=T0)
    _run(db, clk, s.id)
    clk.at(T0, 90)
    n = add_note(db, session_id=s.id, participant_id=people[0].id, step="qa", text="First", tags=["distress"])
    clk.at(T0, 95)
    amend_note(db, note_id=n.id, text="Second", tags=["needs follow-up"])
    add_note(db, session_id=s.id, participant_id=None, step="summary", text="Group note", tags=[])
    rec = session_record(db, s.id)
    [mine] = rec.notes_for(people[0].id)
    assert mine.text == "Second" and mine.edited_after_session and mine.versions == 2
    assert [v.text for v in rec.histories[n.id]] == ["First", "Second"]
    assert [v.created_at for v in rec.histories[n.id]] == [T0 + timedelta(minutes=90), T0 + timedelta(minutes=95)]
    assert [x.text for x in rec.notes_for(None)] == ["Group note"]
    assert any("note(s) tagged for follow-up" in g for g in rec.gaps)


# ---------------------------------------------------------------- participant history


def test_participant_history_units_allowance_competency_goals_ratings(db, clk):
    fac = create_facilitator(db, name="Pat Educator", credential="RN")
    ada = create_participant(db, first_name="Ada", last_name="Testwell", record_number="MRN-1")
    bram = create_participant(db, first_name="Bram", last_name="Fakeley")
    days = [T0, T0 + timedelta(days=30), T0 + timedelta(days=60)]
    sids = []
    for i, when in enumerate(days):
        s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=when, setting="clinic",
                           facilitator_id=fac.id, participant_ids=[ada.id, bram.id])
        sids.append(s.id)
        if i == 2:
            set_present(db, session_id=s.id, participant_id=bram.id, present=False)  # Ada alone: G0108
        clk.at(when)
        start_session(db, session_id=s.id)
        _rate(db, s.id, ada.id, "pre", 3 + i)
        level = {0: "2", 1: "4", 2: "NC"}[i]
        set_competency(db, session_id=s.id, participant_id=ada.id, topic_id="medicines", phase="post", level=level)
        if i == 0:
            set_competency(db, session_id=s.id, participant_id=ada.id, topic_id="lows-and-highs", phase="pre",
                           level="1")
        clk.at(when, 45)
        _rate(db, s.id, ada.id, "post", 6 + i)
        g = add_goal(db, session_id=s.id, participant_id=ada.id, behaviour="Monitoring", text=f"Goal {i}",
                     confidence=6, follow_up_date=when.date() + timedelta(days=14))
        if i == 0:
            mark_goal_followed_up(db, goal_id=g.id)
        clk.at(when, 60 if i < 2 else 30)
        end_session(db, session_id=s.id)
    s4 = create_session(db, curriculum=curriculum("hypertension-group"), billing_code="98961",
                        scheduled_at=T0 + timedelta(days=90), setting="clinic", facilitator_id=fac.id,
                        participant_ids=[ada.id, bram.id])
    clk.at(T0, 60 * 24 * 100)
    h = participant_history(db, ada.id)
    assert [r.session_id for r in h.sessions] == [*sids, s4.id]
    assert [(r.billed_code, r.minutes, r.units, r.present) for r in h.sessions] == [
        ("G0109", 60, 2, True), ("G0109", 60, 2, True), ("G0108", 30, 1, True), (None, None, None, False)]
    assert [r.dsmt_hours for r in h.sessions] == [1.0, 1.0, 0.5, None]  # never ran: no DSMT code billed
    a = h.allowance
    assert (a.group_used, a.individual_used, a.initial_used) == (2.0, 0.5, 2.5)
    assert a.first_day == clock.to_local(T0).date()
    latest = {t.topic_id: (t.level, t.session_id) for t in h.competency}
    assert latest == {"medicines": ("4", sids[1]), "lows-and-highs": ("1", sids[0])}
    assert [(g.text, g.followed_up_at is not None) for g in h.goals] == [("Goal 0", True), ("Goal 1", False),
                                                                         ("Goal 2", False)]
    assert [(r.session_id, r.phase, r.score) for r in h.ratings] == [
        (sids[0], "pre", 3), (sids[0], "post", 6), (sids[1], "pre", 4), (sids[1], "post", 7), (sids[2], "pre", 5),
        (sids[2], "post", 8)]
    assert participant_history(db, 999_999) is None
    assert [p.id for p in find_participants(db, text="mrn-1")] == [ada.id]
    assert [p.id for p in find_participants(db, text="ada test")] == [ada.id]
    assert find_participants(db, text="%") == []


# ---------------------------------------------------------------- billing rows


def test_billing_rows_one_per_attending_participant(db, clk):
    (s1, s2, s3), (ada, bram, cora), _ = _three_sessions(db, clk)
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


def test_billing_rows_leave_out_the_absent(db, clk):
    s, people, _ = make_session(db, n=3, when=T0)
    set_present(db, session_id=s.id, participant_id=people[2].id, present=False)
    _run(db, clk, s.id)
    day0 = clock.to_local(T0).date()
    rows = billing_rows(db, date_from=day0, date_to=day0)
    assert sorted(r.participant_id for r in rows) == sorted(p.id for p in people[:2])


# ---------------------------------------------------------------- program overview


@pytest.mark.parametrize(("delay", "length", "on_time"), [
    (0, 120, True), (10, 120, True), (-10, 120, True), (11, 120, False), (-11, 120, False),
    (0, 108, True), (0, 132, True), (0, 107, False), (0, 133, False),
])
def test_on_time_boundaries(db, clk, delay, length, on_time):
    s, _, _ = make_session(db, n=2, when=T0)  # planned 120 minutes
    _run(db, clk, s.id, when=T0 + timedelta(minutes=delay), minutes=length)
    day0 = clock.to_local(T0).date()
    ov = program_overview(db, date_from=day0, date_to=day0)
    [t] = ov.timings
    assert t.on_time is on_time
    assert ov.on_time_share == (1.0 if on_time else 0.0)


def test_program_overview_figures(db, clk):
    (s1, s2, s3), (ada, bram, cora), _ = _three_sessions(db, clk)
    # s3 was planned for 3 and ran with all: make one no-show in a fourth session
    s4, people, _ = make_session(db, n=4, when=T0 + timedelta(days=3))
    set_present(db, session_id=s4.id, participant_id=people[3].id, present=False)
    _run(db, clk, s4.id, when=T0 + timedelta(days=3))
    make_session(db, n=2, when=T0 + timedelta(days=40))  # planned, next month
    for sid, pid, pre, post in ((s1, ada.id, 4, 6), (s1, bram.id, 5, 6), (s3, ada.id, 6, 8)):
        _rate(db, sid, pid, "pre", pre)
        _rate(db, sid, pid, "post", post)
    _rate(db, s1, bram.id, "post", 9, n=1)  # overwrites one item: still scorable
    _rate(db, s3, cora.id, "pre", 2)  # no post: left out
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


def test_mark_arrived_late_counts_in_attendance(db, clk):
    s, people, _ = make_session(db, n=2, when=T0)
    set_present(db, session_id=s.id, participant_id=people[1].id, present=False)
    clk.at(T0)
    start_session(db, session_id=s.id)
    clk.at(T0, 10)
    mark_arrived(db, session_id=s.id, participant_id=people[1].id)
    clk.at(T0, 60)
    end_session(db, session_id=s.id)
    day0 = clock.to_local(T0).date()
    ov = program_overview(db, date_from=day0, date_to=day0)
    assert ov.attendance_rate == 1.0
    assert db.get(Participant, people[1].id) is not None
