"""Nothing typed is lost: every note field on a page is mirrored, keystroke by keystroke, into this browser's
localStorage until what it holds is saved. After a reload, a dropped connection or a server restart the page
finds the draft, shows it clearly marked as not saved, and offers to restore (and save) or discard it.

One small component per page does it (st.components.v2, no build step): it listens for typing in the page's
text areas whose widget keys it is given, keeps `{text, at}` per key under a namespace, drops a draft once the
saved text equals it (or the person discarded it), and reports the drafts that the page does not show.

Short fields whose text is not yet added anywhere (a question, a goal, a name) are kept the same way per tab, and
put back into their field after a reload (`typed`); so are a form's fields with nothing to type into (a date, hours,
a choice, tags: `Pick`), read from what the page shows."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

import streamlit as st

from models import clock
from ui.text import md_escape, plain
from ui.widgets import set_kept

_JS = """
// One registry for every instance on the page: instance id -> {ns, fields (key -> {saved, discarded}) or
// patterns (regexes of keys), store}.
const STATE = (window.__gsfDrafts = window.__gsfDrafts || {specs: {}, reported: {}, seen: {}});

// A tab duplicated by the browser starts with a copy of the first tab's sessionStorage, and so with its short
// fields' text not yet added: that text belongs to the first tab, still open, and must not be put back here too (to
// be added twice). Each tab keeps an id in its sessionStorage; a page that finds one asks the other tabs (of this
// site) whether one of them holds it; if one answers, this is a copy: it takes an id of its own and drops the
// copied short fields. A reload finds its id with no one else holding it and keeps its text.
if (!STATE.tabReady) {
  STATE.tabReady = new Promise((resolve) => {
    const TAB = "gsf-tab";
    const fresh = () => Math.random().toString(36).slice(2) + Date.now().toString(36);
    let id = null;
    try { id = sessionStorage.getItem(TAB); } catch (e) { STATE.tab = "none"; resolve(); return; }
    const settle = (copy) => {
      if (copy || !id) {
        if (copy) {
          for (let i = sessionStorage.length - 1; i >= 0; i--) {
            const name = sessionStorage.key(i);
            if (name && name.startsWith("gsf-typed")) sessionStorage.removeItem(name);
          }
        }
        id = fresh();
        sessionStorage.setItem(TAB, id);
      }
      STATE.tab = id;
      resolve();
    };
    if (typeof BroadcastChannel === "undefined") { settle(false); return; }
    const channel = new BroadcastChannel("gsf-tabs");
    const nonce = fresh();
    let copy = false;
    channel.onmessage = (event) => {
      const m = event.data || {};
      if (m.ask && STATE.tab && m.ask === STATE.tab) channel.postMessage({mine: m.ask, nonce: m.nonce});
      else if (m.mine && m.nonce === nonce) copy = true;
    };
    STATE.channel = channel;
    if (!id) { settle(false); return; }
    channel.postMessage({ask: id, nonce});
    setTimeout(() => settle(copy), 150);  // another tab answers within a few milliseconds
  });
}

function storage(spec) { return spec.store === "session" ? sessionStorage : localStorage; }

function matches(spec, key) {
  if (spec.fields) return key in spec.fields;
  if (spec.picks && key in spec.picks) return true;
  return spec.patterns.some((p) => new RegExp("^(?:" + p + ")$").test(key));
}

function boxKey(el) {
  const box = el.closest('[class*="st-key-"]');
  if (!box) return null;
  for (const c of box.classList) if (c.startsWith("st-key-")) return c.slice(7);
  return null;
}

