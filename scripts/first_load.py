"""First load: how long a page of this app takes to open in a fresh browser, once the server is warm, against a
bare Streamlit page's first load from a server of the same environment and config, in real headless Chromium.

Two `streamlit run` servers at once: this app with a seeded database (the small demo of scripts/demo_data.py:
ended sessions with their records, people with a history; plus a live room, mid-way through Teaching) and
scripts/bare_buttons.py. Each server is warmed first (every page loaded once). Then each round loads every page
of this app, each beside a load of the bare page, the two in alternating order from round to round and page to
page; every load in a browser context of its own (a new WebSocket session, an empty cache), as a new tab on a
computer that never opened the app would.

"Fully shown" is the first animation frame in which both hold:
- Streamlit's run is over: the server said the script finished (a ForwardMsg with `script_finished`) and the
  app says it is connected and not running (`data-test-script-state`, as tests/e2e/conftest.py waits for);
- the page's own key content is on screen: home its title; /live the session's title in its header and the
  step's title in the clock; /projector the step's title; the record (/review?session=ID) its "Exports"
  heading; /participants?participant=ID its "DSMT allowance" heading; the bare page its heading.

Times are measured in the page: milliseconds from navigation start (performance.timeOrigin) to that frame, not
Python's wall time. Also kept per load (medians reported): the HTML's arrival, the WebSocket's first message,
the script-finished message, and the kB received over the WebSocket.

    uv run python scripts/first_load.py                 # 10 rounds (about 3 minutes)
    uv run python scripts/first_load.py --rounds 6 --verbose

Target (exit status 1 if a page misses it): every page's median ≤ 2× the bare page's median. The machine may be
shared: the load average and how busy the machine was during the run are printed with the result.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.page_js import FINISHES_JS  # noqa: E402

TIMEOUT_MS = 60_000
TARGET = 2.0  # a page's median ÷ the bare page's median

# Installed in every page before it loads. `window.__fl.want` (set by the init script's argument) is a list of
# {sel, text, deep?}: each needs an element matching `sel` (in the document, or with `deep` in any shadow root)
# whose trimmed text is `text`. `shown` is the first animation frame (ms since navigation start) with all of
# them and the run over.
WATCH_JS = """
((want) => {
  const fl = window.__fl = {want, shown: null, first: null, fin: null, bytes: 0};
/*FINISHES*/
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...a) {
      super(...a);
      this.addEventListener("message", (e) => {
        if (fl.first === null) fl.first = e.timeStamp;
        if (fl.fin === null) fl.bytes += e.data.byteLength || e.data.length || 0;
        if (fl.fin === null && finishes(e.data)) fl.fin = e.timeStamp;
      });
    }
  };
  const find = (root, sel, deep, out) => {
    for (const el of root.querySelectorAll(sel)) out.push(el);
    if (deep) for (const host of root.querySelectorAll("*")) if (host.shadowRoot) find(host.shadowRoot, sel, true, out);
    return out;
  };
  const idle = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.getAttribute("data-test-connection-state") === "CONNECTED"
      && app.getAttribute("data-test-script-state") === "notRunning";
  };
  const has = (c) => find(document, c.sel, !!c.deep, []).some((el) => el.textContent.trim() === c.text);
  const frame = () => {
    if (fl.fin !== null && idle() && fl.want.every(has)) { fl.shown = performance.now(); return; }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})
