"""/live's fast path (ui/live_route.py): a plain click of the one-component screen written against the version
the screen showed and answered with the screen's data; anything but a plain success leaves nothing written and is
left to the page's path; each event of a page load is handled once, by either path; only the page's own request,
under the pages' access rule, is taken. The browser's side is in tests/e2e/test_live_one_screen_browser.py."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.db import session_scope
from models.notes import save_live_note
from models.sessions import go_to_step, set_privacy_curtain
from tests.pages.test_live_screen_events import _live, _page, _view
from ui import downloads as dl
from ui import live_route
from ui.live_screen import page_events

TICK = "intro:check:0"


@pytest.fixture
def live(engine, monkeypatch):
    monkeypatch.setattr(live_route, "get_engine", lambda: engine)
    return _live(engine)


def _request(sid: int, body: dict | bytes, *, client: str = "127.0.0.1", headers: dict | None = None):
    from starlette.requests import Request

    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    hdrs = {"host": "localhost:8501", "content-type": "application/json", "x-gsf-live": "1", **(headers or {})}
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return Request({"type": "http", "method": "POST", "path": f"/live/session/{sid}/act", "query_string": b"",
                    "headers": [(k.lower().encode(), v.encode()) for k, v in hdrs.items() if v is not None],
                    "client": (client, 50000), "path_params": {"session_id": sid}}, receive)


def _call(sid: int, body, **kw):
    """The route's answer, in a thread of its own (the browser tests' Playwright keeps an event loop in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, live_route.act(_request(sid, body, **kw))).result()


def _answer(response) -> dict:
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    return json.loads(response.body)


def test_a_tick_is_written_against_the_version_shown_and_answered_with_the_screen(engine, live):
    sid, _ = live
    page = _page()
    a = _answer(_call(sid, {"act": "tick", "id": TICK, "on": True, "v": 0, "page": page, "seq": 1}))
    assert a["done"] and not a["parts"] and a["saved"] == {"key": f"tick:{TICK}", "from": 0, "to": 1}
    tick = next(t for t in a["data"]["ticks"] if t["key"] == TICK)
    assert tick["on"] and tick["v"] == 1 and a["data"]["done"] == 1
    assert "ack" not in a["data"] and "elsewhere" in a["data"]  # the session as read, nothing of a browser's own
    # the same event again (its answer lost on the way): the screen as it is, nothing written twice
    again = _answer(_call(sid, {"act": "tick", "id": TICK, "on": True, "v": 0, "page": page, "seq": 1}))
    assert again["done"] and _view(engine, sid).version("tick", TICK) == 1
    # shown before another screen's untick: left to the page, which says so; nothing written here
    stale = _answer(_call(sid, {"act": "tick", "id": TICK, "on": True, "v": 0, "page": page, "seq": 2}))
    assert stale == {"fallback": True}
    assert _view(engine, sid).version("tick", TICK) == 1
    with page_events(page) as done:
        assert done[0] == 1  # the page's path handles number 2


def test_a_step_change_and_a_first_arrival_say_when_the_parts_under_the_screen_change(engine, live):
    sid, (ada, bram) = live
    page = _page()
    step = _answer(_call(sid, {"act": "step", "id": "teach", "page": page, "seq": 1}))
    assert step["done"] and step["parts"]  # from the introduction (its ratings) to Teaching
    assert step["data"]["step"] == "teach"
    assert not _answer(_call(sid, {"act": "step", "id": "activity", "page": page, "seq": 2}))["parts"]
    left = _answer(_call(sid, {"act": "presence", "id": ada, "in_room": True, "page": page, "seq": 3}))
    assert left["done"] and not left["parts"]
    entry = next(p for p in left["data"]["people"] if p["id"] == ada)["carer_v"]  # her entry's version moved
    assert left["saved"] == {"key": f"att:{ada}", "from": entry - 1, "to": entry}
    carer = _answer(_call(sid, {"act": "carer", "id": ada, "on": True, "v": entry, "page": page, "seq": 4}))
    assert carer["saved"] == {"key": f"att:{ada}", "from": entry, "to": entry + 1}
    person = next(p for p in _view(engine, sid).people if p.participant_id == ada)
    assert not person.in_room and len(person.intervals) == 1
    paused = _answer(_call(sid, {"act": "pause", "paused": False, "page": page, "seq": 5}))
    assert paused["data"]["paused"]


