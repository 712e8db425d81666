"""Load run: ten live rooms on one real server, each with /live and /projector open in headless Chromium, and,
in the same run, as many pages of a bare Streamlit app whose only content is a one-second clock fragment (the
floor Streamlit itself sets). The phases run one after the other, each for the same time, with the pages of
the previous phase closed and its server stopped:

1. this app: `rooms` live sessions, a /live and a /projector page for each (each room in a browser context of
   its own, as on two computers of its own); then the /live pages are closed and the projectors alone are
   measured for a short while: what an idle projector costs the server (it is told of changes, ui/push.py,
   and asks for nothing while nothing changes);
2. the bare clock (scripts/bare_clock.py) with this app's server config (.streamlit/config.toml: no
   garbage collection after every run): the floor the targets use, same server settings on both sides;
3. the bare clock with Streamlit's default of a full collection after every run (what a stock Streamlit
   server costs per ticking page; leave it out with --skip-default-gc).

    uv run python scripts/loadrun.py                 # 10 rooms, 120 s a phase (about eight minutes in all)
    uv run python scripts/loadrun.py --rooms 2 --seconds 20

Reading the table, one row per phase:
- CPU: the server process's utime + stime (plus any children's) over the measuring window, as a share of one
  core; "ms/page/s" is the same per page and per second. "machine" is how busy the whole machine was (all
  cores, as a share of one): Chromium's 20 pages and anything else running count there, not in CPU.
- RSS: the server's resident memory at the start and end of the window, its growth, and the window's peak
  (sampled every second).
- The clock as the browser shows it: every change of the displayed time (the step countdown on /live and the
  projector, the HH:MM:SS text of the bare clock) is recorded in each page, polled every 20 ms. "tick p50/p95"
  are the intervals between changes in ms, all pages together; "skipped" counts seconds never shown (the
  display jumped by two or more); "repeated" counts changes that did not move the clock on by a second (the
  same second again, or backwards); "stalls" counts seconds shown for more than 1.5 s; "silent" counts pages
  whose clock never changed.

Targets (checked at the end, exit status 1 if one is missed): CPU ratio to the bare clock with the same config
≤ 1.2, an idle projector ≤ 0.25× a bare clock page (server CPU per page, same config), memory growth < 10 %, no
skipped second. Nobody clicks while measuring, as in a long teaching step, so
the server's state never changes and our pages are never redrawn. The machine may be shared: compare
"machine" with the server's CPU to see how much else was running. Everyone in the data is invented.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.db import init_engine  # noqa: E402
from scripts.demo_data import seed_live_room  # noqa: E402
from scripts.serve import CHROMIUM, CHROMIUM_ARGS, StreamlitServer  # noqa: E402

# Every page is on screen in a real room; keep Chromium from throttling the timers of pages it thinks hidden.
BROWSER_ARGS = [*CHROMIUM_ARGS, "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows"]
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Records every change of the clock's text. The clock may sit in a shadow root (custom components), so the
# element is looked for there too, and again whenever a redraw replaced it.
PROBE_JS = """
(selector) => {
  window.__ticks = [];
  let el = null, last = null;
  const find = (root) => {
    const hit = root.querySelector(selector);
    if (hit) return hit;
    for (const host of root.querySelectorAll("*")) {
      if (host.shadowRoot) { const f = find(host.shadowRoot); if (f) return f; }
    }
    return null;
  };
  clearInterval(window.__probe);
  window.__probe = setInterval(() => {
    if (!el || !el.isConnected) el = find(document);
    if (!el) return;
    const text = el.textContent.trim();
    if (text !== last) { window.__ticks.push([performance.now(), text]); last = text; }
  }, 20);
}
"""

CLOCK_RE = re.compile(r"([+-]?)(?:(\d+):)?(\d+):(\d\d)")


def _seconds(text: str) -> int | None:
    m = CLOCK_RE.search(text)
    if not m:
        return None
    sign, h, mnt, s = m.groups()
    v = int(h or 0) * 3600 + int(mnt) * 60 + int(s)
    return -v if sign == "+" else v  # "+01:05" is overtime: count-down below zero


# ---------------------------------------------------------------------------------------------- /proc


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # fields from 3 (state) on


def _tree_cpu_seconds(pid: int) -> float:
    """utime + stime of `pid`, of its children that have ended (cutime + cstime) and of its live descendants."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = _stat(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass
    ticks = sum(int(x) for x in stats[pid][11:15])
    tree, grew = {pid}, True
    while grew:  # the server starts no processes today; count them if it ever does
        new = {p for p, f in stats.items() if int(f[1]) in tree} - tree
        ticks += sum(int(stats[p][11]) + int(stats[p][12]) for p in new)
        tree |= new
        grew = bool(new)
    return ticks / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot."""
    f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(f[:8]) - f[3] - f[4]) / CLK_TCK  # minus idle and iowait


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------------------------------------- phases


def seed_rooms(url: str, rooms: int) -> list[int]:
    """`rooms` live sessions of eight invented people each, in Teaching (50 planned minutes: no overtime)."""
    engine = init_engine(url)
    ids = [seed_live_room(engine, label=f"Load{r + 1}", intro_work=False) for r in range(rooms)]
    engine.dispose()
    return ids


@dataclass
class Window:
    cpu: float  # server, share of one core
    machine: float  # whole machine, share of one core
    rss_start: float
    rss_end: float
    rss_peak: float


def measure(pid: int, seconds: float) -> Window:
    """Server CPU and memory, and the whole machine's CPU, over `seconds` from now."""
    rss_start = rss_peak = _rss_mb(pid)
    cpu0, busy0, t0 = _tree_cpu_seconds(pid), machine_busy_seconds(), time.monotonic()
    end = t0 + seconds
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(1.0, left))
        rss_peak = max(rss_peak, _rss_mb(pid))
    cpu1, busy1, t1 = _tree_cpu_seconds(pid), machine_busy_seconds(), time.monotonic()
    return Window((cpu1 - cpu0) / (t1 - t0), (busy1 - busy0) / (t1 - t0), rss_start, _rss_mb(pid), rss_peak)


