"""How the projector's content for a step is cut into pages that each fit one screen. No Streamlit here.

The projector (ui/slide.py, mounted by pages/projector.py) draws every slide in design pixels (dpx): 1 dpx is
min(100vh / 1080, 100vw / 1440) of the browser window, so a slide is laid out in a box at least 1440 dpx wide and
1080 dpx tall at any size. 1920×1080 and 1280×720 show the same slide at two scales (1 dpx = 1 px and 2/3 px);
1024×768 (4:3) is the narrowest box, 1440×1080 dpx, and a page cut to fit it fits every wider screen too. The sizes
below are the projector's CSS and the budget the pages are cut to, in one place; the browser tests
(tests/e2e/test_projector_fit_browser.py) check that every page of every shipped curriculum fits at 1920×1080,
1280×720 and 1024×768 and measure the text sizes.

A page holds blocks: headings (a section's title, a topic, an activity), paragraphs, bullets and numbered lines.
Every content item of the step (a key point, an instruction, a prompt, a hand-out, …) is one block on exactly one
page, in the curriculum's order; only an item too long for a whole page is split, its parts on consecutive pages
marked as continued. A section (a topic with its key points, an activity with its materials and instructions) is
kept on one page when it fits on one, and a section that runs over repeats its heading, marked continued. What a
block's text needs is estimated by wrapping its words with character widths measured in the browser, rounded up.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from models.curriculum import Curriculum, activity_key, topic_key
from models.enums import QuestionStatus, SessionStatus
from models.session_view import SessionView

# ---------------------------------------------------------------- the projector's sizes, in dpx

BOX_W, BOX_H = 1440, 1080  # the narrowest box a slide is laid out in (4:3)
TEXT_PX = 32  # paragraphs, list items, the step list and the page number: the smallest text on the projector
TEXT_LINE = 1.3
HEADING_PX = 36  # a section, topic or activity title on a page
HEADING_LINE = 1.25
STEP_TITLE_PX = 44  # the step's title above its pages
TITLE_PX = 40  # the curriculum's title
GAP_PX = 8  # below every paragraph and list item
HEADING_ABOVE_PX, HEADING_BELOW_PX = 14, 4
LIST_INDENT_EM = 1.3  # room for the bullet or number

# The page's content column as measured in the browser at 1024×768 with the CSS above (ui/slide.py): 900 dpx
# wide, 907 dpx from its top (below the title, the steps and the step's heading) to the bottom of the screen.
# Budgeted a little smaller; tests/e2e/test_projector_fit_browser.py measures that every page fits.
CONTENT_W = 890
CONTENT_H = 900
BOLD_FACTOR = 1.05  # headings (600) and the bold lead-in (700) against running text (400)
CONTINUED = " (continued)"
MAX_PAGE = 999  # the highest page index a facilitator can ask for (a slide shows its last page when it has fewer)
ELLIPSIS = "… "

BlockKind = Literal["heading", "text", "bullet", "number"]


@dataclass(frozen=True)
class Block:
    """One thing drawn on a page. `key` names the content item it shows (stable within a curriculum version);
    `mark`, `lead` (bold) and `tail` are decoration the page draws around `text`. An item split across pages
    has parts 0, 1, 2 …; a section's heading drawn again on the page its section runs onto is `repeated`."""

    kind: BlockKind
    key: str
    text: str
    number: int | None = None
    mark: str = ""
    lead: str = ""
    tail: str = ""
    part: int = 0
    repeated: bool = False


@dataclass(frozen=True)
class Page:
    blocks: tuple[Block, ...]

    def items(self) -> list[Block]:
        """The content items that begin on this page (repeated headings and later parts left out)."""
        return [b for b in self.blocks if not b.repeated and b.part == 0]


@dataclass(frozen=True)
class Section:
    """Blocks that belong together: a heading (or none) and the items under it."""

    heading: Block | None
    items: list[Block] = field(default_factory=list)


# ---------------------------------------------------------------- what a block needs


