"""The session record PDF, opened with pypdf: the blocks it is built from, every script a name or note can
hold, the group and participant copies, odd sessions, text at every field's maximum length (ordinary words,
one unbroken word, right-to-left and mixed scripts), the hostile-text corpus, and a part that fails. Everyone
is invented."""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import date, timedelta
from itertools import cycle

import pytest
from fpdf.errors import FPDFException
from pypdf import PdfReader

from models import pdf_layout, pdf_record
from models.attendance import add_to_roster, correct_presence
from models.csv_exports import export_filename, record_day
from models.notes import add_note
from models.pdf_layout import FALLBACK_FONTS, FONT_DIR, Heading, Paragraph, Table, clean_text, fallback_fonts_for
from models.pdf_record import ExportError, build_pdf_or_error, participant_pdfs_zip, record_parts, session_pdf
from models.people import create_participant
from models.questions_goals import add_goal, add_question
from models.rules import MAX_GOAL, MAX_NAME, MAX_NOTE, MAX_QUESTION
from models.session_record import session_record
from models.sessions import end_session, start_session
from tests.factories import make_session
from tests.hostile import HOSTILE_NAMES, HOSTILE_NOTES
from tests.models.test_csv_exports import NAMES, T0, session_with_every_script

pytestmark = pytest.mark.frozen_clock(T0)

ENGLISH = "walk after breakfast and check glucose before lunch then drink water and take the stairs".split()
MIXED = ("take the stairs المشي بعد الفطور לבדוק סוכר לפני ארוחת צהריים 米饭 一碗 प्रतिदिन टहलना "
         "Ελένη πίνει νερό 🚶 👍🏽").split()
RIGHT_TO_LEFT = "المشي بعد الفطور وقياس السكر قبل الغداء לבדוק סוכר לפני ארוחת צהריים ולשתות מים".split()


@pytest.fixture
def sdb(sqlite_url):
    """SQLite only, for PDF tests whose cost is layout, not the database (the record query itself runs on
    both databases in the other tests)."""
    from models.db import init_engine, session_scope

    eng = init_engine(sqlite_url)
    with session_scope(eng) as session:
        yield session
    eng.dispose()


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


def _flat(text: str) -> str:
    """Extracted text with every run of white space (the line breaks the layout made) as one space."""
    return " ".join(text.split())


def _text_of(length: int, words: list[str], first: str, last: str) -> str:
    """Exactly `length` characters of `words`, beginning with the word `first` and ending with `last`."""
    body, size = [first], len(first)
    for w in cycle(words):
        if size > length:
            break
        body.append(w)
        size += len(w) + 1
    head = " ".join(body)[: length - len(last) - 1].rstrip()
    return head + "." * (length - len(last) - 1 - len(head)) + " " + last


def _one_person_session(db, clk, *, note: str, goal: str, question: str):
    """Two invented people; the first has `note`, `goal` and `question`. Returns the record and that id."""
    s, people, _ = make_session(db, n=2, when=T0)
    start_session(db, session_id=s.id)
    pid = people[0].id
    add_note(db, session_id=s.id, participant_id=pid, step="teach", text=note, tags=[])
    add_goal(db, session_id=s.id, participant_id=pid, behaviour="Being active", text=goal, confidence=7,
             follow_up_date=date(2026, 3, 16))
    add_question(db, session_id=s.id, text=question, participant_id=pid)
    clk.set(T0 + timedelta(minutes=60))
    end_session(db, session_id=s.id)
    return session_record(db, s.id), pid


def _both_copies(rec, pid) -> list[tuple[str, PdfReader]]:
    return [_pdf_text(session_pdf(rec)), _pdf_text(session_pdf(rec, participant_id=pid))]


# ---------------------------------------------------------------- blocks


def test_the_record_is_built_from_typed_blocks(sdb, frozen_clock):
    sid, pids = session_with_every_script(sdb, frozen_clock)
    rec = session_record(sdb, sid)
    parts = {p.name: p.blocks for p in record_parts(rec, None)}
    assert list(parts) == ["Session details", "Attendance", "Billing units", "Time per step", "Curriculum fidelity",
                           "Ratings", "Topic competency", "Goals", "Questions", "Notes", "Attestation"]
    assert parts["Session details"][0] == Heading(1, "Group education session record")
    assert parts["Goals"][0] == Heading(2, "Goals")
    goals = parts["Goals"][1]
    assert isinstance(goals, Table) and goals.header[:3] == ("Participant", "Behaviour", "Goal")
    assert [row[2] for row in goals.rows] == ["Walk 20 min 🚶 每天"] * 2
    notes = parts["Notes"]
    assert Heading(3, "Group") in notes
    assert any(isinstance(b, Paragraph) and b.small and b.text.startswith("Earlier version 1") for b in notes)
    mine = {p.name: p.blocks for p in record_parts(rec, pids[1])}
    assert mine["Session details"][1] == Paragraph("Ελένη Παπαδοπούλου · record MRN-1")
    assert Heading(3, "Group") not in mine["Notes"]


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
    assert clean_text("co\u00adop\u2028next\u2029para") == "coop\nnext\npara"