@dataclass
class Phase:
    name: str
    pages: int
    window: Window
    intervals: list[float] = field(default_factory=list)  # ms between displayed changes, all pages
    skipped: int = 0
    repeated: int = 0
    stalls: int = 0
    silent_pages: int = 0

    @property
    def cpu(self) -> float:
        return self.window.cpu

    @property
    def cpu_ms_per_page_second(self) -> float:
        return self.cpu * 1000 / self.pages

    @property
    def growth(self) -> float:
        return (self.window.rss_end - self.window.rss_start) / self.window.rss_start * 100

    def pct(self, q: int) -> float:
        if len(self.intervals) < 2:
            return float("nan")
        return statistics.quantiles(self.intervals, n=100, method="inclusive")[q - 1]

    def add_page(self, ticks: list[tuple[float, str]]) -> None:
        values = [(t, v) for t, v in ((t, _seconds(text)) for t, text in ticks) if v is not None]
        if len(values) < 2:
            self.silent_pages += 1
            return
        steps = [vb - va for (_, va), (_, vb) in zip(values, values[1:], strict=False)]
        direction = 1 if statistics.median(steps) >= 0 else -1  # the bare clock counts up, ours down
        for ((ta, _), (tb, _)), step in zip(zip(values, values[1:], strict=False), steps, strict=True):
            if direction > 0 and step < -43200:
                step += 86400  # the bare clock passed midnight
            moved = direction * step  # 1 is a clean tick
            self.intervals.append(tb - ta)
            if moved >= 2:
                self.skipped += moved - 1
            elif moved <= 0:
                self.repeated += 1
            if tb - ta > 1500:
                self.stalls += 1


def open_pages(browser, urls: list[tuple[str, str]], settle: float, per_context: int = 2):
    """Open every (url, clock selector), `per_context` pages to a browser context (a room's /live and projector,
    as on computers of their own: a browser holds at most six connections to one server, and each projector
    keeps one open), install the probe, let them settle."""
    contexts, pages = [], []
    for n, (url, selector) in enumerate(urls):
        if n % per_context == 0:
            contexts.append(browser.new_context(viewport={"width": 1280, "height": 800}))
        p = contexts[-1].new_page()
        p.goto(url, wait_until="domcontentloaded", timeout=120_000)
        pages.append((p, url, selector))
    for p, _, selector in pages:
        p.wait_for_function("() => !!document.querySelector('[data-testid=\"stApp\"]')", timeout=60_000)
        p.evaluate(PROBE_JS, selector)
    time.sleep(settle)
    for p, _, _ in pages:
        p.evaluate("() => { window.__ticks = []; }")
    return contexts, pages


def run_phase(name: str, server: StreamlitServer, urls: list[tuple[str, str]], seconds: float, settle: float,
              browser, split: float = 0.0) -> tuple[Phase, Phase | None]:
    """Measure the pages for `seconds`; with `split`, then close the /live pages and measure the projectors alone."""
    contexts, pages = open_pages(browser, urls, settle)
    try:
        assert server.proc is not None
        phase = Phase(name, len(pages), measure(server.proc.pid, seconds))
        for p, _, _ in pages:
            phase.add_page(p.evaluate("() => window.__ticks"))
        alone = None
        projectors = [(p, url, sel) for p, url, sel in pages if "/projector" in url]
        if split > 0 and 0 < len(projectors) < len(pages):
            for p, url, _ in pages:
                if "/projector" not in url:
                    p.close()
            time.sleep(3)
            for p, _, _ in projectors:
                p.evaluate("() => { window.__ticks = []; }")
            alone = Phase("  of which /projector alone", len(projectors), measure(server.proc.pid, split))
            for p, _, _ in projectors:
                alone.add_page(p.evaluate("() => window.__ticks"))
        return phase, alone
    finally:
        for context in contexts:
            context.close()


# ---------------------------------------------------------------------------------------------- report

