"""A practitioner's referral and order per participant, and the order beside the Medicare DSMT allowance.

The order from the treating practitioner states the number of hours, the topics, and individual vs group
(../shared/domain/rules.md). Hours ordered are stored in minutes, in whole 30-minute units. For the latest order
(`order_status`):
* used: DSMT hours (G0108/G0109) billed since the order date, taken from the participant's history (the billing
  summary's units, never counted again here); group or individual by the code billed;
* planned: DSMT sessions on the person's roster (expected, not marked absent) that are still planned and
  scheduled after now, at their planned length in full 30-minute units; group or individual by the session's code;
* left: ordered minus used and planned, never below zero;
* the Medicare allowance (models/allowance.py) run twice: on the hours billed, and on those plus the planned ones,
  so that a planned session beyond the allowance is named;
* warnings, plain language for the educator: the order asks for more than the allowance, used and planned hours
  go beyond the order or the allowance, the order is older than ORDER_VALID_MONTHS, and an initial or follow-up
  order that does not fit the allowance period.
`plan_warnings` is the same arithmetic for a session about to be created (the plan page): a warning, never a
refusal."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, select

from models import clock
from models.allowance import AllowanceEntry, AllowanceUse, DsmtAllowance, dsmt_allowance
from models.billing import time_cap
from models.curriculum import Curriculum
from models.enums import AllowancePeriod, SessionStatus, Training
from models.errors import Conflict, RuleError, Unchecked
from models.participant_history import ParticipantHistory, participant_history
from models.people import full_name
from models.rules import (
    CODES,
    DSMT_FOLLOW_UP_HOURS_PER_YEAR,
    DSMT_INITIAL_WINDOW_MONTHS,
    MAX_CONTACT,
    MAX_DIAGNOSIS_CODE,
    MAX_NAME,
    MAX_ORDER_HOURS,
    MAX_PRACTICE,
    MAX_TOPIC,
    MAX_TOPICS,
    NPI_DIGITS,
    NPI_PREFIX,
    ORDER_VALID_MONTHS,
    UNIT_MINUTES,
    unit_hours,
    units_for_minutes,
)
from models.session_rows import session_day
from models.tables import Attendance, GroupSession, Participant, Referral

TOPIC_SEPARATOR = "|"
NEW_SESSION = sys.maxsize  # a session not created yet (plan_warnings): the last of its day, as it would be

# ---------------------------------------------------------------- the order itself


def npi_is_valid(npi: str) -> bool:
    """The NPI standard's check: 10 digits, the last the Luhn check digit of the prefix 80840 and the first nine."""
    if len(npi) != NPI_DIGITS or not npi.isascii() or not npi.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(NPI_PREFIX + npi[:-1])):  # the digit next to the check digit is doubled
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10 == int(npi[-1])


def topic_titles(curricula: Iterable[Curriculum]) -> list[str]:
    """The curricula's teaching topic titles, once each, alphabetically: the choices for the topics ordered (free
    text is accepted too)."""
    return sorted({t.title for c in curricula for t in c.topics}, key=str.casefold)


def order_topics(r: Referral) -> list[str]:
    return [t for t in r.topics.split(TOPIC_SEPARATOR) if t]


