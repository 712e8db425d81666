"""Small UI pieces shared by several pages."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx

from models import clock
from models.errors import RuleError
from models.people import full_name, search_text
from models.questions_goals import goal_due, mark_goal_followed_up
from models.rules import MAX_SEARCH
from models.tables import Participant
from ui.actions import action
from ui.pages import link, session_links
from ui.setup import get_engine
from ui.text import md_escape, plain

# A name column of a set width, so that a long name cannot push a table's figures (attended, units) out of view
# at 1366 px; the whole name shows when the cell is opened.
NAME_COLUMN = {"Participant": st.column_config.TextColumn(width=240)}

# A figure a row does not have (a planned session's units, minutes, head-count): st.dataframe's placeholder for a
# missing value, which is otherwise a grey "None" that reads as a fault.
NO_FIGURE = "—"


def picker_label(p: Participant) -> str:
    """How a participant is named in a picker (an option label: plain text): full name, and the record number
    when there is one."""
    name = full_name(plain(p.first_name), plain(p.last_name))
    return name + (f" · {plain(p.record_number)}" if p.record_number else "")


def search_box(label: str, *, key: str, container=None, **kwargs) -> str | None:
    """A search field. None, with the reason under the field, when what it holds cannot be searched (longer
    than the limit, say): no search then runs on silently shortened text, and the field keeps what was typed.
    (No max_chars: the browser would silently ignore a longer paste.)"""
    target = container if container is not None else st
    text = target.text_input(label, key=key, help=f"At most {MAX_SEARCH} characters.", **kwargs)
    try:
        return search_text(text)
    except RuleError as exc:
        target.error(md_escape(str(exc)))
        return None


def drawn_when_open(label: str, *, key: str, **kwargs):
    """An expander whose contents are drawn only while it is open: returns it to draw into when open, else None.
    Opening or closing it reruns the part it is in. For the rarely used parts of /live: every element on that page
    costs the browser a redraw on each run of any part of it."""
    box = st.expander(label, key=key, on_change="rerun", **kwargs)
    st.session_state.setdefault(_DRAWN, {})[key] = (box.open, ThreadState.get().fragment_id)
    return box if box.open else None


_DRAWN = "_drawn_when_open"  # session state: expander key → (drawn open?, the fragment that drew it)


def redraw_swallowed_opening() -> None:
    """Call at the start of a fragment's own run. Streamlit 1.67 drops an expander's rerun when it is clicked while
    a field in another fragment is being left (the field's run carries the expander's new state, but the expander's
    fragment does not run): "Add a late arrival" clicked straight after typing a question opened empty. When an
    expander drawn by another fragment is open (or closed) in session state but was drawn the other way, the whole
    page runs again, which draws it as it is."""
    ctx = get_script_run_ctx()
    running = set(ctx.fragment_ids_this_run or ()) if ctx else set()
    if not running:
        return  # a full run draws every expander
    ss = st.session_state
    for key, (drawn_open, fragment) in list(ss.get(_DRAWN, {}).items()):
        if key not in ss:
            ss[_DRAWN].pop(key, None)  # not drawn any more
        elif fragment not in running and bool(ss[key]) != drawn_open:
            ss[_DRAWN].pop(key, None)  # once: the page's run draws it again (and records it) if it is still there
            st.rerun(scope="app")


_KEPT = "_kept_while_closed"  # session state: widget key → what it held when it was last drawn


def kept(key: str, default=None):
    """For a widget drawn only while its expander is open (drawn_when_open): Streamlit forgets the state of a widget
    it does not draw, so what it held is kept here on each change and put back when it is drawn again; before
    that, `default`. Draw the widget with `key`, no `value`, and `on_change` set to what this returns."""
    ss = st.session_state
    store = ss.setdefault(_KEPT, {})
    if key not in ss:
        if key in store:
            ss[key] = store[key]
        elif default is not None:
            ss[key] = default
    return lambda: store.__setitem__(key, ss.get(key))


def set_kept(key: str, value) -> None:
    """Set a kept widget's value (an added goal's emptied field, say), here and in what is kept."""
    set_shown(key, value)
    st.session_state.setdefault(_KEPT, {})[key] = value


_SET = "_set_by_page"  # session state: keys of widgets whose value the page set, until the browser holds it


def set_shown(key: str, value) -> None:
    """Set a widget's value from the page (a field put back after a reload, a note's stored text) so that the browser
    is sure to show it. Streamlit 1.67 leaves a hole: a value set in a run that draws the widget and is then cut short
    by a newer run at that very widget (a rerun request is handled as the widget's element is sent) is held by the
    server under the widget's id alone; the next run draws the widget without telling the browser its value, the
    browser shows the field's default (empty, or the current time) and sends that back, over the value set: a
    put-back amendment showed an empty text beside its tags. `resend_unheld` closes it. (A widget in a form is
    reported by the browser on every run too, with the value last sent: held, it is never sent again.)"""
    st.session_state[key] = value
    st.session_state.setdefault(_SET, set()).add(key)


def resend_unheld() -> None:
    """Call at the start of every run that can draw a widget set with `set_shown` (the page's, and a fragment's
    own): each such widget whose value the browser does not hold is given its value again, which goes to the
    browser with the widget. Once the browser holds it, it is no longer watched."""
    from streamlit.runtime.state.session_state_proxy import get_session_state

    ss = st.session_state
    keys = ss.get(_SET)
    if keys:
        for key, value in _unheld(get_session_state()._state, keys).items():
            ss[key] = value


def _unheld(state, keys: set[str]) -> dict:
    """Of `keys` (widget keys whose value the page set), those whose widget has been drawn but whose value the
    browser did not send with this run: key → the value the server holds. Keys the browser holds, or no longer on
    the page, are dropped from `keys`."""
    out = {}
    for key in list(keys):
        wid = state._key_id_mapper.get_id_from_key(key, None)
        if key not in state:
            keys.discard(key)
        elif wid is None or state.is_new_state_value(key):
            continue  # not drawn yet, or set again in this run: its widget is sent with the value
        elif wid in state._new_widget_state:
            keys.discard(key)  # the browser holds it
        else:
            out[key] = state[key]
    return out


def no_session(message: str) -> None:
    """The live page with no session to show: why, then the sessions it can open now (those running, or the next
    one today), and where else to go."""
    st.info(message)
    session_links(get_engine())
    link("plan", "Plan or pick a session")
    link("home")
    st.stop()


def goal_follow_up(engine, goal_id: int, followed_up_at, follow_up_date, today, key: str) -> None:
    """The "Followed up" box of a goal, saved at once, with when it was done or that it is due."""

    def save() -> None:
        with action(engine) as db:
            mark_goal_followed_up(db, goal_id=goal_id, done=bool(st.session_state.get(key)))

    st.checkbox("Followed up", value=followed_up_at is not None, key=key, on_change=save)
    if followed_up_at:
        st.caption(f"on {clock.fmt_local(followed_up_at)}")
    elif goal_due(follow_up_date, False, today):
        st.caption(":orange[due]")