# Character widths in em of the projector's font (Source Sans, as Streamlit ships it), measured in the browser at
# its regular weight; each class takes its widest member, so a line estimated with them is never shorter than the
# line drawn (BOLD_FACTOR covers the bold headings and lead-ins).
_NARROW = frozenset("!'(),-./:;I[]\\fijlrt|{}·")
_WIDE = frozenset("%@MWmw—")
SPACE_EM, NARROW_EM, LOWER_EM, UPPER_EM, WIDE_EM, FULL_EM = 0.22, 0.35, 0.55, 0.66, 0.86, 1.1


def _char_em(ch: str) -> float:
    if ch == " ":
        return SPACE_EM
    if ch in _NARROW:
        return NARROW_EM
    if ch in _WIDE:
        return WIDE_EM
    if "A" <= ch <= "Z":
        return UPPER_EM
    if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\u2060\ufe0f":
        return 0.0
    if ch == "…" or unicodedata.east_asian_width(ch) in ("W", "F") or unicodedata.category(ch) == "So":
        return FULL_EM
    return LOWER_EM


@lru_cache(maxsize=8192)
def _word_em(word: str) -> float:
    return sum(_char_em(c) for c in word)


def _font(kind: BlockKind) -> tuple[float, float, bool]:
    """Font size, line height (dpx) and boldness of a block kind."""
    if kind == "heading":
        return HEADING_PX, HEADING_PX * HEADING_LINE, True
    return TEXT_PX, TEXT_PX * TEXT_LINE, False


def _width(kind: BlockKind) -> float:
    indent = LIST_INDENT_EM * TEXT_PX if kind in ("bullet", "number") else 0
    return CONTENT_W - indent


def wrap(text: str, *, width: float, font: float, bold: bool = False) -> list[str]:
    """The lines `text` takes at `font` dpx in a column `width` dpx wide: words wrapped at spaces, a word longer
    than a line broken anywhere (the projector's CSS says overflow-wrap: anywhere)."""
    size = font * (BOLD_FACTOR if bold else 1.0)
    space = _char_em(" ") * size
    lines: list[str] = []
    line, x = "", 0.0
    for word in text.split():
        w = _word_em(word) * size
        if line and x + space + w <= width:
            line, x = f"{line} {word}", x + space + w
            continue
        if line:
            lines.append(line)
        line, x = "", 0.0
        for ch in word:  # starts a line; broken anywhere if longer than one
            cw = _char_em(ch) * size
            if line and x + cw > width:
                lines.append(line)
                line, x = "", 0.0
            line, x = line + ch, x + cw
    if line or not lines:
        lines.append(line)
    return lines


def decoration(b: Block) -> tuple[str, str, str]:
    """What the page draws before the block's text, its bold lead-in, and after it (a numbered line's number is
    the list's own): a later part of an item begins with an ellipsis, a repeated heading ends "(continued)"."""
    before = (ELLIPSIS if b.part else "") + b.mark
    after = CONTINUED if b.repeated else b.tail
    return before, b.lead, after


def _decorated(b: Block) -> str:
    before, lead, after = decoration(b)
    return f"{before}{lead}{' ' if lead else ''}{b.text}{after}"


def block_lines(b: Block) -> int:
    font, _, bold = _font(b.kind)
    return len(wrap(_decorated(b), width=_width(b.kind), font=font, bold=bold))


def _height(b: Block, lines: int | None = None) -> float:
    _, line, _ = _font(b.kind)
    n = block_lines(b) if lines is None else lines
    extra = HEADING_ABOVE_PX + HEADING_BELOW_PX if b.kind == "heading" else GAP_PX
    return n * line + extra


def block_height(b: Block) -> float:
    """The height (dpx) a block takes on the projector, its spacing included."""
    return _height(b)


# ---------------------------------------------------------------- cutting


