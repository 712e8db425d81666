"""Hostile names, notes, questions and goals are stored exactly and shown inert and as typed on every page:
no markup, no link made of a bare URL or address, no arrow or dash made of "->" or "--", no emoji or icon made
of a shortcode, and no bidirectional control that could reorder the text around it (checked in everything each
page sends, labels, options, table cells and the clock component's data included)."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest
from google.protobuf.message import Message
from sqlmodel import select

from models.attendance import add_to_roster
from models.db import session_scope
from models.notes import save_live_note
from models.people import create_participant
from models.questions_goals import add_goal, add_question, set_question_status
from models.sessions import end_session, go_to_step, set_projector_names, set_projector_page, start_session
from models.tables import Goal, NoteVersion, Participant, Question
from tests.factories import make_session
from tests.hostile import (
    BIDI_CONTROLS,
    HOSTILE_NAMES,
    HOSTILE_NOTES,
    bidi_leaks,
    markdown_rewrites,
    unescaped_markup,
)
from tests.pages.helpers import app, markup, rendered, slide_data, slide_text
from ui.text import FSI, PDI, WORD_JOINER, md_escape, plain

# Fields Streamlit reads as Markdown, by element; "text" and "code" show their body as typed.
_MARKDOWN_FIELDS = {"body", "label", "help", "content", "text"}
_PLAIN_BODY = {"text", "code"}
# What a text field holds is the stored text itself, kept exactly so that it can be edited.
_EDITABLE = {"text_area", "text_input"}


def _strings(msg: Message):
    """(field name, value) of every string in a protobuf message, nested messages included."""
    for field, value in msg.ListFields():
        items = value if field.is_repeated else [value]
        for item in items:
            if isinstance(item, Message):
                yield from _strings(item)
            elif isinstance(item, str):
                yield field.name, item


def shown(at) -> tuple[list[str], list[str]]:
    """What a page sent: (its Markdown sources, every string shown). Table cells come from the frames, the
    clock's step label from its JSON data (the drafts component's data is compared, never shown);
    text fields contribute their label, help and placeholder, not the stored text they hold for editing."""
    markdown: list[str] = []
    strings: list[str] = []

    def walk(node) -> None:
        kind, proto = getattr(node, "type", None), getattr(node, "proto", None)
        if proto is not None and kind not in ("dataframe",):
            for name, value in _strings(proto):
                if kind in _EDITABLE and name in ("default", "value"):
                    continue
                if kind == "bidi_component":  # its own code and data (compared, never shown)
                    continue
                if kind == "html" and name == "body" and 'class="gsf-clock"' in value:
                    # the clock (ui/clock.py): the app's own markup and script; what it shows is in its data
                    data = re.search(r'data-clock="([^"]*)"', value)
                    strings.extend(_json_strings(json.loads(html.unescape(data.group(1)))))
                    continue
                strings.append(value)
                if name in _MARKDOWN_FIELDS and not (kind in _PLAIN_BODY and name == "body"):
                    markdown.append(value)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    for frame in at.dataframe:
        df = frame.value
        strings.extend(str(c) for c in df.columns)
        strings.extend(str(v) for v in df.to_numpy().ravel() if isinstance(v, str))
    return markdown, strings


def _json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


# The projector's slide (ui/slide.py) is HTML of the app's own: these elements and attributes, and nothing else.
_SLIDE_TAGS = {"div", "h1", "h2", "h3", "p", "ol", "ul", "li", "strong"}
_SLIDE_ATTRIBUTES = {"class", "style", "role", "value", "aria-label", "aria-current", "aria-live", "data-slide",
                     "data-key", "data-mode", "data-phase", "data-clock"}


def slide_strings(at) -> list[str]:
    """The projector's slide, if the page mounted one: its elements must be the app's own, and the strings it
    shows (its text, the clock's data) are returned."""
    if not [e for e in at.get("bidi_component") if e.proto.component_name == "gsf_slide"]:
        return []
    parsed = markup(slide_data(at)["html"])
    strings = list(parsed.text)
    for tag, attrs in parsed.elements:
        assert tag in _SLIDE_TAGS and set(attrs) <= _SLIDE_ATTRIBUTES, (tag, attrs)
        if "data-clock" in attrs:
            strings.extend(_json_strings(json.loads(attrs["data-clock"])))
    return strings


def assert_shown_literally(at, where: str) -> None:
    """Nothing the page sent would become markup, a link, a symbol or an emoji, or reorder text around it."""
    assert not at.exception, where
    markdown, strings = shown(at)
    strings += slide_strings(at)
    for src in markdown:
        assert not unescaped_markup(src), (where, src[:200])
        assert not markdown_rewrites(src), (where, markdown_rewrites(src), src[:200])
    for s in strings:
        assert not bidi_leaks(s), (where, bidi_leaks(s), s[:200])


@pytest.fixture
def hostile_session(engine):
    """A session run with every hostile name, note, question and goal; returns (session id, participant ids)."""
    with session_scope(engine) as db:
        s, invented, _ = make_session(db, n=2)
        sid = s.id
        pids = []
        for first, last in HOSTILE_NAMES:
            p = create_participant(db, first_name=first, last_name=last, record_number="=cmd|' /C calc'!A0")
            add_to_roster(db, session_id=sid, participant_id=p.id)
            pids.append(p.id)
        set_projector_names(db, session_id=sid, show=True)  # first names on the projector's welcome
        start_session(db, session_id=sid)
        writers = [*pids, *(p.id for p in invented)]  # one note each, at every step /live is looked at below
        for pid, note in zip(writers, HOSTILE_NOTES[:-1], strict=True):
            for step in ("intro", "qa", "summary"):
                save_live_note(db, session_id=sid, participant_id=pid, step=step, text=note, tags=["needs follow-up"])
        save_live_note(db, session_id=sid, participant_id=None, step="intro", text=HOSTILE_NOTES[-1], tags=[])
        for text in HOSTILE_NOTES[:-1]:
            add_question(db, session_id=sid, text=text.strip() or "?", participant_id=pids[0])
            add_goal(db, session_id=sid, participant_id=pids[1], behaviour="Healthy coping", text=text.strip() or "?",
                     confidence=5, follow_up_date=date(2027, 1, 4))
        parked = add_question(db, session_id=sid, text=HOSTILE_NOTES[8], participant_id=pids[2])
        set_question_status(db, question_id=parked.id, status="parked")
    return sid, pids


def test_hostile_text_stored_exactly(engine, hostile_session):
    with session_scope(engine) as db:
        names = {(p.first_name, p.last_name) for p in db.exec(select(Participant))}
        assert set(HOSTILE_NAMES) <= names
        stored = {v.text for v in db.exec(select(NoteVersion))}
        assert set(HOSTILE_NOTES) <= stored  # bidi controls, URLs and arrows kept as typed in storage
        questions = {q.text for q in db.exec(select(Question))}
        goals = {g.text for g in db.exec(select(Goal))}
        assert HOSTILE_NOTES[8] in questions and HOSTILE_NOTES[8] in goals


# What a page shows of stored text does not depend on the database's kind (storing it does: the test above runs
# on both), so the two dozen page runs below run once, on SQLite.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_hostile_text_shown_inert_and_literally_on_every_page(engine, hostile_session):
    sid, pids = hostile_session
    pages = [("pages/live.py", {"session": sid}), ("pages/projector.py", {"session": sid}),
             ("pages/plan.py", {}), ("streamlit_app.py", {}), ("pages/review.py", {}),
             ("pages/participants.py", {"participant": pids[1]}), ("pages/participants.py", {"participant": pids[0]})]
    for page, params in pages:
        assert_shown_literally(app(page, **params).run(), page)
    # the projector's questions and /live's follow-up flags, goals and question queue
    for step in ("qa", "summary"):
        with session_scope(engine) as db:
            go_to_step(db, session_id=sid, step=step)
        for page in ("pages/live.py", "pages/projector.py"):
            at = app(page, session=sid).run()
            assert_shown_literally(at, f"{page} at {step}")
    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="qa")
    shown = []  # the Q&A slide's questions run over several projector pages: read every page
    for n in range(12):
        with session_scope(engine) as db:
            set_projector_page(db, session_id=sid, page=n)
        at = app("pages/projector.py", session=sid).run()
        assert_shown_literally(at, f"projector page {n + 1}")
        shown.append(slide_text(at))
    assert any("www.evil.example" in page for page in shown)
    with session_scope(engine) as db:
        end_session(db, session_id=sid)
    at = app("pages/review.py", session=sid).run()
    assert_shown_literally(at, "the session record")
    at.selectbox(key=f"an_who_{sid}").select(pids[0]).run()  # a picker naming a hostile participant
    assert_shown_literally(at, "the session record, a participant picked")
    # the note is shown as typed: the same characters, bidi controls left out, nothing else changed
    shown_notes = [t.value for t in at.text]
    expected = HOSTILE_NOTES[8]
    for c in BIDI_CONTROLS:
        expected = expected.replace(c, "")
    assert any(s.replace(FSI, "").replace(PDI, "") == f"• {expected}" or s == expected for s in shown_notes)
    # the amend box still holds the stored text exactly, so an amendment starts from what is stored
    assert any(HOSTILE_NOTES[0] == ta.value for ta in at.text_area)


