"""A Streamlit server started for the browser tests (or the load and latency runs) never outlives the process
that started it, even when that process is killed before it can stop the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.serve import DIE_WITH_PARENT, ROOT

_START = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from scripts.serve import StreamlitServer
server = StreamlitServer(Path({tmp!r})).start()
print(server.proc.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not DIE_WITH_PARENT, reason="needs Linux and util-linux's setpriv")
def test_a_server_ends_when_the_process_that_started_it_is_killed(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", _START.format(root=str(ROOT), tmp=str(tmp_path))],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    pid = None
    try:
        pid = int(parent.stdout.readline())
        assert _alive(pid)
        parent.kill()  # SIGKILL: no finalizer, no atexit, nothing of the parent runs
        parent.wait(10)
        deadline = time.monotonic() + 15
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(pid), "the server outlived the process that started it"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        if pid is not None and _alive(pid):
            os.killpg(pid, signal.SIGKILL)
