"""Load run: ten live rooms on one real server, each with /live and /projector open in headless Chromium, and,
in the same run, as many pages of a bare Streamlit app whose only content is a one-second clock fragment (the
floor Streamlit itself sets). All run for the same time, one after the other: this app; the bare clock with
this app's server config (.streamlit/config.toml: no garbage collection after every run), which is the floor
the targets use; and the bare clock with Streamlit's default of a full collection after every run.

    uv run python scripts/loadrun.py                 # 10 rooms, 120 s a phase (about five minutes in all)
    uv run python scripts/loadrun.py --rooms 2 --seconds 20

Reported for each phase: the server's CPU as a share of one core (utime + stime from /proc over the measuring
window), its memory (RSS) at the start and end of the window, and the clock as the browser shows it: every
change of the displayed time is recorded in each page (polled every 20 ms), giving the interval between
changes (median, 95th percentile), skipped seconds (the display jumped by two or more) and stalls (one second
shown for more than 1.5 s). The pages are left alone while measuring: nobody clicks, as in a long teaching step.

Our clock counts in the browser from the timestamps the server sent at the last change; the only per-second
server work is each projector's follow fragment (one indexed read of the session's revision). So the ratio
to the bare floor is expected to be well under 1. Everyone in the data is invented.
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
from models.seed import seed_live_room  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, StreamlitServer  # noqa: E402

# Every page is on screen in a real room; keep Chromium from throttling the timers of pages it thinks hidden.
BROWSER_ARGS = [*CHROMIUM_ARGS, "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows"]

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


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def seed_rooms(url: str, rooms: int) -> list[int]:
    """`rooms` live sessions of eight invented people each, in Teaching (50 planned minutes: no overtime)."""
    engine = init_engine(url)
    ids = [seed_live_room(engine, label=f"Load{r + 1}", intro_work=False) for r in range(rooms)]
    engine.dispose()
    return ids


@dataclass
class Phase:
    name: str
    pages: int
    seconds: float
    cpu: float = 0.0  # share of one core
    rss_start: float = 0.0
    rss_end: float = 0.0
    intervals: list[float] = field(default_factory=list)  # ms between displayed changes, all pages
    skipped: int = 0
    stalls: int = 0
    changes: int = 0
    silent_pages: int = 0

    @property
    def cpu_ms_per_page_second(self) -> float:
        return self.cpu * 1000 / self.pages

    @property
    def growth(self) -> float:
        return (self.rss_end - self.rss_start) / self.rss_start * 100

    def pct(self, q: int) -> float:
        if len(self.intervals) < 2:
            return float("nan")
        return statistics.quantiles(self.intervals, n=100, method="inclusive")[q - 1]


def run_phase(name: str, server: StreamlitServer, urls: list[tuple[str, str]], seconds: float, settle: float,
              browser) -> Phase:
    """Open every (url, clock selector), let them settle, then measure for `seconds`."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pages = []
    try:
        for url, selector in urls:
            p = context.new_page()
            p.goto(url, wait_until="domcontentloaded")
            pages.append((p, selector))
        for p, selector in pages:
            p.wait_for_function("() => !!document.querySelector('[data-testid=\"stApp\"]')", timeout=60_000)
            p.evaluate(PROBE_JS, selector)
        time.sleep(settle)
        for p, _ in pages:
            p.evaluate("() => { window.__ticks = []; }")
        pid = server.proc.pid
        phase = Phase(name, len(pages), seconds, rss_start=_rss_mb(pid))
        cpu0, t0 = _cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        cpu1, t1 = _cpu_seconds(pid), time.monotonic()
        phase.cpu = (cpu1 - cpu0) / (t1 - t0)
        phase.rss_end = _rss_mb(pid)
        for p, _ in pages:
            ticks = p.evaluate("() => window.__ticks")
            values = [(t, _seconds(text)) for t, text in ticks]
            values = [(t, v) for t, v in values if v is not None]
            if len(values) < 2:
                phase.silent_pages += 1
                continue
            for (ta, va), (tb, vb) in zip(values, values[1:], strict=False):
                phase.changes += 1
                phase.intervals.append(tb - ta)
                if abs(vb - va) >= 2:
                    phase.skipped += abs(vb - va) - 1
                if tb - ta > 1500:
                    phase.stalls += 1
        return phase
    finally:
        context.close()


def _row(ph: Phase) -> str:
    return (f"{ph.name:36} {ph.pages:5} {ph.cpu * 100:7.1f} % {ph.cpu_ms_per_page_second:8.1f} "
            f"{ph.rss_start:8.0f} {ph.rss_end:8.0f} {ph.growth:+7.1f} % {ph.pct(50):8.0f} {ph.pct(95):8.0f} "
            f"{ph.skipped:7} {ph.stalls:6} {ph.silent_pages:6}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rooms", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=120.0, help="measuring window of each phase (default 120)")
    ap.add_argument("--settle", type=float, default=8.0, help="seconds after the pages load before measuring")
    ap.add_argument("--skip-default-gc", action="store_true",
                    help="leave out the third phase (the bare clock with Streamlit's post-run garbage collection)")
    args = ap.parse_args()
    if not os.path.exists(CHROMIUM):
        print(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gsf-load-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            url = f"sqlite:///{Path(tmp) / 'rooms.db'}"
            ids = seed_rooms(url, args.rooms)
            ours = StreamlitServer(Path(tmp) / "ours", db_url=url).start()
            try:
                pages = [(ours.page_url(f"/{kind}?session={sid}"), ".gsf-step-time")
                         for sid in ids for kind in ("live", "projector")]
                print(f"Phase 1: {len(pages)} pages of this app ({args.rooms} rooms), {args.seconds:.0f} s...",
                      flush=True)
                mine = run_phase("this app: /live + /projector", ours, pages, args.seconds, args.settle, browser)
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
                    print(f"Phase {n}: {len(pages)} pages of the {label}, {args.seconds:.0f} s...", flush=True)
                    floors.append(run_phase(label, bare, pages, args.seconds, args.settle, browser))
                finally:
                    bare.stop()
            floor = floors[0]
        finally:
            browser.close()

    print()
    print(f"{'phase':36} {'pages':>5} {'CPU':>9} {'ms/page/s':>9} {'RSS MB':>8} {'→ MB':>8} {'growth':>9} "
          f"{'tick p50':>8} {'tick p95':>8} {'skipped':>7} {'stalls':>6} {'silent':>6}")
    for ph in (mine, *floors):
        print(_row(ph))
    ratio = mine.cpu / floor.cpu if floor.cpu else float("nan")
    checks = [
        (f"CPU ratio to the bare clock {ratio:.2f} (target ≤ 1.2; the bare floor costs "
         f"{floor.cpu / mine.cpu:.1f}× this app's CPU)" if mine.cpu else f"CPU ratio {ratio:.2f}", ratio <= 1.2),
        (f"memory growth {mine.growth:+.1f} % (target < 10 %)", mine.growth < 10),
        (f"skipped seconds {mine.skipped} (target 0); stalls {mine.stalls}", mine.skipped == 0),
        (f"every page showed a ticking clock ({mine.silent_pages} silent)", mine.silent_pages == 0),
    ]
    print()
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