def _text(value: str | None, limit: int, what: str, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise RuleError(f"{what} is required.")
        return None
    if "\x00" in value:
        raise RuleError(f"{what} contains a NUL character, which cannot be stored.")
    if len(value) > limit:
        raise RuleError(f"{what} holds at most {limit} characters; this one has {len(value)}.")
    return value


def _minutes(hours: float, kind: str) -> int:
    step = unit_hours(1)
    if hours is None or not math.isfinite(hours) or hours < 0:
        raise RuleError(f"{kind.capitalize()} hours ordered must be zero or more.")
    if hours > MAX_ORDER_HOURS:
        raise RuleError(f"An order holds at most {MAX_ORDER_HOURS} {kind} hours; this one asks for {hours:g}.")
    minutes = hours * 60
    if minutes % UNIT_MINUTES:
        raise RuleError(f"{kind.capitalize()} hours are ordered in steps of {step:g} hour; {hours:g} is not one.")
    return int(minutes)


def _topics(topics: Iterable[str]) -> str:
    out: list[str] = []
    for t in topics or ():
        t = _text(t, MAX_TOPIC, "A topic")
        if t is None or t in out:
            continue
        if TOPIC_SEPARATOR in t:
            raise RuleError(f"A topic cannot contain \"{TOPIC_SEPARATOR}\"; write it as two topics.")
        out.append(t)
    if len(out) > MAX_TOPICS:
        raise RuleError(f"An order lists at most {MAX_TOPICS} topics; this one has {len(out)}.")
    return TOPIC_SEPARATOR.join(out)


def _values(*, practitioner_name: str, practitioner_npi: str | None = None, practice: str | None = None,
            contact: str | None = None, order_date: date, diagnosis_code: str | None = None, group_hours: float,
            individual_hours: float, topics: list[str], training: str) -> dict:
    """The order's columns, checked: what create and update write."""
    npi = (practitioner_npi or "").strip() or None
    if npi is not None and not npi_is_valid(npi):
        raise RuleError(f"An NPI is {NPI_DIGITS} digits, the last a check digit (the NPI standard's Luhn check); "
                        "this one is not.")
    if not isinstance(order_date, date) or isinstance(order_date, datetime):
        raise RuleError("The order date is required.")
    if order_date > clock.today():
        raise RuleError("The order date is in the future.")
    if training not in tuple(Training):
        raise RuleError(f"Training is {' or '.join(Training)}, not {training}.")
    group, individual = _minutes(group_hours, "group"), _minutes(individual_hours, "individual")
    if group + individual == 0:
        raise RuleError(f"An order asks for at least {unit_hours(1):g} hour, group or individual.")
    return {
        "practitioner_name": _text(practitioner_name, MAX_NAME, "The referring practitioner's name", required=True),
        "practitioner_npi": npi,
        "practice": _text(practice, MAX_PRACTICE, "The practice"),
        "contact": _text(contact, MAX_CONTACT, "The fax or e-mail"),
        "order_date": order_date,
        "diagnosis_code": _text(diagnosis_code, MAX_DIAGNOSIS_CODE, "The diagnosis code"),
        "group_minutes_ordered": group,
        "individual_minutes_ordered": individual,
        "topics": _topics(topics),
        "training": Training(training).value,
    }


def create_referral(
    db: Session,
    *,
    participant_id: int,
    practitioner_name: str,
    practitioner_npi: str | None = None,
    practice: str | None = None,
    contact: str | None = None,
    order_date: date,
    diagnosis_code: str | None = None,
    group_hours: float,
    individual_hours: float,
    topics: list[str],
    training: str,
) -> Referral:
    """A new order for the participant (hours in steps of half an hour)."""
    if db.get(Participant, participant_id) is None:
        raise RuleError("There is no participant with that number.")
    r = Referral(participant_id=participant_id, **_values(
        practitioner_name=practitioner_name, practitioner_npi=practitioner_npi, practice=practice, contact=contact,
        order_date=order_date, diagnosis_code=diagnosis_code, group_hours=group_hours,
        individual_hours=individual_hours, topics=topics, training=training))
    db.add(r)
    db.flush()
    return r


def update_referral(db: Session, *, referral_id: int, seen_version: int | Unchecked, **fields) -> Referral:
    """Correct an order: `fields` are create_referral's (all but participant_id; those left out are empty), checked
    the same way. Written only if the order is still the version the screen showed (checked again in the UPDATE
    itself); a Conflict carries the stored order as text (order_text) and its version. Saving what is stored
    changes nothing."""
    r = db.get(Referral, referral_id)
    if r is None:
        raise RuleError("That order no longer exists.")
    values = _values(**fields)
    if all(getattr(r, k) == v for k, v in values.items()):
        return r
    current = r.version
    if not isinstance(seen_version, Unchecked) and seen_version != current:
        raise Conflict(order_text(r), current)
    done = db.execute(update(Referral).where(Referral.id == r.id, Referral.version == current)
                      .values(**values, version=current + 1).execution_options(synchronize_session=False))
    db.refresh(r)
    if done.rowcount != 1:
        raise Conflict(order_text(r), r.version)
    return r


def referrals_of(db: Session, participant_id: int) -> list[Referral]:
    """The participant's orders, newest order date first."""
    return list(db.exec(select(Referral).where(Referral.participant_id == participant_id)
                        .order_by(Referral.order_date.desc(), Referral.id.desc())))


def latest_referral(db: Session, participant_id: int) -> Referral | None:
    """The participant's newest order (by order date; of two on one day, the one entered last)."""
    return db.exec(select(Referral).where(Referral.participant_id == participant_id)
                   .order_by(Referral.order_date.desc(), Referral.id.desc()).limit(1)).first()


def ordered_hours(r: Referral) -> tuple[float, float]:
    """The group and the individual hours an order asks for (stored as minutes)."""
    return r.group_minutes_ordered / 60, r.individual_minutes_ordered / 60


def draft_order_text(**fields) -> str:
    """order_text of an order a form holds, not stored (create_referral's fields but participant_id), checked as
    they are when written: what a conflict box shows as "yours"."""
    return order_text(Referral(participant_id=0, **_values(**fields)))


def order_text(r: Referral) -> str:
    """An order in plain text, one fact a line (the conflict box shows it; never Markdown)."""
    group, individual = ordered_hours(r)
    who = " · ".join(x for x in (r.practitioner_name, f"NPI {r.practitioner_npi}" if r.practitioner_npi else None,
                                 r.practice, r.contact) if x)
    return "\n".join([
        f"{who}",
        f"Order of {r.order_date:%Y-%m-%d}, {r.training} training"
        + (f", diagnosis {r.diagnosis_code}" if r.diagnosis_code else ""),
        f"{group:g} group hours, {individual:g} individual hours",
        "Topics: " + ("; ".join(order_topics(r)) or "none listed"),
    ])


def order_expires(r: Referral) -> date:
    """The first day the order is older than ORDER_VALID_MONTHS (29 February moves to 1 March)."""
    year, month = divmod(r.order_date.month - 1 + ORDER_VALID_MONTHS, 12)
    year, month = r.order_date.year + year, month + 1
    try:
        return r.order_date.replace(year=year, month=month)
    except ValueError:  # no such day in that month: the first of the next
        return date(year + month // 12, month % 12 + 1, 1)


# ---------------------------------------------------------------- hours ordered, used, planned, left


@dataclass(frozen=True)
class Hours:
    """Hours of one kind against a limit: hours ordered, or what the Medicare allowance allows."""

    limit: float
    used: float
    planned: float

    @property
    def left(self) -> float:
        return max(0.0, self.limit - self.used - self.planned)

    @property
    def over(self) -> float:
        return max(0.0, self.used + self.planned - self.limit)


@dataclass(frozen=True)
class PlannedDsmt:
    """A planned DSMT session on the person's roster, at its planned length in full 30-minute units."""

    session_id: int
    day: date
    code: str
    minutes: int
    units: int

    @property
    def hours(self) -> float:
        return unit_hours(self.units)

    @property
    def group(self) -> bool:
        return CODES[self.code].is_group


@dataclass(frozen=True)
class AllowanceRow:
    """One part of the Medicare allowance, current or to come: its hours billed, planned and left."""

    label: str
    hours: Hours


@dataclass(frozen=True)
class OrderStatus:
    referral: Referral | None  # the latest order; None: no order on file
    today: date
    group: Hours  # ordered / used since the order date (every DSMT hour without an order) / planned
    individual: Hours
    planned: list[PlannedDsmt]
    allowance: DsmtAllowance  # the hours billed (the participant history's)
    with_plan: DsmtAllowance  # the hours billed and planned
    allowance_rows: list[AllowanceRow]
    warnings: list[str]

    @property
    def expires(self) -> date | None:
        return order_expires(self.referral) if self.referral else None

    @property
    def topics(self) -> list[str]:
        return order_topics(self.referral) if self.referral else []


def _planned(db: Session, participant_id: int, now: datetime) -> list[PlannedDsmt]:
    rows = db.exec(select(GroupSession).join(Attendance, Attendance.session_id == GroupSession.id).where(
        Attendance.participant_id == participant_id, Attendance.present.is_(True),
        GroupSession.status == SessionStatus.PLANNED, GroupSession.scheduled_at > now)
        .order_by(GroupSession.scheduled_at, GroupSession.id))
    out = []
    for s in rows:
        if not CODES[s.billing_code].dsmt:
            continue
        minutes = time_cap(s).planned_minutes
        units = units_for_minutes(s.billing_code, minutes)
        out.append(PlannedDsmt(s.id, session_day(s), s.billing_code, minutes, units))
    return out


def _allowance_rows(with_plan: DsmtAllowance, planned_ids: set[int], today: date) -> list[AllowanceRow]:
    """The parts of the allowance still open today or reached by a planned session: the initial group and
    individual hours, the follow-up years, and hours that fall after the initial training in its last year."""
    a = with_plan
    sums: dict[tuple, list[float]] = {}
    for u in a.uses:
        if u.period == AllowancePeriod.INITIAL:
            key = (u.period, CODES[u.code].is_group)
        else:
            key = (u.period, u.year)
        sums.setdefault(key, [0.0, 0.0])[u.session_id in planned_ids] += u.hours
    rows = []
    if not a.started or today <= a.window_last_day:
        window = (f"{DSMT_INITIAL_WINDOW_MONTHS} months from {a.first_day:%Y-%m-%d}" if a.started
                  else f"{DSMT_INITIAL_WINDOW_MONTHS} months from the first DSMT session")
        for group, label, limit in ((True, "group (G0109)", a.group_limit),
                                    (False, "individual (G0108)", a.individual_limit)):
            used, planned = sums.get((AllowancePeriod.INITIAL, group), (0.0, 0.0))
            rows.append(AllowanceRow(f"Initial {label}, {window}", Hours(limit, used, planned)))
    for fy in a.follow_up:
        if fy.year >= today.year:
            used, planned = sums.get((AllowancePeriod.FOLLOW_UP, fy.year), (0.0, 0.0))
            rows.append(AllowanceRow(f"Follow-up {fy.year} (group and individual)", Hours(fy.limit, used, planned)))
    outside = sorted((k[1], v) for k, v in sums.items() if k[0] == AllowancePeriod.OUTSIDE)
    for year, (used, planned) in outside:
        if year >= today.year:
            rows.append(AllowanceRow(f"{year} after the initial training (follow-up hours from {year + 1})",
                                     Hours(0.0, used, planned)))
    return rows


def _beyond_allowance(what: str, use: AllowanceUse, a: DsmtAllowance) -> str:
    if use.period == AllowancePeriod.INITIAL:
        group = CODES[use.code].is_group
        limit, kind = (a.group_limit, "group") if group else (a.individual_limit, "individual")
        where = (f"the initial allowance of {limit:g} {kind} hours ({a.initial_limit:g} in all) in the "
                 f"{DSMT_INITIAL_WINDOW_MONTHS} months from {a.first_day:%Y-%m-%d}")
    elif use.period == AllowancePeriod.FOLLOW_UP:
        where = f"the follow-up allowance of {DSMT_FOLLOW_UP_HOURS_PER_YEAR:g} hours in {use.year}"
    else:
        where = (f"the allowance: the initial training ends on {a.initial_ends:%Y-%m-%d}, and follow-up hours start "
                 f"in {a.initial_ends.year + 1}")
    return f"{what} ({use.code}, {use.hours:g} h on {use.day:%Y-%m-%d}): {use.over:g} h beyond {where}."


def _beyond_order(what: str, kind: str, h: Hours, r: Referral) -> str:
    planned = f" and {h.planned:g} planned" if h.planned else ""
    return (f"{what}{kind} hours: {h.used:g} used since the order of {r.order_date:%Y-%m-%d}{planned}, {h.limit:g} "
            f"ordered: {h.over:g} beyond the order.")


def _order_vs_allowance(r: Referral, a: DsmtAllowance) -> list[str]:
    """Where the order itself asks for more than Medicare's allowance for its kind of training."""
    group, individual = ordered_hours(r)
    if r.training == Training.FOLLOW_UP:
        if group + individual > DSMT_FOLLOW_UP_HOURS_PER_YEAR:
            return [f"The order asks for {group + individual:g} hours of follow-up training; Medicare allows "
                    f"{DSMT_FOLLOW_UP_HOURS_PER_YEAR:g} hours each calendar year."]
        return []
    out = [f"The order asks for {asked:g} {kind} hours; Medicare's initial allowance is {limit:g} {kind} "
           "hours." for asked, kind, limit in (
               (group, "group", a.group_limit), (individual, "individual", a.individual_limit)) if asked > limit]
    if not out and group + individual > a.initial_limit:
        out.append(f"The order asks for {group + individual:g} hours; Medicare's initial allowance is "
                   f"{a.initial_limit:g} hours in all.")
    return out


def _training_vs_period(r: Referral, a: DsmtAllowance, today: date) -> list[str]:
    """An initial order when the initial training is over, or a follow-up order before follow-up hours exist."""
    if r.training == Training.INITIAL:
        if a.started and today > a.initial_ends:
            why = (f"its {a.initial_limit:g} hours were used" if a.initial_ends < a.window_last_day
                   else f"its {DSMT_INITIAL_WINDOW_MONTHS} months from {a.first_day:%Y-%m-%d} are over")
            return [f"This is an order for initial training, but the initial DSMT training ended on "
                    f"{a.initial_ends:%Y-%m-%d} ({why}): Medicare allows follow-up hours only, "
                    f"{DSMT_FOLLOW_UP_HOURS_PER_YEAR:g} each calendar year from {a.initial_ends.year + 1}."]
        return []
    if not a.started:
        return ["This is an order for follow-up training, but no initial DSMT hours are billed in this program's "
                f"records: the first DSMT session opens the initial {DSMT_INITIAL_WINDOW_MONTHS}-month window "
                f"({a.group_limit:g} group and {a.individual_limit:g} individual hours)."]
    if today.year <= a.initial_ends.year:
        return [f"This is an order for follow-up training, but follow-up hours start in {a.initial_ends.year + 1} "
                f"(the initial training ends on {a.initial_ends:%Y-%m-%d})."]
    return []


def _status(db: Session, participant_id: int, *, now: datetime, today: date,
            history: ParticipantHistory | None, new: PlannedDsmt | None = None) -> OrderStatus:
    hist = history or participant_history(db, participant_id, now=now)
    if hist is None:
        raise RuleError("There is no participant with that number.")
    r = latest_referral(db, participant_id)
    planned = _planned(db, participant_id, now) + ([new] if new else [])
    used = {True: 0.0, False: 0.0}
    for row in hist.sessions:
        if row.dsmt_hours is not None and (r is None or row.day >= r.order_date):
            used[CODES[row.billed_code].is_group] += row.dsmt_hours
    plan = {g: sum(p.hours for p in planned if p.group == g) for g in (True, False)}
    ordered = ordered_hours(r) if r else (0.0, 0.0)
    group = Hours(ordered[0], used[True], plan[True])
    individual = Hours(ordered[1], used[False], plan[False])
    billed = [AllowanceEntry(x.session_id, x.day, x.billed_code, x.units or 0, x.time_note)
              for x in hist.sessions if x.billed_code]
    with_plan = dsmt_allowance(billed + [AllowanceEntry(p.session_id, p.day, p.code, p.units) for p in planned],
                               today=today)
    planned_ids = {p.session_id for p in planned}
    a = hist.allowance

    warnings: list[str] = []
    if r is None:
        if planned:
            warnings.append(f"No order on file, but {sum(plan.values()):g} DSMT hours are planned: Medicare DSMT "
                            "needs an order from the treating practitioner (hours, topics, group or individual).")
    else:
        warnings += _order_vs_allowance(r, a)
        warnings += [_beyond_order("", kind, h, r) for kind, h in (("Group", group), ("Individual", individual))
                     if h.over]
        expires = order_expires(r)
        if today >= expires:
            warnings.append(f"The order of {r.order_date:%Y-%m-%d} is older than {ORDER_VALID_MONTHS} months (since "
                            f"{expires:%Y-%m-%d}): ask the referring practitioner for a new order.")
        else:
            late = [p for p in planned if p.day >= expires]
            if late:
                warnings.append(f"{len(late)} planned DSMT session(s) fall on or after {expires:%Y-%m-%d}, when the "
                                f"order of {r.order_date:%Y-%m-%d} is older than {ORDER_VALID_MONTHS} months.")
        warnings += _training_vs_period(r, a, today)
    warnings += [_beyond_allowance(f"Planned session {u.session_id}", u, with_plan)
                 for u in with_plan.uses if u.session_id in planned_ids and u.session_id != NEW_SESSION and u.over]
    return OrderStatus(r, today, group, individual, planned, a, with_plan,
                       _allowance_rows(with_plan, planned_ids, today), warnings)


def order_status(db: Session, participant_id: int, *, today: date | None = None, now: datetime | None = None,
                 history: ParticipantHistory | None = None) -> OrderStatus:
    """The latest order beside the Medicare DSMT allowance: hours ordered, used, planned and left, and the
    warnings (see the module's docstring). `history`: the participant history a page has read already."""
    now = now or clock.now()
    return _status(db, participant_id, now=now, today=today or clock.today(now), history=history)


def plan_warnings(db: Session, *, participant_ids: list[int], billing_code: str, scheduled_at: datetime,
                  planned_minutes: int) -> list[str]:
    """Before a session is created: each person whose order or Medicare allowance it would go beyond, whose order
    is older than ORDER_VALID_MONTHS on its day; then, in one line, those with no order while the code is a DSMT
    code. Warnings only: the educator decides. A code that is not DSMT warns about nothing."""
    if billing_code not in CODES or not CODES[billing_code].dsmt:
        return []
    now = clock.now()
    day = clock.local_day(scheduled_at)
    new = PlannedDsmt(NEW_SESSION, day, billing_code, planned_minutes, units_for_minutes(billing_code, planned_minutes))
    out: list[str] = []
    no_order: list[str] = []
    for pid in dict.fromkeys(participant_ids):
        p = db.get(Participant, pid)
        if p is None:
            continue
        name = full_name(p.first_name, p.last_name)
        st = _status(db, pid, now=now, today=clock.today(now), history=None, new=new)
        r = st.referral
        if r is None:
            no_order.append(name)
            continue
        h, kind = (st.group, "group") if new.group else (st.individual, "individual")
        if h.over:
            out.append(_beyond_order(f"{name}, with this session: ", kind, h, r))
        if day >= order_expires(r):
            out.append(f"{name}: on {day:%Y-%m-%d} the order of {r.order_date:%Y-%m-%d} is older than "
                       f"{ORDER_VALID_MONTHS} months (a new order is needed from {order_expires(r):%Y-%m-%d}).")
        out += [_beyond_allowance(f"{name}, this session", u, st.with_plan)
                for u in st.with_plan.uses if u.session_id == NEW_SESSION and u.over]
    if no_order:
        out.append(f"No order on file for Medicare DSMT ({billing_code}): {', '.join(no_order)}. The order from the "
                   "treating practitioner states the hours, the topics, and group or individual.")
    return out
