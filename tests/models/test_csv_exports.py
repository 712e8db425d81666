"""CSV exports: cell neutralising, and each session file and the billing file read back. The session built
here with a name in every script is also the PDF tests' (tests/models/test_pdf_record.py). Everyone is invented."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from models import clock
from models.assessments import set_competency, set_rating
from models.attendance import add_to_roster, mark_arrived, set_caregiver, set_present
from models.csv_exports import attendance_csv, billing_csv, csv_cell, export_filename, goals_csv, notes_csv, ratings_csv
from models.notes import add_note, amend_note
from models.people import create_facilitator, create_participant
from models.questions_goals import add_goal, add_question, set_question_status
from models.reports import billing_rows
from models.session_record import session_record
from models.sessions import create_session, end_session, go_to_step, set_tick, start_session
from tests.factories import curriculum, make_session
from tests.hostile import HOSTILE_NAMES, HOSTILE_NOTES

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
pytestmark = pytest.mark.frozen_clock(T0)

NAMES = [
    ("Zoë", "Ångström-Núñez"),  # accents
    ("Ελένη", "Παπαδοπούλου"),  # Greek
    ("Наталья", "Иванова"),  # Cyrillic
    ("محمد", "عبد الله"),  # Arabic, right to left
    ("שרה", "כהן"),  # Hebrew, right to left
    ("小明", "王"),  # Chinese
    ("花子", "山田"),  # Japanese
    ("민준", "김"),  # Korean
    ("प्रिया", "शर्मा"),  # Devanagari
    ("Tèo 😀", "Nguyễn 👍🏽"),  # Vietnamese and emoji
]


def _rows(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for spreadsheet programs
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def session_with_every_script(db, clk, names=NAMES):
    """An ended session with a person per script, caregivers, a late arrival, ratings, competency, notes
    (one amended after the session), a parked question and goals; returns its id and the participant ids."""
    fac = create_facilitator(db, name="Pat Educator", credential="RN, CDCES")
    people = [create_participant(db, first_name=f, last_name=l_, record_number=f"MRN-{i}")
              for i, (f, l_) in enumerate(names)]
    s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=T0, setting="clinic",
                       facilitator_id=fac.id, participant_ids=[p.id for p in people])
    sid, pids = s.id, [p.id for p in people]
    set_present(db, session_id=sid, participant_id=pids[-1], present=False)
    set_caregiver(db, session_id=sid, participant_id=pids[0], present=True)
    start_session(db, session_id=sid)
    set_tick(db, session_id=sid, item_key="intro:check:0", done=True)
    for pid in pids[:2]:
        for item in curriculum().assessment:
            set_rating(db, session_id=sid, participant_id=pid, item_id=item.id, phase="pre", value=4)
        set_competency(db, session_id=sid, participant_id=pid, topic_id="medicines", phase="pre", level="2")
    clk.set(T0 + timedelta(minutes=20))
    go_to_step(db, session_id=sid, step="teach")
    for pid, (first, last) in zip(pids, names, strict=True):
        add_note(db, session_id=sid, participant_id=pid, step="teach", text=f"Private note about {first} {last}",
                 tags=["distress"])
    add_note(db, session_id=sid, participant_id=None, step="teach", text="Group note: لقد أحسنتم 做得好", tags=[])
    q = add_question(db, session_id=sid, text="¿Puedo comer arroz? 米饭可以吗？", participant_id=pids[0])
    set_question_status(db, question_id=q.id, status="parked")
    clk.set(T0 + timedelta(minutes=31))
    mark_arrived(db, session_id=sid, participant_id=pids[-1])
    clk.set(T0 + timedelta(minutes=60))
    go_to_step(db, session_id=sid, step="summary")
    for pid in pids[:2]:
        for item in curriculum().assessment:
            set_rating(db, session_id=sid, participant_id=pid, item_id=item.id, phase="post", value=7)
        set_competency(db, session_id=sid, participant_id=pid, topic_id="medicines", phase="post", level="4")
        add_goal(db, session_id=sid, participant_id=pid, behaviour="Being active", text="Walk 20 min 🚶 每天",
                 confidence=8, follow_up_date=date(2026, 3, 16))
    clk.set(T0 + timedelta(minutes=90))
    end_session(db, session_id=sid)
    clk.set(T0 + timedelta(minutes=120))
    first_note = session_record(db, sid).notes_for(pids[0])[0]
    amend_note(db, note_id=first_note.note_id, text="Amended after the session: call next week",
               tags=["needs follow-up"])
    return sid, pids


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-10 dose", "'-10 dose"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tTab", "'\tTab"), ("\rCR", "'\rCR"), ("=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")"),
    ("plain", "plain"), ("a=b", "a=b"), ("", ""), (None, ""), (-3, -3), (2.5, 2.5), (True, "yes"),
    (date(2026, 3, 2), "2026-03-02"),
])
def test_csv_cells_are_neutralised(value, cell):
    assert csv_cell(value) == cell


def test_session_csvs(db, frozen_clock):
    sid, pids = session_with_every_script(db, frozen_clock)
    rec = session_record(db, sid)
    att = _rows(attendance_csv(rec))
    assert len(att) == len(NAMES)
    by = {int(r["participant_id"]): r for r in att}
    assert by[pids[0]]["last_name"] == "Ångström-Núñez" and by[pids[0]]["caregiver_present"] == "yes"
    assert (by[pids[0]]["minutes"], by[pids[0]]["units"]) == ("90", "3")
    assert (by[pids[-1]]["minutes"], by[pids[-1]]["units"]) == ("59", "1")  # arrived at minute 31
    assert by[pids[3]]["first_name"] == "محمد" and by[pids[0]]["code"] == "G0109"

    notes = _rows(notes_csv(rec))
    first = [r for r in notes if int(r["participant_id"] or 0) == pids[0]]
    assert [(r["version"], r["current"], r["after_session"]) for r in first] == [("1", "no", "no"),
                                                                               ("2", "yes", "yes")]
    assert first[1]["text"] == "Amended after the session: call next week" and first[1]["tags"] == "needs follow-up"
    assert any(r["participant"] == "Group" and "做得好" in r["text"] for r in notes)

    ratings = _rows(ratings_csv(rec))
    mine = [r for r in ratings if int(r["participant_id"]) == pids[1]]
    assert {r["kind"] for r in mine} == {"assessment", "score (mean)", "competency"}
    comp = next(r for r in mine if r["kind"] == "competency")
    assert (comp["item_id"], comp["pre"], comp["post"]) == ("medicines", "2", "4")
    score = next(r for r in mine if r["kind"] == "score (mean)")
    assert (score["pre"], score["post"], score["change"]) == ("4.0", "7.0", "3.0")
    assert not [r for r in ratings if int(r["participant_id"]) == pids[5]]  # no ratings, no rows

    goals = _rows(goals_csv(rec))
    assert [(int(g["participant_id"]), g["goal"], g["follow_up_date"]) for g in goals] == [
        (pids[0], "Walk 20 min 🚶 每天", "2026-03-16"), (pids[1], "Walk 20 min 🚶 每天", "2026-03-16")]
    assert export_filename(rec, "notes", "csv") == f"session-{sid}-{clock.fmt_local(T0, '%Y-%m-%d')}-notes.csv"


def test_hostile_text_in_csv_is_inert(db, frozen_clock):
    s, _, _ = make_session(db, n=1, when=T0)
    people = [create_participant(db, first_name=f, last_name=l_, record_number="=cmd|' /C calc'!A0")
              for f, l_ in HOSTILE_NAMES]
    for p in people:
        add_to_roster(db, session_id=s.id, participant_id=p.id)
    start_session(db, session_id=s.id)
    for i, note in enumerate(HOSTILE_NOTES):
        add_note(db, session_id=s.id, participant_id=people[i % len(people)].id, step="intro", text=note, tags=[])
    frozen_clock.set(T0 + timedelta(minutes=60))
    end_session(db, session_id=s.id)
    rec = session_record(db, s.id)
    att = _rows(attendance_csv(rec))
    first = {r["first_name"] for r in att}
    assert "'=HYPERLINK(\"http://evil.example\")" in first
    assert all(r["record_number"].startswith("'=") for r in att if r["record_number"])
    notes = {r["text"] for r in _rows(notes_csv(rec))}
    assert "'=1+2" in notes and "'@SUM(A1:A9)" in notes and "'-10 dose\r\nnext line\x0b\x1f" in notes
    for row in csv.reader(io.StringIO(notes_csv(rec).decode("utf-8-sig"))):
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row)


def test_billing_csv_one_row_per_participant(db, frozen_clock):
    sid, pids = session_with_every_script(db, frozen_clock)
    day = clock.to_local(T0).date()
    rows = _rows(billing_csv(billing_rows(db, date_from=day, date_to=day)))
    assert len(rows) == len(NAMES)
    got = {int(r["participant_id"]): (r["code"], r["minutes"], r["units"], r["record_number"]) for r in rows}
    assert got[pids[0]] == ("G0109", "90", "3", "MRN-0")
    assert got[pids[-1]] == ("G0109", "59", "1", f"MRN-{len(NAMES) - 1}")
    assert {r["group_size"] for r in rows} == {str(len(NAMES))}
    assert rows[0]["session_face_to_face_minutes"] == "90"
