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
from scripts.demo_program import SLOTS, Plan, Seeder, local_slot

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
}

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
    default) across every shipped curriculum and code, `participants` invented people, several facilitators,
    plus a few sessions never started and a few planned after `end`. The same seed and `end` give the same
    data (sessions sit at wall-clock slots in the server's time zone). Returns the row count of every table."""
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
        plans = seeder.plan_sessions(sessions, never, future)
        for i, plan in enumerate(plans, 1):
            seeder.run_session(plan)
            if progress:
                progress(i, len(plans))
        seeder.finish()
    return table_counts(engine)


def seed_demo(engine: Engine, *, end: datetime | None = None, seed: int = 7) -> dict[str, int]:
    """A small demo: about twelve invented participants, six ended sessions over the last weeks, one session
    planned for later today and one for next week, so the review pages have something to show."""
    migrate(engine)
    rng = random.Random(seed)
    now = _aware(end, clock.now())
    start = now - timedelta(days=42)
    catalog = list(load_catalog(CURRICULA_DIR).curricula.values())
    by_id = {c.id: c for c in catalog}
    with clock.simulated(start) as sim:
        seeder = Seeder(engine, rng=rng, sim=sim, catalog=catalog, start=start, end=now)
        seeder.add_facilitators(3)
        seeder.plan_people(12, initial_share=1.0, active_years=(1.0, 2.0))
        wanted = [("diabetes-dsmt-group", "G0109"), ("hypertension-group", "98962"), ("asthma-group", "98961"),
                  ("diabetes-dsmt-group", "G0109"), ("hypertension-group", "98961"), ("asthma-group", "98962"),
                  ("diabetes-dsmt-group", "G0109"), ("hypertension-group", "98962")]
        pairs = []
        for i, (cid, code) in enumerate(wanted):
            cur = by_id.get(cid) or catalog[i % len(catalog)]
            pairs.append((cur, code if code in cur.codes else cur.codes[0]))
        plans = []
        for week in range(6):  # one a week, the last one a few days ago
            d = clock.to_local(now - timedelta(days=7 * (6 - week) - 4 + week % 3)).date()
            plans.append(Plan(local_slot(d, SLOTS[week % 3]), *pairs[week], "ended"))
        today = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        if clock.to_local(today).date() != clock.to_local(now).date():
            today = now.replace(second=0, microsecond=0)
        plans.append(Plan(today, *pairs[6], "future"))
        nxt = local_slot(clock.to_local(now + timedelta(days=7)).date(), SLOTS[0])
        plans.append(Plan(nxt, *pairs[7], "future"))
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
