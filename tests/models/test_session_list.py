"""The session list: newest first with its figures, filters, note search (current text only, any characters,
case beyond ASCII), paging in SQL, the page's figures in a fixed number of queries, and years of history of
which only the page is read. Plain pytest on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from models import clock
from models.notes import add_note, amend_note
from models.people import create_facilitator, create_participant
from models.session_list import SessionFilter, count_sessions, filter_choices, list_sessions
from models.sessions import create_session
from models.tables import Attendance, GroupSession, Note, NoteVersion, PresenceInterval, StepRun
from tests.factories import curriculum
from tests.models.helpers import T0, run, three_sessions

pytestmark = pytest.mark.frozen_clock(T0)


def test_list_newest_first_with_figures(db, frozen_clock):
    (s1, s2, s3), _, _ = three_sessions(db, frozen_clock)
    page = list_sessions(db)
    assert [r.session_id for r in page.rows] == [s3, s2, s1]
    r3 = page.rows[0]
    assert (r3.head_count, r3.minutes, r3.units, r3.rostered, r3.code, r3.facilitator) == (3, 60, 6, 3, "G0109",
                                                                                         "Sam Coach")
    assert r3.incomplete and any("post ratings" in g for g in r3.gaps) and any("no goal" in g for g in r3.gaps)
    assert page.total == 3 and page.pages == 1


def test_list_filters(db, frozen_clock):
    (s1, s2, s3), (ada, bram, cora), (fac_a, fac_b) = three_sessions(db, frozen_clock)
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


def test_note_search_uses_current_text_only(db, frozen_clock):
    (s1, s2, s3), (ada, bram, _), _ = three_sessions(db, frozen_clock)
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


def test_note_search_folds_case_beyond_ascii_and_takes_any_characters(db, frozen_clock):
    (s1, s2, _), (ada, bram, _), _ = three_sessions(db, frozen_clock)
    add_note(db, session_id=s1, participant_id=ada.id, step="teach", text="Ünsure about the ÉTAPE two", tags=[])
    add_note(db, session_id=s2, participant_id=bram.id, step="qa", text='Said "NEAR" * OR x:y \' drop', tags=[])
    search = lambda text: [r.session_id for r in list_sessions(db, filters=SessionFilter(text=text)).rows]  # noqa: E731
    assert search("ünsure") == [s1]
    assert search("étape TWO") == [s1]
    assert search("ab") == [s1]  # shorter than the index's three characters: still found
    assert search('"near" *') == [s2]  # quotes and operators are text, not query syntax
    assert search("x:y ' drop") == [s2]
    assert search("' OR 1=1 --") == []


def test_pagination_in_sql(db, frozen_clock, engine):
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


def test_figures_for_the_page_only_in_a_fixed_number_of_queries(db, frozen_clock, engine):
    fac = create_facilitator(db, name="Pat Educator", credential="RN")
    people = [create_participant(db, first_name=f"P{i}", last_name="Invented") for i in range(3)]
    for i in range(30):
        when = T0 + timedelta(days=i)
        s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=when, setting="clinic",
                           facilitator_id=fac.id, participant_ids=[p.id for p in people])
        run(db, frozen_clock, s.id, when=when, minutes=30)
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


def test_years_of_history_read_only_the_page(db, frozen_clock, engine):
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