// Picked fields (a date or a time, a number, a choice, a set of tags: no text to type into) are read from what
// the page shows, as text: "YYYY-MM-DD", "HH:MM", "YYYY-MM-DDTHH:MM", the number as shown, the chosen option's
// place (0, 1, ...) or its label, the tags as a JSON list. null: not on the page; "": nothing whole to keep.
function readPick(key, kind) {
  const box = document.querySelector(".st-key-" + CSS.escape(key));
  if (!box) return null;
  if (kind === "date" || kind === "time" || kind === "datetime") {
    const part = (t, n) => {  // "" while the part is empty (no aria-valuenow): nothing whole to keep
      const v = box.querySelector('[role="spinbutton"][data-type="' + t + '"]')?.getAttribute("aria-valuenow");
      return v ? v.padStart(n, "0") : "";
    };
    if (box.querySelector('[data-type="dayPeriod"]')) return "";  // a 12-hour clock: not read
    const day = [part("year", 4), part("month", 2), part("day", 2)];
    const hm = [part("hour", 2), part("minute", 2)];
    const whole = (xs) => xs.every((x) => /^[0-9]+$/.test(x) && Number(x) >= 0);
    if (kind === "date") return whole(day) ? day.join("-") : "";
    if (kind === "time") return whole(hm) ? hm.join(":") : "";
    return whole(day) && whole(hm) ? day.join("-") + "T" + hm.join(":") : "";
  }
  if (kind === "select") return box.querySelector('input[role="combobox"]')?.value ?? null;
  if (kind === "number" || kind === "integer") return box.querySelector("input")?.value ?? null;  // or a slider
  if (kind === "radio") {
    const options = [...box.querySelectorAll('[data-testid="stRadioOption"]')];
    const i = options.findIndex((o) => o.dataset.selected === "true");
    return i < 0 ? "" : String(i);
  }
  if (kind === "tags") return JSON.stringify([...box.querySelectorAll("[data-tag] > span[title]")].map((s) => s.title));
  return null;
}

function samePick(kind, a, b) {
  if (a === b) return true;
  try {
    if (kind === "number" || kind === "integer") return a.trim() !== "" && b.trim() !== "" && Number(a) === Number(b);
    if (kind === "tags") return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch (e) { return false; }
  return false;
}

// A picked field that shows other than its form starts with (`start`) was changed here, or put back: it is kept.
// One that shows its start again, having shown something else in this page's life, was saved and emptied (or set
// back by hand): its draft goes. Before anything was put back after a reload it shows its start, never seen
// otherwise: what is kept stays, to be put back.
function keepPicks(spec, seen) {
  const store = storage(spec);
  for (const [key, p] of Object.entries(spec.picks || {})) {
    const now = readPick(key, p.kind);
    if (now === null || now === "") continue;  // not drawn, or nothing whole (a date half typed, no choice)
    const name = spec.ns + ":" + key;
    const saved = (spec.used[key] || []).some((u) => samePick(p.kind, now, u));  // what the form recorded
    try {
      if (!samePick(p.kind, now, p.start) && !saved) {
        seen[key] = true;
        const old = JSON.parse(store.getItem(name) || "null");
        if (!old || old.text !== now) store.setItem(name, JSON.stringify({text: now, at: Date.now()}));
      } else if (seen[key] && !document.querySelector(".st-key-" + CSS.escape(key))?.contains(document.activeElement)) {
        store.removeItem(name);
        delete seen[key];
      }
    } catch (e) { /* storage full or disabled */ }
  }
}

function fieldOf(key) {
  return document.querySelector('.st-key-' + CSS.escape(key) + ' textarea, .st-key-' + CSS.escape(key)
                                + ' input[type="text"]');
}

if (!STATE.listening) {
  STATE.listening = true;
  document.addEventListener("input", (event) => {
    const el = event.target;
    const typed = el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && el.type === "text");
    if (!typed) return;
    const key = boxKey(el);
    if (key === null) return;
    for (const [id, spec] of Object.entries(STATE.specs)) {
      if (!matches(spec, key) || (spec.picks && key in spec.picks)) continue;  // a pick's search text: not kept
      (STATE.seen[id] = STATE.seen[id] || {})[key] = true;  // typed here in this page's life
      try {
        if (spec.patterns && el.value === "") storage(spec).removeItem(spec.ns + ":" + key);
        else storage(spec).setItem(spec.ns + ":" + key, JSON.stringify({text: el.value, at: Date.now()}));
      } catch (e) { /* storage full or disabled: the server copy is all there is */ }
    }
  }, true);
}

