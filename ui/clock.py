"""The timer face shared by /live and /projector.

The clock counts in the browser: the server sends the state computed from the stored timestamps (seconds
elapsed at the moment of rendering, planned seconds, running or paused) and the browser adds the seconds
since it received them. The server does no work per tick; it redraws only when something changes."""

from __future__ import annotations

import html
import json
import math

import streamlit as st

from models.enums import ProjectorClock
from models.timer import TimerState, fmt_clock
from ui.text import md_escape, plain

# Text colours on white, each at least 7:1 (WCAG AAA); phase is also said in words and a symbol. The symbols are
# ones the common system fonts have (DejaVu Sans on Linux, Segoe UI Symbol on Windows), not emoji: a projector
# computer without an emoji font would show the room a box.
COLOURS = {"on-time": "#0B3D2E", "nearly-out": "#6B3A00", "overtime": "#9B0000", "paused": "#333333",
           "ended": "#333333"}
# An ended session's face is the clock as it stood at the end, in grey and said to be over: not a live "nearly out
# of time" or "overtime" warning.
PHASE_WORDS = {"on-time": "On time", "nearly-out": "◔ Nearly out of time", "overtime": "⚠ Overtime",
               "paused": "❚❚ Paused", "ended": "■ Ended"}
# The projector's calm clock (models.enums.ProjectorClock.CALM): whole minutes left for the step, in one colour,
# never a red overtime warning; past the step's time it says only that the part is finishing.
CALM_WORDS = {"label": "Time for this part", "minutes": "min", "over": "Finishing up"}
# The facilitator's choice on /live, per session (models.enums.ProjectorClock).
PROJECTOR_CLOCK_LABELS = {ProjectorClock.FULL: "Full countdown", ProjectorClock.CALM: "Calm: time for this part",
                          ProjectorClock.NONE: "No clock"}

# The face is drawn by the server with the figures at the moment of rendering (so a step change shows in the same
# frame as the rest of the run), then a few lines of our own script count on from there in the browser. Every text
# in it is escaped; the figures travel in a data attribute as JSON (escaped too) and are set with textContent.
CLOCK_STYLE = """
.gsf-clock { font-family: inherit; color: #111; background: #fff; padding: 0.2em 0;
  container-type: inline-size; --gsf-px: calc(var(--gsf-scale) * var(--gsf-unit, 1px)); }
.gsf-step-label { font-size: calc(var(--gsf-px) * 17); font-weight: 600; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden; }
/* as large as the scale says, and never wider than the column: --gsf-chars is the text's length, and a character
   of it ("+12:34", "25 min") is at most 0.5 em at this weight (measured) */
.gsf-step-time { font-size: min(calc(var(--gsf-px) * 64), calc(100cqw / (0.52 * var(--gsf-chars, 5))));
  font-weight: 800; line-height: 1.05; font-variant-numeric: tabular-nums; white-space: nowrap; }
.gsf-phase { font-size: calc(var(--gsf-px) * 17); font-weight: 700; min-height: 1.3em; }
.gsf-session { font-size: calc(var(--gsf-px) * 17); font-variant-numeric: tabular-nums; }
.gsf-clock[data-mode="none"] > :not(.gsf-step-label), .gsf-clock[data-mode="calm"] .gsf-session:empty {
  display: none; }
"""
CLOCK_CSS = f"<style>{CLOCK_STYLE}</style>"

# The face counts on in the browser: `COUNT_JS` defines `gsfCount(root)`, which draws the face `root` (a
# .gsf-clock element) from its data attribute and, while the clock runs, again four times a second; an interval
# whose face has left the page stops itself. /live runs it from a script after each face the server draws (_JS);
# the projector's slide component (ui/slide.py) runs it on each slide it is sent.
COUNT_JS = """
const gsfCount = (root) => {
  const data = JSON.parse(root.dataset.clock);
  const fmt = (seconds) => {
    let s = Math.floor(Math.abs(seconds));
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); const sec = s - m * 60;
    const pad = (n) => String(n).padStart(2, "0");
    return (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(sec);
  };
  const [labelEl, timeEl, phaseEl, sessionEl] = root.children;
  const received = Date.now();
  const show = (el, text, colour) => { el.textContent = text; el.style.color = colour || ""; };
  const draw = () => {
    const extra = data.running ? (Date.now() - received) / 1000 : 0;
    const elapsed = data.step_elapsed + extra;
    const remaining = data.step_planned - elapsed;
    let phase = "on-time";
    if (data.ended) phase = "ended";
    else if (data.paused) phase = "paused";
    else if (remaining < 0) phase = "overtime";
    else if (remaining <= data.warn) phase = "nearly-out";
    root.dataset.phase = phase;
    if (data.mode === "none") {  // the room sees the step's title only
      show(labelEl, data.step_label);
      [timeEl, phaseEl, sessionEl].forEach((el) => show(el, ""));
    } else if (data.mode === "calm") {  // whole minutes in one colour; past the time, only that it is finishing
      const calm = data.calm;
      const colour = data.colours[data.paused ? "paused" : "on-time"];
      show(labelEl, calm.label);
      show(timeEl, remaining > 0 ? Math.ceil(remaining / 60) + " " + calm.minutes : calm.over, colour);
      show(phaseEl, data.paused ? data.words.paused : "", colour);
      show(sessionEl, "");
    } else {
      show(labelEl, data.step_label);
      show(timeEl, (remaining < 0 ? "+" : "") + fmt(remaining), data.colours[phase]);
      show(phaseEl, data.words[phase], data.colours[phase]);
      show(sessionEl, "Session " + fmt(data.session_elapsed + extra) + " of " + fmt(data.session_planned));
    }
    root.style.setProperty("--gsf-chars", String(Math.max(5, timeEl.textContent.length)));
  };
  draw();
  if (data.running && data.mode !== "none") {
    const timer = setInterval(() => { if (root.isConnected) draw(); else clearInterval(timer); }, 250);
  }
};
"""

