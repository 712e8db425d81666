"""/live's screen drawn by ONE component (issue 15; what `/live?session=N` opens, `screen=widgets` the earlier one):
the header (title, projector link, privacy curtain, the steps, the clock, Start / Pause / Resume / End…, the
keyboard shortcuts), what the step delivers with its ticks and progress, and the people's cards (presence,
caregiver, the step's note and its tags) with the whole group's note. Streamlit carries data and events; the
browser draws (ui/live_screen.js).

Why: every element Streamlit draws costs the browser a redraw on each message of each run, fragments' runs
included, so the widget screen's many small widgets made each click 1.6-3.8x a bare page's (README, Performance).
A plain click is written by the fast path (ui/live_route.py) and drawn from its answer, without a Streamlit run;
anything else comes on the component's trigger (handle_events) and is written by ui/live_writes.py. Both write
with models/, checked against the version this screen showed; a conflict is drawn by the component with both
values (ui/conflicts.py), and a note typed here is mirrored into the browser until saved (ui/drafts.py) and offered
back by the component after a reload. What the component does not draw, pages/live.py draws under it as the widget
screen does: in a fragment of its own (rest_key) the
end's confirmation, the ratings, the question queue and the goals; by the page, late arrivals and the sign-in sheet
and the projector's options."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine
from streamlit import config
from streamlit.url_util import make_url_path

from models import clock
from models.attendance import mark_arrived, mark_left, set_present
from models.billing import room_count
from models.curriculum import STEP_ORDER, STEP_TITLES, activity_key, checklist_items, topic_key
from models.enums import SessionStatus
from models.forgotten import check_forgotten
from models.rules import CODES, MAX_NAME, MAX_RELATIONSHIP, NOTE_TAGS, TAG_SHORT
from models.session_view import SessionView
from models.sessions import pause, resume, set_privacy_curtain, start_session, step_offset
from ui import assets, conflicts, drafts
from ui.actions import notice
from ui.clock import face_html
from ui.live_panels import (
    CURTAIN_ON,
    ended_line,
    forgotten_warning,
    notes_never_saved,
    part_view,
    restore_elsewhere,
    status_line,
    step_button,
)
from ui.live_writes import (
    LiveWrites,
    live_note,
    live_notes,
    note_drafts,
    note_gen_key,
    note_keys,
    stored_note,
)
from ui.text import plain

ss = st.session_state
log = logging.getLogger("facilitator")

# The component's own code is a loader: the screen's script and style are fetched once from ui/assets.py's route and
# kept by the browser, instead of travelling with every run that draws the component (every click).
_LOADER = """
export default function (component) {
  if (!document.querySelector("link[data-gsf-live-screen]")) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL(CSS_URL, window.location.href).href;
    link.dataset.gsfLiveScreen = "";
    document.head.appendChild(link);
  }
  window.__gsfLiveScreen = window.__gsfLiveScreen || import(new URL(JS_URL, window.location.href).href);
  window.__gsfLiveScreen.then((screen) => screen.default(component), () => {
    window.__gsfLiveScreen = null;  // tried again on the next run
    if (!component.parentElement.querySelector(".gsf-load-error")) {
      const said = document.createElement("p");
      said.className = "gsf-load-error";
      said.setAttribute("role", "alert");
      said.textContent = "The live screen could not be loaded (the connection to the app may have dropped). "
        + "Reload the page.";
      component.parentElement.appendChild(said);
    }
  });
}
"""
_COMPONENT = st.components.v2.component(
    "gsf_live_screen", js=_LOADER.replace("CSS_URL", json.dumps(assets.url("live_screen.css")))
    .replace("JS_URL", json.dumps(assets.url("live_screen.js"))), isolate_styles=False)

# The steps under which the fragment under the component draws something of its own (ui/live_panels.py): the ratings
# at the introduction and the summary, the goals at the summary, the question queue open at Q&A. A step change to or
# from one of them reruns that fragment too (after the component's answer: _refresh); between the others (Teaching,
# Activities) the component's fragment alone.
RATING_STEPS = ("intro", "summary")
PAGE_STEPS = {*RATING_STEPS, "qa"}


def step_changes_parts(before: str | None, target: str) -> bool:
    """Whether a step change from `before` to `target` changes the parts under the component."""
    return bool({before, target} & PAGE_STEPS)


def arrival_changes_parts(was_present: bool, step: str | None) -> bool:
    """Whether Arrived now / Left now changes them: a first arrival adds the person to the ratings and the goals."""
    return not was_present and step in RATING_STEPS
CONFIRM_END = "confirm_end_{sid}"  # session state: the end's confirmation is drawn open (pages/live.py)
FOCUS_KEY = "_live_one_focus"


ACT_ROUTE = "live/session/{session_id:int}/act"  # the fast path of a plain click (ui/live_route.py)


def act_url(sid: int) -> str:
    return make_url_path(config.get_option("server.baseUrlPath") or "", ACT_ROUTE.replace("{session_id:int}", str(sid)))


def screen_key(sid: int) -> str:
    return f"live_one_{sid}"


def _ack_key(sid: int) -> str:
    return f"_live_one_ack_{sid}"


def _own_key(sid: int) -> str:
    """Session state: note field → (the version it showed, the version this screen's save of it made)."""
    return f"_live_one_own_{sid}"


def _due_key(sid: int) -> str:
    """Session state: how many times the parts under the component were to be drawn again (sent to it: a new
    number makes it ask for that, _refresh)."""
    return f"_live_one_due_{sid}"


def fields_key(sid: int) -> str:
    return f"_live_one_fields_{sid}"


# Each page load of the screen numbers its events; an event is handled once, by whichever path it came on (the
# component's trigger, handle_events, or the fast path of ui/live_route.py), never by both: each path holds the
# page's lock while it checks the number and writes (a fast-path request the browser gave up on, still running,
# and the same event sent again on the trigger). In this process: a page load's events go to the server that
# serves its page (the fast path's requests carry Streamlit's cookies, and a load balancer keeps a browser on one).
_PAGES: OrderedDict[str, tuple[threading.Lock, list[int]]] = OrderedDict()
_PAGES_LOCK = threading.Lock()
_PAGES_KEPT = 2000  # page loads remembered (the oldest forgotten first): a few bytes each


@contextmanager
def page_events(page: str) -> Iterator[list[int]]:
    """Hold a page load's lock; yields [the last event number handled], to read and to set."""
    with _PAGES_LOCK:
        entry = _PAGES.get(page)
        if entry is None:
            entry = _PAGES[page] = (threading.Lock(), [0])
            while len(_PAGES) > _PAGES_KEPT:
                _PAGES.popitem(last=False)
        _PAGES.move_to_end(page)
    with entry[0]:
        yield entry[1]


def handled(page: str) -> int:
    """The last event number of this page load handled by either path (0: none)."""
    with _PAGES_LOCK:
        entry = _PAGES.get(page)
    return entry[1][0] if entry else 0


# ---------------------------------------------------------------- what the screen shows


def _steps(view: SessionView) -> list[dict]:
    out = []
    for i, x in enumerate(view.curriculum.steps, 1):
        label, tip, current = step_button(view, i, x)
        out.append({"id": x.id, "label": label, "title": plain(x.display_title), "current": current, "help": tip})
    return out


def _texts(view: SessionView, step) -> list[dict]:
    """The step's own texts beside its ticks: the starter prompts, the recap and the hand-outs."""
    if step.id == "qa":
        return [{"label": "Starter prompts", "lines": [f"• {plain(p)}" for p in step.prompts]}]
    if step.id == "summary":
        out = [{"label": "Recap", "lines": [f"• {plain(r)}" for r in step.recap]}]
        if step.handouts:
            out.append({"label": "Hand-outs", "lines": [f"• {plain(h)}" for h in step.handouts]})
        return out
    return []


def _ticks(view: SessionView, step) -> list[dict]:
    sid = view.session.id

    def tick(key: str, kind: str, label: str, body: str = "") -> dict:
        at = view.ticks.get(key)
        return {"key": key, "kind": kind, "label": label, "body": body, "on": at is not None,
                "v": view.version("tick", key), "widget": f"tick_{sid}_{key}",
                "help": f"Delivered at {clock.fmt_local(at, '%H:%M')}" if at else ""}

    out = []
    if step.id == "teach":  # as the widget screen's deliverables: topics at Teaching, activities at Activities
        for t in step.topics:
            out.append(tick(topic_key(t.id), "topic", f"Topic delivered: {plain(t.title)}",
                            "\n".join(f"• {plain(kp)}" for kp in t.key_points)))
    if step.id == "activity":
        for a in step.activities:
            lines = [f"Materials: {'; '.join(plain(m) for m in a.materials)}"] if a.materials else []
            lines += [f"{n}. {plain(ins)}" for n, ins in enumerate(a.instructions, 1)]
            out.append(tick(activity_key(a.id), "activity", f"Activity done: {plain(a.title)}"
                            + (f" ({a.minutes} min)" if a.minutes else ""), "\n".join(lines)))
    for item in checklist_items(view.curriculum, step.id):
        if item.kind == "check":
            out.append(tick(item.key, "check", plain(item.label)))
    return out


def _note(view: SessionView, pid: int | None, label: str) -> dict:
    """A note field as stored (what this screen's own state adds, _mine: its generation, a conflict, a draft)."""
    step_id = view.session.current_step or STEP_ORDER[0]
    nkey = note_keys(view.session.id, pid, step_id)[0]
    version, text, tags = stored_note(live_note(view, pid, step_id))
    earlier = [n for n in view.notes if n.participant_id == pid and n.step != step_id and n.text.strip()]
    title = plain(view.curriculum.step(step_id).display_title)
    return {"key": nkey, "pid": pid, "step": step_id, "v": version, "text": text, "tags": list(tags), "gen": 0,
            "label": label, "placeholder": f"Notes during {title} (saved when you leave the field)",
            "earlier": " · ".join(f"{STEP_TITLES.get(n.step, n.step)}: {plain(n.text)}" for n in earlier),
            "conflict": None, "draft": None}


def _mine(view: SessionView, n: dict) -> None:
    """What this browser's Streamlit session adds to a note field: the generation of its text (a draft restored or
    "Keep theirs" makes the field show what is stored), a conflict met saving it, a draft of it offered back; and
    what the field shows is kept, as a draft restored here checks its write against."""
    nkey = n["key"]
    ss[note_keys(view.session.id, n["pid"], n["step"])[2]] = (n["v"], n["text"], tuple(n["tags"]))
    draft = _unsaved(view.session.id).get(nkey)
    n["gen"], n["conflict"] = ss.get(note_gen_key(nkey), 0), _conflict(nkey)
    n["draft"] = None if draft is None or draft.text == n["text"] or conflicts.pending(nkey) else _draft(draft, "text")


def _conflict(key: str) -> dict | None:
    """A write of this screen's refused because another screen wrote first: both values (ui/conflicts.py)."""
    p = conflicts.pending(key)
    return None if p is None else {"key": key, "label": plain(p.label), "mine": plain(p.mine),
                                   "theirs": plain(p.theirs)}


def _draft(d: drafts.Draft, what: str) -> dict:
    """A note typed in this browser that never reached the record, offered back (ui/drafts.offer's words)."""
    return {"key": d.key, "text": plain(d.text),
            "said": f"Not saved: {what} typed in this browser at {clock.fmt_local(d.typed_at, '%H:%M')} that never "
                    "reached the record (the page was reloaded or the connection dropped)."}


def _elsewhere(view: SessionView, shown: dict) -> list[dict]:
    """Notes typed in this browser, never saved, for fields this screen does not show now (another step, or a
    person no longer in the room), and a conflict met restoring one: offered where they were typed."""
    sid = view.session.id
    fields = _hidden(view)
    out = []
    for k, d in _unsaved(sid).items():
        if k in shown:
            continue
        pid, step_key = fields.get(k, (None, None))
        if step_key is None:
            continue
        who = "the whole group" if pid is None else next(
            (plain(p.first_name) for p in view.people if p.participant_id == pid), "a participant")
        note = live_note(view, pid, step_key)
        if note is not None and note.text == d.text:
            continue  # saved there meanwhile
        out.append({"conflict": _conflict(k), "draft": None if conflicts.pending(k) else _draft(
            d, f"a note on {who} in {STEP_TITLES.get(step_key, step_key)},")})
    return out


def _hidden(view: SessionView) -> dict[str, tuple[int | None, str]]:
    """Every /live note field of the session (everyone on the roster, and the group, at every step): key → (person
    or None, step)."""
    sid = view.session.id
    return {note_keys(sid, pid, x.id)[0]: (pid, x.id)
            for pid in [*(p.participant_id for p in view.people), None] for x in view.curriculum.steps}


def _warnings(view: SessionView) -> list[str]:
    s = view.session
    out = []
    flag = check_forgotten(s, view.runs) if s.status == SessionStatus.LIVE else None
    if flag:
        out.append(forgotten_warning(flag))
    if s.privacy_curtain:
        out.append(CURTAIN_ON)
    return out


def view_data(view: SessionView) -> dict[str, Any]:
    """What the component draws from the session as read, as plain data (every text escaped by the component): the
    same for any screen; `screen_data` adds this Streamlit session's own. `snap`: when the read began (µs)."""
    s, cur = view.session, view.curriculum
    sid, status = s.id, s.status
    ro, curtain = status == SessionStatus.ENDED, bool(s.privacy_curtain)
    step = cur.step(s.current_step or STEP_ORDER[0])
    fac = view.facilitator
    timer = view.timer()
    done, total = view.progress()
    room = room_count(view)
    people = []
    for p in [] if curtain else view.people:
        pid = p.participant_id
        card = {"id": pid, "line": status_line(view, p), "in_room": p.in_room, "present": p.present,
                "never_came": p.present and bool(p.intervals), "presence_help": f"{plain(p.first_name)} "
                + ("left the room" if p.in_room else "came into the room"),
                "carer": p.caregiver, "carer_v": view.version("attendance", pid),
                "carer_name": p.caregiver_name or "", "carer_rel": p.caregiver_relationship or "", "note": None}
        if p.present and status != SessionStatus.PLANNED:
            card["note"] = _note(view, pid, f"Notes on {plain(p.first_name)}")
        people.append(card)
    group = None
    if status != SessionStatus.PLANNED and not curtain:
        group = _note(view, None, "Group notes")
    return {
        "sid": sid, "snap": view.read_at // 1000, "status": str(status), "ro": ro, "curtain": curtain,
        "paused": timer.paused,
        "title": plain(cur.title),
        "caption": f"{CODES[s.billing_code].label} · {plain(s.setting)} · scheduled {clock.fmt_local(s.scheduled_at)}"
                   + (f" · {plain(fac.name)} ({plain(fac.credential)})" if fac else ""),
        "projector_url": f"./projector?session={sid}",
        "curtain_help": "Privacy curtain: hides surnames, notes, tags, ratings and goals so this screen can be "
                        "mirrored to the room.",
        "steps": _steps(view), "prev": step_offset(s, -1), "next": step_offset(s, 1),
        "clock": None if status == SessionStatus.PLANNED else face_html(
            timer, step_label=step.display_title, scale=0.72, key=f"clock_{sid}"),
        "not_started": f"planned length {cur.minutes} min. Mark who is here, then start.",
        "ended_text": ended_line(view),
        "record_url": f"./review?session={sid}", "warnings": _warnings(view),
        "step": step.id, "step_title": f"{plain(step.display_title)} · planned {step.minutes} min",
        "texts": _texts(view, step), "ticks": _ticks(view, step), "done": done, "total": total,
        "room": {"ok": room.check.ok, "text": f"{room.text}. {room.check.message}"},
        "people": people, "group": group, "elsewhere": [],
        "tags": [{"tag": t, "short": TAG_SHORT.get(t, t)} for t in NOTE_TAGS],
        "max_name": MAX_NAME, "max_rel": MAX_RELATIONSHIP,
    }


def screen_data(view: SessionView) -> dict[str, Any]:
    """view_data, with what this Streamlit session adds: the note fields' own state (_mine), the drafts offered
    back for fields not on the screen, the events handled, whether the parts under the component are to be drawn
    again, where the focus goes."""
    d = view_data(view)
    sid = view.session.id
    notes = [n for n in [*(p["note"] for p in d["people"]), d["group"]] if n is not None]
    for n in notes:
        _mine(view, n)
    fields = ss[fields_key(sid)] = {n["key"]: (n["pid"], n["step"]) for n in notes}
    if d["status"] == SessionStatus.LIVE and not d["curtain"]:
        d["elsewhere"] = _elsewhere(view, fields)
    ack = ss.get(_ack_key(sid))
    page_handled = handled(ack[0]) if ack else 0
    d |= {"act_url": act_url(sid),
          "ack": {"page": ack[0], "seq": max(ack[1], page_handled)} if ack else None,
          "refresh": ss.get(_due_key(sid), 0),
          "focus": ss.pop(FOCUS_KEY, None)}  # after Start, the focus goes to Pause (Start is gone)
    return d


# ---------------------------------------------------------------- what a click does


class _Unreadable(Exception):
    """An event the component sent that names nothing this screen showed."""


_PAGE, _PARTS = 2, 1  # what an event needs drawn again beyond the component: the page, or the parts under it (rest_key)


def _handle(w: LiveWrites, view: SessionView, e: dict) -> int:
    """One event from the component, written as /live's own controls write it. What it needs drawn again besides
    the component: 0 nothing, _PARTS the parts under it (their fragment), _PAGE the whole page."""
    sid, s = w.sid, view.session
    act = e.get("act")
    people = {p.participant_id: p for p in view.people}

    def person() -> int:
        pid = int(e["id"])
        if pid not in people:
            raise _Unreadable
        return pid

    if act == "step":
        target = str(e.get("id") or "")
        if target not in STEP_ORDER:
            raise _Unreadable
        w.jump(target)
        return _PARTS if step_changes_parts(s.current_step, target) else 0
    if act == "pause":  # what the screen showed: a Pause pressed after another screen paused leaves it paused
        w.do(resume if e.get("paused") else pause)
        return 0
    if act == "curtain":
        w.do(set_privacy_curtain, on=not s.privacy_curtain)
        return _PAGE  # the projector's options are not drawn under the curtain
    if act == "start":
        w.do(start_session)
        ss[FOCUS_KEY] = "pause"
        return _PAGE
    if act == "end":  # the confirmation, drawn under the component
        ss[CONFIRM_END.format(sid=sid)] = True
        return _PARTS
    if act == "tick":
        key = str(e["id"])
        if key not in w.item_labels:
            raise _Unreadable
        ss[f"tick_{sid}_{key}"] = bool(e["on"])
        w.set_tick(key, int(e["v"]))
        return 0
    if act == "presence":
        pid = person()
        w.presence(mark_left if e.get("in_room") else mark_arrived, pid)
        return _PARTS if arrival_changes_parts(people[pid].present, s.current_step) else 0
    if act == "never":  # the ratings and the goals list whom is present
        w.do(set_present, participant_id=person(), present=False)
        return _PARTS
    if act == "present":
        w.do(set_present, participant_id=person(), present=bool(e["on"]))
        return _PARTS
    if act == "carer":
        pid = person()
        on = bool(e["on"])
        p = people[pid]
        ss[f"carer_{sid}_{pid}"] = on
        ss[f"carer_name_{sid}_{pid}"] = str(e.get("name", p.caregiver_name or ""))
        ss[f"carer_rel_{sid}_{pid}"] = str(e.get("rel", p.caregiver_relationship or ""))
        w.set_caregiver(pid, int(e["v"]))
        return 0
    if act == "note":
        where = (ss.get(fields_key(sid)) or {}).get(str(e["key"]))
        if where is None:
            raise _Unreadable
        pid, step_key = where
        tags = [t for t in e.get("tags") or [] if t in NOTE_TAGS]
        v = str(e.get("v") or "")
        _write_note(w, pid, step_key, str(e.get("text") or ""), tags, int(v) if v else None)
        return 0
    if act == "keep":  # a conflict on a note: keep this screen's text or the other screen's
        key = str(e["id"])
        if conflicts.pending(key) is None or key not in _hidden(view):
            raise _Unreadable
        conflicts.resolve(key, bool(e.get("mine")))
        return 0
    if act in ("restore", "discard"):  # a draft offered back: what this browser reported, not what the click says
        key = str(e["id"])
        draft, where = _unsaved(sid).get(key), _hidden(view).get(key)
        if draft is None or where is None:
            raise _Unreadable
        if act == "discard":
            drafts.discard(key, draft.text)
        elif key in (ss.get(fields_key(sid)) or {}):
            ss[note_gen_key(key)] = ss.get(note_gen_key(key), 0) + 1  # the field shows the draft, now stored
            w.restore_draft(where[0], where[1], draft.text)
        else:
            restore_elsewhere(w, where[0], where[1], draft.text, stored_note(live_note(view, *where)))
        _unsaved(sid).pop(key, None)
        return _PAGE  # the keeper of drafts, drawn by the page, drops it from the browser
    raise _Unreadable


def _write_note(w: LiveWrites, pid: int | None, step_key: str, text: str, tags: list[str], seen: int | None) -> None:
    """Save a note against the version its field showed. A field left and then a tag pressed at once send two
    saves before the screen is drawn again, both against the version shown then: the second is checked against
    the version the first one saved, this screen's own, never reported as a conflict with itself. Another
    screen's save in between still is."""
    nkey = note_keys(w.sid, pid, step_key)[0]
    own = ss.setdefault(_own_key(w.sid), {})
    base = own.get(nkey)
    if base is not None and base[0] == seen:
        seen = base[1]
    saved = w.write_note(pid, step_key, text, tags, seen)
    if saved is not None:
        own[nkey] = (seen, saved)


def handle_events(engine: Engine, sid: int) -> None:
    """The component's events not handled yet, in the order they were made (ui/live_screen.js keeps each until
    the server says it has been handled, so two that came as one trigger are both here)."""
    sent = (ss.get(screen_key(sid)) or {}).get("act") or {}
    page, events = str(sent.get("page") or ""), sent.get("events") or []
    held = ss.get(_ack_key(sid))
    view, w = part_view(engine, sid)
    again = 0
    with page_events(page) as done:
        last = max(held[1] if held and held[0] == page else 0, done[0])
        for e in sorted((e for e in events if isinstance(e, dict)), key=lambda e: e.get("seq", 0)):
            seq = e.get("seq")
            if not isinstance(seq, int) or seq <= last:
                continue
            last = done[0] = seq
            try:
                again = max(again, _handle(w, view, e))
            except (_Unreadable, KeyError, TypeError, ValueError) as exc:  # no values logged, only the kind
                log.info("live screen: an event naming nothing on the screen was ignored (%s)", type(exc).__name__)
                notice("That click did not match what this screen shows now; nothing was changed.")
    ss[_ack_key(sid)] = (page, last)
    if again == _PAGE:
        st.rerun()
    elif again == _PARTS:  # the component's answer first, then (it asks: _refresh) the fragment under it
        ss[_due_key(sid)] = ss.get(_due_key(sid), 0) + 1


def _refresh(sid: int) -> None:
    """The component has drawn an answer that changes the parts under it too: rerun their fragment alone (a rerun
    of both at once, from the click's callback, showed the step later than the page's own run)."""
    st.rerun([rest_key(sid)])


# ---------------------------------------------------------------- the fragment


def _unsaved_key(sid: int) -> str:
    return f"_live_one_unsaved_{sid}"


def _unsaved(sid: int) -> dict[str, drafts.Draft]:
    """The notes this browser holds that never reached the record, as the keeper reported them at the page's last
    run (keep_drafts), less those discarded since."""
    discarded = ss.get("_drafts_discarded") or {}
    held = ss.setdefault(_unsaved_key(sid), {})
    return {k: d for k, d in held.items() if d.text not in discarded.get(k, [])}


def keep_drafts(view: SessionView) -> None:
    """Drawn by the page, not the screen's fragment (a click need not carry it): the keeper that mirrors every note
    field of /live into this browser until it is saved (ui/drafts.keeper), told the text stored for each field of
    every step, so that a draft equal to it goes. What it reports is offered back by the component (_note,
    _elsewhere). On an ended session, how many never reached the record."""
    s = view.session
    if s.status == SessionStatus.ENDED:
        notes_never_saved(view)
        return
    if s.status != SessionStatus.LIVE or s.privacy_curtain:
        return
    sid = s.id
    stored = {k: n.text for k, n in live_notes(view).items()}
    fields = {k: stored.get(where, "") for k, where in _hidden(view).items()}
    ss[_unsaved_key(sid)] = drafts.keeper(note_drafts(sid), fields, key=f"drafts_{sid}")


def _screen(engine: Engine, sid: int) -> None:
    view, _ = part_view(engine, sid)
    _COMPONENT(key=screen_key(sid), data=screen_data(view), on_act_change=lambda: handle_events(engine, sid),
               on_refresh_change=lambda: _refresh(sid))


def fragment_key(sid: int) -> str:
    return f"live_screen_{sid}"


def rest_key(sid: int) -> str:
    """The fragment the page draws under the screen's (what the component does not draw yet, pages/live.py)."""
    return f"live_rest_{sid}"


def draw(engine: Engine, sid: int) -> None:
    """The screen, a fragment of one component. A click reruns it alone, or then the fragment under it when it
    changes that too (_handle)."""
    st.fragment(_screen, key=fragment_key(sid))(engine, sid)