function stored(spec) {
  const out = {};
  const prefix = spec.ns + ":";
  const store = storage(spec);
  for (let i = 0; i < store.length; i++) {
    const name = store.key(i);
    if (name && name.startsWith(prefix) && matches(spec, name.slice(prefix.length))) {
      let draft = null;
      try { draft = JSON.parse(store.getItem(name) || "null"); } catch (e) { draft = null; }
      out[name.slice(prefix.length)] = draft;
    }
  }
  return out;
}

// Note fields (`fields`): a draft goes once the saved text equals it or it was discarded; one the field shows is
// being typed, not lost. Short fields (`patterns`) hold text not yet added anywhere: a draft goes when its field is
// emptied by typing, or when the field, having held text in this page's life, is shown empty (the page emptied it
// once it was added).
function check(id, setStateValue) {
  const spec = STATE.specs[id];
  if (!spec || (spec.patterns && !STATE.tab)) return;  // short fields: not before this tab knows it is no copy
  const store = storage(spec);
  const seen = (STATE.seen[id] = STATE.seen[id] || {});
  keepPicks(spec, seen);
  const found = {};
  for (const [key, draft] of Object.entries(stored(spec))) {
    const name = spec.ns + ":" + key;
    if (!draft || typeof draft.text !== "string" || draft.text === "") { store.removeItem(name); continue; }
    if (spec.picks && key in spec.picks) {  // kept by keepPicks; reported while the field does not show it
      const kind = spec.picks[key].kind;
      if ((spec.used[key] || []).some((u) => samePick(kind, draft.text, u))) store.removeItem(name);
      else if (!samePick(kind, readPick(key, kind), draft.text)) found[key] = draft;
      continue;
    }
    const field = fieldOf(key);
    if (spec.fields) {
      const f = spec.fields[key];
      if (draft.text === f.saved || f.discarded.includes(draft.text)) { store.removeItem(name); continue; }
    } else if ((spec.used[key] || []).includes(draft.text)) {
      store.removeItem(name);  // saved by the page (recorded, added)
      continue;
    } else if (field && field.value !== "") {
      seen[key] = true;
    } else if (field && seen[key] && document.activeElement !== field) {
      store.removeItem(name);  // it held text in this page's life and the page emptied it: added
      delete seen[key];
      continue;
    }
    if (field && field.value === draft.text) continue;  // on screen: being typed, not lost
    found[key] = draft;
  }
  const report = JSON.stringify(found);
  if (report !== (STATE.reported[id] ?? "{}")) {  // the component's default is no drafts: nothing to say
    STATE.reported[id] = report;
    setStateValue("drafts", found);
  }
}

// Short fields are looked at again after every change to the page (a field drawn, a value put in or emptied by a
// run of any part of the page), at most every 50 ms, and every second besides.
function watchShortFields() {
  if (STATE.observer) return;
  let pending = null;
  const all = () => {
    pending = null;
    for (const [id, run] of Object.entries(STATE.checks || {})) run();
  };
  const soon = () => { if (pending === null) pending = setTimeout(all, 50); };
  STATE.observer = new MutationObserver(soon);
  STATE.observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                         attributeFilter: ["value", "aria-valuenow", "data-selected"]});
  for (const kind of ["input", "change"]) document.addEventListener(kind, soon, true);  // a number, a date's part
  setInterval(all, 1000);
}

