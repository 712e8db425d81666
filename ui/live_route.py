"""/live's fast path (issue 15): `POST /live/session/<id>/act` writes one plain click of the one-component screen
(ui/live_screen.py) and answers with the screen's new data, without a Streamlit run. A Streamlit run makes the
browser redraw the whole page several times (README, Performance); this answer is one request, the write, one read
of the session and the component replacing the sections that changed.

Only the plain clicks come here: a step change, Pause / Resume, a checklist tick, Arrived now / Left now, the
caregiver's box, name and relationship, a note saved (text and tags). Each is written by the same model functions
as the page's path, against the version the screen showed. Anything else, or anything but a plain success (a
conflict with another screen, a refusal such as a note too long, the database unreachable, another screen's tick
kept), rolls back and answers {"fallback": true}: the component then sends the same event on its Streamlit
trigger, and the page's path (ui/live_screen.handle_events, ui/live_writes.py) writes it with everything it does
on the page (both values of a conflict, the message, the offer to retry). Each event is handled once, by one path
(live_screen.page_events).

Who may call it: the pages' access rule (ui/downloads.check_request: sign-in when configured; without it, only this
computer while the server listens on localhost, unless the operator accepted the risk), and only the page's own
script: the request must carry the X-GSF-Live header, which a page of another site cannot send without this server's
consent (it gives none), and an Origin, when the browser sends one, of this server. Nothing is logged but the kind
of what happened."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from streamlit import config
from streamlit.url_util import make_url_path

from models.attendance import mark_arrived, mark_left, set_caregiver
from models.curriculum import STEP_ORDER
from models.db import session_scope
from models.enums import SessionStatus
from models.errors import Conflict, RuleError
from models.notes import latest_version_id, save_live_note
from models.rules import NOTE_TAGS
from models.session_rows import attendance_row, require_session
from models.session_view import load_session_view
from models.sessions import go_to_step, pause, resume, set_tick
from ui.downloads import Refused, check_request, plain_answer
from ui.live_screen import ACT_ROUTE, arrival_changes_parts, page_events, step_changes_parts, view_data
from ui.live_writes import note_owner
from ui.setup import MAX_ID, get_engine

log = logging.getLogger("facilitator")

HEADER = "X-GSF-Live"
MAX_BODY = 64 * 1024  # an event: a note's text at most (models.rules.MAX_NOTE) and a few fields
NO_STORE = {"Cache-Control": "no-store"}
FALLBACK = {"fallback": True}


class _Fallback(Exception):
    """Not a plain click, or not a plain success: the page's path handles it."""


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _Fallback
    return int(value)


def _own(key: str, seen: int | None, now: int | None) -> dict | None:
    """A version this screen's own write made: {key, from: the version it was made against, to: the one stored}."""
    return None if now is None or now == seen else {"key": key, "from": seen, "to": now}


def _write(db, sid: int, e: dict) -> tuple[bool, dict | None]:
    """Write one event. (Whether the parts under the component change too; the version the write made, _own: the
    component checks an event of the same cell made before this answer against it, not against the one it shows.)"""
    act = e.get("act")
    s = require_session(db, sid, statuses=(SessionStatus.LIVE,))
    if s.privacy_curtain and act in ("presence", "carer", "note"):
        raise _Fallback  # nothing of the people is on the screen under the privacy curtain
    if act == "step":  # an unknown step, like an unknown tick below, is refused by the model (RuleError)
        target, before = str(e.get("id") or ""), s.current_step
        go_to_step(db, session_id=sid, step=target)
        return step_changes_parts(before, target), None
    if act == "pause":  # what the screen showed: a Pause pressed after another screen paused leaves it paused
        (resume if e.get("paused") is True else pause)(db, session_id=sid)
        return False, None
    if act == "tick":
        key, seen = str(e.get("id")), _int(e["v"])
        written = set_tick(db, session_id=sid, item_key=key, done=e.get("on") is True, seen_version=seen)
        if not written.changed:
            raise _Fallback  # another screen had done it: the page says so
        return False, _own(f"tick:{key}", seen, written.version)
    if act == "presence":  # a person's entry: its version moves with their presence and their caregiver
        pid = _int(e.get("id"))
        att = attendance_row(db, sid, pid)
        was_present, before = att.present, att.version
        (mark_left if e.get("in_room") is True else mark_arrived)(db, session_id=sid, participant_id=pid)
        db.refresh(att)
        return arrival_changes_parts(was_present, s.current_step), _own(f"att:{pid}", before, att.version)
    if act == "carer":
        name, rel, pid, seen = e.get("name"), e.get("rel"), _int(e.get("id")), _int(e["v"])
        if not all(x is None or isinstance(x, str) for x in (name, rel)):
            raise _Fallback
        set_caregiver(db, session_id=sid, participant_id=pid, present=e.get("on") is True, name=name,
                      relationship=rel, seen_version=seen)
        att = attendance_row(db, sid, pid)
        db.refresh(att)
        return False, _own(f"att:{pid}", seen, att.version)
    if act == "note":
        return False, _note(db, s, e)
    raise _Fallback


