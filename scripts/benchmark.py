"""Page-timing benchmark: does the dashboard stay instant with five years of program history?

    uv run python scripts/benchmark.py                  # builds the five-year database (a few minutes), measures
    uv run python scripts/benchmark.py --keep /tmp/gsf  # keep the databases there; pass --keep again to reuse them
    uv run python scripts/benchmark.py --quick          # 200 sessions and 8 repetitions: a smoke run, not a result

It builds, in a temporary folder, three SQLite databases through the app's own models/ functions
(scripts/seed.py, in a child process so that seeding does not count in this process's memory):

- five-year: 400 participants, 2,000 ended sessions over five years (plus a few planned ones);
- twenty: 20 ended sessions, for the review pages' baseline;
- empty: no history at all;

and adds the same live room (eight invented participants, mid-way through Teaching) to each. Then it times
AppTest runs of each page (the real script runner, through the app's entry script) and prints ratios of
medians measured in the same run, interleaving the two sides of each ratio run by run, because this machine
is shared and absolute times drift. The /live and projector clocks count in the browser, so a tick costs the
server nothing, and the projector is sent each new slide when its session changed (ui/push.py) rather than asking
every second: its page runs once, when it is opened ("projector page"), and a change costs one read of the slide
(ui/slide.read_slide, timed here too). The browser side (how soon a click shows,
what an idle projector costs a running server) is measured by scripts/latency.py and scripts/loadrun.py.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit.testing.v1.app_test as app_test_module  # noqa: E402
from sqlmodel import func, select  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequestType  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1.local_script_runner import (  # noqa: E402
    LocalScriptRunner,
    parse_tree_from_messages,
    require_widgets_deltas,
)

from models.db import init_engine, session_scope  # noqa: E402
from models.tables import Attendance, GroupSession  # noqa: E402
from scripts.demo_data import seed_live_room  # noqa: E402

# ------------------------------------------------------------------ databases


def _seed(path: Path, sessions: int, participants: int, years: float) -> None:
    cmd = [sys.executable, str(ROOT / "scripts" / "seed.py"), "program", "--database", str(path),
           "--sessions", str(sessions), "--participants", str(participants), "--years", str(years)]
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def _live_room(url: str) -> int:
    """The same live room in every database: eight invented people, intro done with pre ratings, in Teaching."""
    engine = init_engine(url)
    sid = seed_live_room(engine, label="Bench")
    engine.dispose()
    return sid


@dataclass
class Db:
    name: str
    path: Path
    live_id: int = 0
    record_id: int = 0
    participant_id: int = 0
    participant_sessions: int = 0
    sessions: int = 0

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def _describe(d: Db) -> None:
    engine = init_engine(d.url)
    with session_scope(engine) as db:
        d.sessions = db.exec(select(func.count()).select_from(GroupSession)).one()
        d.record_id = db.exec(select(GroupSession.id).where(GroupSession.status == "ended")
                              .order_by(GroupSession.ended_at.desc()).limit(1)).first() or d.live_id
        # The participant with the longest history: the worst case for /participants.
        row = db.exec(select(Attendance.participant_id, func.count()).where(Attendance.present)
                      .group_by(Attendance.participant_id).order_by(func.count().desc()).limit(1)).first()
        d.participant_id, d.participant_sessions = row if row else (0, 0)
    engine.dispose()


def build(folder: Path, *, sessions: int, participants: int) -> dict[str, Db]:
    dbs = {"five": Db("five-year", folder / "five-year.db"), "twenty": Db("twenty", folder / "twenty.db"),
           "empty": Db("empty", folder / "empty.db")}
    if not all(d.path.exists() for d in dbs.values()):
        for d in dbs.values():
            d.path.unlink(missing_ok=True)
        t = time.perf_counter()
        print(f"Seeding the five-year database ({sessions} sessions, {participants} participants)...", flush=True)
        _seed(dbs["five"].path, sessions, participants, 5)
        print(f"  done in {time.perf_counter() - t:.0f} s", flush=True)
        _seed(dbs["twenty"].path, 20, 40, 0.5)
        init_engine(dbs["empty"].url).dispose()
        for d in dbs.values():
            _live_room(d.url)
    for d in dbs.values():
        engine = init_engine(d.url)
        with session_scope(engine) as db:
            d.live_id = db.exec(select(GroupSession.id).where(GroupSession.status == "live")
                                .order_by(GroupSession.id.desc()).limit(1)).one()
        engine.dispose()
        _describe(d)
    return dbs


# ------------------------------------------------------------------ timing


class _FragmentRunner(LocalScriptRunner):
    """The script runner AppTest uses, asked to rerun only the given fragments, as the browser's run_every
    timer asks the server."""

    fragment_ids: list[str] = []

    def run(self, widget_state=None, query_params=None, timeout=3, page_hash="", context_info=None):
        from urllib.parse import urlencode

        data = RerunData(widget_states=widget_state, query_string=urlencode(query_params or {}),
                         page_script_hash=page_hash, fragment_id_queue=list(self.fragment_ids), is_auto_rerun=True)
        # The runner is created holding a pending full-app rerun, which would absorb a fragment request;
        # replace it, as the server's session does when the browser's run_every timer fires.
        with self._requests._lock:
            self._requests._state = ScriptRequestType.RERUN
            self._requests._rerun_data = data
        try:
            if not self._script_thread:
                self.start()
            require_widgets_deltas(self, timeout)
        finally:
            self.join()
        return parse_tree_from_messages(self.forward_msgs())


class _SharedScriptCache:
    """AppTest builds a new ScriptCache for every run and so recompiles the page each time; the server keeps
    one for its lifetime. Share one, so that page timings are the server's and not the compiler's."""

    instance = None

    def __new__(cls):
        if cls.instance is None:
            cls.instance = ScriptCache()
        return cls.instance


app_test_module.ScriptCache = _SharedScriptCache


def _slide_read_ms(db: Db, reps: int) -> list[float]:
    """What the push stream does for each open projector on a change: read the session's slide."""
    from ui.slide import read_slide

    engine = init_engine(db.url)
    read_slide(engine, db.live_id)
    times: list[float] = []
    for _ in range(reps):
        t = time.perf_counter()
        read_slide(engine, db.live_id)
        times.append((time.perf_counter() - t) * 1000)
    engine.dispose()
    return times


