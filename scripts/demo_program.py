"""The simulation behind the invented program (scripts/demo_data.py): invented names and texts, people who
enrol over the years, and sessions planned, run and reviewed minute by minute.

`Seeder` writes every action through the app's own functions in `models/` at the moment it happens in the
simulation: the caller gives it the `SimulatedClock` of a `models.clock.simulated(...)` block, and the seeder
moves that clock (`.at(t)`) before each write, so every stored timestamp is the simulated one. Nothing here
reads or changes the clock of any other thread.

No real people: names come from small made-up syllable lists, record numbers look like "DEMO-000123".
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.engine import Engine

from models import clock
from models.assessments import set_competency, set_rating
from models.attendance import add_to_roster, mark_arrived, mark_left, set_caregiver, set_present
from models.courses import add_make_up, course_sessions, enrol, leave, plan_course
from models.curriculum import Curriculum, checklist_items
from models.db import session_scope
from models.errors import RuleError
from models.notes import add_note, amend_note, save_live_note
from models.people import create_facilitator, create_participant
from models.questions_goals import add_goal, add_question, mark_goal_followed_up, set_question_status
from models.rules import CODES, INDIVIDUAL_FALLBACK, NOTE_TAGS, is_qualified_instructor, suggest_code
from models.sessions import create_session, end_session, go_to_step, pause, resume, set_tick, start_session

# ---------------------------------------------------------------- invented words

_FIRST_A = ("Ka", "Lo", "Mi", "Ta", "Re", "No", "Sa", "Vi", "Da", "Pe", "Ju", "Ro", "Ne", "Fa", "Li", "Zo",
            "Be", "Mo", "Ari", "Elo", "Ilu", "Ona", "Ude", "Yas")
_FIRST_B = ("ra", "lin", "mo", "ten", "ia", "ko", "dra", "rin", "sa", "vo", "na", "lem", "bel", "tis", "mar",
            "nou", "del", "wen")
_LAST_A = ("Bren", "Cal", "Dor", "Fen", "Gal", "Hol", "Jast", "Kel", "Lorn", "Mer", "Norv", "Ost", "Pell",
           "Quin", "Rask", "Sten", "Tarv", "Ulm", "Vask", "Wend", "Yor", "Zel")
_LAST_B = ("a", "e", "i", "o", "u", "")
_LAST_C = ("ford", "wick", "mar", "by", "stone", "mere", "lan", "dale", "holt", "vik", "brook", "ridge",
           "sen", "ko", "tal")

# Several facilitators, in the order they are created; CHW and NP do not qualify as Medicare DSMT
# instructors (rules.QUALIFIED_CREDENTIALS), so now and then a session is led by someone who does not.
_CREDENTIALS = ("RN, CDCES", "RD, CDCES", "CHW", "PharmD", "RDN", "NP", "RN", "RD, CDCES", "MD", "RN, CDCES",
                "PharmD", "RDN", "CHW", "RN")

SLOTS = (time(9, 0), time(10, 30), time(13, 0), time(14, 30), time(17, 30))
_SLOT_WEIGHTS = (4, 3, 3, 2, 2)
_SETTINGS = (("clinic", 6), ("community health centre", 2), ("telehealth", 2))
# Weekly courses: how many modules one has (the same curriculum each week), from how many past sessions a
# program has courses at all, and how long a missed module waits for a make-up.
_COURSE_MODULES = (3, 4, 4, 5)
_COURSES_FROM = 20
_MAKE_UP_DAYS = 35

# Sessions per curriculum condition and per code (any other condition or code gets a default weight).
_CONDITION_WEIGHT = {"diabetes": 45, "hypertension": 32, "asthma": 23}
_CODE_WEIGHT = {"98960": 6, "98961": 36, "98962": 58, "G0108": 5, "G0109": 95}
_GROUP_SIZES = {
    "98960": ((1,), (1,)),
    "G0108": ((1,), (1,)),
    "98961": ((2, 3, 4), (2, 4, 4)),
    "98962": ((5, 6, 7, 8), (2, 3, 3, 2)),
    "G0109": ((2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), (1, 1, 2, 3, 4, 5, 6, 6, 5, 4, 3)),
}

_TOPIC_WORDS = {
    "diabetes": ("carbohydrate portions", "checking glucose before driving", "sick-day rules", "reading food labels",
                 "treating a low with 15 g", "foot checks", "meal timing on shift work", "the plate method"),
    "asthma": ("spacer technique", "rinsing after the steroid inhaler", "pollen days", "the green zone",
               "when to use the reliever", "night symptoms", "cold air on walks", "dust at home"),
    "hypertension": ("home cuff position", "salt in bread", "morning readings", "walking after dinner",
                     "missed doses", "potassium-rich snacks", "stress and readings", "the DASH plate"),
}
_OBSERVE = (
    "Asked about {t}.", "Confident with {t}.", "Unsure about {t}; went over it again.", "Shared a tip on {t}.",
    "Had questions on {t} after the group.", "Demonstrated {t} correctly.", "Needed a second explanation of {t}.",
    "Quiet today; engaged once we reached {t}.", "Brought their log; talked through {t}.",
    "Mixed up two points about {t}; clarified.", "Helped a neighbour with {t}.", "Took notes on {t}.",
)
_GROUP_OBSERVE = (
    "Group engaged; lively discussion of {t}.", "Several asked about {t}.", "Ran a little long on {t}.",
    "Good energy; the group shared experiences with {t}.", "Handout on {t} went round.",
    "Room was warm; short stretch break before {t}.", "Most of the group already knew {t}; moved on quickly.",
)
_AMEND = (
    " Follow-up call booked.", " Corrected after the session: see handout.", " Added: prefers phone contact.",
    " Update: spoke with the educator afterwards.", " Clarified in the review.", " Interpreter requested next time.",
)
_QUESTIONS = (
    "Is {t} the same for everyone?", "How often should I think about {t}?", "What if I forget {t}?",
    "Can you explain {t} again?", "Does {t} change when I travel?", "Where can I read more about {t}?",
    "Is there an app that helps with {t}?", "What do I do about {t} on weekends?",
)
_GOALS = {
    "Healthy coping": ("Take a ten-minute walk when stressed, {n} times a week",
                       "Call a friend on Sunday evenings"),
    "Healthy eating": ("Eat vegetables with lunch {n} days a week", "Swap the evening snack for fruit {n} days",
                       "Use the plate method at dinner {n} days a week"),
    "Being active": ("Walk for 20 minutes {n} days a week", "Take the stairs at work {n} days a week"),
    "Taking medication": ("Use a weekly pill box and check it every morning",
                          "Set a phone reminder for the evening dose"),
    "Monitoring": ("Check and write down readings {n} days a week", "Bring the logbook to the next visit"),
    "Reducing risk": ("Check feet every evening", "Book the eye exam this month"),
    "Problem solving": ("Plan what to eat before {n} busy days", "Keep a low-glucose kit in the bag"),
}


def _first_name(rng: random.Random) -> str:
    return rng.choice(_FIRST_A) + rng.choice(_FIRST_B)


def _last_name(rng: random.Random) -> str:
    return rng.choice(_LAST_A) + rng.choice(_LAST_B) + rng.choice(_LAST_C)


def _weighted(rng: random.Random, pairs) -> object:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _condition_key(cur: Curriculum) -> str:
    return cur.condition.strip().lower()


# ---------------------------------------------------------------- people and sessions in the simulation


@dataclass
class _Person:
    n: int
    conditions: tuple[str, ...]
    enrolled_at: datetime
    active_until: datetime
    confidence: float  # baseline self-efficacy, grows with sessions attended
    id: int | None = None
    attended: int = 0
    busy_days: set[date] = field(default_factory=set)
    in_course: dict[str, datetime] = field(default_factory=dict)  # curriculum id -> last session of their course

    def free_for(self, cur: Curriculum, when: datetime) -> bool:
        """Free on that day and not in a course of that curriculum then (a course's own sessions and its
        make-ups are how they get it)."""
        return when.date() not in self.busy_days and self.in_course.get(cur.id, when - timedelta(1)) < when


@dataclass
class Plan:
    """One session to create: when, which curriculum and code, and how far it goes; for a course's session, the
    course and which of its modules (from 0)."""

    scheduled_at: datetime
    cur: Curriculum
    code: str
    run: str  # "ended" / "never" (past, never started) / "future"
    course: CoursePlan | None = None
    module: int = 0


@dataclass
class CoursePlan:
    """A weekly course in the simulation: one Plan a module (the same curriculum each week), someone who joins
    before module `join_before`, someone who leaves before module `leave_before`, the participants who do not
    come to a module (`no_shows`: module -> how many, beside the chance no-shows of any session). Planned (all
    its sessions at once) when its first module's turn comes; `cohort` is who is enrolled then on."""

    name: str
    plans: list[Plan] = field(default_factory=list)
    join_before: int | None = None
    leave_before: int | None = None
    no_shows: dict[int, int] = field(default_factory=dict)
    id: int | None = None
    code: str = ""  # the code it is planned under (the one that fits its first roster)
    module_ids: list[int] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    cohort: list[_Person] = field(default_factory=list)