RUNS = {"arabic": "ب" * 3000, "chinese": "字" * 3000, "emoji sequence": "👩🏽\u200d⚕️" * 400,
        "marks": "e\u0301" * 1500, "latin": "x" * 3000, "arabic words": "مرحبا بكم " * 300}


@pytest.mark.parametrize("run", RUNS.values(), ids=RUNS.keys())
def test_long_runs_are_cut_to_the_line_between_characters(run):
    pdf = pdf_layout.RecordPDF("", fallback_fonts_for(run))
    pdf.add_page()
    pdf.set_font("main", "", 9)
    pdf.shape_for(run, paragraph=True)
    lines = pdf.wrap(run, pdf.epw)
    assert len(lines) > 5
    assert "".join(lines).replace(" ", "") == run.replace(" ", "")  # nothing lost but the spaces at breaks
    limit = pdf.epw - 2 * pdf.c_margin
    assert all(pdf.get_string_width(line) <= limit for line in lines)
    assert sum(pdf.get_string_width(line) for line in lines[:-1]) / (len(lines) - 1) > 0.85 * limit  # lines full
    for before, line in zip(lines, lines[1:], strict=False):  # never inside a letter with its marks or a sequence
        assert not pdf_layout._joins_previous(line[0]) and not before.endswith("\u200d")


def test_a_table_row_taller_than_a_page_prints_as_paragraphs():
    pdf = pdf_layout.RecordPDF("footer", [])
    pdf.add_page()
    tall = "\n".join(f"line {i}" for i in range(150))
    pdf.draw(Table((35, 125, 20), ("Asked by", "Question", "Status"),
                   [("Ada", "short", "open"), ("Bram", tall, "open")]))
    text, reader = _pdf_text(pdf.finish())
    assert len(reader.pages) > 2
    assert "Asked by Question Status" in text and "Ada short open" in text  # the rows that fit: a table
    assert "Asked by: Bram\nQuestion: line 0\nline 1" in text and "line 149\nStatus: open" in text


def test_group_pdf_renders_every_script(db, frozen_clock, caplog):
    sid, pids = session_with_every_script(db, frozen_clock)
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


def test_participant_pdf_holds_only_that_persons_data(sdb, frozen_clock):
    db = sdb
    sid, pids = session_with_every_script(db, frozen_clock)
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
    day = record_day(rec)
    assert all(n.startswith("record-") and n.endswith(f"-{day}.pdf") for n in z.namelist())
    assert f"record-Angstrom-Nunez-Zoe-{day}.pdf" in z.namelist()
    one = z.read(export_filename(rec, "record", "pdf", pids[2]))
    assert "Наталья Иванова" in _pdf_text(one)[0]


def test_pdf_for_odd_sessions(sdb, frozen_clock):
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


def test_pdf_with_hostile_text_and_corrections(sdb, frozen_clock):
    db = sdb
    s, _, _ = make_session(db, n=1, when=T0)
    people = [create_participant(db, first_name=f, last_name=l_) for f, l_ in HOSTILE_NAMES]
    for p in people:
        add_to_roster(db, session_id=s.id, participant_id=p.id)
    start_session(db, session_id=s.id)
    for p, note in zip(people, HOSTILE_NOTES, strict=False):
        add_note(db, session_id=s.id, participant_id=p.id, step="intro", text=note, tags=[])
    add_note(db, session_id=s.id, participant_id=None, step="intro", text=HOSTILE_NOTES[-1], tags=[])
    frozen_clock.set(T0 + timedelta(minutes=60))
    end_session(db, session_id=s.id)
    frozen_clock.set(T0 + timedelta(minutes=70))
    correct_presence(db, session_id=s.id, participant_id=people[0].id,
                     intervals=[(T0 + timedelta(minutes=10), T0 + timedelta(minutes=60))])
    rec = session_record(db, s.id)
    text, reader = _pdf_text(session_pdf(rec))
    assert "<script>alert('x')</script>" in text and "=1+2" in text and "Corrected" in text
    assert len(reader.pages) > 5  # the 100,000-character note wraps over pages