class _Cutter:
    def __init__(self, capacity: float) -> None:
        self.capacity = capacity
        self.pages: list[list[Block]] = [[]]
        self.used = 0.0

    @property
    def room(self) -> float:
        return self.capacity - self.used

    @property
    def fresh(self) -> bool:
        """Nothing on this page yet but a repeated heading."""
        return all(x.repeated for x in self.pages[-1])

    def put(self, b: Block) -> None:
        self.pages[-1].append(b)
        self.used += block_height(b)

    def new_page(self, heading: Block | None) -> None:
        if self.pages[-1]:
            self.pages.append([])
            self.used = 0.0
        if heading is not None:
            self.put(replace(heading, repeated=True))

    def put_split(self, b: Block, heading: Block | None) -> None:
        """An item too long for the room left: as much of it as fits here, the rest on the next pages."""
        rest, n = b.text, 0
        while True:
            part = replace(b, text=rest, part=n)
            if block_height(part) <= self.room:
                self.put(part)
                return
            k = _fitting_prefix(replace(part, tail=""), self.room)
            if k == 0 and not self.fresh:
                self.new_page(heading)
                continue
            k = k or 1  # not one character fits an empty page: impossible with these sizes, but the cut moves on
            self.put(replace(part, text=rest[:k].rstrip(), tail=""))
            rest, n = rest[k:].lstrip(), n + 1
            if not rest:
                return
            self.new_page(heading)


def _fitting_prefix(part: Block, room: float) -> int:
    """How many characters of `part.text` fit in `room` dpx: the longest such prefix, cut back to a space when
    there is one (a word longer than a line is broken where the line ends)."""
    text = part.text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if block_height(replace(part, text=text[:mid].rstrip())) <= room:
            lo = mid
        else:
            hi = mid - 1
    if 0 < lo < len(text) and not text[lo].isspace():
        space = max((i for i in range(lo) if text[i].isspace()), default=0)
        if space:
            return space
    return lo


def cut(sections: Sequence[Section], *, capacity: float = CONTENT_H) -> list[Page]:
    """Cut sections into pages of at most `capacity` dpx: a section that fits on one page is kept together; a
    heading is never left last on a page (nor a page begun with a heading alone); an item taller than a page is
    split. A section that runs over repeats its heading on the next page when the heading is short."""
    c = _Cutter(capacity)
    for sec in sections:
        blocks = ([sec.heading] if sec.heading else []) + sec.items
        if c.pages[-1] and c.room < sum(block_height(b) for b in blocks) <= capacity:
            c.new_page(None)
        repeat = None
        if sec.heading is not None:
            head = block_height(sec.heading)
            if sec.items and block_height(replace(sec.heading, repeated=True)) <= capacity / 4:
                repeat = sec.heading
            # the heading stays with its first item: all of it, or its first line when it is split anyway
            need = 0.0
            if sec.items:
                first, again = sec.items[0], block_height(replace(repeat, repeated=True)) if repeat else 0.0
                need = block_height(first)
                if need + again > capacity:
                    need = _font(first.kind)[1] + _height(first, 0)
            if head + need > c.room and not c.fresh:
                c.new_page(None)
            if head <= c.room:
                c.put(sec.heading)
            else:
                c.put_split(sec.heading, None)
        for b in sec.items:
            h = block_height(b)
            if h <= c.room:
                c.put(b)
            elif h + (block_height(replace(repeat, repeated=True)) if repeat else 0) <= capacity:
                c.new_page(repeat)
                c.put(b)
            else:
                c.put_split(b, repeat)
    pages = [Page(tuple(p)) for p in c.pages if p]
    return pages or [Page(())]


# ---------------------------------------------------------------- a step's content


def _agenda(cur: Curriculum) -> list[Block]:
    return [Block("number", f"agenda:{i}", f"{s.display_title} · {s.minutes} min", number=i)
            for i, s in enumerate(cur.steps, 1)]


def _welcome(cur: Curriculum, first_names: Sequence[str]) -> list[Section]:
    sections = [Section(Block("heading", "today", "Today"), _agenda(cur))]
    if first_names:
        sections.append(Section(Block("heading", "welcome", ", ".join(first_names), lead="Welcome,")))
    return sections


