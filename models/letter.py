"""The letter to the referring provider for one participant, from the records, never typed: the order (hours
ordered, used since the order date and left), sessions attended with dates, minutes and DSMT hours, topics
covered with the first pre level and the latest level (DSME Record scale), outcome measures (assessment scores
pre and post per session, and the change), behaviour goals with confidence and follow-up status,
recommendations (open follow-ups, low-confidence plans to problem-solve) and the educator's name and credential.

`provider_letter` gathers it as typed parts whose figures all come from models/ (participant_history, the
referral, follow-ups, the attestation); `letter_blocks` lays those parts out once as pdf_layout blocks, which
`letter_pdf` prints and `letter_text` writes as plain, wrapped text to paste into an EHR: the same content.
No Streamlit here."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from models import clock
from models.attestation import attestation
from models.csv_exports import _person_slug
from models.enums import Phase
from models.errors import RuleError
from models.follow_ups import FollowUpRow, follow_ups_of
from models.participant_history import GoalRow, ParticipantHistory, participant_history
from models.pdf_layout import Block, Heading, KeyValues, Paragraph, Table, clean_text, map_text
from models.pdf_record import Part, _part, _render
from models.people import full_name
from models.questions_goals import goal_due
from models.referrals import Hours, order_status
from models.rules import (
    COMPETENCY_LEVELS,
    CONFIDENCE_MAX,
    CONFIDENCE_THRESHOLD,
    LETTER_TEXT_WIDTH,
    RATED_LEVELS,
    is_low_confidence,
)
from models.tables import CompetencyRating, Facilitator, GroupSession, Participant

TITLE = "Letter to the referring provider"


# ---------------------------------------------------------------- the parts


@dataclass(frozen=True)
class OrderPart:
    """The practitioner's latest order, and the DSMT hours against it (models/referrals.py order_status): used
    since the order date, planned and left, group and individual."""

    practitioner: str
    npi: str | None
    practice: str | None
    contact: str | None
    order_date: date
    diagnosis_code: str | None
    training: str
    topics: tuple[str, ...]
    group: Hours
    individual: Hours

    @property
    def hours_ordered(self) -> float:
        return self.group.limit + self.individual.limit

    @property
    def hours_used(self) -> float:
        return self.group.used + self.individual.used

    @property
    def hours_planned(self) -> float:
        return self.group.planned + self.individual.planned

    @property
    def hours_left(self) -> float:
        return self.group.left + self.individual.left


@dataclass(frozen=True)
class SessionPart:
    session_id: int
    day: date
    curriculum_title: str
    code: str  # the code the record supports
    minutes: int
    units: int
    dsmt_hours: float | None  # None: not a Medicare DSMT code


@dataclass(frozen=True)
class TopicPart:
    topic: str
    pre: str | None  # the first pre level rated 1–4 (DSME Record scale), None when never rated before teaching
    pre_day: date | None
    latest: str  # the latest level (participant_history.latest_competency)
    latest_phase: str
    latest_day: date


@dataclass(frozen=True)
class OutcomePart:
    """One session's assessment scores (the mean of the items rated), as participant_history scores them."""

    session_id: int
    day: date
    curriculum_title: str
    pre: float | None
    post: float | None

    @property
    def change(self) -> float | None:
        """Post minus pre, of the scores as shown (two decimals)."""
        return None if self.pre is None or self.post is None else round(self.post - self.pre, 2)


@dataclass(frozen=True)
class GoalPart:
    """A goal as participant_history has it, with its follow-up status in words."""

    goal: GoalRow
    status: str  # "followed up on …", "follow-up due since …", "follow-up on …", "open, no follow-up date"

    @property
    def open(self) -> bool:
        return self.goal.followed_up_at is None

    @property
    def low_confidence(self) -> bool:
        return is_low_confidence(self.goal.confidence)