# ---------------------------------------------------------------- every text the inputs accept


def test_note_goal_and_question_at_their_maximum_length(sdb, frozen_clock):
    note = _text_of(MAX_NOTE, ENGLISH, "Note-begins-here", "note-ends-here.")
    goal = _text_of(MAX_GOAL, ENGLISH, "Goal-begins-here", "goal-ends-here.")
    question = _text_of(MAX_QUESTION, ENGLISH, "Question-begins-here", "question-ends-here?")
    assert (len(note), len(goal), len(question)) == (MAX_NOTE, MAX_GOAL, MAX_QUESTION)
    rec, pid = _one_person_session(sdb, frozen_clock, note=note, goal=goal, question=question)
    for text, reader in _both_copies(rec, pid):
        assert len(reader.pages) > 10
        flat = _flat(text)
        for marker in ("Note-begins-here", "note-ends-here.", "Question-begins-here", "question-ends-here?",
                       "goal-ends-here."):
            assert marker in flat, marker
        # a goal this long cannot fit in a table row on one page: it prints as a labelled paragraph
        assert "Goal: Goal-begins-here" in flat
        # every word arrived: none lost at a line or page break
        assert flat.count("stairs") == sum(t.count("stairs") for t in (note, goal, question))


def test_one_unbroken_word_of_maximum_length(sdb, frozen_clock):
    note = "Ж" + "ж" * (MAX_NOTE - 2) + "Ѣ"
    rec, pid = _one_person_session(sdb, frozen_clock, note=note, goal="ф" * MAX_GOAL, question="щ" * MAX_QUESTION)
    for text, reader in _both_copies(rec, pid):
        assert len(reader.pages) > 10
        assert text.count("ж") == MAX_NOTE - 2 and text.count("ф") == MAX_GOAL and text.count("щ") == MAX_QUESTION
        run = text.replace("\n", "")
        assert "Жжжж" in run and "жжжжѢ" in run


@pytest.mark.parametrize("words", [RIGHT_TO_LEFT, MIXED], ids=["right-to-left", "mixed-scripts"])
def test_right_to_left_and_mixed_scripts_at_maximum_length(sdb, frozen_clock, words):
    note = _text_of(MAX_NOTE, words, "Note-begins-here", "note-ends-here.")
    goal = _text_of(MAX_GOAL, words, "Goal-begins-here", "goal-ends-here.")
    question = _text_of(MAX_QUESTION, words, "Question-begins-here", "question-ends-here?")
    rec, pid = _one_person_session(sdb, frozen_clock, note=note, goal=goal, question=question)
    markers = ("Note-begins-here", "Goal-begins-here", "goal-ends-here.", "Question-begins-here",
               "question-ends-here?")
    text, reader = _pdf_text(session_pdf(rec))
    assert len(reader.pages) > 10
    flat = _flat(text)
    for marker in (*markers, "note-ends-here"):  # an RTL paragraph may put the full stop on the other side
        assert marker in flat, marker
    for word in ("المشي", "الفطور", "לבדוק", "צהריים"):  # pypdf reads right-to-left words back in order
        assert flat.count(word) == sum(t.count(word) for t in (note, goal, question)), word
    if words is MIXED:
        assert flat.count("stairs") == sum(t.count("stairs") for t in (note, goal, question))
        assert "米饭 一碗" in flat and "Ελένη πίνει νερό" in flat
        fonts = " ".join(_fonts(reader))
        assert "NotoSansDevanagari" in fonts and "DroidSansFallback" in fonts
    # the participant copy: reading it all back costs seconds, so its first pages and its last
    data = session_pdf(rec, participant_id=pid)
    mine = PdfReader(io.BytesIO(data))
    assert len(mine.pages) > 10
    ends = _flat("\n".join(p.extract_text() for p in (*mine.pages[:5], mine.pages[-1])))
    for marker in (*markers, "note-ends-here"):
        assert marker in ends, marker


def test_long_runs_of_spaces_punctuation_and_joined_emoji(sdb, frozen_clock):
    """fpdf2's bidi algorithm recurses once per character of a run of neutral characters; runs this long
    would exceed Python's recursion limit in one line or one table cell."""
    rec, pid = _one_person_session(sdb, frozen_clock, note="ب" + "👍\u200d" * 3000 + " " * 3000 + "ب",
                                   goal="ب" + "!" * (MAX_GOAL - 2) + "ب", question="ب" + " " * (MAX_QUESTION - 2) + "ب")
    for text, _ in _both_copies(rec, pid):
        assert text.count("!") == MAX_GOAL - 2 and "Goal:" in text and "Question:" in text  # as paragraphs


