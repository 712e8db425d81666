"""Browser tests: `streamlit run` on a free loopback port with its own temporary SQLite database, driven by the
system Chromium through Playwright.

The server itself (`StreamlitServer`: start, stop, kill, restart, its URL, database and log) and the Chromium
executable and flags are in scripts/serve.py, which the load run (scripts/loadrun.py) uses too.

API for tests, here:
- fixtures: `server` (started, stopped after the test), `server_factory` (make servers that are not started yet,
  e.g. to seed the database first), `browser` (session), `page` (new browser context per test).
- `seed(db_url, fn)`: run `fn(db)` with a models session against the server's database and return its result.
- `wait_for_app_idle(page)`: wait for the Streamlit run an action caused to finish; `eventually(check)`: poll.

Every person in these tests is invented.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from scripts.serve import CHROMIUM, CHROMIUM_ARGS, StreamlitServer

# The current step's heading on /live: a third-level heading on the screen of Streamlit's widgets, a second-level one
# on the one-component screen (ui/live_screen.js), under the page's title either way.
STEP_HEADING = "h2, h3"
EXPECT_TIMEOUT_MS = 20_000  # the first run of a page after start-up imports everything and migrates the database

T = TypeVar("T")


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


def keeping(page, *keys: str, timeout_ms: int = EXPECT_TIMEOUT_MS) -> None:
    """Wait until the page's draft keepers with these keys (ui/drafts.keeper, ui/drafts.typed) listen for typing.
    Their small component is mounted a moment after the run that draws it; text typed before that is not kept (no
    one types that soon after a page is drawn, but a test can, and a busy machine makes the moment longer)."""
    page.wait_for_function("keys => keys.every((k) => window.__gsfDrafts && window.__gsfDrafts.specs[k])",
                           arg=list(keys), timeout=timeout_ms, polling=50)


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
