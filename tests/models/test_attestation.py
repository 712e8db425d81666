"""The instructor's attestation: what it needs, its time, never replacing another one unseen, earlier ones kept,
and how every record PDF (group and participant copies) carries it, or lines to sign by hand. Everyone is
invented."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader

from models import clock
from models.attestation import ATTESTATION_STATEMENT, MAX_ATTESTATION, attest_session, attestation
from models.errors import Conflict, RuleError
from models.pdf_record import participant_pdfs_zip, session_pdf
from models.rules import MAX_CREDENTIAL, MAX_NAME
from models.session_record import session_record
from models.sessions import end_session, get_session
from tests.factories import make_session
from tests.models.helpers import T0, run

pytestmark = pytest.mark.frozen_clock(T0)


def _ended(db, clk, **kw):
    s, people, _ = make_session(db, n=3, when=T0, **kw)
    run(db, clk, s.id)
    clk.advance(minutes=30)
    return s.id, [p.id for p in people]


def _attest(db, sid, **kw):
    args = {"name": "Quinn Attestor", "credential": "RN", "text": ATTESTATION_STATEMENT, **kw}
    return attest_session(db, session_id=sid, **args)


def _flat(data: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


# ---------------------------------------------------------------- the rules


def test_an_attestation_is_recorded_with_its_time(db, frozen_clock):
    sid, _ = _ended(db, frozen_clock)
    a = _attest(db, sid, name="  Quinn Attestor ", credential="RD", text=" I delivered it as recorded. ",
                seen_attested_at=None)
    assert (a.name, a.credential, a.text, a.at, a.earlier) == ("Quinn Attestor", "RD", "I delivered it as recorded.",
                                                               frozen_clock.now, ())
    assert attestation(get_session(db, sid)) == a
    frozen_clock.advance(minutes=10)  # the same attestation again (a double click): nothing changes, its time stays
    assert _attest(db, sid, credential="RD", text="I delivered it as recorded.", seen_attested_at=a.at) == a
    assert get_session(db, sid).attested_at == a.at


@pytest.mark.parametrize(("kw", "missing"), [
    ({"name": " "}, "give the instructor's name."),
    ({"text": ""}, "give the attestation text."),
    ({"credential": ""}, "give the credential."),
    ({"name": "", "text": "  "}, "give the instructor's name and the attestation text."),
    ({"credential": "Other"}, "give the credential in your own words (not just 'Other')."),
])
def test_what_is_missing_is_named(db, frozen_clock, kw, missing):
    sid, _ = _ended(db, frozen_clock)
    with pytest.raises(RuleError) as err:
        _attest(db, sid, **kw)
    assert str(err.value) == "Not attested: " + missing
    assert get_session(db, sid).attested_at is None


@pytest.mark.parametrize(("kw", "message"), [
    ({"name": "N" * (MAX_NAME + 1)}, f"at most {MAX_NAME}"),
    ({"credential": "C" * (MAX_CREDENTIAL + 1)}, f"at most {MAX_CREDENTIAL}"),
    ({"text": "t" * (MAX_ATTESTATION + 1)}, f"at most {MAX_ATTESTATION:,}"),
    ({"text": "a\x1eb"}, "control character"), ({"name": "a\x00b"}, "control character"),
])
def test_too_long_or_unstorable_is_refused(db, frozen_clock, kw, message):
    sid, _ = _ended(db, frozen_clock)
    with pytest.raises(RuleError, match=message):
        _attest(db, sid, **kw)


def test_free_text_credential_and_the_dsmt_instructor_warning(db, frozen_clock):
    sid, _ = _ended(db, frozen_clock)
    a = _attest(db, sid, credential="Community health worker")
    assert a.credential == "Community health worker"
    flat = _flat(session_pdf(session_record(db, sid)))
    assert "Credential Community health worker" in flat
    assert "Warning: No qualified instructor credential recorded (Medicare DSMT needs an RN, RD or pharmacist)." in flat


def test_only_an_ended_session_is_attested(db, frozen_clock):
    s, _, _ = make_session(db, n=2, when=T0)
    with pytest.raises(RuleError, match="has not ended"):
        _attest(db, s.id)
    end_session(db, session_id=s.id)
    assert _attest(db, s.id).name == "Quinn Attestor"
    with pytest.raises(RuleError, match="does not exist"):
        _attest(db, 999_999)


def test_another_attestation_is_never_replaced_unseen_and_the_earlier_one_is_kept(db, frozen_clock):
    sid, _ = _ended(db, frozen_clock)
    first = _attest(db, sid, name="Quinn Attestor", credential="RN", text="First wording.", seen_attested_at=None)
    frozen_clock.advance(minutes=5)
    with pytest.raises(Conflict) as err:  # a screen that showed no attestation
        _attest(db, sid, name="Rory Second", credential="CHW", text="Second wording.", seen_attested_at=None)
    assert err.value.theirs == first and err.value.version == first.at
    assert attestation(get_session(db, sid)) == first

    second = _attest(db, sid, name="Rory Second", credential="PharmD", text="Second wording.",
                     seen_attested_at=err.value.version)  # having seen it: replaced, and the first kept
    assert (second.name, second.at, second.text) == ("Rory Second", frozen_clock.now, "Second wording.")
    (kept,) = second.earlier
    assert (kept.name, kept.credential, kept.at, kept.text, kept.replaced_at, kept.replaced_by) == (
        "Quinn Attestor", "RN", first.at, "First wording.", frozen_clock.now, "Rory Second")
    assert attestation(get_session(db, sid)) == second

    frozen_clock.advance(minutes=5)
    with pytest.raises(Conflict):  # the first screen, still showing the first attestation
        _attest(db, sid, text="First wording, corrected.", seen_attested_at=first.at)
    third = _attest(db, sid, text="First wording, corrected.", seen_attested_at=second.at)
    assert [e.name for e in third.earlier] == ["Quinn Attestor", "Rory Second"]
    assert attestation(get_session(db, sid)) == third


# ---------------------------------------------------------------- on every PDF


def test_record_pdfs_carry_lines_to_sign_until_attested(db, frozen_clock):
    sid, pids = _ended(db, frozen_clock)
    rec = session_record(db, sid)
    for data in (session_pdf(rec), session_pdf(rec, participant_id=pids[1])):
        flat = _flat(data)
        assert "Instructor's attestation" in flat and ATTESTATION_STATEMENT in flat
        assert "Instructor: ____" in flat and "Credential: ____" in flat and "Date: ____" in flat
        assert "Signature: ____" in flat


def test_record_pdfs_carry_the_typed_attestation_and_the_replaced_one(db, frozen_clock):
    sid, pids = _ended(db, frozen_clock, credential="RD")
    first = _attest(db, sid, name="Quinn Attestor", credential="RN", text="Delivered as documented.")
    frozen_clock.advance(minutes=7)
    _attest(db, sid, name="Rory Second", credential="RD", text="Reviewed and accurate.", seen_attested_at=first.at)
    rec = session_record(db, sid)
    when = clock.fmt_local(frozen_clock.now)
    copies = zipfile.ZipFile(io.BytesIO(participant_pdfs_zip(rec)))
    assert len(copies.namelist()) == len(pids)
    for data in (session_pdf(rec), *(copies.read(n) for n in copies.namelist())):
        flat = _flat(data)
        assert "Reviewed and accurate." in flat and "Instructor Rory Second" in flat and "Credential RD" in flat
        assert f"Attested {when} (typed attestation, recorded with its time)" in flat
        assert (f"Replaced attestation: Quinn Attestor (RN), {clock.fmt_local(first.at)}; replaced on {when} by "
                f"Rory Second. Delivered as documented.") in flat
        assert "Signature: ____" not in flat and "Warning: No qualified instructor" not in flat
    assert first.at == frozen_clock.now - timedelta(minutes=7)
