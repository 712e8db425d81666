"""Notes about a participant or the whole group, tied to a step. A note's text and tags live in versions:
the newest is current and none is ever overwritten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from models.curriculum import STEP_ORDER
from models.enums import SessionStatus
from models.errors import RuleError
from models.rules import MAX_NOTE, NOTE_TAGS
from models.session_rows import require_session
from models.tables import Note, NoteVersion


def _clean_tags(tags: list[str] | tuple[str, ...]) -> str:
    unknown = [t for t in tags if t not in NOTE_TAGS]
    if unknown:
        raise RuleError(f"Unknown tag: {unknown[0]}")
    return "|".join(t for t in NOTE_TAGS if t in tags)


def split_tags(tags: str) -> list[str]:
    return [t for t in tags.split("|") if t]


def _check_note(text: str) -> str:
    if "\x00" in text:
        raise RuleError("The note contains a NUL character, which cannot be stored; remove it and try again.")
    if len(text) > MAX_NOTE:
        raise RuleError(f"A note holds at most {MAX_NOTE:,} characters; this one has {len(text):,}.")
    return text


def save_live_note(
    db: Session, *, session_id: int, participant_id: int | None, step: str, text: str, tags: list[str]
) -> Note | None:
    """The one note per participant (or group) and step written on /live. Saving the same text and tags
    again writes nothing; a change adds a version, the earlier ones stay."""
    s = require_session(db, session_id)
    if step not in STEP_ORDER:
        raise RuleError(f"Unknown step '{step}'.")
    text = _check_note(text)
    tag_str = _clean_tags(tags)
    note = db.exec(
        select(Note).where(
            Note.session_id == session_id,
            Note.participant_id == participant_id if participant_id is not None else Note.participant_id.is_(None),
            Note.step == step,
        ).order_by(Note.id)
    ).first()
    if note is None:
        if not text.strip() and not tag_str:
            return None
        note = Note(session_id=session_id, participant_id=participant_id, step=step)
        db.add(note)
        db.flush()
    else:
        latest = _latest_version(db, note.id)
        if latest and latest.text == text and latest.tags == tag_str:
            return note
    db.add(NoteVersion(note_id=note.id, text=text, tags=tag_str, after_session=s.status == SessionStatus.ENDED))
    db.flush()
    return note


def add_note(
    db: Session, *, session_id: int, participant_id: int | None, step: str, text: str, tags: list[str]
) -> Note:
    """A new note, e.g. added on /review after the session."""
    s = require_session(db, session_id)
    if step not in STEP_ORDER:
        raise RuleError(f"Unknown step '{step}'.")
    if not text.strip():
        raise RuleError("The note is empty.")
    note = Note(session_id=session_id, participant_id=participant_id, step=step)
    db.add(note)
    db.flush()
    db.add(NoteVersion(note_id=note.id, text=_check_note(text), tags=_clean_tags(tags),
                       after_session=s.status == SessionStatus.ENDED))
    db.flush()
    return note


def amend_note(db: Session, *, note_id: int, text: str, tags: list[str]) -> NoteVersion | None:
    note = db.get(Note, note_id)
    if note is None:
        raise RuleError("That note does not exist.")
    s = require_session(db, note.session_id)
    latest = _latest_version(db, note_id)
    tag_str = _clean_tags(tags)
    if latest and latest.text == text and latest.tags == tag_str:
        return None
    v = NoteVersion(note_id=note_id, text=_check_note(text), tags=tag_str,
                    after_session=s.status == SessionStatus.ENDED)
    db.add(v)
    db.flush()
    return v


def _latest_version(db: Session, note_id: int) -> NoteVersion | None:
    return db.exec(
        select(NoteVersion).where(NoteVersion.note_id == note_id).order_by(NoteVersion.id.desc()).limit(1)
    ).first()


@dataclass(frozen=True)
class NoteView:
    note_id: int
    participant_id: int | None
    step: str
    text: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    versions: int
    edited_after_session: bool


def session_notes(db: Session, *, session_id: int) -> list[NoteView]:
    """Current text of every note of a session (newest version), with how many versions it has."""
    rows = db.exec(
        select(Note, NoteVersion)
        .join(NoteVersion, NoteVersion.note_id == Note.id)
        .where(Note.session_id == session_id)
        .order_by(Note.id, NoteVersion.id)
    ).all()
    by_note: dict[int, list[tuple[Note, NoteVersion]]] = {}
    for note, v in rows:
        by_note.setdefault(note.id, []).append((note, v))
    out = []
    for pairs in by_note.values():
        note, last = pairs[-1]
        out.append(NoteView(note.id, note.participant_id, note.step, last.text, split_tags(last.tags),
                            note.created_at, last.created_at, len(pairs),
                            any(v.after_session for _, v in pairs)))
    return out


def note_history(db: Session, *, note_id: int) -> list[NoteVersion]:
    return list(db.exec(select(NoteVersion).where(NoteVersion.note_id == note_id).order_by(NoteVersion.id)))



def current_version_filter():
    """A WHERE clause keeping only the NoteVersion rows that are the newest version of their note."""
    newer = aliased(NoteVersion)
    return ~exists().where(newer.note_id == NoteVersion.note_id, newer.id > NoteVersion.id)
