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
from models.errors import UNCHECKED, Conflict, RuleError, Unchecked
from models.rules import MAX_NOTE, NOTE_TAGS
from models.session_rows import mark_activity, require_session
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
    db: Session, *, session_id: int, participant_id: int | None, step: str, text: str, tags: list[str],
    seen_version: int | None | Unchecked = UNCHECKED,
) -> Note | None:
    """The one note per participant (or group) and step written on /live. Saving the same text and tags
    again writes nothing; a change adds a version, the earlier ones stay.

    `seen_version` is the id of the note version the screen showed (None: it showed no note). When the note
    has a newer version with other text or tags, nothing is written and Conflict carries (text, tags) of the
    current version, so a screen opened earlier never writes its older text or tags back over a newer one."""
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
        ).order_by(Note.id).with_for_update()
    ).first()
    latest = _latest_version(db, note.id) if note else None
    stored = (latest.text, latest.tags) if latest else ("", "")
    if stored == (text, tag_str) or latest is None and not text.strip() and not tag_str:
        return note  # nothing to change (a blank new note is not created)
    _check_seen(latest, seen_version)
    if note is None:
        note = Note(session_id=session_id, participant_id=participant_id, step=step)
        db.add(note)
        db.flush()
    db.add(NoteVersion(note_id=note.id, text=text, tags=tag_str, after_session=s.status == SessionStatus.ENDED))
    mark_activity(db, session_id)
    db.flush()
    return note


def _check_seen(latest: NoteVersion | None, seen_version: int | None | Unchecked) -> None:
    if isinstance(seen_version, Unchecked):
        return
    if (latest.id if latest else None) != seen_version:
        raise Conflict((latest.text, split_tags(latest.tags)) if latest else ("", []), latest.id if latest else None)


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
    mark_activity(db, session_id)
    db.flush()
    return note


def amend_note(db: Session, *, note_id: int, text: str, tags: list[str],
               seen_version: int | Unchecked = UNCHECKED) -> NoteVersion | None:
    """A new version of a note (on /review), checked against the version the screen showed like
    save_live_note; None when the text and tags are unchanged."""
    note = db.exec(select(Note).where(Note.id == note_id).with_for_update()).first()
    if note is None:
        raise RuleError("That note does not exist.")
    s = require_session(db, note.session_id)
    latest = _latest_version(db, note_id)
    tag_str = _clean_tags(tags)
    if latest and latest.text == text and latest.tags == tag_str:
        return None
    _check_seen(latest, seen_version)
    v = NoteVersion(note_id=note_id, text=_check_note(text), tags=tag_str,
                    after_session=s.status == SessionStatus.ENDED)
    db.add(v)
    mark_activity(db, s.id)
    db.flush()
    return v


def _latest_version(db: Session, note_id: int) -> NoteVersion | None:
    return db.exec(
        select(NoteVersion).where(NoteVersion.note_id == note_id).order_by(NoteVersion.id.desc()).limit(1)
    ).first()


def latest_version_id(db: Session, note_id: int) -> int | None:
    """The id of a note's current version: what a screen showing it has seen (NoteView.version_id)."""
    latest = _latest_version(db, note_id)
    return latest.id if latest else None


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
    version_id: int  # the current version's id: what a screen that shows this note has seen


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
                            any(v.after_session for _, v in pairs), last.id))
    return out


def note_history(db: Session, *, note_id: int) -> list[NoteVersion]:
    return list(db.exec(select(NoteVersion).where(NoteVersion.note_id == note_id).order_by(NoteVersion.id)))



def current_version_filter():
    """A WHERE clause keeping only the NoteVersion rows that are the newest version of their note."""
    newer = aliased(NoteVersion)
    return ~exists().where(newer.note_id == NoteVersion.note_id, newer.id > NoteVersion.id)
