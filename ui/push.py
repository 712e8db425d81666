"""The projector follows /live by being sent what to show: `GET /push/session/<id>` is a server-sent-events
stream of the session's slide (ui/slide.py: the projector's view, nothing private) and the revision it shows, at
once when the connection opens, again the moment a facilitator's write is committed (models/signals.py), and a
slow check every FALLBACK_SECONDS for a signal lost on the way, which sends the slide again only if the revision
moved and is otherwise the heartbeat (the revision alone). `show_slide` mounts, on the projector page, a browser
component that draws the slide it is given and then each slide the stream sends: a change shows without a
Streamlit run of the projector's page. Between changes the server does nothing for an open projector but that
slow check.

The route applies the pages' access rule (ui/downloads.check_request: sign-in when configured; without it, only this
computer while the server listens on localhost, unless the operator accepted the risk) and answers with nothing
the projector page itself would not show.
"""

from __future__ import annotations

import json
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
from ui.clock import COUNT_JS
from ui.downloads import Refused, check_request
from ui.setup import MAX_ID, get_engine
from ui.slide import SLIDE_CSS, SlideContent, read_slide

log = logging.getLogger("facilitator")

ROUTE = "push/session/{session_id:int}"
FALLBACK_SECONDS = 30.0  # the slow check for a lost signal, and the heartbeat the browser's watchdog expects
RECONNECT_MS = 2000  # how soon the browser reconnects after a dropped connection (the SSE retry field)
UNKNOWN = "There is no such session."
UNAVAILABLE = "The database cannot be reached just now."
NO_STORE = {"Cache-Control": "no-store"}


def _revision(engine, session_id: int) -> int | None:
    with session_scope(engine) as db:
        return session_revision(db, session_id)


def event(slide: SlideContent | None, *, heartbeat: bool = False) -> str:
    """One message of the stream: the slide and its revision; the revision alone (heartbeat); or, when the
    session is gone, a null revision (the page then runs again and says so)."""
    if slide is None:
        body = {"rev": None}
    elif heartbeat:
        body = {"rev": slide.revision}
    else:
        body = {"rev": slide.revision, "html": slide.html}
    return f"data: {json.dumps(body, separators=(',', ':'))}\n\n"


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
        slide = await run_in_threadpool(read_slide, engine, session_id)
        sent = None
        while not sub.closed:
            if slide is None:  # the session is gone: say so, and end
                yield event(None)
                return
            if slide.revision != sent:
                yield event(slide)
                sent = slide.revision
            if not await sub.wait(FALLBACK_SECONDS):  # nothing for a while: check, and say so (heartbeat)
                revision = await run_in_threadpool(_revision, engine, session_id)
                if revision is not None and revision == sent:
                    yield event(slide, heartbeat=True)
                    continue
            else:
                told, resync = sub.take()
                if not resync and (told is None or told <= sent):  # revisions only grow: a late duplicate
                    continue
            slide = await run_in_threadpool(read_slide, engine, session_id)
    except Exception as exc:  # the database went away: end the stream, the browser reconnects
        log.warning("push: stream ended (%s)", type(exc).__name__)
    finally:
        sub.close()


async def follow(request: Request) -> Response:
    """GET /push/session/<id>: text/event-stream of the session's slide."""
    try:
        check_request(request)
    except Refused as no:
        log.info("push refused: %s", no.reason)
        return PlainTextResponse(no.message + "\n", status_code=no.status, headers=NO_STORE)
    session_id = request.path_params["session_id"]
    try:
        engine = await run_in_threadpool(get_engine)
        known = 0 < session_id <= MAX_ID and await run_in_threadpool(_revision, engine, session_id) is not None
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

# Runs in the page (no iframe). One follower per mounted component: it draws the slide the page was drawn with,
# then each newer one the stream sends. Streamlit calls this function again with the new `data` after a run of the
# page (keeping the component mounted) and calls the returned cleanup only when it unmounts, so the connection
# outlives runs.
_JS = """
const FOLLOWERS = new WeakMap();
const WATCHDOG_MS = 2.5 * 1000 * FALLBACK_SECONDS;  // silent for that long: the connection is dead, open another
COUNT_JS

function follower(url, host) {
  const f = { url, host, shown: -1, trigger: null, es: null, timer: null, watch: null, heard: Date.now(),
              delay: 1000, stopped: false };
  // A slide other than the one shown, drawn at once, its clock counting on from the figures it carries. The stream
  // says the session as it is now (its messages come in order, and a new connection starts with the current
  // slide), so any other revision is shown, a lower one too (a database restored from a backup); a run of the
  // page may have read the session before the stream's latest message, so from it only a newer one.
  f.show = (rev, html, fromStream) => {
    if (rev === f.shown || (!fromStream && rev < f.shown)) return;
    f.shown = rev;
    host.innerHTML = html;
    const face = host.querySelector(".gsf-clock");
    if (face) gsfCount(face);
  };
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
      let m;
      try { m = JSON.parse(e.data); } catch (err) { return; }
      if (m.rev === null) {  // the session is gone: the page says so when it runs again
        f.stop();
        f.trigger("gone", Date.now());
      } else if (typeof m.html === "string") {
        f.show(m.rev, m.html, true);
      }
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
  if (f && f.url !== data.url) { f.stop(); f.host.remove(); f = null; }
  const fresh = !f;
  if (fresh) {
    const host = document.createElement("div");
    parentElement.appendChild(host);
    f = follower(data.url, host);
    FOLLOWERS.set(parentElement, f);
  }
  f.trigger = setTriggerValue;
  f.show(data.rev, data.html, false);
  if (fresh) f.open();
  return () => { f.stop(); f.host.remove(); FOLLOWERS.delete(parentElement); };
}
""".replace("FALLBACK_SECONDS", repr(FALLBACK_SECONDS)).replace("COUNT_JS", COUNT_JS)

_SLIDE = st.components.v2.component("gsf_slide", js=_JS, css=SLIDE_CSS, isolate_styles=False)


def show_slide(session_id: int, slide: SlideContent) -> None:
    """Draw `slide` and each newer one the session's stream sends; run the page again if the session goes."""
    _SLIDE(key="gsf_slide", data={"url": url(session_id), "rev": slide.revision, "html": slide.html},
           on_gone_change=_noop)


def _noop() -> None:
    """A trigger needs a callback registered to reach the script; the run itself is all we want."""