export default function (component) {
  const { data, setStateValue } = component;
  if (!data) return;
  STATE.specs[data.id] = data;
  if (data.patterns) {
    (STATE.checks = STATE.checks || {})[data.id] = () => check(data.id, setStateValue);
    watchShortFields();
  }
  // the fields are drawn by the same run: look once they are on the page (and, for short fields, once this tab
  // knows whether it is a copy of another)
  let first = null;
  let gone = false;
  STATE.tabReady.then(() => { if (!gone) first = setTimeout(() => check(data.id, setStateValue), 400); });
  return () => { gone = true; clearTimeout(first); };
}
"""

_COMPONENT = st.components.v2.component("gsf_drafts", js=_JS, html="<span hidden></span>")


@dataclass(frozen=True)
class Draft:
    key: str  # the text area's widget key
    text: str
    typed_at: datetime


def keeper(namespace: str, fields: dict[str, str], *, key: str, elsewhere: dict[str, str] | None = None
           ) -> dict[str, Draft]:
    """Mirror the text areas with these widget keys (key → the text saved for it now) into localStorage under
    `namespace`, and return the drafts this browser holds that are neither saved nor on the screen. `elsewhere`:
    the same for fields the page does not draw now (key → the text saved for it), whose drafts are reported too;
    their saved text stays here (a page's other steps need not travel to the browser on every run)."""
    discarded = st.session_state.setdefault("_drafts_discarded", {})
    elsewhere = elsewhere or {}
    spec = {k: {"saved": saved, "discarded": discarded.get(k, [])} for k, saved in fields.items()}
    spec |= {k: {"saved": None, "discarded": discarded.get(k, [])} for k in elsewhere if k not in fields}
    fields = {**elsewhere, **fields}
    result = _COMPONENT(key=key, data={"id": key, "ns": namespace, "fields": spec}, default={"drafts": {}},
                        on_drafts_change=lambda: None, height="content")
    out = {}
    for k, d in (getattr(result, "drafts", None) or {}).items():
        if (k in fields and isinstance(d, dict) and isinstance(d.get("text"), str) and d["text"] != fields[k]
                and d["text"] not in discarded.get(k, [])):  # discarded: gone now, not once the browser says so
            out[k] = Draft(k, d["text"], datetime.fromtimestamp(float(d.get("at", 0)) / 1000, tz=UTC))
        elif k in elsewhere and isinstance(d, dict) and d.get("text") == elsewhere[k] and d["text"]:
            discard(k, d["text"])  # saved meanwhile: the browser drops it on the component's next run
    return out


def offer(draft: Draft, what: str, *, restore: str, on_restore, args: tuple, help: str | None = None) -> None:
    """The offer of a draft that never reached the record (one `keeper` returned): what it is, when it was typed,
    its text, a button that restores it (`on_restore(*args)`) and one that discards it."""
    with st.container(border=True, key=f"draft_{draft.key}"):
        st.warning(f"Not saved: {what} typed in this browser at {clock.fmt_local(draft.typed_at, '%H:%M')} that "
                   "never reached the record (the page was reloaded or the connection dropped).",
                   icon=":material/edit_note:")
        st.text(plain(draft.text))
        c1, c2 = st.columns(2)
        c1.button(restore, key=f"restore_{draft.key}", on_click=on_restore, args=args, type="primary",
                  icon=":material/restore:", help=help)
        c2.button("Discard it", key=f"discard_{draft.key}", on_click=discard, args=(draft.key, draft.text),
                  icon=":material/delete:")


def discard(key: str, text: str) -> None:
    """Forget a draft: the component removes it from localStorage on its next run."""
    st.session_state.setdefault("_drafts_discarded", {}).setdefault(key, []).append(text)


@dataclass(frozen=True)
class Pick:
    """A field of a form kept by `typed` that has no text to type into: a date, a time, a date and time, a number
    (a float, or an integer: a number input or a slider), one of `options` (a radio, or a select showing each as
    `show` gives it), or a set of tags (a multiselect, likewise). In the browser it is read from what the page
    shows, as text; `text` and `value` turn a value into that text and back."""

    kind: Literal["date", "time", "datetime", "number", "integer", "radio", "select", "tags"]
    low: Any = None  # date, time, datetime, number, integer (a number input or a slider): the lowest it takes
    high: Any = None
    options: tuple = ()  # radio, select: the options, in the order drawn
    show: Callable[[Any], str] = str  # select, tags: how the field shows an option

    def text(self, value) -> str:
        match self.kind:
            case "datetime":
                return value.strftime("%Y-%m-%dT%H:%M") if isinstance(value, datetime) else ""
            case "date":
                return value.isoformat() if isinstance(value, date) else ""
            case "time":
                return value.strftime("%H:%M") if isinstance(value, time) else ""
            case "number":
                return repr(float(value or 0))
            case "integer":
                return str(int(value or 0))
            case "radio":
                return str(self.options.index(value)) if value in self.options else ""
            case "select":
                return self.show(value) if value in self.options else ""
            case _:
                return json.dumps([self.show(v) for v in value or []], ensure_ascii=False)

    def value(self, text: str):
        """The value `text` stands for; ValueError when the field cannot take it (out of range, not a choice)."""
        match self.kind:
            case "datetime":
                v = datetime.strptime(text, "%Y-%m-%dT%H:%M")
            case "date":
                v = date.fromisoformat(text)
            case "time":
                v = datetime.strptime(text, "%H:%M").time()
            case "select":
                found = [o for o in self.options if self.show(o) == text]
                if len(found) != 1:  # none, or two shown alike
                    raise ValueError(text)
                return found[0]
            case "number":
                v = float(text)
                if not math.isfinite(v):
                    raise ValueError(text)
            case "integer":
                v = int(text.strip())  # "7", never "7.5"
            case "radio":
                if not text.isdigit() or int(text) >= len(self.options):
                    raise ValueError(text)
                return self.options[int(text)]
            case _:
                v = json.loads(text)
                if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
                    raise ValueError(text)
                return v
        if (self.low is not None and v < self.low) or (self.high is not None and v > self.high):
            raise ValueError(text)
        return v


_USED = "_typed_used"  # session state: widget key → the texts saved from it (their drafts go)
_RESTORED = "_typed_restored"  # session state: (widget key, text) put back → the tab's report it was put back on
_LAST = "_typed_last"  # session state: keeper key → the drafts its tab reported last
_SAID = "_typed_said"  # session state: keeper key → what its message says was put back (labels), until OK


def typed(namespace: str, patterns: list[str], *, key: str, label=str, verb: str = "added",
          starting: dict[str, Any] | None = None, picks: dict[str, Pick] | None = None,
          recorded: dict[str, list[str]] | None = None) -> list[str]:
    """Short fields whose text is not yet added anywhere (a question, a goal, a late arrival's name): the text and
    text-input fields whose widget keys fully match one of `patterns` (regular expressions) are mirrored, keystroke
    by keystroke, into this tab's sessionStorage under `namespace`. After a reload or a server restart, what such a
    field held is put back into it (and into what ui/widgets.kept keeps for a closed form), once, while the field
    is empty or holds what it starts with (`starting`: widget key → the value a form fills in itself, such as the
    facilitator's name or the stored order), and a message here says where (`label(key)` of each field; "not yet
    `verb`") until OK is pressed. `picks`: the same for the form's fields with no text to type into (widget key →
    Pick: its date, hours, choice, tags), each kept while it shows other than it starts with (`starting`).
    `recorded`: widget key → the texts the record holds from that field (the attestation recorded, say): never put
    back, and dropped from the tab (only those it reported are sent to it), also after a reload that came before
    the tab heard they were saved (`used`).
    Returns the widget keys put back in this run (to open the expander that holds them, say).

    Draw this before the fields it keeps (at the top of the page, outside any fragment): a field's value can only be
    set before the field is drawn in a run. sessionStorage, not localStorage: each tab keeps its own, so text typed
    but not added in one tab is never put into another tab's field, to be added twice; a tab the browser duplicated
    (which starts with a copy of the first tab's sessionStorage) drops the copy while the first tab is open."""
    ss = st.session_state
    starting, picks = starting or {}, picks or {}
    used_texts = {k: [picks[k].text(v) if k in picks else v for v in vs] for k, vs in ss.get(_USED, {}).items()
                  if k in picks or all(isinstance(v, str) for v in vs)}
    recorded = {k: {t for t in texts if t} for k, texts in (recorded or {}).items()}
    last = ss.setdefault(_LAST, {})  # keeper key → the drafts its tab reported last
    for k, d in last.get(key, {}).items():  # only those the tab holds go to it, not every note on the record
        text = d.get("text") if isinstance(d, dict) else None
        if text in recorded.get(k, ()):
            used_texts[k] = [*used_texts.get(k, []), text]
    result = _COMPONENT(key=key, data={"id": key, "ns": namespace, "patterns": patterns, "store": "session",
                                       "used": used_texts,
                                       "picks": {k: {"kind": p.kind, "start": p.text(starting.get(k))}
                                                 for k, p in picks.items()}},
                        default={"drafts": {}}, on_drafts_change=lambda: None, height="content")
    reported = last[key] = getattr(result, "drafts", None) or {}
    report = json.dumps(reported, sort_keys=True, default=str)
    done = ss.setdefault(_RESTORED, {})
    back: dict[str, str] = {}  # widget key → its label
    for k, d in reported.items():
        text = d.get("text") if isinstance(d, dict) else None
        if (not isinstance(k, str) or not isinstance(text, str) or not text or done.get((k, text)) == report
                or text in used_texts.get(k, ()) or text in recorded.get(k, ())
                or not (k in picks or any(re.fullmatch(p, k) for p in patterns))):
            continue
        # Put back once per report. The tab reporting it again later, still not shown, means the run that put it
        # back was cut short by a newer one before it drew the field, and the browser's value of the field won
        # (it is put back again, if the field still shows what it starts with)
        done[(k, text)] = report
        shown, start = ss.get(k), starting.get(k)
        if k in picks:  # compared as the field shows them (a time to the minute, say)
            shown, start = (picks[k].text(shown) if shown is not None else None), picks[k].text(start)
        if shown and shown != start:  # other text typed (or chosen) in this session: never overwrite what is shown
            continue
        try:
            value = picks[k].value(text) if k in picks else text
        except ValueError:  # a date or number the field no longer takes (an order date after today, say)
            continue
        set_kept(k, value)
        back[k] = label(k)
    said = ss.setdefault(_SAID, {})
    if back:  # said until the educator has read it: the run that follows (the field shows the text) comes at once
        said[key] = list(dict.fromkeys([*said.get(key, []), *back.values()]))  # with what an earlier run put back
    # always drawn, so that the message coming or going moves no other element of the page to a new place (one
    # that moved is drawn afresh, and an expander opened on the page would close)
    box = st.container(horizontal=True, vertical_alignment="center", key=f"{key}_said", gap=None)
    if key in said:
        box.info(md_escape(f"Put back after the reload, not yet {verb}: " + "; ".join(said[key]) + "."),
                 icon=":material/restore:", width="stretch")
        box.button("OK", key=f"{key}_said_ok", on_click=lambda: said.pop(key, None), help="Hide this message")
    return list(back)


def used(*keys: str) -> None:
    """What these fields hold was saved (recorded, added): their drafts go on the keeper's next run, also when the
    page does not show the field emptied (a form that is gone once it has done its work). A picked field (Pick)
    that still shows what was saved is not kept either."""
    ss = st.session_state
    for k in keys:
        value = ss.get(k)
        if value not in (None, "", []):
            ss.setdefault(_USED, {}).setdefault(k, []).append(value)
