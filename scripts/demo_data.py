"""Invented data for demos and benchmarks: a small demo, a busy multi-year program, or one live room.

Used by scripts/seed.py (the command), scripts/benchmark.py and scripts/loadrun.py; the simulation behind the
demo and the program is in scripts/demo_program.py. Everything is written through the app's own functions in
`models/` (create_participant, create_session, start_session, go_to_step, set_rating, save_live_note …), so the
rows look exactly like the ones the pages write, and every rule those functions check is checked here too.

Time is simulated: the demo and the program are written inside `models.clock.simulated(start)`, and the seeder
moves that clock to the moment each simulated action happens, so every timestamp lands there. The simulated
clock belongs to the seeding thread (a context variable): a server or a test running beside it in the same
process keeps the real time, and when seeding returns, or fails, the seeding thread has the real time again.
`seed_live_room` writes at the real time (its room is live now).

No real people: names come from small made-up syllable lists, record numbers look like "DEMO-000123".
No Streamlit here.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import clock
from models.assessments import set_rating
from models.curriculum import CURRICULA_DIR, checklist_items, load_catalog
from models.db import make_engine, migrate, session_scope
from models.notes import save_live_note
from models.people import create_facilitator, create_participant
from models.sessions import create_session, go_to_step, set_tick, start_session
from models.tables import (
    Attendance,
    ChecklistTick,
    CompetencyRating,
    Course,
    CourseEnrolment,
    CourseModule,
    Facilitator,
    Goal,
    GroupSession,
    Note,
    NoteVersion,
    Participant,
    Pause,
    PresenceInterval,
    Question,
    Rating,
    StepRun,
)
from scripts.demo_program import SLOTS, CoursePlan, Plan, Seeder, local_slot

Progress = Callable[[int, int], None]

TABLES = {
    "participant": Participant,
    "facilitator": Facilitator,
    "group_session": GroupSession,
    "attendance": Attendance,
    "presence_interval": PresenceInterval,
    "step_run": StepRun,
    "pause": Pause,
    "checklist_tick": ChecklistTick,
    "note": Note,
    "note_version": NoteVersion,
    "rating": Rating,
    "competency_rating": CompetencyRating,
    "question": Question,
    "goal": Goal,
    "course": Course,
    "course_module": CourseModule,
    "course_enrolment": CourseEnrolment,
}
COURSE_SHARE = 0.25  # of a program's past sessions, about this share are modules of weekly courses

# ---------------------------------------------------------------- running a bulk load


@contextmanager
def _quiet_gc() -> Iterator[None]:
    """Fewer garbage-collector passes while millions of short-lived ORM objects come and go (about a
    tenth faster); the process's own settings are restored afterwards."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextmanager
