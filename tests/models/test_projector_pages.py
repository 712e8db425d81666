"""The projector's pages: every item of a step on exactly one page, in order, each page within the budget the
browser tests measure (tests/e2e/test_projector_fit_browser.py); the facilitator's clock and page choices."""

from __future__ import annotations

import re

import pytest

from models.curriculum import STEP_ORDER, Curriculum, activity_key, topic_key
from models.errors import RuleError
from models.projector_pages import (
    CONTENT_H,
    MAX_PAGE,
    Block,
    Section,
    block_height,
    current_slide,
    cut,
    decoration,
    shown_page,
    slide_id,
    slide_pages,
    step_sections,
    wrap,
)
from models.session_view import load_session_view, session_revision
from models.sessions import (
    end_session,
    go_to_step,
    set_projector_clock,
    set_projector_page,
    set_tick,
    start_session,
)
from tests.factories import SCHEDULED, curriculum, make_session

SHIPPED = ("diabetes-dsmt-group", "asthma-group", "hypertension-group")
QUESTIONS = ["Is fruit okay?", "Can I still drink coffee in the morning before I check my blood glucose?"]
NAMES = ["Ada", "Bram", "Cora", "Dov"]
pytestmark = pytest.mark.frozen_clock(SCHEDULED)


def _blocks(sections: list[Section]) -> list[Block]:
    return [b for sec in sections for b in ([sec.heading] if sec.heading else []) + sec.items]