class Runner:
    """An AppTest for one page on one database; `run()` times one full rerun (or fragment run)."""

    def __init__(self, page: str | None, db: Db | None, params: dict | None = None,
                 setup: Callable[[AppTest], None] | None = None, fragment: bool = False) -> None:
        self.db, self.fragment = db, fragment
        if page is None:
            self.at = AppTest.from_string("import streamlit as st\n", default_timeout=60)
        else:
            self.at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
            self.at.switch_page(page)
            for k, v in (params or {}).items():
                self.at.query_params[k] = str(v)
        self._env()
        self.at.run()
        self._check()
        if setup:
            setup(self.at)
            self._check()
        self.fragment_ids = list(self.at._fragment_storage._fragments) if fragment else []
        if fragment and not self.fragment_ids:
            raise SystemExit(f"{page}: no fragment registered")

    def _env(self) -> None:
        if self.db is not None:
            os.environ["DATABASE_URL"] = self.db.url

    def _check(self) -> None:
        if self.at.exception:
            raise SystemExit(f"page raised: {self.at.exception[0].message}")

    def run(self) -> float:
        self._env()
        if self.fragment:
            _FragmentRunner.fragment_ids = self.fragment_ids
            app_test_module.LocalScriptRunner = _FragmentRunner
        gc.collect()
        t = time.perf_counter()
        try:
            self.at.run()
        finally:
            app_test_module.LocalScriptRunner = LocalScriptRunner
        took = time.perf_counter() - t
        self._check()
        return took


@dataclass
class Result:
    name: str
    target: float
    num: list[float]
    den: list[float]
    num_label: str
    den_label: str

    @property
    def ratio(self) -> float:
        return statistics.median(self.num) / statistics.median(self.den)

    @property
    def ok(self) -> bool:
        return self.ratio <= self.target


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[-1] if len(xs) > 1 else xs[0]


def measure(name: str, target: float, num: Runner, den: Runner, reps: int, warmup: int, labels: tuple[str, str]):
    for _ in range(warmup):
        num.run()
        den.run()
    a: list[float] = []
    b: list[float] = []
    for i in range(reps):  # interleaved, alternating which goes first, so drift hits both sides alike
        if i % 2:
            a.append(num.run())
            b.append(den.run())
        else:
            b.append(den.run())
            a.append(num.run())
    r = Result(name, target, a, b, *labels)
    print(f"  {name}: {r.ratio:.2f} (target ≤ {target})", flush=True)
    return r


def _widget(at: AppTest, key: str):
    for kind in ("selectbox", "text_input"):
        for w in getattr(at, kind):
            if w.key == key:
                return w
    raise SystemExit(f"no widget {key}")


def _set_widget(key: str, value) -> Callable[[AppTest], None]:
    def setup(at: AppTest) -> None:
        _widget(at, key).set_value(value)
        at.run()

    return setup


