"""Browser tests: `streamlit run` on a free loopback port with its own temporary SQLite database, driven by the
system Chromium through Playwright.

API for tests:
- `StreamlitServer(tmp_dir, db_url=None)`: `.start()`, `.url`, `.db_url`, `.db_path`, `.log_path`, `.log_text()`,
  `.stop()` (SIGTERM, then SIGKILL), `.kill()` (SIGKILL, for crash tests), `.restart()` (same port, same DB).
- fixtures: `server` (started, stopped after the test), `server_factory` (make servers that are not started yet,
  e.g. to seed the database first), `browser` (session), `page` (new browser context per test).
- `seed(db_url, fn)`: run `fn(db)` with a models session against the server's database and return its result.
- `wait_for_app_idle(page)`: wait for the Streamlit run an action caused to finish; `eventually(check)`: poll.

Every person in these tests is invented.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
START_TIMEOUT = 60.0
EXPECT_TIMEOUT_MS = 20_000  # the first run of a page after start-up imports everything and migrates the database

T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """`streamlit run streamlit_app.py` in a subprocess, with its own port, database and log file."""

    def __init__(self, tmp_dir: Path, *, db_url: str | None = None, port: int | None = None,
                 env: dict[str, str] | None = None, script: str = "streamlit_app.py") -> None:
        self.script = script  # relative to the project root (the load run also serves a bare clock app)
        self.tmp_dir = Path(tmp_dir)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.db_path: Path | None = None
        if db_url is None:
            self.db_path = self.tmp_dir / "e2e.db"
            db_url = f"sqlite:///{self.db_path}"
        elif db_url.startswith("sqlite:///"):
            self.db_path = Path(db_url.split("///", 1)[1])
        self.db_url = db_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.tmp_dir / "streamlit.log"
        self.extra_env = dict(env or {})
        self.proc: subprocess.Popen | None = None
        self._log = None

    # -- life cycle ---------------------------------------------------------------------------------------
    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "streamlit", "run", self.script,
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
        ]

    def start(self) -> StreamlitServer:
        if self.running:
            raise RuntimeError("server already running")
        env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
        env.update({"DATABASE_URL": self.db_url, "PYTHONUNBUFFERED": "1"})
        env.update(self.extra_env)
        self._log = open(self.log_path, "ab")  # kept open for the life of the process
        self._log.write(f"\n=== start {time.strftime('%H:%M:%S')} port {self.port}\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.wait_healthy()
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise RuntimeError(f"streamlit exited with {code} before it was healthy:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    body = resp.read().decode(errors="replace").strip()
                    if resp.status == 200 and body == "ok":
                        return
                    last = f"{resp.status} {body!r}"
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                last = repr(exc)
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s ({last}):\n{self.log_tail()}")

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)  # its own session: the server and anything it spawned
        except ProcessLookupError:
            pass

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited after `timeout` seconds."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(10)
        self._close_log()

    def kill(self) -> None:
        """SIGKILL at once, as a crash or a power cut would."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal(signal.SIGKILL)
            self.proc.wait(10)
        self._close_log()

    def restart(self) -> StreamlitServer:
        """Start again on the same port and database (after stop() or kill(); stops a running one first)."""
        self.stop()
        return self.start()

    # -- inspection ---------------------------------------------------------------------------------------
    def log_text(self) -> str:
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def page_url(self, path: str = "/") -> str:
        return self.url + (path if path.startswith("/") else "/" + path)


def seed(db_url: str, fn: Callable[[Any], T]) -> T:
    """Run `fn(db)` in one models session (committed) against `db_url`, migrating it first if needed."""
    from models.db import init_engine, session_scope

    engine = init_engine(db_url)
    try:
        with session_scope(engine) as db:
            return fn(db)
    finally:
        engine.dispose()


@pytest.fixture
def server_factory(tmp_path) -> Iterator[Callable[..., StreamlitServer]]:
    """Make `StreamlitServer`s (not started) in this test's tmp_path; every one is stopped after the test."""
    made: list[StreamlitServer] = []

    def make(**kwargs) -> StreamlitServer:
        srv = StreamlitServer(tmp_path / f"server{len(made)}", **kwargs)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.stop()


@pytest.fixture
def server(server_factory) -> StreamlitServer:
    """A started server on a fresh temporary SQLite database."""
    return server_factory().start()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; browser tests are required under CI")
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture
def page(browser, request, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    context.add_init_script(_RUN_COUNTER_JS)
    pg = context.new_page()
    yield pg
    if getattr(request.node, "e2e_failed", False):
        shot = tmp_path / "failure.png"
        try:
            pg.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        except Exception as exc:  # the page may already be gone
            print(f"no screenshot: {exc!r}")
    context.close()


# Counts script runs that have ended (the app root's data-test-script-state leaving "running"). Installed in
# every page made by the `page` fixture before the app loads, and lazily by wait_for_app_idle otherwise.
_RUN_COUNTER_JS = """
(() => {
  if (window.__e2eRuns) return;
  window.__e2eRuns = {done: 0, seen: 0, since: 0};
  new MutationObserver((records) => {
    for (const r of records) if (r.oldValue === "running") window.__e2eRuns.done += 1;
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ["data-test-script-state"]});
})();
"""

_IDLE_JS = """
(graceMs) => {
  const runs = window.__e2eRuns;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
  if (app.getAttribute("data-test-script-state") !== "notRunning") return false;
  return runs.done > runs.seen || performance.now() - runs.since >= graceMs;
}
"""


def wait_for_app_idle(page, timeout_ms: int = EXPECT_TIMEOUT_MS, grace_ms: int = 600) -> None:
    """Wait until Streamlit has finished the run that the last action caused.

    Right after a click the app still says "notRunning" until the server has started the rerun, so this
    returns once a run has ended after the call, or, if none starts within `grace_ms`, once the app is
    connected and not running. A page with a ticking fragment (run_every) ends a run every second, so there
    wait for a visible result with `expect`, or poll the database with `eventually`.
    """
    page.evaluate(_RUN_COUNTER_JS)
    page.evaluate("() => { const r = window.__e2eRuns; r.seen = r.done; r.since = performance.now(); }")
    page.wait_for_function(_IDLE_JS, arg=grace_ms, timeout=timeout_ms, polling=50)
    page.evaluate("() => { const r = window.__e2eRuns; r.seen = r.done; }")


def eventually(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.1) -> T:
    """Call `check` until it returns something truthy (returned) or `timeout` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() >= deadline:
            break
        time.sleep(interval)
    assert result, f"still {result!r} after {timeout} s"
    return result