def _words(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_paged(sections: list[Section], pages) -> None:
    """Every block of `sections` begins on exactly one page, in order; a split item's parts follow it on the next
    pages and together are its text; every page is within the budget; no page ends with a heading whose section
    goes on; a repeated heading is its section's and opens its page."""
    expected = _blocks(sections)
    assert [b.key for p in pages for b in p.items()] == [b.key for b in expected]
    assert all(p.blocks for p in pages)
    flat = [b for p in pages for b in p.blocks if not b.repeated]
    for item in expected:
        parts = [b for b in flat if b.key == item.key]
        assert [b.part for b in parts] == list(range(len(parts))), item.key
        assert _words("".join(b.text for b in parts)) == _words(item.text), item.key
        if len(parts) > 1:  # on consecutive pages
            where = [next(i for i, p in enumerate(pages) if b in p.blocks) for b in parts]
            assert where == list(range(where[0], where[0] + len(parts))), item.key
    headings_with_items = {sec.heading.key for sec in sections if sec.heading and sec.items}
    for n, p in enumerate(pages):
        assert sum(block_height(b) for b in p.blocks) <= CONTENT_H, n
        last = p.blocks[-1]
        if n < len(pages) - 1 and last.kind == "heading" and last.key in headings_with_items:
            nxt = pages[n + 1].blocks[0]  # only the rest of a heading too long for a page may follow it there
            assert (nxt.key, nxt.part) == (last.key, last.part + 1), n
        for i, b in enumerate(p.blocks):
            if b.repeated:
                assert i == 0 and b.key in headings_with_items


def _tick_states(cur: Curriculum, step_id: str) -> list[set[str]]:
    step = cur.step(step_id)
    keys = [topic_key(t.id) for t in step.topics] + [activity_key(a.id) for a in step.activities]
    return [set(keys[:n]) for n in range(len(keys) + 1)]


@pytest.mark.parametrize("cid", SHIPPED)
def test_every_item_of_every_step_on_exactly_one_page_in_order(cid):
    cur = curriculum(cid)
    for step_id in STEP_ORDER:
        for ticks in _tick_states(cur, step_id):
            for questions, names in (((), ()), (QUESTIONS, NAMES), (QUESTIONS * 6, NAMES * 5)):
                sections = step_sections(cur, step_id, ticks=ticks, open_questions=questions, first_names=names)
                pages = slide_pages(cur, step_id, ticks=ticks, open_questions=questions, first_names=names)
                assert_paged(sections, pages)


def test_the_diabetes_steps_as_paged():
    """What the room sees of the diabetes curriculum: the activities run over three pages' worth of content, so
    they are cut, each activity whole on a page; the other steps fit on one."""
    cur = curriculum()
    counts = {s: len(slide_pages(cur, s, open_questions=QUESTIONS[:1])) for s in STEP_ORDER}
    assert counts["activity"] > 1
    assert counts["intro"] == counts["qa"] == counts["summary"] == 1
    pages = slide_pages(cur, "activity")
    for a in cur.step("activity").activities:
        on = [n for n, p in enumerate(pages) if any(b.key.startswith(activity_key(a.id)) for b in p.blocks)]
        assert len(on) == 1, a.id  # kept together
    # ticking an activity leaves only its title ("done"), so the step needs fewer pages
    done = {activity_key(a.id) for a in cur.step("activity").activities}
    assert len(slide_pages(cur, "activity", ticks=done)) == 1
    # the summary keeps its hand-outs on the page with the recap
    summary = slide_pages(cur, "summary")[0]
    assert {"recap", "handouts"} <= {b.key for b in summary.blocks}


def test_teaching_follows_the_ticks():
    cur = curriculum()
    topics = cur.step("teach").topics
    first = slide_pages(cur, "teach")[0].blocks
    assert first[0].kind == "heading" and first[0].mark == "▶ " and first[0].key == topic_key(topics[0].id)
    assert [b.tail for b in first if b.kind == "text"] == [" — coming up"] * (len(topics) - 1)
    ticked = {topic_key(topics[0].id)}
    blocks = [b for p in slide_pages(cur, "teach", ticks=ticked) for b in p.blocks]
    assert blocks[0].tail == " — covered" and blocks[1].mark == "▶ " and blocks[1].key == topic_key(topics[1].id)


def _long_curriculum() -> Curriculum:
    """The diabetes curriculum with the longest content the schema allows in places: 30 key points of 2,000
    characters, an unbroken 2,000-character word, a 2,000-character activity title, wide characters."""
    data = curriculum().model_dump()
    teach = data["steps"][1]
    teach["topics"][0]["key_points"] = [f"Point {n}: " + "lorem ipsum dolor " * 110 for n in range(30)]
    teach["topics"][1]["key_points"] = ["x" * 2000]
    teach["topics"][2]["title"] = "Medicines " + "with a very long title " * 60
    act = data["steps"][2]["activities"][0]
    act["title"] = "T" * 2000
    act["materials"] = ["血糖仪和试纸 " * 40] * 30
    data["steps"][3]["prompts"] = ["😀 " * 600] * 30
    data["steps"][4]["handouts"] = ["Hand-out " * 200] * 30
    return Curriculum.model_validate(data)


def test_content_longer_than_a_page_is_split_and_still_fits():
    cur = _long_curriculum()
    topics = cur.step("teach").topics
    for step_id in STEP_ORDER:
        for ticks in _tick_states(cur, step_id):
            sections = step_sections(cur, step_id, ticks=ticks, open_questions=["?" * 2000] * 40,
                                     first_names=["Zoë"] * 20)
            pages = cut(sections)
            assert_paged(sections, pages)
    pages = slide_pages(cur, "teach", ticks={topic_key(topics[0].id)})
    parts = [b for p in pages for b in p.blocks if b.key.endswith(":point:0")]
    assert len(parts) >= 2 and parts[1].part == 1 and decoration(parts[1])[0].startswith("…")
    # a section that runs over repeats its heading, marked continued
    pages = slide_pages(cur, "teach")
    assert pages[1].blocks[0].repeated and decoration(pages[1].blocks[0])[2] == " (continued)"
    assert pages[1].blocks[0].key == topic_key(topics[0].id)


def test_wrapping_counts_wide_characters_wider():
    width = 400
    assert len(wrap("a" * 100, width=width, font=32)) < len(wrap("W" * 100, width=width, font=32))
    assert len(wrap("i" * 100, width=width, font=32)) < len(wrap("a" * 100, width=width, font=32))
    assert len(wrap("漢" * 100, width=width, font=32)) > len(wrap("a" * 100, width=width, font=32))
    assert wrap("", width=width, font=32) == [""]
    assert "".join(wrap("x" * 500, width=width, font=32)) == "x" * 500  # a long word is broken, nothing lost


def test_which_slide_and_which_page():
    assert slide_id("planned", None) == "welcome"
    assert slide_id("live", "qa") == "qa"
    assert slide_id("ended", "summary") == "thanks"
    assert shown_page(0, 1) == 0 and shown_page(5, 3) == 2 and shown_page(-1, 3) == 0
    cur = curriculum()
    welcome = slide_pages(cur, "welcome", first_names=NAMES)
    assert [b.key for b in welcome[0].blocks][-1] == "welcome"
    assert [b.key for b in slide_pages(cur, "thanks")[0].blocks][0] == "handouts"


def test_clock_mode_and_page_are_kept_and_the_projector_follows(db):
    s, _, _ = make_session(db, n=2)
    sid = s.id
    assert (s.projector_clock, s.projector_page) == ("full", 0)
    rev = session_revision(db, sid)
    set_projector_clock(db, session_id=sid, mode="calm")
    assert session_revision(db, sid) == rev + 1
    with pytest.raises(RuleError, match="Unknown projector clock"):
        set_projector_clock(db, session_id=sid, mode="loud")
    set_projector_clock(db, session_id=sid, mode="none")
    db.refresh(s)
    assert s.projector_clock == "none"

    start_session(db, session_id=sid)
    go_to_step(db, session_id=sid, step="activity")
    rev = session_revision(db, sid)
    set_projector_page(db, session_id=sid, page=1)
    assert session_revision(db, sid) == rev + 1
    slide = current_slide(load_session_view(db, sid, private=False))
    assert (slide.id, slide.page, slide.label) == ("activity", 1, f"Page 2 of {len(slide.pages)}")
    for bad in (-1, MAX_PAGE + 1, True, "2"):
        with pytest.raises(RuleError, match="page does not exist"):
            set_projector_page(db, session_id=sid, page=bad)
    # a page beyond the slide's pages shows its last page; ticking the activities shortens the step
    set_projector_page(db, session_id=sid, page=7)
    view = load_session_view(db, sid, private=False)
    assert current_slide(view).page == len(current_slide(view).pages) - 1
    for a in view.curriculum.step("activity").activities:
        set_tick(db, session_id=sid, item_key=activity_key(a.id), done=True)
    slide = current_slide(load_session_view(db, sid, private=False))
    assert len(slide.pages) == 1 and slide.page == 0 and slide.label == ""

    # a new step starts on its first page
    set_projector_page(db, session_id=sid, page=1)
    go_to_step(db, session_id=sid, step="qa")
    db.refresh(s)
    assert s.projector_page == 0
    go_to_step(db, session_id=sid, step="qa")  # the same step: nothing changes

    end_session(db, session_id=sid)
    with pytest.raises(RuleError, match="ended"):
        set_projector_page(db, session_id=sid, page=0)
    set_projector_clock(db, session_id=sid, mode="full")  # harmless after the end
