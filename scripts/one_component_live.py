"""A measuring prototype for issue 15's open decision, not a page of the product: `/live`'s header (the steps, the
step's title, Pause / Resume), the step's checklist with its progress, and the people's cards (status line,
"Left now" / "Arrived now", "Caregiver", the step's note saved on leaving it) drawn by ONE st.components.v2
component inside one fragment. Streamlit carries the data and the clicks; the browser draws. Each click is a
write through the app's own models/ functions (version-checked where /live checks) and a fresh read, as on
/live. It has none of /live's other parts (drafts kept across reloads, tags, conflicts offered to resolve, the
Q&A queue, ratings, goals, forgotten sessions, keyboard shortcuts, the privacy curtain): it exists to time what
that architecture costs against the bare page (scripts/latency_one_component.py), with the same selectors and
the same "shown" conditions as scripts/latency.py's /live clicks.

    uv run streamlit run scripts/one_component_live.py -- ...   (served by scripts/latency_one_component.py)
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402

from models.attendance import mark_arrived, mark_left, set_caregiver  # noqa: E402
from models.curriculum import checklist_items  # noqa: E402
from models.db import init_engine, session_scope  # noqa: E402
from models.errors import Conflict  # noqa: E402
from models.notes import save_live_note  # noqa: E402
from models.session_view import load_session_view  # noqa: E402
from models.sessions import go_to_step, pause, resume, set_tick  # noqa: E402
from ui.live_panels import status_line  # noqa: E402

# Everything the server sends is data; every text the component puts on the page goes through `esc` first.
JS = r"""
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".gsf-one");
  if (!root) { root = document.createElement("div"); root.className = "gsf-one"; parentElement.appendChild(root); }
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                                                             "'": "&#39;"}[c]));
  const sid = data.sid;
  const cls = (s) => String(s).replace(/:/g, "-");  // as Streamlit's st-key- classes, so the same selectors hold
  let h = `<div class="st-key-live_header"><h1>${esc(data.title)}</h1><div class="gsf-steps">`;
  for (const s of data.steps) {
    h += `<span class="st-key-step_${cls(s.id)}"><button class="${s.current ? "gsf-cur" : ""}" data-act="step"
      data-id="${esc(s.id)}">${esc(s.label)}</button></span>`;
  }
  h += `</div><h2 class="gsf-step-label">${esc(data.step_title)}</h2>
    <button data-act="pause">${data.paused ? "Resume" : "Pause"}</button></div>`;
  if (data.said) h += `<p class="gsf-said" role="status">${esc(data.said)}</p>`;
  h += `<div class="gsf-cols"><div>`;
  h += `<div data-testid="stProgress">Curriculum delivered: ${data.done} of ${data.total} items</div>`;
  for (const t of data.ticks) {
    h += `<div class="st-key-tick_${sid}_${cls(t.key)}"><label><input type="checkbox" data-act="tick"
      data-id="${esc(t.key)}" data-v="${t.v}" ${t.on ? "checked" : ""}> ${esc(t.label)}</label></div>`;
  }
  h += `</div><div>`;
  for (const p of data.people) {
    h += `<div class="gsf-card st-key-person_${sid}_${p.id}"><strong>${esc(p.line)}</strong><div>
      <span class="st-key-presence_${sid}_${p.id}"><button data-act="presence"
      data-id="${p.id}">${p.in_room ? "Left now" : "Arrived now"}</button></span>
      <span class="st-key-carer_${sid}_${p.id}"><label><input type="checkbox" data-act="carer" data-id="${p.id}"
      data-v="${p.carer_v}" ${p.carer ? "checked" : ""}> Caregiver</label></span></div>
      <div class="st-key-note_${sid}_${p.id}_${cls(data.step)}"><textarea aria-label="Notes on ${esc(p.first)}"
      data-act="note" data-id="${p.id}" data-v="${p.note_v}">${esc(p.note)}</textarea></div></div>`;
  }
  h += `</div></div>`;
  root.innerHTML = h;
  // each click is an event of its own, also when it says what the last one said (the same person twice)
  const send = (v) => setTriggerValue("act", { ...v, seq: (root.seq = (root.seq || 0) + 1) });
  root.onclick = (ev) => {
    const b = ev.target.closest("button[data-act]");
    if (b) send({ act: b.dataset.act, id: b.dataset.id || null });
  };
  root.onchange = (ev) => {
    const i = ev.target;
    if (i.dataset.act && i.tagName !== "TEXTAREA")
      send({ act: i.dataset.act, id: i.dataset.id, v: Number(i.dataset.v), on: i.checked });
  };
  root.send = send;  // the listener below is added once, and sends through this run's setTriggerValue
  if (!root.listens) {
    root.listens = true;
    root.addEventListener("focusout", (ev) => {
      const i = ev.target;
      if (i.tagName === "TEXTAREA" && i.dataset.act === "note")
        root.send({ act: "note", id: i.dataset.id, v: Number(i.dataset.v), text: i.value });
    });
  }
}
"""
CSS = """.gsf-one .gsf-cols { display: flex; gap: 1rem; } .gsf-one .gsf-cols > div { flex: 1; }
.gsf-one .gsf-card { border: 1px solid #d9dee5; border-radius: .5rem; padding: .4rem; margin: .3rem 0; }
.gsf-one textarea { width: 100%; } .gsf-one button.gsf-cur { font-weight: bold; }"""
COMPONENT = st.components.v2.component("gsf_one_component_live", js=JS, css=CSS, isolate_styles=False)
KEY = "one_live"


@st.cache_resource
def _engine():
    return init_engine(os.environ["DATABASE_URL"])


def _act(engine, sid: int) -> None:
    """The click the component reported: one write, as /live's callbacks do it."""
    a = (st.session_state.get(KEY) or {}).get("act") or {}
    kind, said = a.get("act"), None
    try:
        with session_scope(engine) as db:
            if kind == "step":
                go_to_step(db, session_id=sid, step=str(a["id"]))
            elif kind == "pause":
                (resume if load_session_view(db, sid).timer().paused else pause)(db, session_id=sid)
            elif kind == "tick":
                set_tick(db, session_id=sid, item_key=str(a["id"]), done=bool(a["on"]), seen_version=int(a["v"]))
            elif kind == "presence":
                pid = int(a["id"])
                person = next(p for p in load_session_view(db, sid).people if p.participant_id == pid)
                (mark_left if person.in_room else mark_arrived)(db, session_id=sid, participant_id=pid)
            elif kind == "carer":
                set_caregiver(db, session_id=sid, participant_id=int(a["id"]), present=bool(a["on"]),
                              seen_version=int(a["v"]))
            elif kind == "note":
                step = load_session_view(db, sid).session.current_step
                save_live_note(db, session_id=sid, participant_id=int(a["id"]), step=step, text=str(a["text"]),
                               tags=[], seen_version=int(a["v"]) or None)
    except Conflict:
        said = "That was changed on another screen after this one showed it: this shows it as it is now."
    st.session_state["_one_said"] = said


@st.fragment
def live(engine, sid: int) -> None:
    with session_scope(engine) as db:
        view = load_session_view(db, sid)
    s, cur = view.session, view.curriculum
    step = cur.step(s.current_step)
    done, total = view.progress()
    notes = {(n.participant_id, n.step): n for n in view.notes}
    people = []
    for p in view.people:
        note = notes.get((p.participant_id, step.id))
        pid = p.participant_id
        people.append({"id": pid, "first": p.first_name, "line": status_line(view, p), "in_room": p.in_room,
                       "carer": p.caregiver, "carer_v": view.version("attendance", pid),
                       "note": note.text if note else "", "note_v": note.version_id if note else 0})
    COMPONENT(key=KEY, on_act_change=lambda: _act(engine, sid), data={
        "sid": sid, "title": cur.title, "step": step.id, "step_title": step.display_title,
        "paused": view.timer().paused, "said": st.session_state.pop("_one_said", None),
        "steps": [{"id": x.id, "label": x.display_title, "current": x.id == step.id} for x in cur.steps],
        "done": done, "total": total,
        "ticks": [{"key": i.key, "label": i.label, "on": i.key in view.ticks, "v": view.version("tick", i.key)}
                  for i in checklist_items(cur, step.id)],
        "people": people,
    })


live(_engine(), int(st.query_params.get("session", "1")))
