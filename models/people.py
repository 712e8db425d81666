"""Participants and facilitators."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, select

from models.errors import RuleError
from models.tables import Facilitator, Participant

MAX_NAME = 200


def _clean_name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleError(f"{what} is required.")
    if "\x00" in value:
        raise RuleError(f"{what} contains a NUL character, which cannot be stored.")
    if len(value) > MAX_NAME:
        raise RuleError(f"{what} is longer than {MAX_NAME} characters.")
    return value


def create_participant(
    db: Session,
    *,
    first_name: str,
    last_name: str,
    record_number: str | None = None,
    date_of_birth: date | None = None,
) -> Participant:
    p = Participant(
        first_name=_clean_name(first_name, "First name"),
        last_name=_clean_name(last_name, "Last name"),
        record_number=(record_number or "").strip() or None,
        date_of_birth=date_of_birth,
    )
    if p.date_of_birth and p.date_of_birth > date.today():
        raise RuleError("Date of birth is in the future.")
    db.add(p)
    db.flush()
    return p


def search_participants(db: Session, *, text: str = "", limit: int = 50) -> list[Participant]:
    q = select(Participant)
    text = text.strip()
    if text:
        like = f"%{text.lower()}%"
        q = q.where(
            or_(
                func.lower(Participant.first_name).like(like),
                func.lower(Participant.last_name).like(like),
                func.lower(Participant.record_number).like(like),
            )
        )
    q = q.order_by(Participant.last_name, Participant.first_name, Participant.id).limit(limit)
    return list(db.exec(q))


def get_participant(db: Session, participant_id: int) -> Participant | None:
    return db.get(Participant, participant_id)


def participants_by_id(db: Session, ids: list[int]) -> dict[int, Participant]:
    if not ids:
        return {}
    return {p.id: p for p in db.exec(select(Participant).where(Participant.id.in_(ids)))}


def create_facilitator(db: Session, *, name: str, credential: str = "") -> Facilitator:
    f = Facilitator(name=_clean_name(name, "Facilitator name"), credential=(credential or "").strip()[:100])
    db.add(f)
    db.flush()
    return f


def list_facilitators(db: Session) -> list[Facilitator]:
    return list(db.exec(select(Facilitator).order_by(Facilitator.name)))


def full_name(p: Participant) -> str:
    return f"{p.first_name} {p.last_name}"
