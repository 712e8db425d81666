"""The projector follows /live by being told, not by asking: `GET /push/session/<id>` is a server-sent-events
stream that says only the session's revision number, at once when the connection opens, again the moment a
facilitator's write is committed (models/signals.py), and every FALLBACK_SECONDS as a slow check for a signal
lost on the way (and as a heartbeat). `follow_session` mounts, at the top of the projector page, an invisible
browser component that listens to it and asks Streamlit for a rerun (`setTriggerValue`) when the revision differs
from the one the page shows. Between changes the server does nothing for an open projector but that slow check.

The route applies the pages' access rule (ui/downloads.check_request: sign-in when configured; without it, only this
computer while the server listens on localhost, unless the operator accepted the risk) and answers nothing else:
no content, no names, only a number that grows when the session changes.
"""

from __future__ import annotations

import logging
import signal
import threading

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from streamlit import config
from streamlit.url_util import make_url_path

from models.db import session_scope
from models.session_view import session_revision
from models.signals import NOTIFIER, start_listener
from ui.downloads import Refused, check_request
from ui.setup import get_engine

log = logging.getLogger("facilitator")

ROUTE = "push/session/{session_id:int}"
FALLBACK_SECONDS = 30.0  # the slow check for a lost signal, and the heartbeat the browser's watchdog expects
RECONNECT_MS = 2000  # how soon the browser reconnects after a dropped connection (the SSE retry field)
_MAX_ID = 2**31 - 1
UNKNOWN = "There is no such session."
UNAVAILABLE = "The database cannot be reached just now."
NO_STORE = {"Cache-Control": "no-store"}


def _revision(engine, session_id: int) -> int | None:
    with session_scope(engine) as db:
        return session_revision(db, session_id)


def _close_streams_on_shutdown() -> None:
    """End every stream when the server is asked to stop (SIGTERM, Ctrl+C). Uvicorn waits for open responses
    before it exits, and this one never ends by itself; the browsers reconnect to the restarted server. Installed
    once, from the event loop's (main) thread, in front of the handler already there (uvicorn's)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        before = signal.getsignal(sig)
        if getattr(before, "gsf_push", False) or not callable(before):
            continue

        def handler(signum, frame, before=before):
            NOTIFIER.close()
            before(signum, frame)

        handler.gsf_push = True
        signal.signal(sig, handler)


async def _events(engine, session_id: int):
    sub = NOTIFIER.subscribe(session_id)  # before reading: a change committed in between is not missed
    try:
        yield f"retry: {RECONNECT_MS}\n\n"
        sent, revision = None, await run_in_threadpool(_revision, engine, session_id)
        while not sub.closed and revision is not None:
            if revision != sent:
                yield f"data: {revision}\n\n"
                sent = revision
            if not await sub.wait(FALLBACK_SECONDS):  # nothing for a while: check, and say it again (heartbeat)
                sent, revision = None, await run_in_threadpool(_revision, engine, session_id)
                continue
            told, resync = sub.take()
            if resync:  # signals may have been lost
                revision = await run_in_threadpool(_revision, engine, session_id)
            elif told is not None and told > revision:  # revisions only grow; a late duplicate says nothing
                revision = told
    except Exception as exc:  # the database went away: end the stream, the browser reconnects
        log.warning("push: stream ended (%s)", type(exc).__name__)
    finally:
        sub.close()


async def follow(request: Request) -> Response:
    """GET /push/session/<id>: text/event-stream of the session's revision number."""
    try:
        check_request(request)
    except Refused as no:
        log.info("push refused: %s", no.reason)
        return PlainTextResponse(no.message + "\n", status_code=no.status, headers=NO_STORE)
    session_id = request.path_params["session_id"]
    try:
        engine = await run_in_threadpool(get_engine)
        known = 0 < session_id <= _MAX_ID and await run_in_threadpool(_revision, engine, session_id) is not None
    except Exception as exc:  # the browser tries again later; the log names only the kind of error
        log.error("push: database unavailable (%s)", type(exc).__name__)
        return PlainTextResponse(UNAVAILABLE + "\n", status_code=503, headers=NO_STORE)
    if not known:
        return PlainTextResponse(UNKNOWN + "\n", status_code=404, headers=NO_STORE)
    _close_streams_on_shutdown()
    start_listener(engine)  # PostgreSQL: this process hears other replicas' changes
    return StreamingResponse(_events(engine, session_id), media_type="text/event-stream",
                             headers={**NO_STORE, "X-Accel-Buffering": "no"})