@dataclass
class _MissedModule:
    """A course module someone did not come to: offered as a make-up in a later session of its curriculum."""

    person: _Person
    course: CoursePlan
    module: int
    missed_at: datetime


@dataclass
class _Timeline:
    """When one rostered participant was in the room (wall-clock intervals), for scheduling their actions."""

    pid: int
    person: _Person
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)

    def in_room(self, a: datetime, b: datetime) -> tuple[datetime, datetime] | None:
        """The first stretch of [a, b] this person was in the room, if any."""
        for x, y in self.intervals:
            lo, hi = max(a, x), min(b, y)
            if hi > lo:
                return lo, hi
        return None


def local_slot(d: date, t: time) -> datetime:
    """A wall-clock slot (server's zone) as aware UTC, so sessions show at 09:00, 10:30 … on the pages."""
    return clock.from_local(datetime.combine(d, t))


def _between(rng: random.Random, a: datetime, b: datetime) -> datetime:
    span = max(0.0, (b - a).total_seconds())
    return a + timedelta(seconds=int(rng.uniform(0.05, 0.95) * span))


class Seeder:
    """Writes a program between `start` and `end` into `engine`, moving `sim` (the clock of the caller's
    `clock.simulated(...)` block) to the moment of each write."""

    def __init__(self, engine: Engine, *, rng: random.Random, sim: clock.SimulatedClock,
                 catalog: list[Curriculum], start: datetime, end: datetime) -> None:
        self.engine = engine
        self.rng = rng
        self.sim = sim
        self.catalog = catalog
        self.start = start
        self.end = end
        self.people: list[_Person] = []
        self.pending: list[_Person] = []  # not yet created, in enrolment order
        self.facilitators: list[tuple[int, str]] = []
        self.fac_busy: set[tuple[int, datetime]] = set()
        self.record_seq = 0
        self.missed: list[_MissedModule] = []  # course modules not attended, waiting for a make-up
        self.make_up_share = 0.6  # of those, how many take a make-up offered in time

    # -------------------------------------------------------- setup

    def add_facilitators(self, count: int) -> None:
        rng = self.rng
        self.sim.at(self.start - timedelta(days=90))
        with session_scope(self.engine) as db:
            for i in range(count):
                cred = _CREDENTIALS[i % len(_CREDENTIALS)]
                f = create_facilitator(db, name=f"{_first_name(rng)} {_last_name(rng)}", credential=cred)
                self.facilitators.append((f.id, cred))

    def plan_people(self, count: int, *, initial_share: float, active_years: tuple[float, float]) -> None:
        rng = self.rng
        conditions = list(dict.fromkeys(_condition_key(c) for c in self.catalog))
        weights = [_CONDITION_WEIGHT.get(c, 25) for c in conditions]
        span = (self.end - self.start).total_seconds()
        initial = max(min(count, 12), round(count * initial_share))
        people = []
        for n in range(count):
            if n < initial:
                day = self.start - timedelta(days=rng.uniform(1, 60))
            else:
                day = self.start + timedelta(seconds=rng.uniform(0, 0.92) * span)
            # registered during office hours
            enrolled = local_slot(day.date(), time(rng.randint(8, 16), rng.randint(0, 59), rng.randint(0, 59)))
            main = rng.choices(conditions, weights=weights)[0]
            conds = [main]
            if rng.random() < 0.15:
                other = rng.choice(conditions)
                if other != main:
                    conds.append(other)
            active = timedelta(days=365 * rng.uniform(*active_years))
            people.append(_Person(n, tuple(conds), enrolled, enrolled + active, rng.uniform(3.0, 6.5)))
        people.sort(key=lambda p: (p.enrolled_at, p.n))
        self.pending = people

    def enrol_until(self, db, t: datetime) -> None:
        """Create every participant whose enrolment time has come, each at their own enrolment time."""
        rng = self.rng
        while self.pending and self.pending[0].enrolled_at <= t:
            person = self.pending.pop(0)
            self.sim.at(person.enrolled_at)
            self.record_seq += 1
            born = date(rng.randint(1938, 2004), rng.randint(1, 12), rng.randint(1, 28))
            p = create_participant(db, first_name=_first_name(rng), last_name=_last_name(rng),
                                   record_number=f"DEMO-{self.record_seq:06d}",
                                   date_of_birth=born if rng.random() < 0.9 else None)
            person.id = p.id
            self.people.append(person)

    # -------------------------------------------------------- choosing who and when

    def plan_sessions(self, ended: int, never: int, future: int, *, course_share: float = 0.0) -> list[Plan]:
        """Curriculum and code for each session (every pair used at least once when there are enough
        sessions), spread over weekdays between start and end, in time order. About `course_share` of the past
        sessions are the modules of weekly courses (their last modules may fall after the end: planned)."""
        rng = self.rng
        pairs, weights = [], []
        for cur in self.catalog:
            cw = _CONDITION_WEIGHT.get(_condition_key(cur), 25)
            codes = [c for c in cur.codes if c in CODES]
            total = sum(_CODE_WEIGHT.get(c, 20) for c in codes)
            for code in codes:
                pairs.append((cur, code))
                weights.append(cw * _CODE_WEIGHT.get(code, 20) / total)
        wsum = sum(weights)
        n_past = ended + never
        last_ok = self.end - timedelta(hours=4)
        courses = self._plan_courses(round(n_past * course_share), pairs, weights, last_ok) \
            if n_past >= _COURSES_FROM else []
        in_courses = [p for c in courses for p in c.plans if p.run != "future"]
        n_alone = n_past - len(in_courses)
        counts = [max(1, math.floor(n_alone * w / wsum)) if n_alone >= len(pairs) else 0 for w in weights]
        while sum(counts) < n_alone:
            counts[rng.choices(range(len(pairs)), weights=weights)[0]] += 1
        while sum(counts) > n_alone:  # only when n_alone < len(pairs) forced ones; trim the largest
            counts[counts.index(max(counts))] -= 1
        past = [pair for pair, k in zip(pairs, counts, strict=True) for _ in range(k)]
        rng.shuffle(past)
        days = (self.end - self.start).days
        times = []
        for _ in range(n_alone):
            while True:
                d = (self.start + timedelta(days=rng.randrange(max(days, 1)))).date()
                if d.weekday() >= 5 and rng.random() < 0.9:
                    continue
                when = local_slot(d, _weighted(rng, zip(SLOTS, _SLOT_WEIGHTS, strict=True)))
                if when < last_ok:
                    break
            times.append(when)
        times.sort()
        plans = sorted([Plan(t, cur, code, "") for t, (cur, code) in zip(times, past, strict=True)] + in_courses,
                       key=lambda p: p.scheduled_at)
        runs = ["ended"] * ended + ["never"] * never
        rng.shuffle(runs)
        for plan, run in zip(plans, runs, strict=True):
            plan.run = run
        for i in range(future):
            d = (self.end + timedelta(days=1 + (i * 17 % 21))).date()
            cur, code = rng.choices(pairs, weights=weights)[0]
            plans.append(Plan(local_slot(d, rng.choice(SLOTS)), cur, code, "future"))
        plans += [p for c in courses for p in c.plans if p.run == "future"]
        return sorted(plans, key=lambda p: p.scheduled_at)

    def _plan_courses(self, target: int, pairs, weights, last_ok: datetime) -> list[CoursePlan]:
        """Weekly courses of one group curriculum and code each, until about `target` of their sessions lie
        before `last_ok`; a course begun near the end has its last modules after it."""
        rng = self.rng
        group = [(pair, w) for pair, w in zip(pairs, weights, strict=True) if CODES[pair[1]].max_patients >= 4]
        days = max((self.end - self.start).days - 7, 1)
        out: list[CoursePlan] = []
        total = 0
        while group and total < target:
            cur, code = _weighted(rng, group)
            n = rng.choice(_COURSE_MODULES)
            while True:
                d0 = (self.start + timedelta(days=rng.randrange(days))).date()
                if d0.weekday() < 5:
                    break
            slot = _weighted(rng, zip(SLOTS, _SLOT_WEIGHTS, strict=True))
            course = CoursePlan(f"{cur.condition} group, {d0:%A}s from {d0:%Y-%m-%d}",
                                join_before=rng.randrange(1, n) if rng.random() < 0.3 else None,
                                leave_before=rng.randrange(2, n) if n > 2 and rng.random() < 0.15 else None)
            for i in range(n):
                when = local_slot(d0 + timedelta(days=7 * i), slot)
                course.plans.append(Plan(when, cur, code, "" if when < last_ok else "future", course, i))
            past = sum(1 for p in course.plans if p.run != "future")
            if total + past > target:
                break
            total += past
            out.append(course)
        return out

    def roster(self, when: datetime, cur: Curriculum, code: str) -> tuple[str, list[_Person]]:
        rng = self.rng
        sizes, size_w = _GROUP_SIZES.get(code, ((1,), (1,)))
        want = rng.choices(sizes, weights=size_w)[0]
        want = max(CODES[code].min_patients, min(want, CODES[code].max_patients))
        day = when.date()
        cond = _condition_key(cur)
        free = [p for p in self.people if p.free_for(cur, when)]
        tiers = (
            [p for p in free if cond in p.conditions and p.active_until >= when],
            [p for p in free if cond in p.conditions and p.active_until < when],
            [p for p in free if cond not in p.conditions],
        )
        chosen: list[_Person] = []
        for tier in tiers:
            if len(chosen) >= want:
                break
            # those who came least often lately first, with some chance
            tier = sorted(tier, key=lambda p: p.attended + rng.uniform(0, 6))
            chosen.extend(tier[: want - len(chosen)])
        if chosen and len(chosen) < CODES[code].min_patients:  # too few free people: the code that fits
            fits = suggest_code(code, len(chosen))
            if fits not in cur.codes and len(chosen) == 1:
                fits = INDIVIDUAL_FALLBACK.get(code)
            if fits not in cur.codes:
                return code, []
            code = fits
        for p in chosen:
            p.busy_days.add(day)
        return code, chosen

    def facilitator_for(self, when: datetime, code: str) -> int:
        rng = self.rng
        dsmt = CODES[code].dsmt
        pool = [(fid, c) for fid, c in self.facilitators if (fid, when) not in self.fac_busy]
        pool = pool or self.facilitators
        if dsmt and rng.random() > 0.03:  # now and then a DSMT session without a qualified instructor
            pool = [x for x in pool if is_qualified_instructor(x[1])] or pool
        fid = rng.choice(pool)[0]
        self.fac_busy.add((fid, when))
        return fid

    # -------------------------------------------------------- one session

    def run_session(self, plan: Plan) -> None:
        if plan.course is not None:
            self._run_module(plan)
            return
        rng = self.rng
        cur = plan.cur
        with session_scope(self.engine) as db:
            people, code, fid, plan_at = self._group_for(db, plan)
            if not people:
                return
            self.sim.at(plan_at)
            s = create_session(db, curriculum=cur, billing_code=code, scheduled_at=plan.scheduled_at,
                               setting=_weighted(rng, _SETTINGS), facilitator_id=fid,
                               participant_ids=[p.id for p in people])
            self._caregivers(db, s.id, people)
            people += self._make_ups(db, s.id, plan, code, len(people), plan_at)
            if plan.run == "ended":
                self._live(db, s.id, cur, code, plan.scheduled_at, people)

    def _group_for(self, db, plan: Plan) -> tuple[list[_Person], str, int | None, datetime]:
        """Who is on a new session's roster, its code (the one that fits them), its facilitator and when it is
        planned: a few weeks before, after everyone on it registered. Nobody when no one is free."""
        rng = self.rng
        plan_day = clock.to_local(plan.scheduled_at - timedelta(days=rng.uniform(1, 28))).date()
        plan_at = local_slot(plan_day, time(rng.randint(8, 16), rng.randint(0, 59), rng.randint(0, 59)))
        self.enrol_until(db, plan.scheduled_at - timedelta(hours=2))
        code, people = self.roster(plan.scheduled_at, plan.cur, plan.code)
        if not people:
            return [], code, None, plan_at
        fid = self.facilitator_for(plan.scheduled_at, code)
        latest = max(p.enrolled_at for p in people)
        plan_at = min(max(plan_at, latest + timedelta(hours=1)), plan.scheduled_at - timedelta(hours=1))
        if plan.run == "future":
            plan_at = min(plan_at, self.end - timedelta(hours=rng.randint(1, 72)))
        return people, code, fid, plan_at

    def _caregivers(self, db, sid: int, people: list[_Person]) -> None:
        for p in people:
            if self.rng.random() < 0.08:
                set_caregiver(db, session_id=sid, participant_id=p.id, present=True)

    # -------------------------------------------------------- courses

    def _run_module(self, plan: Plan) -> None:
        """A course's module: the course is planned (every session, its roster) when its first module's turn
        comes; before a later one someone may join or leave; a make-up may fill a place; then it runs."""
        rng, course = self.rng, plan.course
        with session_scope(self.engine) as db:
            if plan.module == 0:
                self._plan_course(db, plan)
            if course.id is None:  # nobody was free for it
                return
            sid = course.session_ids[plan.module]
            # a moment before this module (after the one before it, never after the end) for joining, leaving
            # and make-ups
            t = min(plan.scheduled_at - timedelta(hours=rng.randint(2, 72)),
                    self.end - timedelta(hours=rng.randint(1, 48)))
            if plan.module:
                t = max(t, course.plans[plan.module - 1].scheduled_at + timedelta(hours=3))
            t = min(t, self.end - timedelta(minutes=1))
            self.enrol_until(db, t)
            if plan.module == course.join_before:
                self._join(db, plan, t)
            if plan.module == course.leave_before:
                self._leave(db, course, t)
            self.sim.at(t)
            if plan.module:
                self._caregivers(db, sid, course.cohort)
            people = list(course.cohort) + self._make_ups(db, sid, plan, course.code, len(course.cohort), t)
            if plan.run == "ended":
                absent = rng.sample(course.cohort, min(course.no_shows.get(plan.module, 0), len(course.cohort)))
                missed = self._live(db, sid, plan.cur, course.code, plan.scheduled_at, people,
                                    no_show={p.id for p in absent})
                cohort = {p.id for p in course.cohort}
                self.missed += [_MissedModule(p, course, plan.module, plan.scheduled_at) for p in missed
                                if p.id in cohort]

    def _plan_course(self, db, plan: Plan) -> None:
        course = plan.course
        people, code, fid, plan_at = self._group_for(db, plan)
        if not people:
            return
        for later in course.plans[1:]:
            self.fac_busy.add((fid, later.scheduled_at))
        for p in people:
            self._in_course(p, course, 0)
        self.sim.at(plan_at)
        c = plan_course(db, name=course.name, modules=[x.cur for x in course.plans],
                        dates=[clock.local_day(x.scheduled_at) for x in course.plans],
                        start_time=clock.to_local(plan.scheduled_at).time().replace(tzinfo=None),
                        setting=_weighted(self.rng, _SETTINGS), facilitator_id=fid, billing_code=code,
                        participant_ids=[p.id for p in people])
        sessions = course_sessions(db, c.id)
        course.id, course.code, course.cohort = c.id, code, list(people)
        course.session_ids = [s.id for s in sessions]
        course.module_ids = [s.course_module_id for s in sessions]
        self._caregivers(db, course.session_ids[0], people)

    def _join(self, db, plan: Plan, t: datetime) -> None:
        """Someone who has the course's condition and is free on the days left joins the course at `t`."""
        course = plan.course
        if len(course.cohort) >= CODES[course.code].max_patients:
            return
        days = {x.scheduled_at.date() for x in course.plans[plan.module:]}
        cond, enrolled = _condition_key(plan.cur), {p.id for p in course.cohort}
        free = [p for p in self.people if p.id not in enrolled and cond in p.conditions and not days & p.busy_days
                and p.free_for(plan.cur, plan.scheduled_at)]
        if not free:
            return
        person = self.rng.choice(free)
        self.sim.at(t)
        enrol(db, course_id=course.id, participant_id=person.id)
        self._in_course(person, course, plan.module)
        course.cohort.append(person)

    @staticmethod
    def _in_course(person: _Person, course: CoursePlan, first: int) -> None:
        person.busy_days.update(x.scheduled_at.date() for x in course.plans[first:])
        for x in course.plans:
            person.in_course[x.cur.id] = max(person.in_course.get(x.cur.id, x.scheduled_at), x.scheduled_at)

    def _leave(self, db, course: CoursePlan, t: datetime) -> None:
        if len(course.cohort) <= CODES[course.code].min_patients:
            return
        person = self.rng.choice(course.cohort)
        self.sim.at(t)
        leave(db, course_id=course.id, participant_id=person.id)
        course.cohort.remove(person)
        for x in course.plans:
            person.in_course.pop(x.cur.id, None)

    def _make_ups(self, db, sid: int, plan: Plan, code: str, size: int, t: datetime) -> list[_Person]:
        """Participants who missed a module of another course with this session's curriculum in the last
        _MAKE_UP_DAYS days and are free that day: most take this session as their make-up (models.courses),
        while it has room. Returns those put on its roster."""
        room = CODES[code].max_patients - size
        day, out = plan.scheduled_at.date(), []
        for m in list(self.missed):
            if plan.scheduled_at - m.missed_at > timedelta(days=_MAKE_UP_DAYS):
                self.missed.remove(m)
                continue
            if (room <= 0 or m.course is plan.course or m.course.plans[m.module].cur.id != plan.cur.id
                    or plan.scheduled_at <= m.missed_at or day in m.person.busy_days
                    or all(p is not m.person for p in m.course.cohort)):
                continue
            self.missed.remove(m)
            if self.rng.random() >= self.make_up_share:
                continue
            self.sim.at(min(max(t, m.missed_at + timedelta(hours=2)), plan.scheduled_at - timedelta(minutes=30)))
            try:
                add_make_up(db, participant_id=m.person.id, module_id=m.course.module_ids[m.module], session_id=sid)
            except RuleError:  # made up meanwhile in a session of its curriculum they happened to be on
                continue
            m.person.busy_days.add(day)
            out.append(m.person)
            room -= 1
        return out

    def _live(self, db, sid: int, cur: Curriculum, code: str, scheduled: datetime, people: list[_Person], *,
              no_show: frozenset[int] | set[int] = frozenset()) -> list[_Person]:
        """Run the session minute by minute; `no_show` are the ids of people who do not come. Returns the people
        on the roster who were never in the room."""
        rng = self.rng
        events: list[tuple[datetime, int, Callable[[], object]]] = []
        seq = iter(range(1_000_000))

        def at(t: datetime, fn: Callable[[], object]) -> None:
            if t <= self.end:  # nothing after "now": a later follow-up simply has not happened yet
                events.append((t, next(seq), fn))

        start = scheduled + timedelta(minutes=rng.choice((-3, -1, 0, 0, 1, 2, 3, 5, 8, 14)),
                                      seconds=rng.randint(0, 59))
        # step timeline: planned minutes with some drift; now and then a session runs long
        drift = 1.0 + (rng.uniform(0.12, 0.3) if rng.random() < 0.1 else 0.0)
        steps: list[tuple[str, datetime, datetime]] = []
        t = start
        pause_at: tuple[datetime, int] | None = None
        pause_step = rng.choice(("teach", "activity")) if rng.random() < 0.04 else None
        for st in cur.steps:
            minutes = st.minutes * drift * rng.uniform(0.93, 1.07)
            end = t + timedelta(minutes=minutes)
            if st.id == pause_step:
                length = rng.randint(2, 9)
                pause_at = (_between(rng, t, end), length)
                end += timedelta(minutes=length)
            steps.append((st.id, t, end))
            t = end
        ended = t
        step_span = {sid_: (a, b) for sid_, a, b in steps}

        # who was in the room, and when
        individual = not CODES[code].is_group
        lines: list[_Timeline] = []
        for p in people:
            line = _Timeline(p.id, p)
            lines.append(line)
            r = rng.random()
            if p.id in no_show or r < (0.03 if individual else 0.08):  # no-show: unticked at roll call or later
                if rng.random() < 0.5:
                    at(start - timedelta(minutes=1), lambda p=p: set_present(db, session_id=sid, participant_id=p.id,
                                                                              present=False))
                else:
                    at(start + timedelta(minutes=rng.randint(2, 9)),
                       lambda p=p: set_present(db, session_id=sid, participant_id=p.id, present=False))
                continue
            arrive = start
            if not individual and r < 0.18:  # late arrival
                arrive = start + timedelta(minutes=rng.randint(4, 35), seconds=rng.randint(0, 59))
                at(start - timedelta(minutes=1), lambda p=p: set_present(db, session_id=sid, participant_id=p.id,
                                                                          present=False))
                at(arrive, lambda p=p: mark_arrived(db, session_id=sid, participant_id=p.id))
            leave = ended
            r2 = rng.random()
            if not individual and r2 < 0.07:  # early leaver
                a, b = step_span["activity"][0], step_span["qa"][1]
                leave = _between(rng, max(a, arrive + timedelta(minutes=5)), b) if b > arrive else ended
                at(leave, lambda p=p: mark_left(db, session_id=sid, participant_id=p.id))
                line.intervals.append((arrive, leave))
            elif not individual and r2 < 0.11:  # steps out and comes back
                a, b = step_span["teach"]
                out = _between(rng, max(a, arrive + timedelta(minutes=2)), b) if b > arrive else None
                if out:
                    back = out + timedelta(minutes=rng.randint(3, 12))
                    at(out, lambda p=p: mark_left(db, session_id=sid, participant_id=p.id))
                    at(back, lambda p=p: mark_arrived(db, session_id=sid, participant_id=p.id))
                    line.intervals += [(arrive, out), (back, ended)]
                else:
                    line.intervals.append((arrive, ended))
            else:
                line.intervals.append((arrive, ended))

        # a walk-in added to the roster during the introduction
        if not individual and rng.random() < 0.06 and len(people) < CODES[code].max_patients:
            cand = [p for p in self.people if p.free_for(cur, scheduled) and _condition_key(cur) in p.conditions]
            if cand:
                walk = rng.choice(cand)
                walk.busy_days.add(scheduled.date())
                t_in = _between(rng, *step_span["intro"])
                at(t_in, lambda w=walk: add_to_roster(db, session_id=sid, participant_id=w.id))
                lines.append(_Timeline(walk.id, walk, [(t_in, ended)]))

        # the flow: start, steps, a pause, now and then a step revisited, the end
        at(start, lambda: start_session(db, session_id=sid))
        for step_id, a, _ in steps[1:]:
            at(a, lambda s=step_id: go_to_step(db, session_id=sid, step=s))
        if pause_at:
            p_t, length = pause_at
            at(p_t, lambda: pause(db, session_id=sid))
            at(p_t + timedelta(minutes=length), lambda: resume(db, session_id=sid))
        if rng.random() < 0.03:
            a, b = step_span["qa"]
            back = a + (b - a) / 3
            at(back, lambda: go_to_step(db, session_id=sid, step="teach"))
            at(back + (b - a) / 3, lambda: go_to_step(db, session_id=sid, step="qa"))
        at(ended, lambda: end_session(db, session_id=sid))

        # the checklist, ticked as the session goes; a few left, a few ticked afterwards on /review
        for item in checklist_items(cur):
            a, b = step_span[item.step]
            r = rng.random()
            if r < 0.9:
                at(_between(rng, a, b), lambda k=item.key: set_tick(db, session_id=sid, item_key=k, done=True))
            elif r < 0.95:
                at(ended + timedelta(minutes=rng.randint(5, 600)),
                   lambda k=item.key: set_tick(db, session_id=sid, item_key=k, done=True))

        # ratings: pre during the introduction, post in the summary, for whoever is in the room then
        items = cur.assessment
        topics = cur.topics
        competency = CODES[code].dsmt or rng.random() < 0.1  # the DSME record, now and then elsewhere too
        intro, summary = step_span["intro"], step_span["summary"]
        for line in lines:
            person = line.person
            level = person.confidence + min(person.attended, 20) * 0.12
            window = line.in_room(*intro)
            pre_values: dict[str, int] = {}
            if window:
                t_pre = _between(rng, *window)
                for it in items:
                    if rng.random() < 0.96:
                        v = round(level + rng.gauss(0, 1.4))
                        v = max(it.low, min(it.high, v))
                        pre_values[it.id] = v
                        at(t_pre, lambda i=it.id, v=v, pid=line.pid: set_rating(
                            db, session_id=sid, participant_id=pid, item_id=i, phase="pre", value=v))
                if competency:
                    for tp in topics:
                        lv = rng.choices(("1", "2", "3", "4", "NA"), weights=(3, 4, 3, 1, 0.3))[0]
                        at(t_pre, lambda tid=tp.id, lv=lv, pid=line.pid: set_competency(
                            db, session_id=sid, participant_id=pid, topic_id=tid, phase="pre", level=lv))
            window = line.in_room(*summary)
            if not window:
                continue
            person.attended += 1
            t_post = _between(rng, *window)
            post_done = rng.random() < 0.93
            for it in items:
                if post_done and rng.random() < 0.97:
                    base = pre_values.get(it.id, round(level))
                    v = max(it.low, min(it.high, base + rng.choice((0, 0, 1, 1, 1, 2, 2, 3, -1))))
                    at(t_post, lambda i=it.id, v=v, pid=line.pid: set_rating(
                        db, session_id=sid, participant_id=pid, item_id=i, phase="post", value=v))
            if competency:
                for tp in topics:
                    lv = rng.choices(("2", "3", "4", "NC"), weights=(2, 5, 4, 0.4))[0]
                    at(t_post, lambda tid=tp.id, lv=lv, pid=line.pid: set_competency(
                        db, session_id=sid, participant_id=pid, topic_id=tid, phase="post", level=lv))
            # goals, with a follow-up call two to four weeks later
            n_goals = 1 if rng.random() < 0.9 else (2 if rng.random() < 0.5 else 0)
            for _ in range(n_goals):
                self._goal(db, at, sid, cur, line.pid, t_post, ended)

        # notes: one per participant and step while they are in the room, one for the group now and then
        cond = _condition_key(cur)
        words = _TOPIC_WORDS.get(cond) or [t.title.lower() for t in topics]
        for step_id, a, b in steps:
            if rng.random() < 0.85:
                text = rng.choice(_GROUP_OBSERVE).format(t=rng.choice(words))
                self._note(db, at, sid, None, step_id, text, _between(rng, a, b), ended)
            for line in lines:
                window = line.in_room(a, b)
                if window and rng.random() < 0.95:
                    text = " ".join(rng.choice(_OBSERVE).format(t=rng.choice(words))
                                    for _ in range(rng.choice((1, 1, 2, 2, 3))))
                    self._note(db, at, sid, line.pid, step_id, text, _between(rng, *window), ended)
        # a note added on /review afterwards
        for _ in range(rng.choice((0, 1, 2, 2, 3, 3))):
            line = rng.choice(lines)
            if line.intervals:
                text = f"Phone call after the session: {rng.choice(_OBSERVE).format(t=rng.choice(words))}"
                t_rev = ended + timedelta(minutes=rng.randint(30, 4000))
                at(t_rev, lambda pid=line.pid, text=text: add_note(
                    db, session_id=sid, participant_id=pid, step="summary", text=text, tags=[]))

        # questions: raised while teaching or in Q&A, answered, parked or left open
        pids_in = [line.pid for line in lines if line.intervals]
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 3, 3, 4, 5))):
            step_id = rng.choice(("teach", "teach", "qa", "qa", "activity"))
            a, b = step_span[step_id]
            t_q = _between(rng, a, b)
            text = rng.choice(_QUESTIONS).format(t=rng.choice(words))
            asker = rng.choice(pids_in) if pids_in and rng.random() < 0.7 else None
            fate = rng.choices(("answered", "parked", "open", "parked-answered"), weights=(6, 2, 2, 1))[0]
            qa_a, qa_b = step_span["qa"]
            self._question(db, at, sid, text, asker, t_q, fate, max(t_q, qa_a), qa_b, ended)

        events.sort(key=lambda e: (e[0], e[1]))
        for t, _, fn in events:
            self.sim.at(t)
            fn()
        return [line.person for line in lines if not line.intervals]

    def _note(self, db, at, sid, pid, step_id, text, t, ended) -> None:
        rng = self.rng
        tags: list[str] = []
        if pid is not None and rng.random() < 0.1:
            tags = [rng.choice(NOTE_TAGS)]
        box: dict[str, int] = {}

        def write():
            note = save_live_note(db, session_id=sid, participant_id=pid, step=step_id, text=text, tags=tags)
            box["id"] = note.id

        at(t, write)
        r = rng.random()
        if r < 0.08:  # typed on, still live: a second version
            more = text + " " + rng.choice(_OBSERVE).format(t="that")
            at(t + timedelta(seconds=rng.randint(20, 240)), lambda: save_live_note(
                db, session_id=sid, participant_id=pid, step=step_id, text=more, tags=tags))
        elif r < 0.14:  # amended on /review after the session; a follow-up tag may be cleared
            new_tags = tags if rng.random() < 0.6 else []
            new_text = text + rng.choice(_AMEND)
            at(ended + timedelta(minutes=rng.randint(10, 3 * 24 * 60)), lambda: amend_note(
                db, note_id=box["id"], text=new_text, tags=new_tags))

    def _goal(self, db, at, sid, cur, pid, t, ended) -> None:
        rng = self.rng
        behaviour = rng.choice(cur.behaviours)
        text = rng.choice(_GOALS.get(behaviour, ("Practise one thing from today",))).format(n=rng.randint(2, 5))
        confidence = rng.choices(range(3, 11), weights=(1, 1, 2, 3, 6, 7, 5, 3))[0]
        follow = (t + timedelta(days=rng.choice((14, 21, 28, 30)))).date()
        box: dict[str, int] = {}

        def write():
            box["id"] = add_goal(db, session_id=sid, participant_id=pid, behaviour=behaviour, text=text,
                                 confidence=confidence, follow_up_date=follow).id

        at(t, write)
        called = datetime.combine(follow, time(15, 0), tzinfo=UTC) + timedelta(days=rng.randint(-2, 5),
                                                                                minutes=rng.randint(0, 240))
        if called < self.end and rng.random() < 0.9:
            at(called, lambda: mark_goal_followed_up(db, goal_id=box["id"]))

    def _question(self, db, at, sid, text, asker, t, fate, qa_a, qa_b, ended) -> None:
        rng = self.rng
        box: dict[str, int] = {}

        def write():
            box["id"] = add_question(db, session_id=sid, text=text, participant_id=asker).id

        at(t, write)
        t_answer = _between(rng, qa_a, qa_b) if qa_b > qa_a else t
        t_answer = max(t_answer, t + timedelta(seconds=30))
        if fate == "answered":
            at(t_answer, lambda: set_question_status(db, question_id=box["id"], status="answered"))
        elif fate == "parked":
            at(t_answer, lambda: set_question_status(db, question_id=box["id"], status="parked"))
        elif fate == "parked-answered":  # parked in the room, answered by phone later
            at(t_answer, lambda: set_question_status(db, question_id=box["id"], status="parked"))
            at(ended + timedelta(hours=rng.randint(2, 72)),
               lambda: set_question_status(db, question_id=box["id"], status="answered"))

    def finish(self) -> None:
        """Everyone planned is created, even if they enrolled after the last session."""
        with session_scope(self.engine) as db:
            self.enrol_until(db, datetime.max.replace(tzinfo=UTC))