""".replace("/*FINISHES*/", FINISHES_JS)

RESULT_JS = """() => {
  const fl = window.__fl, nav = performance.getEntriesByType("navigation")[0];
  return {shown: fl.shown, first: fl.first, fin: fl.fin, bytes: fl.bytes, html: nav ? nav.responseEnd : null};
}"""


@dataclass(frozen=True)
class Target:
    name: str  # the row label
    path: str  # the address on its server
    want: list[dict]  # what must be on screen (see WATCH_JS)


@dataclass(frozen=True)
class Load:
    shown: float  # ms from navigation start to the first frame fully shown
    html: float  # ... to the end of the HTML's response
    first: float  # ... to the WebSocket's first message
    fin: float  # ... to the server's script-finished message
    kb: float  # received over the WebSocket until then


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[-1] if len(xs) > 1 else xs[0]


def seed(url: str) -> list[Target]:
    """The demo data and a live room in one database; the pages to load, with what each must show."""
    from sqlmodel import func, select

    from models.db import init_engine, session_scope
    from models.enums import SessionStatus
    from models.session_view import load_session_view
    from models.tables import Attendance, GroupSession
    from scripts.demo_data import seed_demo, seed_live_room

    engine = init_engine(url)
    try:
        seed_demo(engine)
        sid = seed_live_room(engine, label="Firstload")
        with session_scope(engine) as db:
            view = load_session_view(db, sid)
            title, step = view.curriculum.title, view.curriculum.step(view.session.current_step).display_title
            ended = db.exec(select(GroupSession.id).where(GroupSession.status == SessionStatus.ENDED)
                            .order_by(GroupSession.scheduled_at.desc())).first()
            pid = db.exec(select(Attendance.participant_id).group_by(Attendance.participant_id)
                          .order_by(func.count().desc(), Attendance.participant_id)).first()
    finally:
        engine.dispose()
    return [
        Target("home", "/", [{"sel": "h1", "text": "Group Session Facilitator"}]),
        Target("/live", f"/live?session={sid}", [{"sel": ".st-key-live_header h1", "text": title},
                                                   {"sel": ".gsf-step-label", "text": step, "deep": True}]),
        Target("/projector", f"/projector?session={sid}", [{"sel": "h2", "text": step},
                                                             {"sel": ".gsf-step-label", "text": step,
                                                              "deep": True}]),
        Target("record (/review?session=)", f"/review?session={ended}", [{"sel": "h2", "text": "Exports"}]),
        Target("/participants?participant=", f"/participants?participant={pid}",
               [{"sel": "h3", "text": "DSMT allowance"}]),
    ]


BARE = Target("bare page", "/", [{"sel": "h2", "text": "Introduction"}])


def load_once(browser, base: str, target: Target) -> Load:
    """One first load in a fresh browser context; closed again whatever happens."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        import json

        context.add_init_script(f"{WATCH_JS}({json.dumps(target.want)});")
        page = context.new_page()
        page.goto(base + target.path, wait_until="commit", timeout=TIMEOUT_MS)
        try:
            page.wait_for_function("() => window.__fl && window.__fl.shown !== null", timeout=TIMEOUT_MS,
                                   polling=50)
        except Exception:
            raise RuntimeError(f"{target.name} ({base + target.path}) not fully shown within "
                               f"{TIMEOUT_MS / 1000:.0f} s: wanted {target.want}") from None
        r = page.evaluate(RESULT_JS)
        return Load(r["shown"], r["html"] or 0.0, r["first"], r["fin"], r["bytes"] / 1000)
    finally:
        context.close()