def step_sections(cur: Curriculum, step_id: str, *, ticks: Collection[str] = (),
                  open_questions: Sequence[str] = (), first_names: Sequence[str] = ()) -> list[Section]:
    """What the room sees of a step, in order, before it is cut into pages. `ticks` are the delivered items'
    keys; `open_questions` the texts of the questions still open (never who asked); `first_names` the welcome's
    first names when the facilitator switched them on."""
    step = cur.step(step_id)
    if step_id == "intro":
        return _welcome(cur, first_names)
    if step_id == "teach":
        pending = [t for t in step.topics if topic_key(t.id) not in ticks]
        now_topic = pending[0] if pending else None
        out: list[Section] = []
        for t in step.topics:
            key = topic_key(t.id)
            if key in ticks:
                out.append(Section(None, [Block("text", key, t.title, mark="✓ ", tail=" — covered")]))
            elif t is now_topic:
                out.append(Section(Block("heading", key, t.title, mark="▶ "),
                                   [Block("bullet", f"{key}:point:{n}", k) for n, k in enumerate(t.key_points)]))
            else:
                out.append(Section(None, [Block("text", key, t.title, mark="○ ", tail=" — coming up")]))
        return out
    if step_id == "activity":
        out = []
        for a in step.activities:
            key = activity_key(a.id)
            if key in ticks:
                out.append(Section(Block("heading", key, a.title, mark="✓ ", tail=" — done")))
                continue
            items = [Block("text", f"{key}:materials", "; ".join(a.materials), lead="You need:")] if a.materials else []
            items += [Block("number", f"{key}:step:{n}", x, number=n) for n, x in enumerate(a.instructions, 1)]
            out.append(Section(Block("heading", key, a.title), items))
        return out
    if step_id == "qa":
        out = [Section(None, [Block("bullet", f"prompt:{n}", p) for n, p in enumerate(step.prompts)])]
        if open_questions:
            out.append(Section(Block("heading", "questions", "Your questions"),
                               [Block("bullet", f"question:{n}", q) for n, q in enumerate(open_questions)]))
        return out
    out = [Section(Block("heading", "recap", "Key points"),
                   [Block("bullet", f"recap:{n}", r) for n, r in enumerate(step.recap)])]
    return out + _handouts(cur)


def _handouts(cur: Curriculum) -> list[Section]:
    handouts = cur.step("summary").handouts
    if not handouts:
        return []
    return [Section(Block("heading", "handouts", "Take home"),
                    [Block("bullet", f"handout:{n}", h) for n, h in enumerate(handouts)])]


def slide_id(status: str, current_step: str | None) -> str:
    """Which slide the projector shows: "welcome" before the start, the current step, "thanks" after the end."""
    if status == SessionStatus.PLANNED:
        return "welcome"
    if status == SessionStatus.ENDED:
        return "thanks"
    return current_step or "intro"


def slide_pages(cur: Curriculum, slide: str, *, ticks: Collection[str] = (), open_questions: Sequence[str] = (),
                first_names: Sequence[str] = ()) -> list[Page]:
    """The pages of a slide (a step's id, "welcome" or "thanks"), each sized to fit one screen."""
    if slide == "welcome":
        sections = _welcome(cur, first_names)
    elif slide == "thanks":
        sections = _handouts(cur)
    else:
        sections = step_sections(cur, slide, ticks=ticks, open_questions=open_questions, first_names=first_names)
    return cut(sections)


def shown_page(page: int, count: int) -> int:
    """The page index to show: the stored one, within the pages there are now (ticks can shorten a step)."""
    return max(0, min(int(page), count - 1))


@dataclass(frozen=True)
class Slide:
    """What the projector shows now: which slide, its pages, and the page on the screen."""

    id: str
    pages: list[Page]
    page: int

    @property
    def label(self) -> str:
        """"Page 2 of 3" when the slide has more than one page, so the room knows there is more."""
        return f"Page {self.page + 1} of {len(self.pages)}" if len(self.pages) > 1 else ""


def current_slide(view: SessionView, first_names: Sequence[str] = ()) -> Slide:
    """The projector's slide for a session as read (the projector's view without private data, or /live's):
    the same pages on both screens, so /live's page buttons move through what the room sees."""
    s = view.session
    slide = slide_id(s.status, s.current_step)
    open_questions = [q.text for q in view.questions if q.status == QuestionStatus.OPEN]
    pages = slide_pages(view.curriculum, slide, ticks=view.ticks, open_questions=open_questions,
                        first_names=first_names)
    return Slide(slide, pages, shown_page(s.projector_page or 0, len(pages)))