@dataclass(frozen=True)
class EducatorPart:
    """The facilitator of the latest session attended, and that session's attestation when recorded."""

    name: str
    credential: str
    session_id: int
    session_day: date
    attested_by: str | None = None
    attested_credential: str | None = None
    attested_at: datetime | None = None


@dataclass(frozen=True)
class Letter:
    participant_id: int
    first_name: str
    last_name: str
    record_number: str | None
    date_of_birth: date | None
    generated_at: datetime
    order: OrderPart | None
    sessions: tuple[SessionPart, ...]
    allowance: tuple[str, ...]  # the Medicare DSMT allowance in plain language (models/allowance.py)
    topics: tuple[TopicPart, ...]
    outcomes: tuple[OutcomePart, ...]
    goals: tuple[GoalPart, ...]
    follow_ups: tuple[FollowUpRow, ...]
    recommendations: tuple[str, ...]
    educator: EducatorPart | None

    @property
    def name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.sessions)

    @property
    def dsmt_hours(self) -> float:
        return sum(s.dsmt_hours or 0.0 for s in self.sessions)

    @property
    def first_pre(self) -> OutcomePart | None:
        return next((o for o in self.outcomes if o.pre is not None), None)

    @property
    def last_post(self) -> OutcomePart | None:
        return next((o for o in reversed(self.outcomes) if o.post is not None), None)


# ---------------------------------------------------------------- from the records


def provider_letter(db: Session, participant_id: int, *, now: datetime | None = None,
                    history: ParticipantHistory | None = None) -> Letter:
    """The letter for a participant as of `now`, from their history (participant_history; pass the one a page
    has read already), latest referral, follow-ups and the latest attended session's facilitator and
    attestation. Raises RuleError for an unknown participant."""
    now = now or clock.now()
    hist = history or participant_history(db, participant_id, now=now)
    if hist is None:
        raise RuleError("There is no participant with that number.")
    today = clock.today(now)
    p = hist.participant
    attended = hist.attended
    sessions = tuple(SessionPart(r.session_id, r.day, r.curriculum_title, r.billed_code or r.code, r.minutes or 0,
                                 r.units or 0, r.dsmt_hours) for r in attended)
    goals = tuple(GoalPart(g, _goal_status(g.follow_up_date, g.followed_up_at, today)) for g in hist.goals)
    follow_ups = tuple(follow_ups_of(db, participant_id))
    return Letter(
        participant_id, p.first_name, p.last_name, p.record_number, p.date_of_birth, now,
        _order(db, hist, now), sessions,
        tuple(hist.allowance.messages(today)) if hist.allowance.started else (),
        _topics(db, hist), _outcomes(hist), goals, follow_ups, _recommendations(goals, follow_ups, today),
        _educator(db, attended[-1].session_id if attended else None))


def _order(db: Session, hist: ParticipantHistory, now: datetime) -> OrderPart | None:
    status = order_status(db, hist.participant.id, now=now, history=hist)
    r = status.referral
    if r is None:
        return None
    return OrderPart(r.practitioner_name, r.practitioner_npi, r.practice, r.contact, r.order_date, r.diagnosis_code,
                     r.training, tuple(status.topics), status.group, status.individual)


def _topics(db: Session, hist: ParticipantHistory) -> tuple[TopicPart, ...]:
    """Each topic's latest level (the history's) with the first level rated 1–4 before teaching."""
    when = {r.session_id: (r.day, r.scheduled_at) for r in hist.sessions}
    first: dict[str, tuple[tuple, str, date]] = {}
    for c in db.exec(select(CompetencyRating).where(CompetencyRating.participant_id == hist.participant.id,
                                                    CompetencyRating.phase == Phase.PRE,
                                                    CompetencyRating.level.in_(RATED_LEVELS))):
        if c.session_id not in when:
            continue
        key = (*when[c.session_id], c.recorded_at)
        if c.topic_id not in first or key < first[c.topic_id][0]:
            first[c.topic_id] = (key, c.level, when[c.session_id][0])
    return tuple(TopicPart(t.topic, first[t.topic_id][1] if t.topic_id in first else None,
                           first[t.topic_id][2] if t.topic_id in first else None, t.level, t.phase, t.day)
                 for t in hist.competency)