def _note(db, s, e: dict) -> dict | None:
    """A note of the step shown, on the whole group or on someone present, against the version its field showed."""
    step, key, text, tags = s.current_step or STEP_ORDER[0], e.get("key"), e.get("text"), e.get("tags") or []
    if not isinstance(text, str) or not isinstance(tags, list) or not isinstance(key, str):
        raise _Fallback
    pid = note_owner(s.id, step, key)  # a field the screen shows: the group's, or someone present's
    if pid is not None and not attendance_row(db, s.id, pid).present:
        raise _Fallback
    v = e.get("v")
    seen = None if v in (None, "") else _int(v)
    note = save_live_note(db, session_id=s.id, participant_id=pid, step=step, text=text,
                          tags=[t for t in tags if t in NOTE_TAGS], seen_version=seen)
    return None if note is None else _own(key, seen, latest_version_id(db, note.id))


def _read(engine, sid: int) -> dict | None:
    with session_scope(engine) as db:
        view = load_session_view(db, sid)
    return None if view is None else view_data(view)


def handle(engine, sid: int, e: dict) -> dict:
    """One event of a page load, once: {"done": true, "parts": bool, "saved": note or null, "data": the screen's
    new data}; or FALLBACK, nothing written."""
    page, seq = e.get("page"), e.get("seq")
    if not isinstance(page, str) or not 0 < len(page) <= 64 or isinstance(seq, bool) or not isinstance(seq, int):
        return FALLBACK
    with page_events(page) as done:
        if seq <= done[0]:  # handled already (an answer lost on the way): the screen as it is now
            return {"done": True, "parts": False, "saved": None, "data": _read(engine, sid)}
        try:
            with session_scope(engine) as db:
                parts, saved = _write(db, sid, e)
        except (_Fallback, Conflict, RuleError, SQLAlchemyError, KeyError, TypeError, ValueError) as exc:
            log.info("live fast path: left to the page (%s)", type(exc).__name__)  # the kind only, no values
            return FALLBACK
        done[0] = seq
    try:
        data = _read(engine, sid)
    except SQLAlchemyError as exc:  # written: the page's next run shows it
        log.warning("live fast path: the read after a write failed (%s)", type(exc).__name__)
        data = None
    return {"done": True, "parts": parts, "saved": saved, "data": data}


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # a same-origin fetch may omit it; the custom header is what a foreign page cannot send
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


async def act(request: Request) -> Response:
    """POST /live/session/<id>/act: one event of the one-component screen."""
    try:
        check_request(request)
    except Refused as no:
        log.info("live fast path refused: %s", no.reason)
        return plain_answer(no.status, no.message)
    if request.headers.get(HEADER) != "1" or not _same_origin(request):
        log.info("live fast path refused: not the page's own request")
        return plain_answer(403, "Only the live page may send this.")
    sid = request.path_params["session_id"]
    body = await request.body()
    if not 0 < sid <= MAX_ID or len(body) > MAX_BODY:
        return JSONResponse(FALLBACK, headers=NO_STORE)
    try:
        e = json.loads(body)
    except ValueError:
        e = None
    if not isinstance(e, dict):
        return JSONResponse(FALLBACK, headers=NO_STORE)
    try:
        engine = await run_in_threadpool(get_engine)
        answer = await run_in_threadpool(handle, engine, sid, e)
    except Exception as exc:  # the page's path tries it; the log names only the kind of error
        log.error("live fast path failed (%s)", type(exc).__name__)
        answer = FALLBACK
    return JSONResponse(answer, headers=NO_STORE)


def routes() -> list[Route]:
    """For st.App in streamlit_app.py."""
    return [Route(make_url_path(config.get_option("server.baseUrlPath") or "", ACT_ROUTE), act, methods=["POST"])]
