"""Stored text shown as typed in a real browser: a note and a question holding a bare URL, "--", "->", "<=" and a
RIGHT-TO-LEFT OVERRIDE (U+202E) show as typed on /live, /projector and /review and print so in the PDF. In the
DOM: no link is made of the URL, no arrow, dash or sign of the ASCII, and the letters after the override are laid
out left to right (each letter's box is right of the one before). Every person here is invented."""

from __future__ import annotations

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from models.attendance import add_to_roster
from models.notes import add_note
from models.people import create_participant
from models.questions_goals import add_question
from models.sessions import end_session, go_to_step, start_session
from tests.e2e.conftest import seed, wait_for_app_idle
from tests.e2e.test_review_browser import _prepare_and_download
from tests.factories import make_session
from tests.hostile import LITERAL_LINE

SHOWN = LITERAL_LINE.replace("\u202e", "")  # what a reader sees: the override itself is left out on display
INVISIBLE = "\u2060\u2068\u2069"  # word joiner and isolates, which the display may add around stored text

# Every element whose own text holds "after override": its text, the tag, whether it sits in a link, and the left
# edge of each letter of "after" and of "override" (from a Range over the text node).
_FIND = """
() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = n.nodeValue, i = t.indexOf("after override");
    // a text area's own text node is its value as first drawn (React), not display: the field must hold the
    // stored text exactly, override and all, and the tests read it with input_value()
    if (i < 0 || n.parentElement.tagName === "TEXTAREA") continue;
    const range = document.createRange();
    const lefts = (from, len) => Array.from({length: len}, (_, k) => {
      range.setStart(n, from + k); range.setEnd(n, from + k + 1); return range.getBoundingClientRect().left;
    });
    const el = n.parentElement;
    out.push({text: el.textContent, node: t, tag: el.tagName, inLink: !!el.closest("a"),
              after: lefts(i, 5), override: lefts(i + 6, 8), visible: el.getClientRects().length > 0});
  }
  return {found: out, links: Array.from(document.querySelectorAll("a")).map(a => a.href + " " + a.textContent)};
}
"""


def _seed(db):
    s, people, _ = make_session(db, n=2)
    ada = people[0]
    other = create_participant(db, first_name="Ann -- www.evil.example", last_name="Arrowson")  # a name, too
    add_to_roster(db, session_id=s.id, participant_id=other.id)
    start_session(db, session_id=s.id)
    add_note(db, session_id=s.id, participant_id=ada.id, step="intro", text=LITERAL_LINE, tags=["needs follow-up"])
    add_question(db, session_id=s.id, text=LITERAL_LINE, participant_id=ada.id)
    return s.id


def _shown_as_typed(page, where: str, *, tags: tuple[str, ...] = ()) -> None:
    wait_for_app_idle(page)
    expect(page.get_by_text("after override").first).to_be_attached()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    seen = page.evaluate(_FIND)
    found = [f for f in seen["found"] if not tags or f["tag"] in tags]
    assert found, (where, seen["found"])
    for f in found:
        text = f["text"]
        for c in INVISIBLE:
            text = text.replace(c, "")
        assert SHOWN in text, (where, f["text"])  # "--", "->", "<=" as typed: no dash, arrow or sign made of them
        assert "\u202e" not in f["node"], where
        assert not f["inLink"], where
        if f["visible"]:  # each letter right of the one before: nothing after the override is reversed
            for word in (f["after"], f["override"]):
                assert word == sorted(word) and len(set(word)) == len(word), (where, word)
    assert not [a for a in seen["links"] if "evil.example" in a], (where, seen["links"])


def test_note_and_question_shown_as_typed_on_every_page_and_in_the_pdf(server, page, tmp_path):
    sid = seed(server.db_url, _seed)

    # /live's widget screen at the introduction (the one-component screen, /live's own, is the next test): the note
    # field holds the stored text exactly, override and all
    page.goto(server.page_url(f"/live?session={sid}&screen=widgets"))
    wait_for_app_idle(page)
    fields = page.locator("textarea")
    expect(fields.first).to_be_visible()
    # the cards are fragments of their own, drawn after the first field: wait for the one holding the note
    page.wait_for_function("(v) => [...document.querySelectorAll('textarea')].some((t) => t.value === v)",
                           arg=LITERAL_LINE, timeout=15_000)
    assert LITERAL_LINE in [fields.nth(i).input_value() for i in range(fields.count())]
    expect(page.get_by_text("Notes on Ann")).to_be_visible()
    assert not [a for a in page.evaluate(_FIND)["links"] if "evil.example" in a]  # nor from the name in a label
    label = page.get_by_test_id("stWidgetLabel").filter(has_text="Notes on Ann").first.inner_text()
    assert "Notes on Ann -- www.evil.example" in "".join(c for c in label if c not in INVISIBLE)

    # the question on /live's queue and on the projector, at the Q&A step
    seed(server.db_url, lambda db: go_to_step(db, session_id=sid, step="qa"))
    page.goto(server.page_url(f"/live?session={sid}&screen=widgets"))
    _shown_as_typed(page, "/live question queue")
    page.goto(server.page_url(f"/projector?session={sid}"))
    _shown_as_typed(page, "/projector", tags=("LI", "P"))  # the slide's own HTML there

    # the note in /live's follow-up flags at the summary
    seed(server.db_url, lambda db: go_to_step(db, session_id=sid, step="summary"))
    page.goto(server.page_url(f"/live?session={sid}&screen=widgets"))
    _shown_as_typed(page, "/live follow-up flags")

    # the record on /review, and the group PDF downloaded from it
    seed(server.db_url, lambda db: end_session(db, session_id=sid))
    page.goto(server.page_url(f"/review?session={sid}"))
    _shown_as_typed(page, "/review")
    download = _prepare_and_download(page, "Prepare the group record (PDF)")
    path = tmp_path / "record.pdf"
    download.save_as(path)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    flat = " ".join("\n".join(p.extract_text() for p in reader.pages).split())
    assert SHOWN in flat  # printed as typed, the override left out (models/pdf_layout.clean_text)
    assert "\u202e" not in flat


def test_the_one_component_live_screen_shows_stored_text_as_typed(server, page):
    """/live drawn by one component (ui/live_screen.js puts every text through its own escaping): the note field
    holds the stored text exactly, a name is never a link, and an earlier step's note shows as typed, also when the
    screen is drawn from its fast path's answer (ui/live_route.py)."""
    sid = seed(server.db_url, _seed)
    page.goto(server.page_url(f"/live?session={sid}"))
    wait_for_app_idle(page)
    fields = page.locator(".gsf-live textarea")
    page.wait_for_function("(v) => [...document.querySelectorAll('.gsf-live textarea')].some((t) => t.value === v)",
                           arg=LITERAL_LINE, timeout=15_000)
    assert LITERAL_LINE in [fields.nth(i).input_value() for i in range(fields.count())]
    label = page.locator(".gsf-live textarea[aria-label^='Notes on Ann']").get_attribute("aria-label")
    assert label == "Notes on Ann -- www.evil.example"
    expect(page.locator(".gsf-live .gsf-card strong").filter(has_text="Ann -- www.evil.example")).to_have_count(1)
    assert not [a for a in page.evaluate(_FIND)["links"] if "evil.example" in a]
    page.locator(".gsf-live button[data-act=step]", has_text="Next").click()  # the fast path's answer draws it
    expect(page.locator(".gsf-live .gsf-step-title")).to_contain_text("Teaching")
    _shown_as_typed(page, "/live one screen, an earlier note", tags=("P",))