def _outcomes(hist: ParticipantHistory) -> tuple[OutcomePart, ...]:
    scores: dict[int, dict[str, float]] = defaultdict(dict)
    about: dict[int, tuple[date, str]] = {}
    for r in hist.ratings:
        scores[r.session_id][r.phase] = r.score
        about[r.session_id] = (r.day, r.curriculum_title)
    return tuple(OutcomePart(sid, about[sid][0], about[sid][1], s.get(Phase.PRE), s.get(Phase.POST))
                 for sid, s in scores.items())


def _goal_status(follow_up_date: date | None, followed_up_at: datetime | None, today: date) -> str:
    if followed_up_at is not None:
        return f"followed up on {clock.fmt_local(followed_up_at, '%Y-%m-%d')}"
    if follow_up_date is None:
        return "open, no follow-up date"
    if goal_due(follow_up_date, False, today):
        return f"follow-up due since {follow_up_date:%Y-%m-%d}"
    return f"follow-up on {follow_up_date:%Y-%m-%d}"


def _recommendations(goals: tuple[GoalPart, ...], follow_ups: tuple[FollowUpRow, ...], today: date
                     ) -> tuple[str, ...]:
    out = [f"{f.kind_label.capitalize()}, {f.status(today)}" + (f": {f.note}" if f.note else ".")
           for f in follow_ups if f.done_at is None]
    out += [f"Problem-solve the {g.goal.behaviour.lower()} plan \u201c{g.goal.text}\u201d with the participant "
            f"(confidence {g.goal.confidence}/{CONFIDENCE_MAX}, below {CONFIDENCE_THRESHOLD})." for g in goals
            if g.open and g.low_confidence]
    return tuple(out)


def _educator(db: Session, session_id: int | None) -> EducatorPart | None:
    if session_id is None:
        return None
    s, fac = db.exec(select(GroupSession, Facilitator).outerjoin(Facilitator, Facilitator.id == GroupSession
                                                                 .facilitator_id)
                     .where(GroupSession.id == session_id)).one()
    a = attestation(s)
    day = clock.local_day(s.started_at or s.scheduled_at)
    return EducatorPart(fac.name if fac else "", (fac.credential if fac else "") or "", s.id, day,
                        a.name if a else None, a.credential if a else None, a.at if a else None)


# ---------------------------------------------------------------- the content, once


def _h(hours: float | None) -> str:
    return "—" if hours is None else f"{hours:g}"


def _split(total: float, group: float, individual: float) -> str:
    return f"{_h(total)} ({_h(group)} group, {_h(individual)} individual)"


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _change(x: float | None) -> str:
    return "—" if x is None else f"{x:+.2f}"


def _level(level: str | None) -> str:
    return COMPETENCY_LEVELS.get(level, level) if level else "not rated"


def letter_parts(letter: Letter) -> list[Part]:
    """The letter as parts of blocks (pdf_layout), stored text cleaned; the PDF and the plain text both come
    from these."""
    builders = (("Heading", _heading), ("Order", _order_blocks), ("Sessions attended", _session_blocks),
                ("Topics covered", _topic_blocks), ("Outcome measures", _outcome_blocks),
                ("Behaviour goals", _goal_blocks), ("Follow-up", _follow_up_blocks),
                ("Recommendations", _recommendation_blocks), ("Educator", _educator_blocks))
    parts = []
    for name, build in builders:
        with _part(name):
            parts.append(Part(name, tuple(map_text(b, clean_text) for b in build(letter))))
    return parts


