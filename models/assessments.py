"""Pre/post assessment ratings and DSME Record topic competency of each participant, and how an assessment is
scored: the one definition of a score and of the pre → post change, used by /live, the record and reports.

* Score: the mean of the items rated; not scored when more than SELF_EFFICACY_MAX_MISSING items are missing
  (Stanford Diabetes Self-Efficacy Scale).
* Change: the post score minus the pre score, when both are scored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from models.enums import COMPETENCY_PHASES, RATING_PHASES, Phase
from models.errors import UNCHECKED, RuleError, Unchecked
from models.rules import COMPETENCY_LEVELS, SELF_EFFICACY_MAX_MISSING
from models.session_rows import CellWrite, attendance_row, require_session, session_curriculum, write_cell
from models.tables import CompetencyRating, Rating


def set_rating(
    db: Session, *, session_id: int, participant_id: int, item_id: str, phase: str, value: int | None,
    seen_version: int | Unchecked = UNCHECKED,
) -> CellWrite:
    """One pre/post rating cell (None clears it), checked against the version the screen showed; returns the
    version now stored. Raises Conflict when the cell holds another value written after that version."""
    s = require_session(db, session_id)
    if phase not in RATING_PHASES:
        raise RuleError("A rating is pre or post.")
    item = next((i for i in session_curriculum(s).assessment if i.id == item_id), None)
    if item is None:
        raise RuleError("That assessment item is not part of this curriculum.")
    attendance_row(db, session_id, participant_id)
    if value is not None and not item.low <= int(value) <= item.high:
        raise RuleError(f"Ratings for this item run from {item.low} to {item.high}; {value} is outside the scale.")
    where = {"session_id": session_id, "participant_id": participant_id, "item_id": item_id, "phase": phase}
    return write_cell(db, Rating, where, "value", None if value is None else int(value), seen_version)


def set_competency(
    db: Session, *, session_id: int, participant_id: int, topic_id: str, phase: str, level: str | None,
    seen_version: int | Unchecked = UNCHECKED,
) -> CellWrite:
    """One DSME Record competency cell (None clears it), checked like set_rating."""
    s = require_session(db, session_id)
    if phase not in COMPETENCY_PHASES:
        raise RuleError("A competency rating is pre, post or followup.")
    if not any(t.id == topic_id for t in session_curriculum(s).topics):
        raise RuleError("That topic is not part of this curriculum.")
    if level is not None and level not in COMPETENCY_LEVELS:
        raise RuleError("Competency is 1, 2, 3, 4, NC or NA.")
    attendance_row(db, session_id, participant_id)
    where = {"session_id": session_id, "participant_id": participant_id, "topic_id": topic_id, "phase": phase}
    return write_cell(db, CompetencyRating, where, "level", level, seen_version)


# ---------------------------------------------------------------- scoring


def is_scorable(n_rated: int, n_items: int) -> bool:
    """Enough items rated to score: at least one, and no more than SELF_EFFICACY_MAX_MISSING missing."""
    return n_items > 0 and n_rated > 0 and n_items - n_rated <= SELF_EFFICACY_MAX_MISSING


def scale_score(values: Iterable[int], n_items: int) -> float | None:
    """Mean of the items rated; None when the assessment cannot be scored (is_scorable)."""
    vals = list(values)
    return sum(vals) / len(vals) if is_scorable(len(vals), n_items) else None


def ratings_needed(n_items: int) -> int:
    """How many item ratings make a scorable assessment."""
    return max(1, n_items - SELF_EFFICACY_MAX_MISSING) if n_items > 0 else 0


@dataclass(frozen=True)
class Scores:
    """One participant's pre and post scores on an assessment of `items` items."""

    pre: float | None
    post: float | None
    pre_count: int
    post_count: int
    items: int

    @property
    def change(self) -> float | None:
        return None if self.pre is None or self.post is None else self.post - self.pre

    def describe(self, phase: str) -> str:
        """"3.50", "not scored (4 of 8 items)" or "—" (nothing rated)."""
        score, n = (self.pre, self.pre_count) if phase == Phase.PRE else (self.post, self.post_count)
        if score is None:
            return f"not scored ({n} of {self.items} items)" if n else "—"
        return f"{score:.2f}"


def participant_scores(ratings: dict[tuple[int, str, str], int], participant_id: int, n_items: int) -> Scores:
    """Scores from a session's ratings keyed (participant, item, phase), as SessionView.ratings holds them."""
    pre = [v for (pid, _, ph), v in ratings.items() if pid == participant_id and ph == Phase.PRE]
    post = [v for (pid, _, ph), v in ratings.items() if pid == participant_id and ph == Phase.POST]
    return Scores(scale_score(pre, n_items), scale_score(post, n_items), len(pre), len(post), n_items)