def routes() -> list[Route]:
    """For st.App in streamlit_app.py, beside ui.downloads.routes()."""
    return [Route(make_url_path(config.get_option("server.baseUrlPath") or "", ROUTE), follow, methods=["GET"])]


def url(session_id: int) -> str:
    return make_url_path(config.get_option("server.baseUrlPath") or "", f"push/session/{session_id}")


# ---------------------------------------------------------------- on the projector page

# Runs in the page (no iframe). One follower per mounted component: Streamlit calls this function again with
# the new `data` after every rerun (keeping the component mounted) and calls the returned cleanup only when it
# unmounts, so the connection outlives reruns and only the revision shown is updated.
_JS = """
const FOLLOWERS = new WeakMap();
const WATCHDOG_MS = 2.5 * 1000 * FALLBACK_SECONDS;  // silent for that long: the connection is dead, open another
const ASK_AGAIN_MS = 10000;  // a rerun asked for and not seen: ask again on the next news after this

function follower(url) {
  const f = { url, shown: null, trigger: null, es: null, timer: null, watch: null, heard: Date.now(),
              delay: 1000, asked: null, askedAt: 0, stopped: false };
  const retry = () => {  // reconnect ourselves, later and later up to a minute
    if (f.es) f.es.close();
    f.es = null;
    clearTimeout(f.timer);
    if (!f.stopped) f.timer = setTimeout(open, f.delay);
    f.delay = Math.min(f.delay * 2, 60000);
  };
  const open = () => {
    f.timer = null;
    if (f.stopped) return;
    const es = new EventSource(f.url);
    f.es = es;
    f.heard = Date.now();
    es.onmessage = (e) => {
      f.heard = Date.now();
      f.delay = 1000;
      const rev = Number(e.data);
      if (!Number.isFinite(rev) || rev === f.shown) return;
      if (rev === f.asked && Date.now() - f.askedAt < ASK_AGAIN_MS) return;
      f.asked = rev;
      f.askedAt = Date.now();
      f.trigger("changed", rev);
    };
    // After a dropped connection EventSource reconnects by itself (RECONNECT_MS); after an error answer (a
    // proxy's 502 during a restart, a refusal) it gives up: then we try again.
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) retry(); };
  };
  f.watch = setInterval(() => { if (f.timer === null && Date.now() - f.heard > WATCHDOG_MS) retry(); }, 15000);
  f.open = open;
  f.stop = () => {
    f.stopped = true;
    clearInterval(f.watch);
    clearTimeout(f.timer);
    if (f.es) f.es.close();
  };
  return f;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data) return;
  let f = FOLLOWERS.get(parentElement);
  if (f && f.url !== data.url) { f.stop(); f = null; }
  const fresh = !f;
  if (fresh) { f = follower(data.url); FOLLOWERS.set(parentElement, f); }
  f.shown = data.rev;
  f.trigger = setTriggerValue;
  if (fresh) f.open();
  return () => { f.stop(); FOLLOWERS.delete(parentElement); };
}
""".replace("FALLBACK_SECONDS", repr(FALLBACK_SECONDS))

# It draws nothing, and its element container takes no room in the layout either (a page-wide rule: the
# component is not isolated in a shadow root).
_CSS = """
.st-key-gsf_follow { display: none; }
"""
_FOLLOWER = st.components.v2.component("gsf_follow", js=_JS, css=_CSS, isolate_styles=False)


def follow_session(session_id: int, revision: int) -> None:
    """Rerun this page when the session's revision differs from `revision` (the one the page is showing)."""
    _FOLLOWER(key="gsf_follow", data={"url": url(session_id), "rev": revision},
              on_changed_change=_noop)


def _noop() -> None:
    """A trigger needs a callback registered to reach the script; the rerun itself is all we want."""
