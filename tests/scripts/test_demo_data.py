"""The demo-data seeder (scripts/demo_data.py): a small program has the shape of a real one, the demo works, the
command never writes over someone's database, the same seed gives the same data, and seeding moves "now" for
its own thread only. The program runs on temporary SQLite files; the demo, the clock and the live room also on
PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import clock
from models.course_progress import ModuleStatus, course_progress
from models.courses import course_sessions
from models.curriculum import CURRICULA_DIR, load_catalog
from models.db import DEFAULT_DB, init_engine, make_engine, session_scope
from models.rules import CODES, check_group_size, is_qualified_instructor
from models.session_view import load_session_view
from models.tables import (
    Attendance,
    Course,
    CourseEnrolment,
    Facilitator,
    GroupSession,
    Note,
    NoteVersion,
    Participant,
    Question,
    Rating,
)
from scripts import demo_program
from scripts.demo_data import seed_demo, seed_live_room, seed_program, table_counts
from scripts.seed import main as seed_main

END = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
N = 40  # ended sessions in the small program
SMALL = {"participants": 30, "sessions": N, "years": 1, "end": END}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One migrated empty database, copied for each test (migrating from scratch costs more than seeding)."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    init_engine(f"sqlite:///{path}").dispose()
    return path


def _fresh(template, path):
    shutil.copyfile(template, path)
    return make_engine(f"sqlite:///{path}")


def _sql(path, query):
    con = sqlite3.connect(path)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def small(tmp_path_factory, template):
    path = tmp_path_factory.mktemp("seed") / "program.db"
    engine = _fresh(template, path)
    seen = []
    counts = seed_program(engine, seed=5, progress=lambda done, total: seen.append((done, total)), **SMALL)
    yield engine, counts, seen, path
    engine.dispose()


def test_small_program_has_the_shape_of_a_real_one(small):
    engine, counts, seen, _ = small
    assert seen[-1][0] == seen[-1][1] == len(seen)
    assert counts["participant"] == 30 and counts["facilitator"] >= 4
    with session_scope(engine) as db:
        sessions = db.exec(select(GroupSession)).all()
        status = Counter(s.status for s in sessions)
        assert status["ended"] == N and status["live"] == 0
        never = [s for s in sessions if s.status == "planned" and s.scheduled_at.replace(tzinfo=UTC) < END]
        future = [s for s in sessions if s.status == "planned" and s.scheduled_at.replace(tzinfo=UTC) > END]
        assert never and future
        ended = [s for s in sessions if s.status == "ended"]
        catalog = load_catalog(CURRICULA_DIR).curricula
        used = {(s.curriculum_id, s.billing_code) for s in ended}
        assert used == {(cid, code) for cid, cur in catalog.items() for code in cur.codes}
        assert all(s.started_at and s.ended_at and s.ended_at > s.started_at for s in ended)
        assert max(s.ended_at for s in ended).replace(tzinfo=UTC) <= END
        assert min(s.scheduled_at for s in ended).replace(tzinfo=UTC) >= END - timedelta(days=366)

        creds = {f.id: f.credential for f in db.exec(select(Facilitator))}
        assert any(not is_qualified_instructor(c) for c in creds.values())
        assert all(s.facilitator_id in creds for s in sessions)

        # no-shows, late arrivals, early leavers, walk-ins
        rows = db.exec(select(Attendance)).all()
        assert any(not a.present for a in rows)
        iv = _sql(_path(engine), "SELECT attendance_id, count(*) FROM presence_interval GROUP BY 1")
        assert any(n > 1 for _, n in iv)  # stepped out and came back
        late = _sql(_path(engine), """SELECT count(*) FROM presence_interval p JOIN attendance a
            ON a.id = p.attendance_id JOIN group_session g ON g.id = a.session_id WHERE p.arrived_at > g.started_at""")
        assert late[0][0] > 0
        early = _sql(_path(engine), """SELECT count(*) FROM presence_interval p JOIN attendance a
            ON a.id = p.attendance_id JOIN group_session g ON g.id = a.session_id WHERE p.left_at < g.ended_at""")
        assert early[0][0] > 0

        # notes, some edited live and some amended after the session
        versions = Counter(v.note_id for v in db.exec(select(NoteVersion)))
        assert any(n > 1 for n in versions.values())
        assert any(v.after_session for v in db.exec(select(NoteVersion)))
        assert any(n.participant_id is None for n in db.exec(select(Note)))
        assert {r.phase for r in db.exec(select(Rating))} == {"pre", "post"}
        assert {q.status for q in db.exec(select(Question))} == {"open", "answered", "parked"}

    # per ended session, the proportions the default five-year program is sized by
    assert counts["attendance"] >= 6 * N
    assert counts["note"] >= 30 * N
    assert counts["rating"] >= 12 * N
    assert counts["goal"] >= 3 * N
    assert counts["question"] >= 2 * N
    assert counts["competency_rating"] > 0 and counts["checklist_tick"] > 20 * N
    assert counts["step_run"] >= 5 * N


def test_small_program_has_weekly_courses(small):
    """About a quarter of the sessions are modules of weekly courses: each course's sessions a week apart at one
    local time, its roster carried from session to session."""
    engine, counts, *_ = small
    assert counts["course"] >= 2 and counts["course_enrolment"] >= 2 * counts["course"]
    with session_scope(engine) as db:
        courses = db.exec(select(Course)).all()
        in_courses = 0
        for course in courses:
            own = course_sessions(db, course.id)
            in_courses += sum(s.status == "ended" for s in own)
            local = [clock.to_local(s.scheduled_at) for s in own]
            assert {t.strftime("%A %H:%M") for t in local} == {local[0].strftime("%A %H:%M")}
            assert ([(b.date() - a.date()).days for a, b in zip(local, local[1:], strict=False)]
                    == [7] * (len(own) - 1))
            enrolments = db.exec(select(CourseEnrolment).where(CourseEnrolment.course_id == course.id)).all()
            from_start = {e.participant_id for e in enrolments if e.joined_at == min(x.joined_at for x in enrolments)}
            for s in own[:2]:  # nobody leaves before the third module
                assert from_start <= {a.participant_id for a in db.exec(select(Attendance)
                                                                         .where(Attendance.session_id == s.id))}
        assert 0.1 * N <= in_courses <= 0.4 * N
        visits = [v for c in courses for x in course_progress(db, c.id).participants for v in x.modules]
    statuses = {v.status for v in visits}
    assert ModuleStatus.ATTENDED in statuses and statuses & {ModuleStatus.MADE_UP, ModuleStatus.MISSED}


def _path(engine):
    return engine.url.database


def test_every_session_fits_its_code_at_planning(small):
    engine, *_ = small
    with session_scope(engine) as db:
        catalog = load_catalog(CURRICULA_DIR).curricula
        roster = Counter(a.session_id for a in db.exec(select(Attendance)) if not a.added_late)
        for s in db.exec(select(GroupSession)):
            assert s.billing_code in catalog[s.curriculum_id].codes
            assert check_group_size(s.billing_code, roster[s.id]).ok, (s.billing_code, roster[s.id])
            assert s.created_at < s.scheduled_at
        sizes = Counter(s.billing_code for s in db.exec(select(GroupSession)) if not CODES[s.billing_code].is_group)
        assert sizes  # a few individual sessions


def test_only_invented_people(small):
    engine, *_ = small
    with session_scope(engine) as db:
        people = db.exec(select(Participant)).all()
    assert all(re.fullmatch(r"DEMO-\d{6}", p.record_number) for p in people)
    assert len({(p.first_name, p.last_name) for p in people}) >= 0.9 * len(people)


def _real(t) -> bool:
    return abs(t - datetime.now(UTC)) < timedelta(seconds=30)


def test_the_clock_is_given_back_when_seeding_fails(tmp_path, monkeypatch, template):
    engine = _fresh(template, tmp_path / "x.db")
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    seen = []

    def broken(*args, **kwargs):
        seen.append(clock.now())
        raise RuntimeError("boom")

    monkeypatch.setattr(demo_program, "start_session", broken)
    with pytest.raises(RuntimeError, match="boom"):
        seed_program(engine, participants=5, sessions=2, years=0.1, end=long_ago)
    assert seen and long_ago - timedelta(days=40) < seen[0] <= long_ago  # simulated time while seeding
    assert _real(clock.now())
    engine.dispose()


def test_seeding_moves_now_for_its_own_thread_only(engine, monkeypatch):
    """While one thread seeds (its clock weeks back), another thread of the same process, a server say, keeps
    the real time; and the seeding thread has the real time again once seed_demo returns."""
    inside, checked = threading.Event(), threading.Event()
    seen = {}
    start_session = demo_program.start_session

    def start_and_wait(db, **kwargs):
        if not inside.is_set():  # the first session: hold the seeder here while the other thread looks
            seen["seeder"] = clock.now()
            inside.set()
            assert checked.wait(60)
        return start_session(db, **kwargs)

    monkeypatch.setattr(demo_program, "start_session", start_and_wait)

    def run():
        try:
            seen["counts"] = seed_demo(engine)
            seen["after"] = clock.now()
        except BaseException as exc:
            seen["error"] = exc
        finally:
            inside.set()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert inside.wait(120)
        seen["beside"] = clock.now()
    finally:
        checked.set()
        worker.join(120)
    assert not worker.is_alive() and "error" not in seen, seen.get("error")
    assert _real(seen["beside"])
    assert seen["seeder"] < datetime.now(UTC) - timedelta(days=7)  # the first demo session is weeks old
    assert _real(seen["after"]) and _real(clock.now())
    assert seen["counts"]["group_session"] == 8


def test_same_seed_same_data(tmp_path, template):
    def run(name, seed):
        engine = _fresh(template, tmp_path / name)
        counts = seed_program(engine, participants=8, sessions=3, years=0.5, seed=seed, end=END)
        names = _sql(tmp_path / name, "SELECT first_name, last_name, created_at FROM participant ORDER BY id")
        texts = _sql(tmp_path / name, "SELECT text, created_at FROM note_version ORDER BY id")
        engine.dispose()
        return counts, names, texts

    a, b, c = run("a.db", 9), run("b.db", 9), run("c.db", 10)
    assert a == b
    assert a[1] != c[1]


def test_demo(engine):
    counts = seed_demo(engine)
    now = clock.now()
    with session_scope(engine) as db:
        sessions = db.exec(select(GroupSession).order_by(GroupSession.scheduled_at)).all()
    assert 10 <= counts["participant"] <= 14
    ended = [s for s in sessions if s.status == "ended"]
    planned = [s for s in sessions if s.status == "planned"]
    assert len(ended) == 6 and len(planned) == 2
    assert all(s.ended_at.replace(tzinfo=UTC) <= now for s in ended)
    assert min(s.scheduled_at for s in ended).replace(tzinfo=UTC) > now - timedelta(days=60)
    today, module_4 = (clock.to_local(s.scheduled_at.replace(tzinfo=UTC)).date() for s in planned)
    assert today == clock.to_local(now).date()
    assert 3 <= (module_4 - today).days <= 5
    assert counts["note"] and counts["rating"] and counts["goal"] and counts["question"]

    # a weekly course: three modules held, the fourth planned; someone made a module up elsewhere, someone
    # joined later and missed the first two, someone left before the last
    assert (counts["course"], counts["course_module"]) == (1, 4)
    with session_scope(engine) as db:
        course = db.exec(select(Course)).one()
        own = course_sessions(db, course.id)
        assert [s.status for s in own] == ["ended", "ended", "ended", "planned"]
        assert [s.id for s in own][-1] == planned[-1].id
        assert len({clock.fmt_local(s.scheduled_at, "%A %H:%M") for s in own}) == 1
        progress = course_progress(db, course.id)
    statuses = [[v.status for v in x.modules] for x in progress.participants]
    assert any(ModuleStatus.MADE_UP in row for row in statuses)
    assert any(row[:2] == [ModuleStatus.MISSED] * 2 and row[2] == ModuleStatus.ATTENDED for row in statuses)
    assert any(x.left_at for x in progress.participants)
    assert progress.next_session == (own[-1].id, own[-1].scheduled_at)


def test_command_refuses_the_apps_database_and_a_full_file(tmp_path, monkeypatch, capsys, template):
    before = DEFAULT_DB.stat().st_mtime_ns if DEFAULT_DB.exists() else None
    assert seed_main(["demo", "--database", str(DEFAULT_DB)]) == 2
    assert "app's own database" in capsys.readouterr().err
    assert (DEFAULT_DB.stat().st_mtime_ns if DEFAULT_DB.exists() else None) == before

    mine = tmp_path / "mine.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{mine}")
    assert seed_main(["demo", "--database", str(mine)]) == 2  # whatever DATABASE_URL points to
    assert not mine.exists()
    monkeypatch.delenv("DATABASE_URL")

    with pytest.raises(SystemExit):  # no target named: refused by the argument parser
        seed_main(["demo"])

    notdb = tmp_path / "notes.txt"
    notdb.write_text("my shopping list\n" * 100)
    assert seed_main(["demo", "--database", str(notdb)]) == 2
    assert notdb.read_text().startswith("my shopping list")

    target = tmp_path / "demo.db"
    shutil.copyfile(template, target)  # an empty database is fine to fill
    assert seed_main(["demo", "--database", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"DATABASE_URL=sqlite:///{target} uv run streamlit run streamlit_app.py" in out
    first = _sql(target, "SELECT count(*) FROM group_session")[0][0]
    assert seed_main(["demo", "--database", str(target)]) == 2
    assert "already holds" in capsys.readouterr().err
    assert _sql(target, "SELECT count(*) FROM group_session")[0][0] == first
    assert seed_main(["program", "--database", str(target), "--force", "--sessions", "3", "--participants", "6",
                      "--years", "0.2"]) == 0
    assert _sql(target, "SELECT count(*) FROM group_session WHERE status = 'ended'")[0][0] == 6 + 3


def test_table_counts_on_an_empty_database(tmp_path, template):
    engine = _fresh(template, tmp_path / "empty.db")
    assert set(table_counts(engine).values()) == {0}
    engine.dispose()


def test_live_room_is_live_in_teaching_with_the_introduction_done(engine):
    sid = seed_live_room(engine, label="Bench", people=8)
    bare = seed_live_room(engine, label="Load1", people=3, intro_work=False)
    with session_scope(engine) as db:
        v = load_session_view(db, sid)
        assert (v.session.status, v.session.current_step, v.session.billing_code) == ("live", "teach", "G0109")
        assert sum(p.in_room for p in v.people) == 8
        assert {p.last_name for p in v.people} == {"Roomperson"}
        assert len([n for n in v.notes if n.step == "intro"]) == 8
        assert v.ticks and all(k.startswith("intro:") for k in v.ticks)
        assert timedelta(minutes=39) < clock.now() - v.session.scheduled_at < timedelta(minutes=41)
        assert v.timer().status == "live" and not v.timer().paused
        other = load_session_view(db, bare)
        assert (other.session.current_step, other.notes, other.ticks, len(other.people)) == ("teach", [], {}, 3)
