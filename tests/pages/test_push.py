"""The projector is sent each new slide of its session (ui/push.py): the `/push/session/<id>` stream sends the slide
and its revision at once, again when a write commits and when the slow check for a lost signal finds the revision
moved (otherwise the revision alone, as a heartbeat); it sends what the projector page shows and nothing else,
refuses what the pages refuse, ends when the server stops or the session is gone; and the projector page mounts
the slide with the stream's address instead of a once-a-second fragment."""

from __future__ import annotations

import asyncio
import html
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update
from starlette.requests import Request
from streamlit import config

from models import signals
from models.db import session_scope
from models.session_view import session_revision
from models.sessions import go_to_step, start_session
from models.signals import Notifier
from models.tables import GroupSession
from tests.factories import curriculum, make_session
from tests.pages.helpers import app, slide_data
from ui import downloads as dl
from ui import push
from ui.slide import read_slide


def _request(session_id: int, *, client: str = "127.0.0.1") -> Request:
    path = f"/push/session/{session_id}"
    return Request({"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": [],
                    "client": (client, 50000), "path_params": {"session_id": session_id}})


def _call(session_id: int, **kw):
    """The route's answer, in a thread of its own (the browser tests' Playwright keeps an event loop running in
    this one); a stream is not read."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, push.follow(_request(session_id, **kw))).result()


@pytest.fixture
def notifier(monkeypatch) -> Notifier:
    """A notifier of the test's own, both for the writes (after commit) and for the route."""
    n = Notifier()
    monkeypatch.setattr(signals, "NOTIFIER", n)
    monkeypatch.setattr(push, "NOTIFIER", n)
    return n


@pytest.fixture
def live(engine, monkeypatch, notifier) -> int:
    monkeypatch.setattr(push, "get_engine", lambda: engine)
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        start_session(db, session_id=s.id)
    return s.id


@pytest.fixture
def listen_on():
    old = config.get_option("server.address")
    yield lambda addr: config.set_option("server.address", addr)
    config.set_option("server.address", old)


def _revision(engine, sid: int) -> int:
    with session_scope(engine) as db:
        return session_revision(db, sid)


# ---------------------------------------------------------------- who may listen


def test_without_sign_in_only_this_computer_and_not_when_the_pages_are_locked(live, listen_on, monkeypatch):
    monkeypatch.delenv("GSF_ALLOW_UNAUTHENTICATED_NETWORK", raising=False)
    for client in ("192.168.1.20", "10.0.0.5", "testclient"):
        refused = _call(live, client=client)
        assert refused.status_code == 403 and refused.body.decode().strip() == dl.NOT_LOCAL
        assert refused.headers["cache-control"] == "no-store"
    assert _call(live).media_type == "text/event-stream"  # this computer
    listen_on("0.0.0.0")  # the pages refuse records: so does the stream, even to this computer
    refused = _call(live)
    assert refused.status_code == 403 and refused.body.decode().strip() == dl.LOCKED
    monkeypatch.setenv("GSF_ALLOW_UNAUTHENTICATED_NETWORK", "1")  # the operator accepted the risk
    assert _call(live, client="192.168.1.20").media_type == "text/event-stream"


def test_with_sign_in_only_a_signed_in_user(live, monkeypatch):
    monkeypatch.setattr(dl, "auth_configured", lambda: True)
    monkeypatch.setattr(dl, "request_user", lambda request: None)
    refused = _call(live, client="192.168.1.20")
    assert refused.status_code == 403 and refused.body.decode().strip() == dl.SIGN_IN
    monkeypatch.setattr(dl, "request_user", lambda request: "p:pat")
    assert _call(live, client="192.168.1.20").media_type == "text/event-stream"  # signed in: any network


def test_an_unknown_session_is_not_followed(live, monkeypatch):
    for sid in (live + 1000, 2**31, 10**30):
        no = _call(sid)
        assert no.status_code == 404 and no.body.decode().strip() == push.UNKNOWN

    def unreachable():
        raise OSError("connection refused")

    monkeypatch.setattr(push, "get_engine", unreachable)  # said plainly; the browser tries again later
    no = _call(live)
    assert no.status_code == 503 and no.body.decode().strip() == push.UNAVAILABLE


# ---------------------------------------------------------------- what it says


def _said(chunk: str) -> dict:
    """One message of the stream, read as the projector's component reads it."""
    assert chunk.startswith("data: ") and chunk.endswith("\n\n") and "\n" not in chunk[:-2], chunk
    return json.loads(chunk[len("data: "):])


