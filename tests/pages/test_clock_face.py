"""The clock face as the server draws it (ui/clock.py): the figures at the moment of rendering, the same as the
browser's script then counts on from, in each of the projector's clock modes; every text escaped."""

from __future__ import annotations

import html
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from models.enums import ProjectorClock
from models.timer import TimerState
from ui import clock


def _state(elapsed: float, planned: float = 900, *, paused: bool = False, status: str = "live") -> TimerState:
    return TimerState(status=status, step="teach", paused=paused, step_elapsed=elapsed, step_planned=planned,
                      session_elapsed=elapsed + 600, session_planned=7200)


def _drawn(state: TimerState, label: str = "Teaching", mode: str = ProjectorClock.FULL) -> str:
    """The clock's HTML as the projector's slide carries it (ui/slide.py)."""
    return clock.face_html(state, step_label=label, mode=mode)


def test_live_draws_the_face_with_its_script():
    def page(state):
        from ui.clock import clock_face

        clock_face(state, step_label="Teaching", caption=False)

    at = AppTest.from_function(page, args=(_state(61),)).run()
    assert not at.exception
    [body] = [e.proto.body for e in at.get("html")]
    assert clock.face_html(_state(61), step_label="Teaching") in body
    assert "gsfCount(root)" in body.split("</div>")[-1]  # the script after the face counts on from it


def _texts(body: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in
            re.findall(r'<div class="gsf-(step-label|step-time|phase|session)"[^>]*>([^<]*)</div>', body)}


@pytest.mark.parametrize(("state", "mode", "expected"), [
    (_state(61), ProjectorClock.FULL, {"step-label": "Teaching", "step-time": "13:59", "phase": "On time",
                                       "session": "Session 11:01 of 2:00:00"}),
    (_state(850), ProjectorClock.FULL, {"step-time": "00:50", "phase": "◔ Nearly out of time"}),
    (_state(1000), ProjectorClock.FULL, {"step-time": "+01:40", "phase": "⚠ Overtime"}),
    (_state(61, paused=True), ProjectorClock.FULL, {"step-time": "13:59", "phase": "❚❚ Paused"}),
    # an ended session: the clock as it stood at the end, said to be over, never a live warning
    (_state(850, status="ended"), ProjectorClock.FULL, {"step-time": "00:50", "phase": "■ Ended"}),
    (_state(1000, status="ended"), ProjectorClock.FULL, {"step-time": "+01:40", "phase": "■ Ended"}),
    (_state(61), ProjectorClock.CALM, {"step-label": "Time for this part", "step-time": "14 min", "phase": "",
                                       "session": ""}),
    (_state(1000), ProjectorClock.CALM, {"step-time": "Finishing up", "phase": ""}),
    (_state(61), ProjectorClock.NONE, {"step-label": "Teaching", "step-time": "", "phase": "", "session": ""}),
])
def test_the_face_shows_the_figures_at_rendering(state, mode, expected):
    texts = _texts(_drawn(state, mode=mode))
    assert {k: texts[k] for k in expected} == expected


def _time_colour(body: str) -> str | None:
    found = re.search(r'<div class="gsf-step-time"(?: style="color: ([^"]*)")?>', body)
    return found.group(1)


def test_overtime_is_red_and_the_calm_clock_never_is():
    assert _time_colour(_drawn(_state(1000))) == clock.COLOURS["overtime"]
    assert _time_colour(_drawn(_state(1000, status="ended"))) == clock.COLOURS["ended"]  # over: no alarm
    assert _time_colour(_drawn(_state(1000), mode=ProjectorClock.CALM)) == clock.COLOURS["on-time"]
    assert _time_colour(_drawn(_state(61), mode=ProjectorClock.NONE)) is None


def test_every_text_is_escaped_and_the_figures_travel_as_data():
    body = _drawn(_state(61), label='<img src=x onerror="alert(1)"> & "Teaching"')
    before_script = body.split("<script>")[0]
    assert "<img" not in before_script and "&lt;img" in before_script
    data = json.loads(html.unescape(re.search(r'data-clock="([^"]*)"', body).group(1)))
    assert data["step_label"] == '<img src=x onerror="alert(1)"> & "Teaching"'
    assert data["running"] is True and data["step_elapsed"] == 61
