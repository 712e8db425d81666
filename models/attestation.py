"""The instructor's attestation on a session record: who attests (name and credential), the words attested and
when it was recorded. It is printed at the end of every record PDF (models/pdf_record.py); without one, the PDF
has blank lines for a handwritten signature instead.

An attestation is never replaced silently:
- the screen sends the attestation time it showed (`seen_attested_at`, None when it showed none); when another
  one was recorded meanwhile the write is refused with a Conflict carrying the stored attestation, so the
  person sees whose attestation they would replace before they can;
- a replacement keeps the earlier attestation: it stays on the record, with when it was replaced and by whom,
  and every PDF prints it under the current one. (They live in the attestation's own text column, after a
  record-separator character no typed text may hold; a table of their own would need a migration.)
- recording the attestation already stored (same name, credential and text) changes nothing and keeps its time.
No Streamlit here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from models import clock
from models.enums import SessionStatus
from models.errors import UNCHECKED, Conflict, RuleError, Unchecked
from models.rules import MAX_CREDENTIAL, MAX_NAME, MAX_REASON
from models.session_rows import require_session, touch
from models.tables import GroupSession

# What the form offers to attest; the instructor may word it otherwise.
ATTESTATION_STATEMENT = ("I delivered this group education session as documented in this record, and the record "
                         "is complete and accurate.")
MAX_ATTESTATION = MAX_REASON
_RECORD, _FIELD = "\x1e", "\x1f"  # between earlier attestations, and between the fields of one


@dataclass(frozen=True)
class Replaced:
    """An earlier attestation, kept when another replaced it."""
    name: str
    credential: str
    at: datetime
    text: str
    replaced_at: datetime
    replaced_by: str


@dataclass(frozen=True)
class Attestation:
    name: str
    credential: str
    at: datetime  # when it was recorded
    text: str
    earlier: tuple[Replaced, ...] = ()  # oldest first


def attestation(s: GroupSession) -> Attestation | None:
    """The session's attestation as recorded, or None."""
    if s.attested_at is None or not s.attested_by:
        return None
    text, *earlier = (s.attestation_text or "").split(_RECORD)
    return Attestation(s.attested_by, s.attested_credential or "", s.attested_at, text,
                       tuple(_replaced(e) for e in earlier))


def _replaced(stored: str) -> Replaced:
    name, credential, at, replaced_at, replaced_by, text = stored.split(_FIELD, 5)
    return Replaced(name, credential, datetime.fromisoformat(at), text, datetime.fromisoformat(replaced_at),
                    replaced_by)


def _stored(r: Replaced) -> str:
    return _FIELD.join((r.name, r.credential, r.at.isoformat(), r.replaced_at.isoformat(), r.replaced_by, r.text))


def _checked(value: str | None, what: str, limit: int, missing: list[str]) -> str:
    value = (value or "").strip()
    if any(c in value for c in ("\x00", _RECORD, _FIELD)):
        raise RuleError(f"The {what} holds a control character that cannot be stored; remove it.")
    if len(value) > limit:
        raise RuleError(f"The {what} holds at most {limit:,} characters; this one has {len(value):,}.")
    if not value:
        missing.append(what)
    return value


def attest_session(db: Session, *, session_id: int, name: str, credential: str, text: str,
                   seen_attested_at: datetime | None | Unchecked = UNCHECKED) -> Attestation:
    """Record the instructor's typed attestation of an ended session's record, with the time now.

    `credential` is one of rules.CREDENTIAL_CHOICES or the instructor's own words ("Other" alone is not a
    credential). Refused, naming what is missing, without a name, credential or text; refused with a Conflict
    (carrying the stored Attestation) when the record holds another attestation than the one the screen showed
    (`seen_attested_at`). A replaced attestation is kept (Attestation.earlier)."""
    s = require_session(db, session_id)
    if s.status != SessionStatus.ENDED:
        raise RuleError("The session has not ended: its record can be attested once it has.")
    missing: list[str] = []
    name = _checked(name, "instructor's name", MAX_NAME, missing)
    credential = _checked(credential, "credential", MAX_CREDENTIAL, missing)
    if credential.casefold() == "other":
        missing.append("credential in your own words (not just 'Other')")
    text = _checked(text, "attestation text", MAX_ATTESTATION, missing)
    if missing:
        raise RuleError("Not attested: give the " + " and the ".join(missing) + ".")
    stored = attestation(s)
    if not isinstance(seen_attested_at, Unchecked) and seen_attested_at != s.attested_at:
        raise Conflict(stored, s.attested_at, "Another attestation was recorded on this session after this screen "
                                              "showed it; nothing was replaced.")
    if stored and (stored.name, stored.credential, stored.text) == (name, credential, text):
        return stored
    now = clock.now()
    earlier = stored.earlier if stored else ()
    if stored:
        earlier += (Replaced(stored.name, stored.credential, stored.at, stored.text, now, name),)
    where = (GroupSession.attested_at.is_(None) if s.attested_at is None
             else GroupSession.attested_at == s.attested_at)
    done = db.execute(
        update(GroupSession).where(GroupSession.id == session_id, where)
        .values(attested_by=name, attested_credential=credential, attested_at=now,
                attestation_text=_RECORD.join((text, *(_stored(e) for e in earlier))))
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # recorded by another screen between our read and our write
        db.refresh(s)
        raise Conflict(attestation(s), s.attested_at, "Another attestation was recorded on this session at the "
                                                      "same moment; nothing was replaced.")
    db.expire(s)
    touch(db, session_id)
    db.flush()
    return Attestation(name, credential, now, text, earlier)
