"""The record's paper with AppTest: ticking who signed the roster (saved at once, a newer change on another
screen shown, not overwritten), the instructor's attestation (recorded, refused with what is missing, the DSMT
instructor rule, never replacing another unseen), and the sign-in sheet and the attestation read back from the
PDFs the page prepares. Every person here is invented."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlmodel import select

from models import clock
from models.attendance import set_caregiver
from models.attestation import ATTESTATION_STATEMENT, attest_session, attestation
from models.db import session_scope
from models.sessions import get_session
from models.tables import Attendance
from tests.pages.helpers import all_text, app, noon_days_before, rendered
from tests.pages.test_review import _ran

pytestmark = pytest.mark.frozen_clock(noon_days_before(1))


def _signed(engine, sid, pid):
    with session_scope(engine) as db:
        return db.exec(select(Attendance.signed_at).where(Attendance.session_id == sid,
                                                          Attendance.participant_id == pid)).one()


def _text(data: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_ticking_who_signed_the_roster(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    at = app("pages/review.py", session=sid).run()
    assert not at.exception
    assert any(e.label.startswith("Sign-in sheet: 0 of 3 signed") for e in at.expander)
    at.checkbox(key=f"sg_{sid}_{pids[0]}").check().run()
    assert not at.exception and not at.error
    assert _signed(engine, sid, pids[0]) == frozen_clock.now
    assert at.checkbox(key=f"sg_{sid}_{pids[0]}").value is True
    assert any(e.label.startswith("Sign-in sheet: 1 of 3 signed") for e in at.expander)
    assert "Signed the roster" in at.dataframe[0].value.columns
    at.checkbox(key=f"sg_{sid}_{pids[0]}").uncheck().run()
    assert _signed(engine, sid, pids[0]) is None


def test_a_signature_tick_after_a_change_on_another_screen_shows_both(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    at = app("pages/review.py", session=sid).run()
    with session_scope(engine) as db:  # /live records a caregiver for the same person meanwhile
        set_caregiver(db, session_id=sid, participant_id=pids[1], present=True, seen_version=1)
    at.checkbox(key=f"sg_{sid}_{pids[1]}").check().run()
    assert not at.exception
    assert _signed(engine, sid, pids[1]) is None  # nothing written over the newer entry
    text = all_text(at)
    assert "signature on the roster was changed on another screen" in text and "not signed" in text
    next(b for b in at.button if b.label == "Keep mine").click().run()
    assert _signed(engine, sid, pids[1]) == frozen_clock.now


def test_attesting_the_record(engine, frozen_clock, downloads):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
    at = app("pages/review.py", session=sid).run()
    assert not at.exception
    assert "Not attested yet" in all_text(at)
    assert at.text_input(key=f"at_name_{sid}").value == "Pat Educator"  # the facilitator, "RN, CDCES"
    assert at.selectbox(key=f"at_cred_{sid}").value == "RN"
    assert at.text_area(key=f"at_text_{sid}").value == ATTESTATION_STATEMENT

    at.text_input(key=f"at_name_{sid}").input("").run()
    at.button(key=f"at_save_{sid}").click().run()
    assert [rendered(e.value) for e in at.error] == ["Not attested: give the instructor's name."]
    with session_scope(engine) as db:
        assert get_session(db, sid).attested_at is None

    at.selectbox(key=f"at_cred_{sid}").select("CHW").run()  # G0109: Medicare DSMT needs an RN, RD or pharmacist
    assert any("Medicare DSMT needs an RN, RD or pharmacist" in rendered(w.value) for w in at.warning)
    at.selectbox(key=f"at_cred_{sid}").select("Other").run()
    at.text_input(key=f"at_other_{sid}").input("RN, CDCES").run()
    assert not any("Medicare DSMT needs" in rendered(w.value) for w in at.warning)
    at.text_input(key=f"at_name_{sid}").input("Pat Educator").run()
    at.button(key=f"at_save_{sid}").click().run()
    assert not at.exception and not at.error
    with session_scope(engine) as db:
        a = attestation(get_session(db, sid))
    assert (a.name, a.credential, a.text, a.at) == ("Pat Educator", "RN, CDCES", ATTESTATION_STATEMENT,
                                                    frozen_clock.now)
    assert "Attested by Pat Educator" in all_text(at)

    day = clock.fmt_local(frozen_clock.start, "%Y-%m-%d")
    for name in (f"session-{sid}-{day}-record.pdf", f"record-Testwell-Ada-{day}.pdf"):
        flat = _text(downloads.data(name))
        assert "Instructor Pat Educator Credential RN, CDCES" in flat, name
        assert f"Attested {clock.fmt_local(a.at)} (typed attestation, recorded with its time)" in flat, name
        assert "Signature: ____" not in flat


def test_an_attestation_recorded_meanwhile_is_shown_not_replaced(engine, frozen_clock):
    with session_scope(engine) as db:
        sid, _ = _ran(db, frozen_clock)
    at = app("pages/review.py", session=sid).run()
    with session_scope(engine) as db:
        theirs = attest_session(db, session_id=sid, name="Rory Colleague", credential="RD", text="Reviewed by me.",
                                seen_attested_at=None)
    at.button(key=f"at_save_{sid}").click().run()
    assert not at.exception
    with session_scope(engine) as db:
        assert attestation(get_session(db, sid)) == theirs
    text = all_text(at)
    assert "instructor's attestation was changed on another screen" in text and "Rory Colleague (RD)" in text
    next(b for b in at.button if b.label == "Keep mine").click().run()  # having seen it
    with session_scope(engine) as db:
        mine = attestation(get_session(db, sid))
    assert mine.name == "Pat Educator" and [e.name for e in mine.earlier] == ["Rory Colleague"]
    assert "Rory Colleague" in all_text(at)  # the replaced one stays on the record


def test_the_sign_in_sheet_is_prepared_on_the_record(engine, frozen_clock, downloads):
    with session_scope(engine) as db:
        sid, pids = _ran(db, frozen_clock)
        set_caregiver(db, session_id=sid, participant_id=pids[2], present=True, name="Lou Inventa",
                      relationship="daughter")
    at = app("pages/review.py", session=sid).run()
    day = clock.fmt_local(frozen_clock.start, "%Y-%m-%d")
    assert downloads.named("sign-in") == [f"session-{sid}-{day}-sign-in.pdf"]
    flat = _text(downloads.data(f"session-{sid}-{day}-sign-in.pdf"))
    assert not at.exception
    assert "Sign-in sheet" in flat and "Fakeley, Bram Inventa, Cora Testwell, Ada" in flat
    assert "Lou Inventa (daughter)" in flat
    for private in ("insulin", "Check glucose", "diabetes", "CDCES", "G0109"):
        assert private not in flat, private