def _heading(letter: Letter) -> list[Block]:
    who = [letter.name, f"record {letter.record_number}" if letter.record_number else None,
           f"born {letter.date_of_birth:%Y-%m-%d}" if letter.date_of_birth else None]
    to = letter.order.practitioner if letter.order else "the referring provider"
    return [Heading(1, TITLE),
            KeyValues((("To", to), ("Re", " · ".join(w for w in who if w)),
                       ("Date", clock.fmt_local(letter.generated_at, "%Y-%m-%d")))),
            Paragraph(f"Thank you for referring {letter.name} to group self-management education. This letter "
                      f"summarises, from our records, the education delivered, how {letter.name} did and the goals "
                      "set.")]


def _order_blocks(letter: Letter) -> list[Block]:
    o = letter.order
    if o is None:
        return [Heading(2, "Order"), Paragraph("No referral order is recorded for this participant.")]
    rows = [("Practitioner", o.practitioner), ("NPI", o.npi or "—"), ("Practice", o.practice or "—"),
            ("Contact", o.contact or "—"), ("Order date", f"{o.order_date:%Y-%m-%d}"),
            ("Diagnosis code", o.diagnosis_code or "—"), ("Training", o.training),
            ("Topics ordered", "; ".join(o.topics) or "—"),
            ("Hours ordered", _split(o.hours_ordered, o.group.limit, o.individual.limit)),
            ("Hours used", _split(o.hours_used, o.group.used, o.individual.used)
             + f", Medicare DSMT billed since {o.order_date:%Y-%m-%d}"),
            ("Hours planned", _split(o.hours_planned, o.group.planned, o.individual.planned)),
            ("Hours left", _split(o.hours_left, o.group.left, o.individual.left))]
    return [Heading(2, "Order"), KeyValues(tuple(rows))]


def _session_blocks(letter: Letter) -> list[Block]:
    rows = [(f"{s.day:%Y-%m-%d}", s.curriculum_title, s.code, str(s.minutes), _h(s.dsmt_hours))
            for s in letter.sessions]
    return [Heading(2, "Sessions attended"),
            Table((22, 80, 18, 18, 22), ("Date", "Curriculum", "Code", "Minutes", "DSMT hours"), rows),
            Paragraph(f"{len(letter.sessions)} sessions attended, {letter.minutes} minutes of face-to-face "
                      f"education, {_h(letter.dsmt_hours)} hours of Medicare DSMT."),
            *(Paragraph(line, small=True) for line in letter.allowance)]


def _topic_blocks(letter: Letter) -> list[Block]:
    rows = [(t.topic, _level(t.pre), f"{_level(t.latest)} ({t.latest_phase}, {t.latest_day:%Y-%m-%d})")
            for t in letter.topics]
    return [Heading(2, "Topics covered: competency before teaching \u2192 latest (DSME Record scale)"),
            Table((70, 45, 65), ("Topic", "Before teaching", "Latest"), rows)]


def _outcome_blocks(letter: Letter) -> list[Block]:
    rows = [(f"{o.day:%Y-%m-%d}", o.curriculum_title, _score(o.pre), _score(o.post), _change(o.change))
            for o in letter.outcomes]
    b: list[Block] = [Heading(2, "Outcome measures: assessment score, mean of the items (pre \u2192 post)"),
                      Table((22, 88, 22, 22, 22), ("Date", "Curriculum", "Pre", "Post", "Change"), rows)]
    first, last = letter.first_pre, letter.last_post
    if first and last:
        b.append(Paragraph(f"First pre score {_score(first.pre)} ({first.day:%Y-%m-%d}) \u2192 latest post score "
                           f"{_score(last.post)} ({last.day:%Y-%m-%d}): {_change(round(last.post - first.pre, 2))}."))
    return b


def _goal_blocks(letter: Letter) -> list[Block]:
    rows = [(f"{g.goal.day:%Y-%m-%d}", g.goal.behaviour, g.goal.text, f"{g.goal.confidence}/{CONFIDENCE_MAX}",
             g.status) for g in letter.goals]
    return [Heading(2, "Behaviour goals"),
            Table((20, 26, 74, 20, 40), ("Set on", "Behaviour", "Goal", "Confidence", "Follow-up"), rows)]