def report(loads: dict[str, list[Load]], bare: list[Load], *, rounds: int, header: str) -> tuple[list[str], bool]:
    """The result table (and where the time goes) as lines, and whether every page met the target."""
    bm = statistics.median(x.shown for x in bare)
    lines = [header, "",
             f"{'first load → fully shown':30} {'median ms':>9} {'p95 ms':>7} {'min':>6} {'max':>6} "
             f"{'÷ bare median':>13}  target ≤ {TARGET:g}"]
    ok_all = True
    for name, xs in [("bare page (its heading)", bare), *loads.items()]:
        shown = [x.shown for x in xs]
        med = statistics.median(shown)
        ratio = med / bm
        verdict = ""
        if xs is not bare:
            ok = ratio <= TARGET
            ok_all &= ok
            verdict = "ok" if ok else "MISS"
        lines.append(f"{name:30} {med:9.0f} {p95(shown):7.0f} {min(shown):6.0f} {max(shown):6.0f} "
                     f"{ratio:13.2f}  {verdict}")
    lines += ["", f"{'where the time goes (medians, ms)':34} {'HTML':>6} {'1st msg':>8} {'run over':>9} "
                  f"{'shown':>6} {'kB':>7}"]
    for name, xs in [("bare page", bare), *loads.items()]:
        def med(field: str, xs=xs) -> float:
            return statistics.median(getattr(x, field) for x in xs)
        lines.append(f"{name:34} {med('html'):6.0f} {med('first'):8.0f} {med('fin'):9.0f} {med('shown'):6.0f} "
                     f"{med('kb'):7.1f}")
    lines.append("  from navigation start: the HTML received, the WebSocket's first message, the script-finished "
                 "message, the first frame fully shown; kB over the WebSocket until the run was over")
    lines.append(f"  {rounds} loads of each page, {len(bare)} of the bare page, each in a fresh browser context")
    return lines, ok_all


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=10, help="timed loads of each page (default 10)")
    ap.add_argument("--verbose", action="store_true", help="print every timed load")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")

    from scripts.loadrun import BROWSER_ARGS, machine_busy_seconds
    from scripts.serve import CHROMIUM, StreamlitServer

    if not os.path.exists(CHROMIUM):
        print(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    started = time.strftime("%Y-%m-%d %H:%M")
    with tempfile.TemporaryDirectory(prefix="gsf-firstload-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'firstload.db'}"
        targets = seed(url)
        servers = []
        try:
            ours = StreamlitServer(Path(tmp) / "ours", db_url=url)
            servers.append(ours)
            bare = StreamlitServer(Path(tmp) / "bare", script="scripts/bare_buttons.py")
            servers.append(bare)
            ours.start()
            bare.start()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
                try:
                    print("Warming both servers (every page once) ...", flush=True)
                    for t in targets:
                        load_once(browser, ours.url, t)
                    load_once(browser, bare.url, BARE)
                    loads: dict[str, list[Load]] = {t.name: [] for t in targets}
                    bare_loads: list[Load] = []
                    load0, busy0, t0 = os.getloadavg()[0], machine_busy_seconds(), time.monotonic()
                    print(f"Loading: {args.rounds} rounds of {len(targets)} pages, each beside the bare page ...",
                          flush=True)
                    for n in range(args.rounds):
                        for i, t in enumerate(targets):
                            sides = ["ours", "bare"] if (n + i) % 2 == 0 else ["bare", "ours"]
                            for side in sides:
                                if side == "ours":
                                    x = load_once(browser, ours.url, t)
                                    loads[t.name].append(x)
                                else:
                                    x = load_once(browser, bare.url, BARE)
                                    bare_loads.append(x)
                                if args.verbose:
                                    name = t.name if side == "ours" else "bare"
                                    print(f"  round {n:2} {name:28} shown {x.shown:6.0f} ms (HTML {x.html:5.0f}, "
                                          f"1st msg {x.first:5.0f}, run over {x.fin:5.0f}; {x.kb:6.1f} kB)",
                                          flush=True)
                    busy = (machine_busy_seconds() - busy0) / (time.monotonic() - t0)
                    load1, took = os.getloadavg()[0], time.monotonic() - t0
                finally:
                    browser.close()
        finally:
            for s in servers:
                s.stop()

    header = (f"\nFirst load run of {started}, {os.cpu_count()} cores; load average {load0:.1f} → {load1:.1f}, "
              f"machine busy {busy * 100:.0f} % of one core during the run ({took:.0f} s)")
    lines, ok = report(loads, bare_loads, rounds=args.rounds, header=header)
    print("\n".join(lines))
    print(f"\n  {'ok  ' if ok else 'MISS'} every page's median ≤ {TARGET:g}× the bare page's median")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