def test_the_stream_sends_the_slide_at_once_on_each_commit_and_on_the_slow_check(engine, live, notifier,
                                                                                  monkeypatch):
    monkeypatch.setattr(push, "FALLBACK_SECONDS", 0.5)
    start = _revision(engine, live)
    teach = curriculum().step("teach")

    async def main() -> list[dict]:
        response = await push.follow(_request(live))
        assert response.headers["cache-control"] == "no-store"
        assert response.media_type == "text/event-stream"
        chunks = response.body_iterator
        assert await anext(chunks) == f"retry: {push.RECONNECT_MS}\n\n"
        said = [_said(await anext(chunks))]
        assert said[0]["rev"] == start and "Introduction" in said[0]["html"]  # the slide shown now, at once
        assert notifier.listeners(live) == 1

        def step(db):
            go_to_step(db, session_id=live, step="teach")

        await asyncio.to_thread(_write, engine, step)
        said.append(_said(await asyncio.wait_for(anext(chunks), 5)))
        assert said[-1]["rev"] == start + 1
        assert f"<h2>{html.escape(teach.display_title)}</h2>" in said[-1]["html"]
        # a change whose signal was lost (written without touch) is found by the slow check, and sent whole
        await asyncio.to_thread(_write, engine, lambda db: db.execute(
            update(GroupSession).where(GroupSession.id == live).values(revision=start + 5)))
        said.append(_said(await asyncio.wait_for(anext(chunks), 5)))
        assert said[-1]["rev"] == start + 5 and "html" in said[-1]
        said.append(_said(await asyncio.wait_for(anext(chunks), 5)))  # then the revision alone, as a heartbeat
        assert said[-1] == {"rev": start + 5}
        notifier.publish(live, start + 2)  # a late, older signal says nothing: the next word is the heartbeat
        said.append(_said(await asyncio.wait_for(anext(chunks), 5)))
        assert said[-1] == {"rev": start + 5}
        # the server stops: the stream ends, and this subscription with it
        notifier.close()
        with pytest.raises(StopAsyncIteration):
            while True:
                said.append(_said(await asyncio.wait_for(anext(chunks), 5)))
        assert notifier.listeners() == 0
        return said

    with ThreadPoolExecutor(1) as pool:
        said = pool.submit(asyncio.run, main()).result()
    assert all(set(m) <= {"rev", "html"} for m in said), said


def test_the_stream_says_when_the_session_is_gone(engine, live, notifier, monkeypatch):
    """A session deleted while its projector is open: the stream says a null revision and ends (the page then
    runs again and says there is no such session)."""
    monkeypatch.setattr(push, "read_slide", lambda engine, sid: None)

    async def main() -> list[str]:
        response = await push.follow(_request(live))
        return [chunk async for chunk in response.body_iterator]

    with ThreadPoolExecutor(1) as pool:
        said = pool.submit(asyncio.run, main()).result()
    assert said == [f"retry: {push.RECONNECT_MS}\n\n", 'data: {"rev":null}\n\n']
    assert notifier.listeners() == 0


def _write(engine, fn) -> None:
    with session_scope(engine) as db:
        fn(db)


def test_a_closed_connection_stops_listening(live, notifier):
    async def main() -> None:
        response = await push.follow(_request(live))
        chunks = response.body_iterator
        await anext(chunks)
        await anext(chunks)
        reading = asyncio.ensure_future(anext(chunks))
        await asyncio.sleep(0.05)
        assert notifier.listeners(live) == 1
        reading.cancel()  # what Starlette does when the browser goes away
        with pytest.raises(asyncio.CancelledError):
            await reading
        assert notifier.listeners(live) == 0

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result()


# ---------------------------------------------------------------- on the page


def test_the_projector_mounts_its_slide_and_ticks_nothing_on_the_server(engine):
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        sid = s.id
    at = app("pages/projector.py", session=sid).run()
    assert not at.exception
    assert not at._fragment_storage._fragments  # no run_every fragment asking every second
    mounted = slide_data(at)
    assert (mounted["url"], mounted["rev"]) == (f"/push/session/{sid}", 0)
    assert mounted["html"] == read_slide(engine, sid).html  # the welcome: no clock, nothing that moves
    with session_scope(engine) as db:
        start_session(db, session_id=sid)
    at.run()
    mounted = slide_data(at)
    assert (mounted["url"], mounted["rev"]) == (f"/push/session/{sid}", _revision(engine, sid))
    assert '<div class="gsf-clock"' in mounted["html"]
