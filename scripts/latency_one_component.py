"""Issue 15's open decision, measured: the same clicks as scripts/latency.py's on `/live`, on a prototype of
`/live` drawn by one component in one fragment (scripts/one_component_live.py), each beside the same click on
the bare page (scripts/bare_buttons.py), in one run on one machine. Same room, same selectors, same "shown"
conditions (the server's answer drawn: the step's title, the box ticked and the count moved, the status line,
the button's label, the note's run over), same random pauses; no projector.

    uv run python scripts/latency_one_component.py              # 10 rounds after 2 warm-up rounds
    uv run python scripts/latency_one_component.py --clicks 20
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.latency import KINDS, WATCH_JS, _bare, _idle, _live, _p95, _room, _timed  # noqa: E402
from scripts.loadrun import BROWSER_ARGS  # noqa: E402
from scripts.serve import CHROMIUM, StreamlitServer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clicks", type=int, default=10, help="timed rounds: clicks of each kind a side (default 10)")
    ap.add_argument("--warmup", type=int, default=2, help="rounds before timing (default 2)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not os.path.exists(CHROMIUM):
        print(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    rng = random.Random(args.seed)
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in KINDS}
    with tempfile.TemporaryDirectory(prefix="gsf-one-") as tmp, sync_playwright() as pw:
        url = f"sqlite:///{Path(tmp) / 'room.db'}"
        room = _room(url)
        ours = StreamlitServer(Path(tmp) / "ours", db_url=url, script="scripts/one_component_live.py").start()
        bare = StreamlitServer(Path(tmp) / "bare", script="scripts/bare_buttons.py").start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            pages = {}
            for name, address in (("ours", ours.page_url(f"/?session={room.sid}")), ("bare", bare.page_url("/"))):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.add_init_script(WATCH_JS)
                pages[name] = context.new_page()
                pages[name].goto(address)
            one, bare_page = pages["ours"], pages["bare"]
            one.wait_for_selector(f".st-key-person_{room.sid}_{room.note}", timeout=60_000)
            bare_page.wait_for_selector(".st-key-note_echo", timeout=60_000)
            _idle(one, bare_page)
            steps = list(room.titles)
            load0 = os.getloadavg()[0]
            print(f"Clicking: {args.warmup} warm-up and {args.clicks} timed rounds of {len(KINDS)} kinds a side ...",
                  flush=True)
            for n in range(args.warmup + args.clicks):
                step = steps[(2 + n) % len(steps)]
                for kind in rng.sample(list(KINDS), len(KINDS)):
                    for side in (["ours", "bare"] if (n + list(KINDS).index(kind)) % 2 == 0 else ["bare", "ours"]):
                        time.sleep(rng.uniform(0, 1))
                        if side == "ours":
                            t = _timed(one, _live(kind, one, room, step, n), f"one component: {kind}")
                            _idle(one)
                        else:
                            t = _timed(bare_page, _bare(KINDS[kind][2], bare_page, n), f"bare: {kind}")
                            _idle(bare_page)
                        if n >= args.warmup:
                            times[kind][0 if side == "ours" else 1].append(t.shown)
        finally:
            browser.close()
            ours.stop()
            bare.stop()
    print(f"\n{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average {load0:.1f} → "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'click → shown':28} {'one component':>14} {'p95':>5} {'bare':>6} {'p95':>5} {'÷ bare':>7}")
    for kind, (o, b) in times.items():
        mo, mb = statistics.median(o), statistics.median(b)
        print(f"{KINDS[kind][0]:28} {mo:11.0f} ms {_p95(o):5.0f} {mb:6.0f} {_p95(b):5.0f} {mo / mb:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
