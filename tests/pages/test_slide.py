"""The projector's slide as HTML (ui/slide.py): the page's blocks in the right elements, lists kept together and
numbered as the curriculum numbers them, the current step marked, and every text escaped."""

from __future__ import annotations

from models import clock
from models.db import session_scope
from models.projector_pages import Block, Page
from models.session_view import load_session_view
from models.sessions import end_session, go_to_step, set_projector_page, start_session
from tests.factories import make_session
from tests.pages.helpers import markup
from ui.slide import page_html, read_slide, slide_html


def test_blocks_become_headings_paragraphs_and_whole_lists():
    page = Page((
        Block("heading", "h", "Checking", mark="▸ "),
        Block("bullet", "b1", "Wash hands"),
        Block("bullet", "b2", "Write it down"),
        Block("text", "t", "meter, strips", lead="You need:"),
        Block("number", "n3", "Third", number=3),
        Block("number", "n4", "Fourth", number=4, part=1),
        Block("heading", "h2", "Checking", repeated=True),
    ))
    assert page_html(page) == (
        "<h3>▸ Checking</h3><ul><li>Wash hands</li><li>Write it down</li></ul>"
        "<p><strong>You need:</strong> meter, strips</p>"
        '<ol><li value="3">Third</li><li value="4">… Fourth</li></ol><h3>Checking (continued)</h3>'
    )


def test_stored_text_is_escaped_and_cannot_reorder_the_slide():
    hostile = '<img src=x onerror="alert(1)"> & \u202eevil'
    page = Page((Block("bullet", "q", hostile, lead="<b>"), Block("text", "t", "a\nb")))
    source = page_html(page)
    parsed = markup(source)
    assert [tag for tag, _ in parsed.elements] == ["ul", "li", "strong", "p"]  # no element of the text's own
    assert "".join(parsed.text).strip() == '<b> <img src=x onerror="alert(1)"> & evil\na b'
    assert "\u202e" not in source


def test_the_slide_marks_the_step_and_says_the_page_only_when_there_are_more(engine):
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2)
        sid = s.id
    welcome = read_slide(engine, sid)
    assert "We start at" in welcome.html and "<h2>Welcome</h2>" in welcome.html
    assert 'class="gsf-clock"' not in welcome.html and "gsf-steps" not in welcome.html

    with session_scope(engine) as db:
        start_session(db, session_id=sid)
        go_to_step(db, session_id=sid, step="activity")
        set_projector_page(db, session_id=sid, page=1)
    slide = read_slide(engine, sid)
    assert slide.revision > welcome.revision
    current = [(tag, attrs) for tag, attrs in markup(slide.html).elements if "aria-current" in attrs]
    assert current == [("li", {"aria-current": "step"})]
    assert "▶ 3. Activities</li>" in slide.html
    assert "<p>Page 2 of 2</p>" in slide.html and 'class="gsf-clock"' in slide.html

    with session_scope(engine) as db:
        go_to_step(db, session_id=sid, step="qa")
        view = load_session_view(db, sid, private=False)
    at = clock.now()
    assert slide_html(view, [], now=at) == slide_html(view, [], now=at)  # the same view, the same slide
    assert "Page " not in slide_html(view, [], now=at)

    with session_scope(engine) as db:
        end_session(db, session_id=sid)
    thanks = read_slide(engine, sid)
    assert "<h2>Thank you for taking part</h2>" in thanks.html and 'class="gsf-clock"' not in thanks.html
    assert read_slide(engine, sid + 1000) is None
