"""The paper a session still has: the sign-in sheet read back from its PDF (names only, sorted by last name, lines for
caregivers, nothing that ties a person to a health detail), the signatures recorded from it (with versions and
conflicts), and the participant copies' file names (safe, by name and day, unique in the zip). Everyone is invented."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from models import clock
from models.attendance import record_signature, set_caregiver
from models.csv_exports import MAX_NAME_PART, export_filename, file_name_part, record_day, session_filename
from models.errors import Conflict, RuleError
from models.notes import add_note
from models.pdf_record import ExportError, participant_pdfs_zip
from models.pdf_roster import SPARE_CAREGIVER_LINES, sign_in_sheet_pdf
from models.people import create_facilitator, create_participant
from models.session_record import session_record
from models.session_view import load_session_view
from models.sessions import create_session
from models.tables import Attendance
from tests.factories import curriculum
from tests.models.test_csv_exports import NAMES, T0, session_with_every_script

pytestmark = pytest.mark.frozen_clock(T0)

ROSTER = [("Ines", "Zapatero", "MRN-ZZ-9101", date(1951, 4, 3)), ("Ben", "Abbot", "MRN-AB-7720", date(1960, 7, 9)),
          ("Ola", "Nakamura", "MRN-NA-3318", date(1949, 12, 30)), ("Uma", "Ångel", "MRN-AN-5402", None)]


def _text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _session(db, roster=ROSTER, credential="RN, CDCES"):
    fac = create_facilitator(db, name="Wren Facilitata", credential=credential)
    people = [create_participant(db, first_name=f, last_name=la, record_number=rn, date_of_birth=dob)
              for f, la, rn, dob in roster]
    s = create_session(db, curriculum=curriculum(), billing_code="G0109", scheduled_at=T0, setting="clinic",
                       facilitator_id=fac.id, participant_ids=[p.id for p in people])
    return s.id, [p.id for p in people]


# ---------------------------------------------------------------- the sign-in sheet


def test_sign_in_sheet_holds_names_sorted_by_last_name_and_lines_to_sign(db, frozen_clock):
    sid, pids = _session(db)
    set_caregiver(db, session_id=sid, participant_id=pids[0], present=True, name="Rafa Zapatero", relationship="son")
    set_caregiver(db, session_id=sid, participant_id=pids[2], present=True)  # came, nobody named yet: a blank line
    add_note(db, session_id=sid, participant_id=pids[1], step="intro", text="Worried about foot ulcer", tags=[])
    data = sign_in_sheet_pdf(load_session_view(db, sid))
    assert PdfReader(io.BytesIO(data)).metadata.title == "Sign-in sheet"
    text = _text(data)
    lines = [line.strip() for line in text.splitlines()]
    assert "Sign-in sheet: group education session" in text
    assert f"Time {clock.fmt_local(T0, '%H:%M')}" in text and "Setting clinic" in text
    assert "Facilitator Wren Facilitata" in text
    assert "Patient Signature" in text and "Caregiver / family member (name, relationship) Signature" in text
    patients = [line for line in lines if line in ("Abbot, Ben", "Ångel, Uma", "Nakamura, Ola", "Zapatero, Ines")]
    assert patients == ["Abbot, Ben", "Ångel, Uma", "Nakamura, Ola", "Zapatero, Ines"]  # by last name, accents folded
    assert "Rafa Zapatero (son)" in text
    after = lines[lines.index("Caregiver / family member (name, relationship) Signature") + 1:]
    blank = [line for line in after if not line]
    assert len(blank) >= 1 + SPARE_CAREGIVER_LINES + 1  # the unnamed caregiver, the spares, the named one's 2nd line
    for private in ("MRN", "1951", "1960", "1949", "Worried", "ulcer", "diabetes", "Diabetes", "DSMT", "CDCES", "RN",
                    "G0109", "born"):
        assert private not in text, private


def test_sign_in_sheet_from_the_record_and_in_every_script(db, frozen_clock):
    sid, pids = session_with_every_script(db, frozen_clock)
    rec = session_record(db, sid)
    data = sign_in_sheet_pdf(rec)
    text = _text(data)
    for name in ("Ångström-Núñez, Zoë", "Παπαδοπούλου, Ελένη", "Иванова, Наталья", "王, 小明", "山田, 花子", "김",
                 "Nguyễn"):  # scripts whose shaped glyphs pypdf reads back as typed
        assert name in text, name
    fonts = " ".join(str(f.get_object().get("/BaseFont")) for page in PdfReader(io.BytesIO(data)).pages
                     for f in page["/Resources"].get_object()["/Font"].values())
    assert "NotoSansDevanagari" in fonts and "DroidSansFallback" in fonts
    assert len(NAMES) == len(pids)
    for private in ("MRN-", "Private note", "Group note", "Walk 20 min", "arroz", "Living well"):
        assert private not in text, private
    assert text == _text(sign_in_sheet_pdf(rec.view))  # the view /live holds gives the same sheet


def test_sign_in_sheet_without_anyone_and_a_failing_part(db, frozen_clock, monkeypatch):
    sid, _ = _session(db, roster=[])
    text = _text(sign_in_sheet_pdf(load_session_view(db, sid)))
    assert "Patients" in text and "None recorded." in text and "Caregivers and family members" in text
    from models import pdf_roster

    monkeypatch.setattr(pdf_roster, "_sort_key", lambda p: 1 / 0)
    sid, _ = _session(db, roster=ROSTER[:1])
    with pytest.raises(ExportError) as err:
        sign_in_sheet_pdf(load_session_view(db, sid))
    assert err.value.part == "Patients" and "Ines" not in str(err.value)


# ---------------------------------------------------------------- signatures


def _att(db, sid, pid) -> Attendance:
    return db.exec(select(Attendance).where(Attendance.session_id == sid, Attendance.participant_id == pid)
                   .execution_options(populate_existing=True)).one()


def test_a_signature_is_recorded_with_its_time_and_a_version(db, frozen_clock):
    sid, pids = _session(db)
    seen = _att(db, sid, pids[0]).version
    assert record_signature(db, session_id=sid, participant_id=pids[0], signed=True, seen_version=seen)
    row = _att(db, sid, pids[0])
    assert row.signed_at == frozen_clock.now and row.version == seen + 1
    view = load_session_view(db, sid)
    assert next(p for p in view.people if p.participant_id == pids[0]).signed_at == frozen_clock.now
    assert view.version("attendance", pids[0]) == seen + 1

    frozen_clock.advance(minutes=5)  # the same tick again (another screen, a double click): nothing changes
    assert not record_signature(db, session_id=sid, participant_id=pids[0], signed=True, seen_version=seen)
    row = _att(db, sid, pids[0])
    assert row.signed_at == frozen_clock.now - timedelta(minutes=5) and row.version == seen + 1

    assert record_signature(db, session_id=sid, participant_id=pids[0], signed=False, seen_version=seen + 1)
    row = _att(db, sid, pids[0])
    assert row.signed_at is None and row.version == seen + 2


def test_a_signature_from_a_screen_behind_is_refused_with_the_stored_value(db, frozen_clock):
    sid, pids = _session(db)
    seen = _att(db, sid, pids[1]).version
    record_signature(db, session_id=sid, participant_id=pids[1], signed=True, seen_version=seen)  # screen A
    signed_at = frozen_clock.now
    frozen_clock.advance(minutes=1)
    with pytest.raises(Conflict) as err:  # screen B, still showing "not signed", withdraws it
        record_signature(db, session_id=sid, participant_id=pids[1], signed=False, seen_version=seen)
    assert err.value.theirs == signed_at and err.value.version == seen + 1
    assert _att(db, sid, pids[1]).signed_at == signed_at

    set_caregiver(db, session_id=sid, participant_id=pids[2], present=True)  # another change to the same entry
    with pytest.raises(Conflict) as err:
        record_signature(db, session_id=sid, participant_id=pids[2], signed=True, seen_version=seen)
    assert err.value.theirs is None and err.value.version == seen + 1
    assert record_signature(db, session_id=sid, participant_id=pids[2], signed=True, seen_version=err.value.version)


def test_a_signature_for_someone_not_on_the_roster_is_refused(db, frozen_clock):
    sid, _ = _session(db)
    other = create_participant(db, first_name="Noor", last_name="Elsewhere")
    with pytest.raises(RuleError, match="not on this session's roster"):
        record_signature(db, session_id=sid, participant_id=other.id, signed=True)
    with pytest.raises(RuleError, match="does not exist"):
        record_signature(db, session_id=999_999, participant_id=other.id, signed=True)


# ---------------------------------------------------------------- file names


@pytest.mark.parametrize(("raw", "part"), [
    ("Núñez", "Nunez"), ("Ångström-Núñez", "Angstrom-Nunez"), ("Straße", "Strasse"), ("Łukasz Øre", "Lukasz-Ore"),
    ("O'Brien", "OBrien"), ("../../etc/passwd", "etc-passwd"), ('a/b\\c:d*?"<>|e', "a-b-c-d-e"),
    ("\r\nline\x00break\t", "line-break"), ("Nguyễn 👍🏽", "Nguyen"), ("Наталья", ""), ("王", ""), ("", ""),
    ("x" * 500, "x" * MAX_NAME_PART), ("-." * 30 + "Zed", "Zed"),
])
def test_name_parts_are_safe(raw, part):
    assert file_name_part(raw) == part


def test_participant_copies_are_named_by_person_and_day_unique_in_the_zip(db, frozen_clock):
    roster = [("Ana", "Twin", None, None), ("Ana", "Twin", None, None), ("Äna", "Twin!", None, None),
              ("Наталья", "Иванова", None, None), ("小明", "王", None, None),
              ("Cy/../..", "..\\Evil:Name", None, None), ("Long" * 50, "Name" * 50, None, None)]
    for i in range(20):  # so that ids and places on the roster differ
        create_participant(db, first_name="Someone", last_name=f"Else{i}")
    sid, pids = _session(db, roster=roster)
    assert min(pids) > 20
    rec = session_record(db, sid)
    day = record_day(rec)
    names = [export_filename(rec, "record", "pdf", pid) for pid in pids]
    assert names[:3] == [f"record-Twin-Ana-{day}-1.pdf", f"record-Twin-Ana-{day}-2.pdf", f"record-Twin-Ana-{day}-3.pdf"]
    assert names[3:5] == [f"record-participant-4-{day}.pdf", f"record-participant-5-{day}.pdf"]  # place, not id
    assert names[5] == f"record-Evil-Name-Cy-{day}.pdf"
    assert names[6] == f"record-{'Name' * 10}-{'Long' * 10}-{day}.pdf"
    for n, pid in zip(names, pids, strict=True):
        assert n.isascii() and "/" not in n and "\\" not in n and ".." not in n and str(pid) not in n.split(day)[0]
    assert export_filename(rec, "notes", "csv") == session_filename(rec.session, "notes", "csv") \
        == f"session-{sid}-{day}-notes.csv"
    z = zipfile.ZipFile(io.BytesIO(participant_pdfs_zip(rec)))
    assert sorted(z.namelist()) == sorted(names) and len(set(names)) == len(pids)
    assert "Наталья Иванова" in _text(z.read(names[3]))
    with pytest.raises(ValueError):
        export_filename(rec, "record", "pdf", 999_999)
