"""The session list: filters, note search and paging run in SQL; the per-row figures (head-count,
face-to-face minutes, units, documentation gaps) are computed for the rows shown only, in a fixed number of
queries batched by session id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import column as sa_column
from sqlalchemy import func
from sqlalchemy import text as sa_text
from sqlmodel import Session, select

from models import clock
from models.db import contains_pattern, has_note_search_index
from models.documentation import documentation_gaps, goal_facts, post_counts, tagged_notes
from models.enums import SessionStatus
from models.loads import session_facts
from models.notes import current_version_filter
from models.session_rows import session_curriculum
from models.tables import (
    Attendance,
    Facilitator,
    GroupSession,
    Note,
    NoteVersion,
)

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class SessionFilter:
    date_from: date | None = None  # local calendar days, inclusive
    date_to: date | None = None
    curriculum_id: str | None = None
    code: str | None = None
    facilitator_id: int | None = None
    participant_id: int | None = None
    text: str = ""  # searched in the current text of every note
    status: str | None = None


@dataclass(frozen=True)
class SessionRow:
    session_id: int
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    status: str
    curriculum_id: str
    curriculum_title: str
    curriculum_version: str
    code: str
    billed_code: str | None
    facilitator: str | None
    credential: str | None
    rostered: int
    head_count: int | None  # patients who attended; None when the session never ran
    minutes: int | None  # face-to-face minutes
    units: int | None  # units summed over participants
    gaps: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def incomplete(self) -> bool:
        return bool(self.gaps)

    @property
    def documentation(self) -> str:
        """"complete", "incomplete: …" with the reasons, or "—" while the session is not ended."""
        if self.gaps:
            return "incomplete: " + "; ".join(self.gaps)
        return "complete" if self.status == SessionStatus.ENDED else "—"

    @property
    def state(self) -> str:
        """Status in plain words, saying when the data is odd."""
        if self.status == SessionStatus.PLANNED:
            return "planned"
        if self.status == SessionStatus.LIVE:
            return "in progress"
        if self.head_count is None:
            return "ended without being run"
        return "ended"


@dataclass(frozen=True)
class SessionPage:
    rows: list[SessionRow]
    total: int
    offset: int
    limit: int

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def _conditions(f: SessionFilter, dialect: str = "") -> list:
    conds = []
    if f.date_from:
        conds.append(GroupSession.scheduled_at >= clock.day_start(f.date_from))
    if f.date_to:
        conds.append(GroupSession.scheduled_at < clock.day_start(f.date_to + timedelta(days=1)))
    if f.curriculum_id:
        conds.append(GroupSession.curriculum_id == f.curriculum_id)
    if f.code:
        conds.append(GroupSession.billing_code == f.code)
    if f.facilitator_id:
        conds.append(GroupSession.facilitator_id == f.facilitator_id)
    if f.status:
        conds.append(GroupSession.status == f.status)
    if f.participant_id:
        conds.append(GroupSession.id.in_(
            select(Attendance.session_id).where(Attendance.participant_id == f.participant_id)))
    text = (f.text or "").strip()
    if text:
        matched = (
            select(Note.session_id)
            .join(NoteVersion, NoteVersion.note_id == Note.id)
            .where(_text_match(text, dialect), current_version_filter())
        )
        conds.append(GroupSession.id.in_(matched))
    return conds


def _text_match(text: str, dialect: str):
    """Note versions whose text contains `text`, case-insensitively. On SQLite, three characters or more go
    through the trigram full-text index (migration 0002), which reads only the versions that match."""
    if dialect == "sqlite+fts" and len(text) >= 3:
        phrase = '"' + text.replace('"', '""') + '"'
        found = sa_text("SELECT rowid FROM note_version_fts WHERE note_version_fts MATCH :phrase").bindparams(
            phrase=phrase).columns(sa_column("rowid"))
        return NoteVersion.id.in_(found)
    return func.lower(NoteVersion.text).like(contains_pattern(text), escape="\\")


def _dialect(db: Session, f: SessionFilter) -> str:
    """The database kind, as "sqlite+fts" when a note search will run on an SQLite that has the search index
    (migration 0002 leaves it out on an SQLite built without FTS5; the search then scans)."""
    engine = db.get_bind()
    name = engine.dialect.name
    if name == "sqlite" and (f.text or "").strip() and has_note_search_index(engine):
        return "sqlite+fts"
    return name


def count_sessions(db: Session, *, filters: SessionFilter = SessionFilter()) -> int:
    conds = _conditions(filters, _dialect(db, filters))
    return db.exec(select(func.count()).select_from(GroupSession).where(*conds)).one()


def list_sessions(
    db: Session,
    *,
    filters: SessionFilter = SessionFilter(),
    limit: int = PAGE_SIZE,
    offset: int = 0,
    now: datetime | None = None,
) -> SessionPage:
    """One page of sessions, newest first, with the figures of the rows shown."""
    now = now or clock.now()
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    offset = max(0, int(offset))
    conds = _conditions(filters, _dialect(db, filters))
    newest_first = (GroupSession.scheduled_at.desc(), GroupSession.id.desc())

    def page_ids(at: int) -> list[tuple[int, int]]:
        # First the page's ids and the total in one pass over the indexes (the filters are evaluated once);
        # the rows themselves, with their frozen curricula, only for the page.
        return db.exec(select(GroupSession.id, func.count().over()).where(*conds).order_by(*newest_first)
                       .limit(limit).offset(at)).all()

    found = page_ids(offset)
    total = found[0][1] if found else count_sessions(db, filters=filters)
    if total and not found:
        offset = (total - 1) // limit * limit
        found = page_ids(offset)
        total = found[0][1] if found else 0
    ids = [sid for sid, _ in found]
    rows = db.exec(
        select(GroupSession, Facilitator)
        .outerjoin(Facilitator, Facilitator.id == GroupSession.facilitator_id)
        .where(GroupSession.id.in_(ids))
        .order_by(*newest_first)
    ).all() if ids else []
    return SessionPage(_session_rows(db, rows, now), total, offset, limit)


def _session_rows(db: Session, rows: Sequence[tuple[GroupSession, Facilitator | None]], now: datetime
                  ) -> list[SessionRow]:
    ids = [s.id for s, _ in rows]
    if not ids:
        return []
    posts = post_counts(db, ids)
    goals = goal_facts(db, ids)
    notes = tagged_notes(db, ids)
    today = clock.today(now)
    out = []
    for f in session_facts(db, rows, now):
        s, fac, summary = f.session, f.facilitator, f.billing
        gaps = documentation_gaps(
            status=s.status, ran=bool(f.runs), n_items=len(session_curriculum(s).assessment),
            attended=set(summary.attended) if summary else set(), post_counts=posts.get(s.id, {}),
            goals=goals.get(s.id, []), notes=notes.get(s.id, []), today=today)
        out.append(SessionRow(
            session_id=s.id, scheduled_at=s.scheduled_at, started_at=s.started_at, ended_at=s.ended_at,
            status=s.status, curriculum_id=s.curriculum_id, curriculum_title=s.curriculum_title,
            curriculum_version=s.curriculum_version, code=s.billing_code,
            billed_code=summary.billed_code if summary else None,
            facilitator=fac.name if fac else None, credential=f.credential, rostered=len(f.roster),
            head_count=summary.patients if summary else None,
            minutes=summary.face_to_face_minutes if summary else None,
            units=summary.total_units if summary else None,
            gaps=tuple(gaps), warnings=tuple(summary.warnings) if summary else ()))
    return out


@dataclass(frozen=True)
class FilterChoices:
    curricula: list[tuple[str, str]]  # (id, title)
    codes: list[str]
    facilitators: list[tuple[int, str]]


def filter_choices(db: Session) -> FilterChoices:
    """What the list's filters can offer: curricula, codes and facilitators that occur in sessions."""
    # Distinct ids come from the (curriculum_id, scheduled_at) index; each title from its newest session.
    ids = db.exec(select(GroupSession.curriculum_id).distinct().order_by(GroupSession.curriculum_id)).all()
    cur = [(cid, db.exec(select(GroupSession.curriculum_title).where(GroupSession.curriculum_id == cid)
                         .order_by(GroupSession.scheduled_at.desc()).limit(1)).one()) for cid in ids]
    codes = db.exec(select(GroupSession.billing_code).distinct().order_by(GroupSession.billing_code)).all()
    facs = db.exec(select(Facilitator.id, Facilitator.name).order_by(Facilitator.name, Facilitator.id)).all()
    return FilterChoices([(c, t) for c, t in cur], list(codes), [(i, n) for i, n in facs])