def _bulk_engine(engine: Engine) -> Iterator[Engine]:
    """For a SQLite file, a private engine with a larger page cache for the bulk load only (the caller's engine
    is untouched). Other databases use the engine as is. WAL with synchronous=NORMAL (models.db) already
    skips the fsync per commit; the seeding time is spent in the ORM, not in SQLite (about 2 %)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield engine
        return
    bulk = make_engine(url.render_as_string(hide_password=False))

    def _fast(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA cache_size=-65536")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()

    event.listen(bulk, "connect", _fast)
    try:
        yield bulk
    finally:
        bulk.dispose()


# ---------------------------------------------------------------- entry points


def _aware(t: datetime | None, fallback: datetime) -> datetime:
    t = t or fallback
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def table_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as db:
        return {name: db.exec(select(func.count()).select_from(model)).one() for name, model in TABLES.items()}


def seed_program(
    engine: Engine,
    *,
    years: float = 5,
    participants: int = 400,
    sessions: int = 2000,
    seed: int = 1234,
    progress: Progress | None = None,
    end: datetime | None = None,
) -> dict[str, int]:
    """Fill a database with a busy program: `sessions` ended sessions over `years` years up to `end` (now by
    default) across every shipped curriculum and code, about COURSE_SHARE of them the modules of weekly courses
    (with people who join later, leave, miss a module and make it up in another session of its curriculum),
    `participants` invented people, several facilitators, plus a few sessions never started and a few planned
    after `end`. The same seed and `end` give the same data (sessions sit at wall-clock slots in the server's
    time zone). Returns the row count of every table."""
    if sessions < 1 or participants < 1 or years <= 0:
        raise ValueError("sessions, participants and years must be positive")
    migrate(engine)
    rng = random.Random(seed)
    end = _aware(end, clock.now())
    start = end - timedelta(days=365 * years)
    catalog = list(load_catalog(CURRICULA_DIR).curricula.values())
    never = max(1, sessions // 200)
    future = 3 + sessions // 250
    with clock.simulated(start) as sim, _bulk_engine(engine) as bulk, _quiet_gc():
        seeder = Seeder(bulk, rng=rng, sim=sim, catalog=catalog, start=start, end=end)
        seeder.add_facilitators(max(4, min(14, 3 + sessions // 200)))
        seeder.plan_people(participants, initial_share=0.3,
                           active_years=(min(1.0, years) * 0.6, max(1.0, years * 0.6)))
        plans = seeder.plan_sessions(sessions, never, future, course_share=COURSE_SHARE)
        for i, plan in enumerate(plans, 1):
            seeder.run_session(plan)
            if progress:
                progress(i, len(plans))
        seeder.finish()
    return table_counts(engine)


def seed_demo(engine: Engine, *, end: datetime | None = None, seed: int = 7) -> dict[str, int]:
    """A small demo: about twelve invented participants and six ended sessions over the last weeks, three of
    them the first modules of a weekly diabetes course (someone misses module 2 and makes it up in a stand-alone
    session, someone joins before module 3, someone leaves before module 4), its fourth module planned in four
    days, and one session planned for later today, so the review and course pages have something to show."""
    migrate(engine)
    rng = random.Random(seed)
    now = _aware(end, clock.now())
    start = now - timedelta(days=42)
    catalog = list(load_catalog(CURRICULA_DIR).curricula.values())
    by_id = {c.id: c for c in catalog}

    def pick(cid: str, code: str, i: int):
        cur = by_id.get(cid) or catalog[i % len(catalog)]
        return cur, code if code in cur.codes else cur.codes[0]

    def slot(days: int, n: int) -> datetime:
        return local_slot(clock.to_local(now + timedelta(days=days)).date(), SLOTS[n])

    with clock.simulated(start) as sim:
        seeder = Seeder(engine, rng=rng, sim=sim, catalog=catalog, start=start, end=now)
        seeder.make_up_share = 1.0
        seeder.add_facilitators(3)
        seeder.plan_people(12, initial_share=1.0, active_years=(1.0, 2.0))
        diabetes = pick("diabetes-dsmt-group", "G0109", 0)
        first = clock.to_local(slot(-17, 1))
        course = CoursePlan(f"Living well with diabetes: {first:%A} group", join_before=2, leave_before=3,
                            no_shows={1: 1})
        for i, days in enumerate((-17, -10, -3, 4)):
            course.plans.append(Plan(slot(days, 1), *diabetes, "ended" if days < 0 else "future", course, i))
        today = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        if clock.to_local(today).date() != clock.to_local(now).date():
            today = now.replace(second=0, microsecond=0)
        plans = [
            Plan(slot(-31, 0), *pick("hypertension-group", "98962", 1), "ended"),
            Plan(slot(-24, 2), *pick("asthma-group", "98961", 2), "ended"),
            *course.plans[:2],
            Plan(slot(-6, 2), *diabetes, "ended"),  # the make-up for module 2
            course.plans[2],
            Plan(today, *pick("hypertension-group", "98962", 1), "future"),
            course.plans[3],
        ]
        for plan in plans:
            seeder.run_session(plan)
        seeder.finish()
    return table_counts(engine)


def seed_live_room(engine: Engine, *, label: str, people: int = 8, intro_work: bool = True) -> int:
    """A live room for benchmarks and load runs: `people` invented participants of a G0109 diabetes session
    scheduled 40 minutes ago, started now and moved on to Teaching; with `intro_work`, the introduction's notes,
    pre ratings and checklist are done first. Returns the session id."""
    migrate(engine)
    cur = load_catalog(CURRICULA_DIR).curricula["diabetes-dsmt-group"]
    with session_scope(engine) as db:
        fac = create_facilitator(db, name=f"{label} Educator", credential="RN, CDCES")
        pids = [create_participant(db, first_name=f"{label}x{i}", last_name="Roomperson").id
                for i in range(1, people + 1)]
        sid = create_session(db, curriculum=cur, billing_code="G0109",
                             scheduled_at=clock.now() - timedelta(minutes=40), setting="clinic",
                             facilitator_id=fac.id, participant_ids=pids).id
    with session_scope(engine) as db:
        start_session(db, session_id=sid)
    with session_scope(engine) as db:
        if intro_work:
            for pid in pids:
                save_live_note(db, session_id=sid, participant_id=pid, step="intro", text="Invented intro note.",
                               tags=[])
                for item in cur.assessment:
                    set_rating(db, session_id=sid, participant_id=pid, item_id=item.id, phase="pre", value=3)
            for item in checklist_items(cur):
                if item.key.startswith("intro:"):
                    set_tick(db, session_id=sid, item_key=item.key, done=True)
        go_to_step(db, session_id=sid, step="teach")
    return sid
