"""When is a session's documentation incomplete: the one definition used by the session list and the session
record.

Documentation is incomplete for an ended session when any of these holds:
  - a patient who attended (models.billing: presence overlapping face-to-face time) has no scorable post
    rating. Said in one of two ways: "post ratings missing" when not one post item was rated, and "post
    ratings too few to score" (with how many of the items were rated, and how many a score needs) when some
    were rated but fewer than the assessment needs to be scored (models.assessments.ratings_needed);
  - a patient who attended has no goal recorded in this session;
  - an open follow-up: a goal whose follow-up is due (models.questions_goals.goal_due), or a note whose
    current version carries a follow-up tag (rules.FOLLOW_UP_TAGS) while the person it is about has no goal
    of this session marked followed up. A group note with such a tag stays open until it is amended without
    the tag;
  - the session was ended without ever being run (no step time at all).
Planned and live sessions are not flagged: their record is not finished yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from models.assessments import ratings_needed
from models.enums import Phase, SessionStatus
from models.loads import chunks
from models.notes import current_version_filter, split_tags
from models.questions_goals import goal_due
from models.rules import (
    FOLLOW_UP_TAGS,
)
from models.tables import (
    Goal,
    Note,
    NoteVersion,
    Rating,
)


@dataclass(frozen=True)
class GoalFact:
    participant_id: int
    follow_up_date: date | None
    followed_up: bool


@dataclass(frozen=True)
class TaggedNote:
    participant_id: int | None
    tags: tuple[str, ...]


def documentation_gaps(
    *,
    status: str,
    ran: bool,
    n_items: int,
    attended: set[int],
    post_counts: dict[int, int],
    goals: Sequence[GoalFact],
    notes: Sequence[TaggedNote],
    today: date,
) -> list[str]:
    """Why an ended session's documentation is incomplete, in plain language (empty when complete).
    See the module docstring for the definitions."""
    if status != SessionStatus.ENDED:
        return []
    if not ran:
        return ["ended without being run (no time recorded)"]
    gaps: list[str] = []
    need = ratings_needed(n_items)
    if need:
        short = [post_counts.get(pid, 0) for pid in attended if post_counts.get(pid, 0) < need]
        missing = short.count(0)
        if missing:
            gaps.append(f"post ratings missing for {missing} participant(s)")
        few = sorted(n for n in short if n)
        if few:
            gaps.append(f"post ratings too few to score for {len(few)} participant(s) "
                        f"({_counts(few)} of {n_items} items rated; {need} needed)")
    with_goal = {g.participant_id for g in goals}
    no_goal = attended - with_goal
    if no_goal:
        gaps.append(f"no goal for {len(no_goal)} participant(s)")
    open_goals = sum(1 for g in goals if goal_due(g.follow_up_date, g.followed_up, today))
    followed = {g.participant_id for g in goals if g.followed_up}
    open_notes = sum(
        1 for n in notes
        if any(t in FOLLOW_UP_TAGS for t in n.tags) and (n.participant_id is None or n.participant_id not in followed)
    )
    if open_goals + open_notes:
        parts = []
        if open_goals:
            parts.append(f"{open_goals} goal follow-up(s) due")
        if open_notes:
            parts.append(f"{open_notes} note(s) tagged for follow-up")
        gaps.append("open follow-up: " + ", ".join(parts))
    return gaps


def _counts(values: Sequence[int]) -> str:
    """"5", "3 and 5", "2, 3 and 5": the distinct counts, smallest first."""
    distinct = [str(v) for v in sorted(set(values))]
    return distinct[0] if len(distinct) == 1 else ", ".join(distinct[:-1]) + " and " + distinct[-1]


def post_counts(db: Session, ids: Sequence[int]) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for chunk in chunks(ids):
        for sid, pid, n in db.exec(
            select(Rating.session_id, Rating.participant_id, func.count())
            .where(Rating.session_id.in_(chunk), Rating.phase == Phase.POST, Rating.value.is_not(None))
            .group_by(Rating.session_id, Rating.participant_id)
        ).all():
            out[sid][pid] = n
    return out


def goal_facts(db: Session, ids: Sequence[int]) -> dict[int, list[GoalFact]]:
    out: dict[int, list[GoalFact]] = defaultdict(list)
    for chunk in chunks(ids):
        for sid, pid, fud, done in db.exec(
            select(Goal.session_id, Goal.participant_id, Goal.follow_up_date, Goal.followed_up_at)
            .where(Goal.session_id.in_(chunk))
        ).all():
            out[sid].append(GoalFact(pid, fud, done is not None))
    return out


def tagged_notes(db: Session, ids: Sequence[int]) -> dict[int, list[TaggedNote]]:
    out: dict[int, list[TaggedNote]] = defaultdict(list)
    for chunk in chunks(ids):
        rows = db.exec(
            select(Note.session_id, Note.participant_id, NoteVersion.tags)
            .join(NoteVersion, NoteVersion.note_id == Note.id)
            .where(Note.session_id.in_(chunk), NoteVersion.tags != "", current_version_filter())
        ).all()
        for sid, pid, tags in rows:
            out[sid].append(TaggedNote(pid, tuple(split_tags(tags))))
    return out