def _follow_up_blocks(letter: Letter) -> list[Block]:
    today = clock.today(letter.generated_at)
    rows = [(f.kind_label, f"{f.due_date:%Y-%m-%d}", f.status(today), f.note or "—") for f in letter.follow_ups]
    return [Heading(2, "Follow-up"), Table((40, 22, 45, 73), ("Kind", "Due", "Status", "Note"), rows)]


def _recommendation_blocks(letter: Letter) -> list[Block]:
    lines = letter.recommendations or ("No follow-up is open and no plan needs problem-solving.",)
    return [Heading(2, "Recommendations"), *(Paragraph(f"\u2022 {line}") for line in lines)]


def _educator_blocks(letter: Letter) -> list[Block]:
    e = letter.educator
    if e is None:
        return [Heading(2, "Educator"), Paragraph("No session attended yet: no educator to name.")]
    rows = [("Educator", e.name or "not recorded"), ("Credential", e.credential or "not recorded"),
            ("Latest session", f"{e.session_day:%Y-%m-%d} (session {e.session_id})")]
    if e.attested_at is not None:
        rows.append(("Record attested", f"by {e.attested_by} ({e.attested_credential}) on "
                                        f"{clock.fmt_local(e.attested_at, '%Y-%m-%d')}"))
    sign = ", ".join(x for x in (e.name, e.credential) if x)
    return [Heading(2, "Educator"), KeyValues(tuple(rows)), Paragraph(f"Sincerely,\n{sign}")]


# ---------------------------------------------------------------- the PDF and the plain text


def letter_footer(letter: Letter) -> str:
    return f"{TITLE} · generated {clock.fmt_local(letter.generated_at)}"


def letter_pdf(letter: Letter) -> bytes:
    """The letter as a PDF. Raises ExportError naming the part that could not be built."""
    return _render(letter_parts(letter), letter_footer(letter), title=TITLE)


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    out: list[str] = []
    for i, para in enumerate(text.split("\n")):
        out += textwrap.wrap(para, LETTER_TEXT_WIDTH, initial_indent=first if i == 0 else rest,
                             subsequent_indent=rest, break_on_hyphens=False) or [""]
    return out


def _text_lines(block: Block) -> list[str]:
    match block:
        case Heading(level=1, text=text):
            return [*_wrap(text.upper()), ""]
        case Heading(text=text):
            lines = _wrap(text)
            return ["", *lines, "-" * min(LETTER_TEXT_WIDTH, max(len(x) for x in lines))]
        case Paragraph(text=text):
            return _wrap(text, rest="  " if text.startswith("\u2022") else "")
        case KeyValues(rows=rows):
            return [*(line for k, v in rows for line in _wrap(f"{k}: {v}", rest="    ")), ""]
        case Table(rows=rows) if not rows:
            return ["None recorded.", ""]
        case Table(header=header, rows=rows):
            return [*(line for row in rows
                      for line in _wrap("; ".join(f"{h}: {v}" for h, v in zip(header, row, strict=True)), "- ", "  ")),
                    ""]
    raise TypeError(type(block).__name__)


def letter_text(letter: Letter) -> str:
    """The letter as plain text to paste into an EHR: no markup, no control characters, lines of at most
    LETTER_TEXT_WIDTH characters (a longer word is cut)."""
    lines: list[str] = []
    for line in (x.rstrip() for part in letter_parts(letter) for b in part.blocks for x in _text_lines(b)):
        if line or (lines and lines[-1]):  # one blank line between blocks, never two
            lines.append(line)
    if lines[-1]:
        lines.append("")
    return "\n".join([*lines, letter_footer(letter)]) + "\n"


def letter_filename(participant: Participant, day: date) -> str:
    """letter-Testwell-Ada-2026-11-23.pdf: the person (participant-ID for a name with nothing Latin in it) and the
    day it is generated."""
    return f"letter-{_person_slug(participant.last_name, participant.first_name, participant.id)}-{day:%Y-%m-%d}.pdf"
