"""Exports: CSV content and formula neutralising; the PDF opened with pypdf (text, embedded fonts, pages),
for the group and per participant, with every script a name or note can hold, and odd sessions."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from models import clock
from models.assessments import set_competency, set_rating
from models.attendance import correct_presence, mark_arrived, set_caregiver, set_present
from models.exports import (
    FALLBACK_FONTS,
    FONT_DIR,
    attendance_csv,
    billing_csv,
    clean_text,
    csv_cell,
    export_filename,
    fallback_fonts_for,
    goals_csv,
    notes_csv,
    participant_pdfs_zip,
    ratings_csv,
    session_pdf,
)
from models.notes import add_note, amend_note
from models.people import create_facilitator, create_participant
from models.questions_goals import add_goal, add_question, set_question_status
from models.reports import billing_rows
from models.session_record import session_record
from models.sessions import create_session, end_session, go_to_step, set_tick, start_session
from tests.factories import curriculum, make_session
from tests.hostile import HOSTILE_NAMES, HOSTILE_NOTES

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

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


@pytest.fixture
def sdb(sqlite_url):
    """SQLite only, for PDF tests whose cost is layout, not the database (the record query itself runs on
    both databases in the other tests)."""
    from models.db import init_engine, session_scope

    eng = init_engine(sqlite_url)
    with session_scope(eng) as session:
        yield session
    eng.dispose()


@pytest.fixture
def clk(monkeypatch):
    box = {"t": T0}
    monkeypatch.setattr(clock, "now", lambda: box["t"])
    return box


def _rows(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for spreadsheet programs
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _pdf_text(data: bytes) -> tuple[str, PdfReader]:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def _fonts(reader: PdfReader) -> set[str]:
    out = set()
    for page in reader.pages:
        res = page.get("/Resources") or {}
        for font in (res.get("/Font") or {}).values():
            out.add(str(font.get_object().get("/BaseFont")))
    return out


def _session(db, clk, names=NAMES):
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
    clk["t"] = T0 + timedelta(minutes=20)
    go_to_step(db, session_id=sid, step="teach")
    for pid, (first, last) in zip(pids, names, strict=True):
        add_note(db, session_id=sid, participant_id=pid, step="teach", text=f"Private note about {first} {last}",
                 tags=["distress"])
    add_note(db, session_id=sid, participant_id=None, step="teach", text="Group note: لقد أحسنتم 做得好", tags=[])
    q = add_question(db, session_id=sid, text="¿Puedo comer arroz? 米饭可以吗？", participant_id=pids[0])
    set_question_status(db, question_id=q.id, status="parked")
    clk["t"] = T0 + timedelta(minutes=31)
    mark_arrived(db, session_id=sid, participant_id=pids[-1])
    clk["t"] = T0 + timedelta(minutes=60)
    go_to_step(db, session_id=sid, step="summary")
    for pid in pids[:2]:
        for item in curriculum().assessment:
            set_rating(db, session_id=sid, participant_id=pid, item_id=item.id, phase="post", value=7)
        set_competency(db, session_id=sid, participant_id=pid, topic_id="medicines", phase="post", level="4")
        add_goal(db, session_id=sid, participant_id=pid, behaviour="Being active", text="Walk 20 min 🚶 每天",
                 confidence=8, follow_up_date=date(2026, 3, 16))
    clk["t"] = T0 + timedelta(minutes=90)
    end_session(db, session_id=sid)
    clk["t"] = T0 + timedelta(minutes=120)
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


def test_session_csvs(db, clk):
    sid, pids = _session(db, clk)
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


def test_hostile_text_in_csv_is_inert(db, clk):
    s, _, _ = make_session(db, n=1, when=T0)
    people = [create_participant(db, first_name=f, last_name=l_, record_number="=cmd|' /C calc'!A0")
              for f, l_ in HOSTILE_NAMES]
    from models.attendance import add_to_roster

    for p in people:
        add_to_roster(db, session_id=s.id, participant_id=p.id)
    start_session(db, session_id=s.id)
    for i, note in enumerate(HOSTILE_NOTES):
        add_note(db, session_id=s.id, participant_id=people[i % len(people)].id, step="intro", text=note, tags=[])
    clk["t"] = T0 + timedelta(minutes=60)
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


def test_billing_csv_one_row_per_participant(db, clk):
    sid, pids = _session(db, clk)
    day = clock.to_local(T0).date()
    rows = _rows(billing_csv(billing_rows(db, date_from=day, date_to=day)))
    assert len(rows) == len(NAMES)
    got = {int(r["participant_id"]): (r["code"], r["minutes"], r["units"], r["record_number"]) for r in rows}
    assert got[pids[0]] == ("G0109", "90", "3", "MRN-0")
    assert got[pids[-1]] == ("G0109", "59", "1", f"MRN-{len(NAMES) - 1}")
    assert {r["group_size"] for r in rows} == {str(len(NAMES))}
    assert rows[0]["session_face_to_face_minutes"] == "90"


# ---------------------------------------------------------------- PDF


def test_fonts_are_bundled_with_their_licences():
    for fname in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", *FALLBACK_FONTS):
        assert (FONT_DIR / fname).is_file(), fname
    licences = {p.name for p in FONT_DIR.glob("LICENSE*")}
    assert {"LICENSE-DejaVu.txt", "LICENSE-Noto-OFL.txt", "LICENSE-NotoColorEmoji.txt",
            "LICENSE-DroidSansFallback.txt", "LICENSE-Apache-2.0.txt"} <= licences
    assert sum(p.stat().st_size for p in FONT_DIR.iterdir()) < 25 * 1024 * 1024


def test_fallback_fonts_are_chosen_by_the_characters_used():
    assert fallback_fonts_for("Zoë Ελένη Наталья") == []
    assert fallback_fonts_for("王小明") == ["DroidSansFallback.ttf"]
    assert fallback_fonts_for("민준 प्रिया 👍🏽") == ["NotoSansDevanagari-Regular.ttf", "DroidSansFallback.ttf",
                                                   "NotoColorEmoji.ttf"]
    assert clean_text("a\r\nb\tc\x07d\u202ee") == "a\nb    cde"


def test_group_pdf_renders_every_script(db, clk, caplog):
    sid, pids = _session(db, clk)
    rec = session_record(db, sid)
    with caplog.at_level(logging.WARNING):
        data = session_pdf(rec)
    assert not [r for r in caplog.records if "missing" in r.getMessage()], caplog.text
    text, reader = _pdf_text(data)
    assert len(reader.pages) >= 2
    for needle in ("Group education session record", "Living well with diabetes", "Pat Educator (RN, CDCES)",
                   "Zoë", "Ångström-Núñez", "Ελένη", "Παπαδοπούλου", "Наталья", "Иванова", "小明", "山田", "김",
                   "Nguyễn", "MRN-0", "Time per step", "Curriculum fidelity", "Agenda posted", "Topic competency",
                   "Taking your diabetes medicines", "Walk 20 min", "¿Puedo comer arroz?", "Parked for follow-up: 1",
                   "Amended after the session: call next week", "Earlier version 1", "Group note",
                   "Private note about Ελένη", "HCPCS G0109"):
        assert needle in text, needle
    fonts = " ".join(_fonts(reader))
    for name in ("DejaVuSans", "DroidSansFallback", "NotoSansDevanagari"):
        assert name in fonts, (name, fonts)
    assert "Type3" in str([page.get("/Resources") for page in reader.pages]) or "NotoColorEmoji" in fonts or \
        any("/Type3" in str(f.get_object().get("/Subtype")) for page in reader.pages
            for f in ((page.get("/Resources") or {}).get("/Font") or {}).values())


def test_participant_pdf_holds_only_that_persons_data(sdb, clk):
    db = sdb
    sid, pids = _session(db, clk)
    rec = session_record(db, sid)
    text, _ = _pdf_text(session_pdf(rec, participant_id=pids[1]))
    assert "participant copy" in text and "Ελένη Παπαδοπούλου" in text and "record MRN-1" in text
    assert "Private note about Ελένη" in text
    for other in ("Ångström", "Наталья", "Private note about Zoë", "Group note", "¿Puedo comer arroz?"):
        assert other not in text, other
    with pytest.raises(ValueError):
        session_pdf(rec, participant_id=999_999)
    z = zipfile.ZipFile(io.BytesIO(participant_pdfs_zip(rec)))
    assert len(z.namelist()) == len(NAMES)
    assert all(n.endswith(".pdf") and "participant-" in n for n in z.namelist())
    one = z.read(export_filename(rec, "record", "pdf", pids[2]))
    assert "Наталья Иванова" in _pdf_text(one)[0]


def test_pdf_for_odd_sessions(sdb, clk):
    db = sdb
    s, _, _ = make_session(db, n=2, when=T0)
    text, _ = _pdf_text(session_pdf(session_record(db, s.id)))
    assert "not been started" in text and "None recorded." in text
    end_session(db, session_id=s.id)
    text, _ = _pdf_text(session_pdf(session_record(db, s.id)))
    assert "ended without being run" in text
    empty, _, _ = make_session(db, n=0, when=T0)
    text, _ = _pdf_text(session_pdf(session_record(db, empty.id)))
    assert "No one is on the roster" in text


def test_pdf_with_hostile_text_and_corrections(sdb, clk):
    db = sdb
    s, _, _ = make_session(db, n=1, when=T0)
    from models.attendance import add_to_roster

    people = [create_participant(db, first_name=f, last_name=l_) for f, l_ in HOSTILE_NAMES]
    for p in people:
        add_to_roster(db, session_id=s.id, participant_id=p.id)
    start_session(db, session_id=s.id)
    for p, note in zip(people, HOSTILE_NOTES, strict=False):
        add_note(db, session_id=s.id, participant_id=p.id, step="intro", text=note, tags=[])
    add_note(db, session_id=s.id, participant_id=None, step="intro", text=HOSTILE_NOTES[-1], tags=[])
    clk["t"] = T0 + timedelta(minutes=60)
    end_session(db, session_id=s.id)
    clk["t"] = T0 + timedelta(minutes=70)
    correct_presence(db, session_id=s.id, participant_id=people[0].id,
                     intervals=[(T0 + timedelta(minutes=10), T0 + timedelta(minutes=60))])
    rec = session_record(db, s.id)
    text, reader = _pdf_text(session_pdf(rec))
    assert "<script>alert('x')</script>" in text and "=1+2" in text and "Corrected" in text
    assert len(reader.pages) > 5  # the 100,000-character note wraps over pages
