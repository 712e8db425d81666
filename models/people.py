"""Participants and facilitators."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, select

from models import clock
from models.db import contains_pattern
from models.errors import RuleError
from models.rules import MAX_CREDENTIAL, MAX_NAME, MAX_RECORD_NUMBER, MAX_SEARCH
from models.tables import Facilitator, Participant


def _clean_name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleError(f"{what} is required.")
    if "\x00" in value:
        raise RuleError(f"{what} contains a NUL character, which cannot be stored.")
    if len(value) > MAX_NAME:
        raise RuleError(f"{what} holds at most {MAX_NAME} characters; this one has {len(value)}.")
    return value


def create_participant(
    db: Session,
    *,
    first_name: str,
    last_name: str,
    record_number: str | None = None,
    date_of_birth: date | None = None,
) -> Participant:
    record_number = (record_number or "").strip() or None
    if record_number and "\x00" in record_number:
        raise RuleError("The record number contains a NUL character, which cannot be stored.")
    if record_number and len(record_number) > MAX_RECORD_NUMBER:
        raise RuleError(f"A record number holds at most {MAX_RECORD_NUMBER} characters; this one has "
                        f"{len(record_number)}.")
    p = Participant(
        first_name=_clean_name(first_name, "First name"),
        last_name=_clean_name(last_name, "Last name"),
        record_number=record_number,
        date_of_birth=date_of_birth,
    )
    if p.date_of_birth and p.date_of_birth > clock.today():
        raise RuleError("Date of birth is in the future.")
    db.add(p)
    db.flush()
    return p


def search_text(text: str | None) -> str:
    """What a search box holds, refused when it cannot be searched as typed (beyond MAX_SEARCH characters, or
    a NUL character), so that no search runs on silently shortened text."""
    text = text or ""
    if len(text) > MAX_SEARCH:
        raise RuleError(f"A search holds at most {MAX_SEARCH} characters; this one has {len(text):,}.")
    if "\x00" in text:
        raise RuleError("A search cannot contain a NUL character; remove it.")
    return text


def find_participants(db: Session, *, text: str = "", limit: int = 50) -> list[Participant]:
    """The one participant search: people whose first name, last name, full name ("Ada Testwell") or record
    number contains `text`, case-insensitively (% and _ are literal); everyone, alphabetically, when empty."""
    q = select(Participant)
    text = (text or "").strip()[:MAX_SEARCH]
    if text:
        like = contains_pattern(text)
        q = q.where(or_(
            func.lower(Participant.first_name).like(like, escape="\\"),
            func.lower(Participant.last_name).like(like, escape="\\"),
            func.lower(Participant.record_number).like(like, escape="\\"),
            func.lower(Participant.first_name + " " + Participant.last_name).like(like, escape="\\"),
        ))
    return list(db.exec(q.order_by(Participant.last_name, Participant.first_name, Participant.id).limit(limit)))


def get_participant(db: Session, participant_id: int) -> Participant | None:
    return db.get(Participant, participant_id)


def participants_by_id(db: Session, ids: list[int]) -> dict[int, Participant]:
    if not ids:
        return {}
    return {p.id: p for p in db.exec(select(Participant).where(Participant.id.in_(ids)))}


def create_facilitator(db: Session, *, name: str, credential: str = "") -> Facilitator:
    credential = (credential or "").strip()
    if len(credential) > MAX_CREDENTIAL:
        raise RuleError(f"Credentials hold at most {MAX_CREDENTIAL} characters; these have {len(credential)}.")
    f = Facilitator(name=_clean_name(name, "Facilitator name"), credential=credential)
    db.add(f)
    db.flush()
    return f


def list_facilitators(db: Session) -> list[Facilitator]:
    return list(db.exec(select(Facilitator).order_by(Facilitator.name)))


def full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()