# Runs each time the server draws the face on /live (its element is new then).
_JS = f"""<script>
(() => {{
  const root = document.currentScript && document.currentScript.previousElementSibling;
  if (!root || !root.classList.contains("gsf-clock")) return;
{COUNT_JS}
  gsfCount(root);
}})();
</script>"""


def _face(data: dict, phase: str) -> tuple[str, str, str, str, str]:
    """What the face shows at the moment of rendering, `phase` being the timer's (models/timer.py) or "paused":
    (label, time, phase words, session line, the time's colour), as the browser's script goes on to show it (_JS)."""
    remaining = data["step_planned"] - data["step_elapsed"]
    if data["mode"] == ProjectorClock.NONE:
        return data["step_label"], "", "", "", ""
    if data["mode"] == ProjectorClock.CALM:
        colour = COLOURS["paused" if data["paused"] else "on-time"]
        time = f"{math.ceil(remaining / 60)} {CALM_WORDS['minutes']}" if remaining > 0 else CALM_WORDS["over"]
        return CALM_WORDS["label"], time, PHASE_WORDS["paused"] if data["paused"] else "", "", colour
    session = f"Session {fmt_clock(data['session_elapsed'])} of {fmt_clock(data['session_planned'])}"
    return data["step_label"], fmt_clock(remaining, signed=True), PHASE_WORDS[phase], session, COLOURS[phase]


def _phase(state: TimerState) -> str:
    """The face's phase: the timer's (models/timer.py), or "paused", or "ended" once the session has ended."""
    return "ended" if state.status == "ended" else "paused" if state.paused else state.phase


def face_html(state: TimerState, *, step_label: str, scale: float = 1.0, key: str = "clock",
              mode: str = ProjectorClock.FULL, unit: str = "1px") -> str:
    """The face's markup (without its style, CLOCK_CSS, or its script, COUNT_JS) showing the figures at the moment
    of rendering; every text escaped, the figures for the script in a data attribute.

    `mode` (models.enums.ProjectorClock): the full countdown with its phases; calm, the minutes left for the
    step in one colour without overtime warnings; none, the step's title only. Sizes are `scale` times a base
    in `unit` (a CSS length: the projector passes its design pixel)."""
    running = state.status == "live" and not state.paused
    phase = _phase(state)
    data = {
        "step_label": plain(step_label),
        "step_elapsed": state.step_elapsed,
        "step_planned": state.step_planned,
        "session_elapsed": state.session_elapsed,
        "session_planned": state.session_planned,
        "running": running,
        "paused": state.paused,
        "ended": state.status == "ended",
        "warn": state.warn_seconds,
        "colours": COLOURS,
        "words": PHASE_WORDS,
        "mode": ProjectorClock(mode).value,
        "calm": CALM_WORDS,
    }
    label, time, words, session, colour = _face(data, phase)
    esc = html.escape
    style = f"--gsf-scale: {float(scale)}; --gsf-unit: {esc(unit)}; --gsf-chars: {max(5, len(time))};"
    tint = f' style="color: {colour}"' if colour else ""
    return (
        f'<div class="gsf-clock" data-key="{esc(key)}" role="timer" aria-live="off"'
        f' data-mode="{esc(data["mode"])}" data-phase="{phase}" style="{style}"'
        f' data-clock="{esc(json.dumps(data))}">'
        f'<div class="gsf-step-label">{esc(label)}</div><div class="gsf-step-time"{tint}>{esc(time)}</div>'
        f'<div class="gsf-phase"{tint}>{esc(words)}</div><div class="gsf-session">{esc(session)}</div></div>'
    )


def clock_face(state: TimerState, *, step_label: str, scale: float = 1.0, key: str = "clock",
               caption: bool = True) -> None:
    """Draw the step countdown and session clock on /live (face_html, counting on in the browser). Also leaves
    the same figures as plain text for screen readers and tests (they show the time at the moment of rendering)."""
    st.html(f"{CLOCK_CSS}{face_html(state, step_label=step_label, scale=scale, key=key)}{_JS}",
            unsafe_allow_javascript=True)
    if not caption:
        return
    phase = _phase(state)
    remaining = state.step_remaining
    st.caption(
        f"Clock at render: {md_escape(step_label)} {'+' if remaining < 0 else ''}{fmt_clock(remaining)} "
        f"({PHASE_WORDS[phase]}) · session {fmt_clock(state.session_elapsed)}"
        f" of {fmt_clock(state.session_planned)}",
        help="The big clock counts in your browser from the times stored in the database.",
    )
