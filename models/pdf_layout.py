"""Laying out the session record: fonts, text made printable, the blocks a record is built from (Heading,
Paragraph, KeyValues, Table) and RecordPDF, which draws them with fpdf2. It knows nothing of sessions;
models/pdf_record.py builds the record's blocks. No Streamlit here.

Any text a field accepts prints, at its maximum length, in any script:
- DejaVu Sans is the main font; the bundled fonts in models/fonts/ (Noto scripts, Droid Sans Fallback for
  Chinese/Japanese/Korean, Noto Color Emoji) are fallbacks, embedded only when the record uses a character
  DejaVu lacks. A character no bundled font has prints as U+FFFD (fpdf2 would otherwise log it). uharfbuzz
  shapes Arabic, Indic scripts and right-to-left order, switched on only for the paragraphs that need it.
- Paragraphs are wrapped here rather than by fpdf2, whose line breaking grows with the square of the line
  length: each word is measured once, lines are written one by one and page breaks fall between them, so a
  100,000-character note flows over the pages in about a second (a few for right-to-left or mixed scripts). A
  run without spaces wider than the line is cut between characters, never inside a letter with its marks or an
  emoji sequence; under shaping each piece is measured as printed. Only the printed copy is cut.
- fpdf2 cannot break a table row across pages, so a row that might not fit on one page (a long goal, a name
  full of line breaks) is printed instead as "Column: text" paragraphs, in its place.
- fpdf2's page-count alias ("{nb}") is live only in the footer, so a note holding it prints as typed.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import groupby
from pathlib import Path

from fpdf import FPDF
from fpdf.bidi import auto_detect_base_direction
from fpdf.enums import TextDirection, XPos, YPos
from fpdf.errors import FPDFException
from fpdf.fonts import FontFace

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
MAIN_FONT = "DejaVuSans.ttf"
MAIN_FONT_BOLD = "DejaVuSans-Bold.ttf"
# Tried in this order for characters the main font lacks.
FALLBACK_FONTS = (
    "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansDevanagari-Regular.ttf",
    "NotoSansBengali-Regular.ttf",
    "NotoSansGurmukhi-Regular.ttf",
    "NotoSansGujarati-Regular.ttf",
    "NotoSansOriya-Regular.ttf",
    "NotoSansTamil-Regular.ttf",
    "NotoSansTelugu-Regular.ttf",
    "NotoSansKannada-Regular.ttf",
    "NotoSansMalayalam-Regular.ttf",
    "NotoSansSinhala-Regular.ttf",
    "NotoSansThai-Regular.ttf",
    "NotoSansLao-Regular.ttf",
    "NotoSansKhmer-Regular.ttf",
    "NotoSansMyanmar-Regular.ttf",
    "NotoSansEthiopic-Regular.ttf",
    "NotoSansCherokee-Regular.ttf",
    "NotoSansCanadianAboriginal-Regular.ttf",
    "NotoSansThaana-Regular.ttf",
    "NotoSansSyriac-Regular.ttf",
    "DroidSansFallback.ttf",
    "NotoColorEmoji.ttf",
)

# Explicit bidi embedding/override/isolate controls: dropped from PDF text (the shaping engine orders
# right-to-left text itself, and an override could make stored text display differently from what it is).
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_ZWJ = "\u200d"
_PAGE_ALIAS = "{nb}"
# A table cell of at most this many characters on one line fits in any column a tenth of the page wide or
# wider (the record's narrowest); longer ones are measured (RecordPDF.row_fits).
_SHORT_CELL = 60
# fpdf2's bidi algorithm recurses once per character over a run of neutral characters (spaces, punctuation,
# emoji) and so fails on runs near Python's recursion limit. It runs over each printed line, and over a whole
# table cell: so no line holds more characters than this, and a longer cell is printed as a paragraph.
_MAX_RUN = 400


# ---------------------------------------------------------------- blocks
# What a document is made of; RecordPDF.draw lays out each kind.


@dataclass(frozen=True)
class Heading:
    level: int  # 1 the title, 2 a section, 3 a sub-section
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    small: bool = False


@dataclass(frozen=True)
class KeyValues:
    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    widths: Sequence[float]  # relative column widths
    header: Sequence[str]
    rows: Sequence[Sequence[str]]


Block = Heading | Paragraph | KeyValues | Table


def block_texts(block: Block) -> list[str]:
    match block:
        case Heading(text=text) | Paragraph(text=text):
            return [text]
        case KeyValues(rows=rows):
            return [t for row in rows for t in row]
        case Table(header=header, rows=rows):
            return [*header, *(c for row in rows for c in row)]
    raise TypeError(type(block).__name__)


def map_text(block: Block, fn: Callable[[str], str]) -> Block:
    """The same block with `fn` applied to every text in it."""
    match block:
        case Heading() | Paragraph():
            return replace(block, text=fn(block.text))
        case KeyValues(rows=rows):
            return KeyValues(tuple((fn(k), fn(v)) for k, v in rows))
        case Table(widths=widths, header=header, rows=rows):
            return Table(widths, tuple(fn(h) for h in header), tuple(tuple(fn(str(c)) for c in row) for row in rows))
    raise TypeError(type(block).__name__)


# ---------------------------------------------------------------- text and fonts


def clean_text(text: str | None) -> str:
    """Stored text made safe to lay out: line breaks (and Unicode line/paragraph separators) normalised, tabs
    as spaces, other control characters, soft hyphens and explicit bidi overrides dropped. Letters, marks,
    joiners and emoji are kept."""
    if not text:
        return ""
    text = (text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
            .replace("\t", "    "))
    return "".join(c for c in text if c == "\n" or (unicodedata.category(c) != "Cc" and c not in _BIDI_CONTROLS
                                                     and c != "\u00ad"))


@lru_cache(maxsize=64)
def _coverage(fname: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(FONT_DIR / fname), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def _ignorable(c: str) -> bool:
    """Joiners, variation selectors and other invisible format characters: the shaping engine handles them
    whether a font lists them or not."""
    o = ord(c)
    return unicodedata.category(c) == "Cf" or 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF or 0x180B <= o <= 0x180F


def _font_plan(text: str) -> tuple[list[str], set[str]]:
    """The fallback font files needed for the characters of `text` that the main font lacks, and the
    visible characters that no bundled font has."""
    needed = {ord(c) for c in set(text) if c not in " \n" and unicodedata.category(c) != "Cc"}
    needed -= _coverage(MAIN_FONT)
    chosen = []
    for fname in FALLBACK_FONTS:
        if not needed:
            break
        cov = _coverage(fname)
        if needed & cov:
            chosen.append(fname)
            needed -= cov
    return chosen, {chr(o) for o in needed if not _ignorable(chr(o))}


def printable(texts: Iterator[str] | Sequence[str]) -> tuple[list[str], dict[int, str]]:
    """For cleaned texts about to be drawn together: the fallback fonts they need, and a str.translate table
    that turns characters no bundled font has into U+FFFD (white space into a plain space)."""
    fallbacks, missing = _font_plan("\n".join(texts))
    return fallbacks, {ord(c): " " if c.isspace() else "\ufffd" for c in missing}


def fallback_fonts_for(text: str) -> list[str]:
    """The fallback font files needed for the characters of `text` that the main font lacks."""
    return _font_plan(text)[0]


def needs_shaping(text: str) -> bool:
    """Does the text need the shaping engine: right-to-left letters, combining marks (Indic, Thai and other
    complex scripts), joiners or emoji modifiers? Plain Latin, Greek, Cyrillic and CJK text does not, and
    is laid out several times faster without it."""
    for c in text:
        o = ord(c)
        if o < 0x0300:
            continue
        if unicodedata.bidirectional(c) in ("R", "AL", "AN") or unicodedata.category(c) in ("Mn", "Mc", "Me", "Cf"):
            return True
        if 0x1F3FB <= o <= 0x1F3FF or 0x1F1E6 <= o <= 0x1F1FF:  # skin tones, flags
            return True
    return False


def _joins_previous(c: str) -> bool:
    """Is `c` part of the character before it (a mark, a joiner, a variation selector, an emoji modifier or
    tag), so that a line must not be cut just before it?"""
    o = ord(c)
    return (unicodedata.category(c) in ("Mn", "Mc", "Me") or c == _ZWJ or 0xFE00 <= o <= 0xFE0F
            or 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F or 0xE0100 <= o <= 0xE01EF)


def _cluster_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where a run may be cut: spans of roughly one user-perceived character each."""
    start = 0
    for i in range(1, len(text)):
        if not _joins_previous(text[i]) and text[i - 1] != _ZWJ:
            yield start, i
            start = i
    if text:
        yield start, len(text)


