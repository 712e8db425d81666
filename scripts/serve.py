"""A `streamlit run` server for the browser journeys of the test suite (the e2e conftest) and for the load run
(scripts/loadrun.py): its own free loopback port, database and log file, started in a subprocess and ready once
`/_stcore/health` answers; and the system Chromium both drive, with the flags they launch it with.

- `StreamlitServer(tmp_dir, db_url=None, port=None, env=None, script="streamlit_app.py")`: `.start()`, `.url`,
  `.db_url`, `.db_path`, `.log_path`, `.log_text()`, `.stop()` (SIGTERM, then SIGKILL), `.kill()` (SIGKILL, for
  crash simulations), `.restart()` (same port, same database). Without `db_url`, a SQLite file in `tmp_dir`.
- `free_port()`, `CHROMIUM` (the executable), `CHROMIUM_ARGS`, `START_TIMEOUT` (seconds to wait for health).

Standard library only: the test suite imports it from here, and nothing here imports the test suite.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A server dies with the process that started it, even one killed before it could stop the server (a test run
# ended by a timeout or Ctrl+C twice): Linux's parent-death signal, set by util-linux's setpriv, which then runs
# the server in its own place (same process). Elsewhere, or without setpriv, only stop() ends it.
DIE_WITH_PARENT = (["setpriv", "--pdeathsig", "TERM", "--"]
                   if sys.platform == "linux" and shutil.which("setpriv") else [])
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
START_TIMEOUT = 60.0


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
            *DIE_WITH_PARENT, sys.executable, "-m", "streamlit", "run", self.script,
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