def test_every_hostile_text_as_note_goal_question_and_name(sdb, frozen_clock, caplog):
    db = sdb
    s, _, _ = make_session(db, n=1, when=T0)
    start_session(db, session_id=s.id)
    texts = [*HOSTILE_NOTES, *(t for pair in HOSTILE_NAMES for t in pair), "Page {nb} of {nb}, as typed"]
    people = []
    for i, t in enumerate(texts):
        p = create_participant(db, first_name=t[:MAX_NAME], last_name=t[-MAX_NAME:], record_number=t[:100])
        add_to_roster(db, session_id=s.id, participant_id=p.id)
        add_note(db, session_id=s.id, participant_id=p.id, step="intro", text=t, tags=[])
        add_goal(db, session_id=s.id, participant_id=p.id, behaviour="Healthy coping", text=t[:MAX_GOAL],
                 confidence=5, follow_up_date=None)
        add_question(db, session_id=s.id, text=t[:MAX_QUESTION], participant_id=p.id)
        people.append(p.id)
        if i == 0:
            add_note(db, session_id=s.id, participant_id=None, step="intro", text=t, tags=[])
    frozen_clock.set(T0 + timedelta(minutes=60))
    end_session(db, session_id=s.id)
    rec = session_record(db, s.id)
    with caplog.at_level(logging.DEBUG):
        text, reader = _pdf_text(session_pdf(rec))
        copies = zipfile.ZipFile(io.BytesIO(participant_pdfs_zip(rec)))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text  # nor missing glyphs
    flat = _flat(text)
    for needle in ("<script>alert('x')</script>", "<b>Bold</b>", "[click](http://evil.example/)", "=1+2",
                   "@SUM(A1:A9)", "<img src=x onerror=alert(1)> **bold** _it_ # heading",
                   "Page {nb} of {nb}, as typed"):
        assert needle in flat, needle
    assert text.count("x") >= MAX_NOTE + MAX_GOAL + MAX_QUESTION  # the 100,000 x's as note, goal and question
    assert len(copies.namelist()) == len(texts) + 1  # and the session's own invented person
    for pid in people:
        one = _flat(_pdf_text(copies.read(export_filename(rec, "record", "pdf", pid)))[0])
        assert "participant copy" in one


# ---------------------------------------------------------------- a part that fails


def test_a_part_that_fails_is_named_and_logged_without_record_text(sdb, frozen_clock, monkeypatch, caplog):
    sid, pids = session_with_every_script(sdb, frozen_clock)
    rec = session_record(sdb, sid)

    def goals(rec, pid):
        raise RuntimeError(f"cannot build {rec.view.goals[0].text} for {rec.name(rec.view.goals[0].participant_id)}")

    monkeypatch.setattr(pdf_record, "_goals", goals)
    with caplog.at_level(logging.DEBUG), pytest.raises(ExportError) as err:
        session_pdf(rec)
    assert err.value.part == "Goals"
    assert str(err.value) == err.value.message == "The PDF could not be built: the part 'Goals' failed."
    assert "'Goals'" in caplog.text and "RuntimeError" in caplog.text
    assert "Walk 20 min" not in caplog.text and "Zoë" not in caplog.text
    assert build_pdf_or_error(lambda: session_pdf(rec, participant_id=pids[0])) == (
        None, "The PDF could not be built: the part 'Goals' failed.")
    with pytest.raises(ExportError) as err:
        participant_pdfs_zip(rec)
    assert err.value.part == "Goals" and f"copy for participant #{pids[0]}" in str(err.value)
    monkeypatch.undo()

    real_write = pdf_layout.RecordPDF.write

    def write(self, text, *args, **kwargs):  # a layout failure, its message holding record text
        if "Private note" in text:
            raise FPDFException(f"no room for {text}")
        return real_write(self, text, *args, **kwargs)

    monkeypatch.setattr(pdf_layout.RecordPDF, "write", write)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        data, message = build_pdf_or_error(lambda: session_pdf(rec))
    assert data is None and message == "The PDF could not be built: the part 'Notes' failed."
    assert "FPDFException" in caplog.text and "Private note" not in caplog.text
    monkeypatch.undo()
    data, message = build_pdf_or_error(lambda: session_pdf(rec))
    assert message is None and data.startswith(b"%PDF-")
    assert build_pdf_or_error(lambda: session_pdf(rec, participant_id=999_999)) == (
        None, "That participant is not on this session's roster.")