# ---------------------------------------------------------------- layout


class RecordPDF(FPDF):
    def __init__(self, footer_text: str, fallbacks: list[str], title: str = "Group education session record") -> None:
        super().__init__(format="letter")
        self.footer_text = footer_text
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)
        self.alias_nb_pages(None)  # live only in the footer: a note holding "{nb}" prints as typed
        self.add_font("main", "", str(FONT_DIR / MAIN_FONT))
        self.add_font("main", "B", str(FONT_DIR / MAIN_FONT_BOLD))
        names = []
        for i, fname in enumerate(fallbacks):
            self.add_font(f"fallback{i}", "", str(FONT_DIR / fname))
            names.append(f"fallback{i}")
        if names:
            self.set_fallback_fonts(names, exact_match=False)
        self.can_shape = True
        self.shaping: tuple[bool, TextDirection | None] = (False, None)
        try:
            self.set_text_shaping(True)
            self.set_text_shaping(False)
        except FPDFException:  # uharfbuzz missing: glyphs still render, unjoined
            self.can_shape = False
            log.warning("uharfbuzz is not available: PDF text is not shaped")
        self._widths: dict[tuple, float] = {}
        self.set_title(title)  # the document title a PDF reader shows
        self.set_creator("Group Session Facilitator")

    def shape_for(self, text: str, *, paragraph: bool = False) -> None:
        """Switch the shaping engine on only for text that needs it; for a paragraph, also fix its direction
        from its first strong letter, so that every line cut from it is ordered alike."""
        want = self.can_shape and needs_shaping(text)
        state = (want, auto_detect_base_direction(text) if want and paragraph else None)
        if state != self.shaping:
            if want:
                self.set_text_shaping(True, direction=state[1])
            else:
                self.set_text_shaping(False)
            self.shaping = state

    def footer(self) -> None:
        shaping, alias = self.text_shaping, self.str_alias_nb_pages
        self.text_shaping = None  # the page-count alias is replaced in unshaped text only
        self.alias_nb_pages(_PAGE_ALIAS)
        self.set_y(-12)
        self.set_font("main", size=7)
        self.set_text_color(90)
        self.cell(0, 4, f"{self.footer_text} · page {self.page_no()} of {_PAGE_ALIAS}", align="C")
        self.set_text_color(0)
        self.text_shaping = shaping
        self.alias_nb_pages(alias)

    def finish(self) -> bytes:
        """The document, with the page count put into every footer."""
        self.alias_nb_pages(_PAGE_ALIAS)  # for the last footer, and so that fpdf2 fills the count in
        return bytes(self.output())

    # -------- measuring and wrapping

    def _width(self, text: str) -> float:
        key = (self.font_style, self.font_size_pt, self.shaping, text)
        w = self._widths.get(key)
        if w is None:
            w = self._widths[key] = self.get_string_width(text)
        return w

    def _cut(self, run: str, limit: float) -> list[tuple[str, float]]:
        """A run too wide for a line, cut into pieces that each fit, with their widths."""
        units: list[tuple[str, float]] = []
        for a, b in _cluster_spans(run):
            cluster = run[a:b]
            w = self._width(cluster) if b - a <= _MAX_RUN else limit + 1
            units.extend([(cluster, w)] if w <= limit or b - a == 1 else [(c, self._width(c)) for c in cluster])
        pieces: list[tuple[str, float]] = []
        start = 0
        while start < len(units):
            end, used, chars = start + 1, units[start][1], len(units[start][0])
            while (end < len(units) and used + units[end][1] <= limit
                   and chars + len(units[end][0]) <= _MAX_RUN):
                used += units[end][1]
                chars += len(units[end][0])
                end += 1
            if self.shaping[0]:  # joined letters are narrower (or wider) than alone: measure them as printed
                end, used = self._fit_shaped(units, start, end, limit)
            pieces.append(("".join(u for u, _ in units[start:end]), used))
            start = end
        return pieces

    def _fit_shaped(self, units: list[tuple[str, float]], start: int, end: int, limit: float) -> tuple[int, float]:
        """The end of the longest piece from `start` whose shaped width fits `limit`, found from the guess
        `end` in a few proportional steps (at least one unit goes on the line; at most _MAX_RUN characters)."""
        chars, stop = 0, start
        while stop < len(units) and (stop == start or chars + len(units[stop][0]) <= _MAX_RUN):
            chars += len(units[stop][0])
            stop += 1
        fit, fit_width, too_wide = start + 1, units[start][1], stop + 1
        for _ in range(8):
            w = self.get_string_width("".join(u for u, _ in units[start:end]))
            if w <= limit:
                fit, fit_width = end, w
                if end == stop or w > limit * 0.97:
                    break
            else:
                too_wide = end
            guess = start + int((end - start) * limit * 0.985 / max(w, 0.01))
            guess = min(max(guess, fit + 1), too_wide - 1, stop)
            if guess <= fit or guess == end:
                break
            end = guess
        return fit, fit_width

    def wrap(self, para: str, width: float) -> list[str]:
        """The lines of one paragraph (no line break in it) for a cell `width` mm wide, in the current font
        and shaping."""
        limit = width - 2 * self.c_margin - 0.2
        space = self._width(" ")
        lines: list[str] = []
        words: list[str] = []
        used, chars = 0.0, 0
        for word in para.split(" "):
            # a word longer than 200 characters is never narrower than a line; it is cut without measuring
            w = (self._width(word) if len(word) <= 200 else limit + 1) if word else 0.0
            if words and used + space + w <= limit and chars + 1 + len(word) <= _MAX_RUN:
                words.append(word)
                used, chars = used + space + w, chars + 1 + len(word)
                continue
            if words:
                lines.append(" ".join(words))
            if w <= limit:
                words, used, chars = [word], w, len(word)
                continue
            pieces = self._cut(word, limit)
            lines.extend(p for p, _ in pieces[:-1])
            words, used, chars = [pieces[-1][0]], pieces[-1][1], len(pieces[-1][0])
        lines.append(" ".join(words))
        return lines

    def write(self, text: str, size: float, line_height: float, style: str = "") -> None:
        """Text over the full width, wrapped here and continued on the next page as needed."""
        self.set_font("main", style, size)
        for para in text.split("\n"):
            self.shape_for(para, paragraph=True)
            for line in self.wrap(para, self.epw):
                self.cell(self.epw, line_height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def row_fits(self, widths: Sequence[float], row: Sequence[str], size: float, line_height: float) -> bool:
        """Can this table row be drawn well within one page (fpdf2 raises for a row taller than a page), with no
        cell longer than _MAX_RUN characters?"""
        budget = (self.page_break_trigger - self.t_margin) / 2
        total = sum(widths)
        self.set_font("main", "", size)
        for text, w in zip(row, widths, strict=True):
            if len(text) > _MAX_RUN:
                return False
            if len(text) <= _SHORT_CELL and "\n" not in text:
                continue
            column = self.epw * w / total - 2  # less the table's cell padding, generously
            lines = 0
            for para in text.split("\n"):
                self.shape_for(para, paragraph=True)
                lines += len(self.wrap(para, column))
                if lines * line_height > budget:
                    return False
        return True

    # -------- blocks

    def draw(self, block: Block) -> None:
        match block:
            case Heading(level=1, text=text):
                self.write(text, 14, 7, "B")
                self.ln(1)
            case Heading(level=level, text=text):
                self.ln(2 if level == 2 else 1)
                self.write(text, 11 if level == 2 else 9.5, 6, "B")
            case Paragraph(text=text, small=small):
                self.write(text, 8 if small else 9, 4.5)
                self.ln(0.8)
            case KeyValues(rows=rows):
                self._rows((40, 140), None, rows, 9, 4.8)
            case Table(rows=rows) if not rows:
                self.write("None recorded.", 9, 4.5)
            case Table(widths=widths, header=header, rows=rows):
                self._rows(widths, header, rows, 8.5, 4.4)
                self.ln(1)
            case _:
                raise TypeError(type(block).__name__)

    def _rows(self, widths: Sequence[float], header: Sequence[str] | None, rows: Sequence[Sequence[str]],
              size: float, line_height: float) -> None:
        """Rows as a table (with `header`, or as key-value pairs without), except those that might not fit on
        a page, which are printed as "Column: text" paragraphs in their place."""
        fits = [self.row_fits(widths, row, size, line_height) for row in rows]
        for ok, run in groupby(zip(fits, rows, strict=True), key=lambda x: x[0]):
            chunk = [row for _, row in run]
            if ok:
                self._table(widths, header, chunk, size, line_height)
                continue
            for row in chunk:
                pairs = zip(header, row, strict=True) if header else [row]
                self.write("\n".join(f"{h}: {v}" for h, v in pairs), size, line_height)
                self.ln(1.5)

    def _table(self, widths: Sequence[float], header: Sequence[str] | None, rows: Sequence[Sequence[str]],
               size: float, line_height: float) -> None:
        self.shape_for("".join([*(header or ()), *(c for row in rows for c in row)]))
        self.set_font("main", "", size)
        if header is None:
            with self.table(col_widths=widths, first_row_as_headings=False, line_height=line_height,
                            text_align="LEFT", borders_layout="HORIZONTAL_LINES") as t:
                for k, v in rows:
                    r = t.row()
                    r.cell(k, style=FontFace(emphasis="BOLD"))
                    r.cell(v)
            return
        with self.table(col_widths=widths, line_height=line_height, text_align="LEFT",
                        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235))) as t:
            for row in (header, *rows):
                r = t.row()
                for c in row:
                    r.cell(c)