HEADER = (f"{'phase':36} {'pages':>5} {'CPU':>7} {'ms/page/s':>9} {'machine':>7} {'RSS MB':>6} {'→ end':>6} "
          f"{'growth':>7} {'peak':>5} {'p50 ms':>6} {'p95 ms':>6} {'skipped':>7} {'repeated':>8} {'stalls':>6} "
          f"{'silent':>6}")


def _row(ph: Phase) -> str:
    w = ph.window
    return (f"{ph.name:36} {ph.pages:5} {ph.cpu * 100:5.1f} % {ph.cpu_ms_per_page_second:9.1f} "
            f"{w.machine * 100:5.0f} % {w.rss_start:6.0f} {w.rss_end:6.0f} {ph.growth:+6.1f}% {w.rss_peak:5.0f} "
            f"{ph.pct(50):6.0f} {ph.pct(95):6.0f} {ph.skipped:7} {ph.repeated:8} {ph.stalls:6} {ph.silent_pages:6}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rooms", type=int, default=10, help="live rooms; each opens /live and /projector")
    ap.add_argument("--seconds", type=float, default=120.0, help="measuring window of each phase (default 120)")
    ap.add_argument("--settle", type=float, default=8.0, help="seconds after the pages load before measuring")
    ap.add_argument("--split", type=float, default=20.0,
                    help="seconds to measure the projectors alone after closing /live (0: don't)")
    ap.add_argument("--skip-default-gc", action="store_true",
                    help="leave out the third phase (the bare clock with Streamlit's post-run garbage collection)")
    args = ap.parse_args()
    if not os.path.exists(CHROMIUM):
        print(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    started = time.strftime("%Y-%m-%d %H:%M")
    with tempfile.TemporaryDirectory(prefix="gsf-load-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            url = f"sqlite:///{Path(tmp) / 'rooms.db'}"
            ids = seed_rooms(url, args.rooms)
            ours = StreamlitServer(Path(tmp) / "ours", db_url=url).start()
            try:
                pages = [(ours.page_url(f"/{kind}?session={sid}"), ".gsf-step-time")
                         for sid in ids for kind in ("live", "projector")]
                print(f"Phase 1: {len(pages)} pages of this app ({args.rooms} rooms), {args.seconds:.0f} s"
                      + (f", then the projectors alone {args.split:.0f} s" if args.split > 0 else "") + " ...",
                      flush=True)
                mine, alone = run_phase("this app: /live + /projector", ours, pages, args.seconds, args.settle,
                                        browser, split=args.split)
            finally:
                ours.stop()
            floors = []
            for n, (label, env) in enumerate((
                    ("bare clock, this app's config", {}),
                    ("bare clock, Streamlit's default GC", {"STREAMLIT_RUNNER_POST_SCRIPT_GC": "true"})), 2):
                if n == 3 and args.skip_default_gc:
                    break
                bare = StreamlitServer(Path(tmp) / f"bare{n}", script="scripts/bare_clock.py", env=env).start()
                try:
                    pages = [(bare.page_url("/"), "[data-testid='stMarkdownContainer']")] * (2 * args.rooms)
                    print(f"Phase {n}: {len(pages)} pages of the {label}, {args.seconds:.0f} s ...", flush=True)
                    floors.append(run_phase(label, bare, pages, args.seconds, args.settle, browser)[0])
                finally:
                    bare.stop()
            floor = floors[0]
        finally:
            browser.close()

    print(f"\nLoad run of {started}, {os.cpu_count()} cores, {args.seconds:.0f} s a phase "
          "(CPU and machine: share of one core)")
    print(HEADER)
    for ph in (mine, *([alone] if alone else []), *floors):
        print(_row(ph))

    ratio = mine.cpu / floor.cpu if floor.cpu else float("nan")
    idle = alone.cpu_ms_per_page_second / floor.cpu_ms_per_page_second if alone and floor.cpu else float("nan")
    print()
    if alone is not None:
        print(f"  an idle projector: {alone.cpu_ms_per_page_second:.2f} ms of server CPU a second (the idle server's "
              f"own cost included), a bare clock page {floor.cpu_ms_per_page_second:.2f}: {idle:.2f}×")
    for f in floors:
        if mine.cpu:
            print(f"  {f.name}: bare/ours = {f.cpu / mine.cpu:.1f}×")
    checks = [
        (f"CPU ratio to the bare clock (same config) {ratio:.2f} (target ≤ 1.2)", ratio <= 1.2),
        *([(f"idle projector ÷ bare clock page {idle:.2f} (target ≤ 0.25)", idle <= 0.25)] if alone else []),
        (f"memory growth {mine.growth:+.1f} % (target < 10 %)", mine.growth < 10),
        (f"skipped seconds {mine.skipped} (target 0); repeated {mine.repeated}; stalls {mine.stalls}",
         mine.skipped == 0),
        (f"every page showed a ticking clock ({mine.silent_pages} silent)", mine.silent_pages == 0),
    ]
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
