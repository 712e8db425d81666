"""Nothing typed is lost: every note field on a page is mirrored, keystroke by keystroke, into this browser's
localStorage until what it holds is saved. After a reload, a dropped connection or a server restart the page
finds the draft, shows it clearly marked as not saved, and offers to restore (and save) or discard it.

One small component per page does it (st.components.v2, no build step): it listens for typing in the page's
text areas whose widget keys it is given, keeps `{text, at}` per key under a namespace, drops a draft once the
saved text equals it (or the person discarded it), and reports the drafts that the page does not show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st

_JS = """
const STATE = (window.__gsfDrafts = window.__gsfDrafts || {fields: {}, ns: "", reported: "{}"});

function storeKey(key) { return STATE.ns + ":" + key; }

function areaKey(area) {
  const box = area.closest('[class*="st-key-"]');
  if (!box) return null;
  for (const c of box.classList) {
    if (c.startsWith("st-key-")) {
      const key = c.slice(7);
      if (key in STATE.fields) return key;
    }
  }
  return null;
}

if (!STATE.listening) {
  STATE.listening = true;
  document.addEventListener("input", (event) => {
    const area = event.target;
    if (!(area instanceof HTMLTextAreaElement)) return;
    const key = areaKey(area);
    if (key === null) return;
    try {
      localStorage.setItem(storeKey(key), JSON.stringify({text: area.value, at: Date.now()}));
    } catch (e) { /* storage full or disabled: the server copy is all there is */ }
  }, true);
}

function check(setStateValue) {
  const found = {};
  for (const [key, spec] of Object.entries(STATE.fields)) {
    let draft = null;
    try { draft = JSON.parse(localStorage.getItem(storeKey(key)) || "null"); } catch (e) { draft = null; }
    if (!draft || typeof draft.text !== "string") continue;
    if (draft.text === spec.saved || spec.discarded.includes(draft.text)) {
      localStorage.removeItem(storeKey(key));
      continue;
    }
    const area = document.querySelector('.st-key-' + CSS.escape(key) + ' textarea');
    if (area && area.value === draft.text) continue;  // on screen already: being typed, not lost
    found[key] = draft;
  }
  const report = JSON.stringify(found);
  if (report !== STATE.reported) {
    STATE.reported = report;
    setStateValue("drafts", found);
  }
}

export default function (component) {
  const { data, setStateValue } = component;
  if (!data) return;
  STATE.ns = data.ns;
  STATE.fields = data.fields;
  // the text areas are drawn by the same run; look once they are on the page
  const timer = setTimeout(() => check(setStateValue), 400);
  return () => clearTimeout(timer);
}
"""

_COMPONENT = st.components.v2.component("gsf_drafts", js=_JS, html="<span hidden></span>")


@dataclass(frozen=True)
class Draft:
    key: str  # the text area's widget key
    text: str
    typed_at: datetime


def keeper(namespace: str, fields: dict[str, str], *, key: str) -> dict[str, Draft]:
    """Mirror the text areas with these widget keys (key → the text saved for it now) into localStorage under
    `namespace`, and return the drafts this browser holds that are neither saved nor on the screen."""
    discarded = st.session_state.setdefault("_drafts_discarded", {})
    spec = {k: {"saved": saved, "discarded": discarded.get(k, [])} for k, saved in fields.items()}
    result = _COMPONENT(key=key, data={"ns": namespace, "fields": spec}, default={"drafts": {}},
                        on_drafts_change=lambda: None, height="content")
    out = {}
    for k, d in (getattr(result, "drafts", None) or {}).items():
        if k in fields and isinstance(d, dict) and isinstance(d.get("text"), str) and d["text"] != fields[k]:
            out[k] = Draft(k, d["text"], datetime.fromtimestamp(float(d.get("at", 0)) / 1000, tz=UTC))
    return out


def discard(key: str, text: str) -> None:
    """Forget a draft: the component removes it from localStorage on its next run."""
    st.session_state.setdefault("_drafts_discarded", {}).setdefault(key, []).append(text)
