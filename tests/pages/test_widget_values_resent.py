"""ui/widgets.set_shown / resend_unheld against Streamlit's own session state: a value the page set in a run that
was cut short at its widget reaches the browser with the next run that draws the widget (a put-back amendment once
showed an empty text beside its tags, and a put-back end time the current minute)."""

from __future__ import annotations

import logging

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.state.common import WidgetMetadata
from streamlit.runtime.state.session_state import SessionState

from ui.widgets import _unheld

KEY = "am_text_7"
FIELD = WidgetMetadata(id=f"$$ID-test-{KEY}", deserializer=lambda v: "" if v is None else v,
                       serializer=lambda v: v, value_type="string_value")


@pytest.fixture(autouse=True)
def _quiet():
    logging.disable(logging.WARNING)  # "missing ScriptRunContext": these runs have no script thread
    yield
    logging.disable(logging.NOTSET)


def _browser_sends(*values: tuple[str, str]) -> WidgetStates:
    states = WidgetStates()
    for wid, text in values:
        w = states.widgets.add()
        w.id, w.string_value = wid, text
    return states


def _run_cut_short_at_the_field() -> SessionState:
    """A run sets the field and draws it, and a newer run starts before the field's element was sent (Streamlit
    handles a rerun request as an element is sent): the browser never had the field."""
    state = SessionState()
    state[KEY] = "Invented: uses a pen"
    assert state.register_widget(FIELD, KEY).value_changed
    state.on_script_will_rerun(_browser_sends())
    return state


def test_streamlit_alone_draws_the_field_without_its_value():
    # If this fails, Streamlit closed the hole itself and set_shown / resend_unheld can go.
    state = _run_cut_short_at_the_field()
    drawn = state.register_widget(FIELD, KEY)
    assert drawn.value == "Invented: uses a pen"
    assert not drawn.value_changed  # the browser would show its default, and send that back


def test_a_value_the_browser_does_not_hold_is_sent_again_with_the_field():
    state, keys = _run_cut_short_at_the_field(), {KEY}
    unheld = _unheld(state, keys)
    assert unheld == {KEY: "Invented: uses a pen"}
    for k, v in unheld.items():  # what resend_unheld does with it
        state[k] = v
    drawn = state.register_widget(FIELD, KEY)
    assert drawn.value_changed and drawn.value == "Invented: uses a pen"
    assert keys == {KEY}  # watched until the browser holds it

    state.on_script_will_rerun(_browser_sends((FIELD.id, "Invented: uses a pen and a meter")))  # then typed there
    assert _unheld(state, keys) == {}
    assert keys == set()  # held: never sent again, so nothing typed there is overwritten
    assert state.register_widget(FIELD, KEY).value == "Invented: uses a pen and a meter"


def test_a_field_not_drawn_yet_or_set_again_is_left_to_its_own_run():
    state, keys = SessionState(), {KEY}
    state[KEY] = "Invented: a goal"
    assert _unheld(state, keys) == {} and keys == {KEY}  # not drawn yet: drawn with its value anyway
    state.register_widget(FIELD, KEY)
    state.on_script_will_rerun(_browser_sends())
    state[KEY] = "Invented: set again"
    assert _unheld(state, keys) == {}  # set in this run: sent with the field


def test_a_field_gone_from_the_page_is_no_longer_watched():
    state, keys = SessionState(), {KEY}
    assert _unheld(state, keys) == {} and keys == set()