# ---------------------------------------------------------------- the two display functions themselves


_ALL = [*HOSTILE_NOTES[:-1], *(t for pair in HOSTILE_NAMES for t in pair),
        "\u2069\u202e leading pop", "www.x.org", "WWW.X.ORG", "HTTP://x.org", "<->", "a@b.co", "::smile::"]


@pytest.mark.parametrize("text", _ALL)
def test_md_escape_is_inert_and_keeps_every_visible_character(text):
    out = md_escape(text)
    assert not unescaped_markup(out) and not markdown_rewrites(out) and not bidi_leaks(out)
    seen = rendered(out)
    for c in (WORD_JOINER, FSI, PDI):
        seen = seen.replace(c, "")
    typed = "".join(" " if c in "\r\n\t\x0b\x1f\x07" else c for c in text if c not in BIDI_CONTROLS)
    assert seen == typed


@pytest.mark.parametrize("text", _ALL)
def test_plain_keeps_the_text_and_only_isolates_it(text):
    out = plain(text)
    assert not bidi_leaks(out)
    typed = "".join(c for c in text.replace("\r\n", "\n") if c not in BIDI_CONTROLS)
    assert out.replace(FSI, "").replace(PDI, "") == typed
    for line in out.split("\n"):  # a line holding right-to-left text is one isolate
        assert line.count(FSI) == line.count(PDI) <= 1
        assert FSI not in line or (line.startswith(FSI) and line.endswith(PDI))


def test_left_to_right_text_is_left_as_it_is():
    assert plain("Ada Testwell · 10:00") == "Ada Testwell · 10:00"
    assert md_escape("Ada Testwell") == "Ada Testwell"
    assert plain("שלום") == FSI + "שלום" + PDI