def test_a_note_saved_says_the_version_it_made_and_a_conflict_is_left_to_the_page(engine, live):
    sid, (ada, _) = live
    page, key = _page(), f"note_{sid}_{ada}_intro"
    note = {"act": "note", "key": key, "text": "Invented: brought a meter", "tags": ["needs follow-up"], "v": ""}
    a = _answer(_call(sid, {**note, "page": page, "seq": 1}))
    stored = _view(engine, sid).notes[0]
    assert a["done"] and a["saved"] == {"key": key, "from": None, "to": stored.version_id}
    assert (stored.text, stored.tags) == ("Invented: brought a meter", ["needs follow-up"])
    with session_scope(engine) as db:  # another screen saves it
        save_live_note(db, session_id=sid, participant_id=ada, step="intro", text="Invented: theirs", tags=[],
                       seen_version=stored.version_id)
    mine = {**note, "text": "Invented: mine", "v": str(stored.version_id), "page": page, "seq": 2}
    assert _answer(_call(sid, mine)) == {"fallback": True}  # the page shows both values
    assert [n.text for n in _view(engine, sid).notes] == ["Invented: theirs"]
    # a field the screen does not show (another step's, someone not present, another session's): the page's
    for other in (f"note_{sid}_{ada}_teach", f"note_{sid}_999999_intro", f"note_{sid + 1}_{ada}_intro", "note_"):
        assert _answer(_call(sid, {**note, "key": other, "page": page, "seq": 3})) == {"fallback": True}
    assert len(_view(engine, sid).notes) == 1


def test_what_is_not_a_plain_click_is_left_to_the_page(engine, live):
    sid, (ada, _) = live
    page = _page()
    for e in ({"act": "end"}, {"act": "curtain"}, {"act": "restore", "id": "x"}, {"act": "tick", "id": "no:such"},
              {"act": "tick", "id": TICK, "on": True, "v": True}, {"act": "step", "id": "elsewhere"},
              {"act": "presence", "id": 999_999, "in_room": True}, {"act": "carer", "id": ada, "on": True, "v": 0,
                                                                     "name": ["x"]}):
        assert _answer(_call(sid, {**e, "page": page, "seq": 1})) == {"fallback": True}, e
    for body in (b"not json", b"[]", json.dumps({"act": "tick", "id": TICK, "on": True, "v": 0}).encode(),
                 json.dumps({"act": "tick", "id": TICK, "on": True, "v": 0, "page": page, "seq": "1"}).encode()):
        assert _answer(_call(sid, body)) == {"fallback": True}
    assert _answer(_call(999_999, {"act": "tick", "id": TICK, "on": True, "v": 0, "page": page, "seq": 1})) \
        == {"fallback": True}
    with session_scope(engine) as db:  # under the curtain nothing of the people is on the screen
        set_privacy_curtain(db, session_id=sid, on=True)
    for e in ({"act": "presence", "id": ada, "in_room": True}, {"act": "carer", "id": ada, "on": True, "v": 0},
              {"act": "note", "key": f"note_{sid}_{ada}_intro", "text": "Invented", "tags": [], "v": ""}):
        assert _answer(_call(sid, {**e, "page": page, "seq": 1})) == {"fallback": True}, e
    view = _view(engine, sid)
    assert not view.ticks and all(p.in_room for p in view.people) and view.session.current_step == "intro"
    assert not view.notes and not any(p.caregiver for p in view.people)
    # the step and the clock are the room's: written, and answered with nothing of the people
    a = _answer(_call(sid, {"act": "step", "id": "teach", "page": page, "seq": 2}))
    assert a["done"] and a["data"]["people"] == [] and a["data"]["group"] is None
    assert _view(engine, sid).session.current_step == "teach"


def test_only_the_pages_own_request_under_the_access_rule(engine, live, monkeypatch):
    sid, _ = live
    tick = {"act": "tick", "id": TICK, "on": True, "v": 0, "page": _page(), "seq": 1}
    monkeypatch.delenv("GSF_ALLOW_UNAUTHENTICATED_NETWORK", raising=False)
    refused = _call(sid, tick, client="192.168.1.20")
    assert refused.status_code == 403 and refused.body.decode().strip() == dl.NOT_LOCAL
    for headers in ({"x-gsf-live": None}, {"origin": "https://elsewhere.example"}):  # another site's page
        refused = _call(sid, tick, headers=headers)
        assert refused.status_code == 403 and refused.headers["cache-control"] == "no-store"
    monkeypatch.setattr(dl, "auth_configured", lambda: True)
    monkeypatch.setattr(dl, "request_user", lambda request: None)
    assert _call(sid, tick, headers={"origin": "http://localhost:8501"}).status_code == 403  # not signed in
    assert not _view(engine, sid).ticks
    monkeypatch.setattr(dl, "request_user", lambda request: "p:pat")
    assert _answer(_call(sid, tick, headers={"origin": "http://localhost:8501"}))["done"]
    assert TICK in _view(engine, sid).ticks


def test_an_ended_session_is_left_to_the_page(engine, live):
    sid, _ = live
    from models.sessions import end_session

    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="summary")
        end_session(db, session_id=sid)
    assert _answer(_call(sid, {"act": "step", "id": "intro", "page": _page(), "seq": 1})) == {"fallback": True}
    assert _view(engine, sid).session.current_step == "summary"