def _ms(x: float) -> str:
    return f"{x * 1000:7.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=30, help="timed repetitions per side (default 30)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=2000)
    ap.add_argument("--participants", type=int, default=400)
    ap.add_argument("--keep", type=Path, help="folder for the databases, kept afterwards and reused if present")
    ap.add_argument("--quick", action="store_true", help="200 sessions, 8 repetitions: a smoke run")
    args = ap.parse_args()
    if args.quick:
        args.sessions, args.participants, args.reps, args.warmup = 200, 100, 8, 1

    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ.setdefault("GSF_LOG_LEVEL", "WARNING")

    tmp = None
    if args.keep:
        folder = args.keep
        folder.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="gsf-bench-")
        folder = Path(tmp.name)
    try:
        t0 = time.perf_counter()
        dbs = build(folder, sessions=args.sessions, participants=args.participants)
        five, twenty, empty = dbs["five"], dbs["twenty"], dbs["empty"]
        for d in dbs.values():
            print(f"  {d.name}: {d.sessions} sessions, {d.path.stat().st_size / 2**20:.1f} MB; participant "
                  f"#{d.participant_id} attended {d.participant_sessions}", flush=True)
        print(f"Timing ({args.reps} runs per side after {args.warmup} warm-up runs)...", flush=True)
        results: list[Result] = []
        blank = Runner(None, None)

        def pair(name, target, num, den, labels):
            results.append(measure(name, target, num, den, args.reps, args.warmup, labels))

        pair("/live rerun: five-year ÷ empty database", 1.3,
             Runner("pages/live.py", five, {"session": five.live_id}),
             Runner("pages/live.py", empty, {"session": empty.live_id}), ("live, 5 y", "live, empty"))
        pair("projector page (opened) ÷ empty script", 5.0,
             Runner("pages/projector.py", five, {"session": five.live_id}), blank, ("projector", "empty script"))
        pair("/review list, code filter: five-year ÷ 20 sessions", 2.0,
             Runner("pages/review.py", five, setup=_set_widget("rv_code", "G0109")),
             Runner("pages/review.py", twenty, setup=_set_widget("rv_code", "G0109")), ("list, 5 y", "list, 20"))
        pair("/review note search: five-year ÷ 20 sessions", 2.0,
             Runner("pages/review.py", five, setup=_set_widget("rv_text", "spacer")),
             Runner("pages/review.py", twenty, setup=_set_widget("rv_text", "spacer")),
             ("search, 5 y", "search, 20"))
        pair("/review session record: five-year ÷ 20 sessions", 2.0,
             Runner("pages/review.py", five, {"session": five.record_id}),
             Runner("pages/review.py", twenty, {"session": twenty.record_id}), ("record, 5 y", "record, 20"))
        pair("/participants history: five-year ÷ 20 sessions", 2.0,
             Runner("pages/participants.py", five, {"participant": five.participant_id}),
             Runner("pages/participants.py", twenty, {"participant": twenty.participant_id}),
             ("history, 5 y", "history, 20"))
        slide_ms = _slide_read_ms(five, args.reps)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        print()
        print(f"{'measure':52} {'ratio':>6} {'target':>7}  {'median ms':>17} {'p95 ms':>17}  result")
        print(f"{'':52} {'':>6} {'':>7}  {'num':>8} {'den':>8} {'num':>8} {'den':>8}")
        for r in results:
            print(f"{r.name:52} {r.ratio:6.2f} {'≤ ' + str(r.target):>7}  "
                  f"{_ms(statistics.median(r.num))} {_ms(statistics.median(r.den))} "
                  f"{_ms(_p95(r.num))} {_ms(_p95(r.den))}  {'ok' if r.ok else 'MISS'}")
        print()
        print("Clock ticks count in the browser from the stored timestamps, and an open projector is sent each new "
              "slide (no run per second, no run per change): neither runs anything on the server between changes.")
        print(f"A change sent to an open projector (ui/slide.read_slide, five-year database): median "
              f"{statistics.median(slide_ms):.1f} ms, p95 {_p95(slide_ms):.1f} ms.")
        print(f"Peak memory (RSS) of this process: {peak:.0f} MB"
              + (f"; of the seeding child: {children:.0f} MB." if children else " (databases reused, no seeding)."))
        print(f"Participant histories timed: #{five.participant_id} with {five.participant_sessions} sessions "
              f"(five-year) and #{twenty.participant_id} with {twenty.participant_sessions} (twenty).")
        print(f"Total {time.perf_counter() - t0:.0f} s.")
        return 0 if all(r.ok for r in results) else 1
    finally:
        if tmp is not None:
            shutil.rmtree(tmp.name, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
