"""Stored text shown as text: nothing a participant, note, question or curriculum holds can become markup on a
page, turn into a link, be retyped by the page's typography, or reorder the text around it. Storage is never
changed; only what is drawn.

Two functions, one per kind of place stored text reaches the browser:
- `plain(text)`: places that show text as text (st.text, table cells, selectbox and multiselect option labels,
  placeholders, the clock component's step label).
- `md_escape(text)`: places Streamlit reads as Markdown (st.markdown, captions, titles and headers, alerts,
  widget labels and help, expander labels, pills and segmented-control options, metric labels).

Bidirectional text (both): the explicit embedding, override and isolate controls (U+202A–U+202E,
U+2066–U+2069) are left out of what is drawn, as in the PDF (models/pdf_layout.py), so an override cannot make
stored text display other than it is; a line holding right-to-left letters is then drawn between U+2068 FIRST
STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE, so it cannot reorder the text around it.

Markdown: every ASCII punctuation character is backslash-escaped (CommonMark shows it literally), so stored text
never becomes a link, image, emphasis, heading, tag, formula or directive. Streamlit's Markdown then rewrites the
parsed text itself, escapes already resolved (checked in its 1.67 frontend): it links bare URLs ("www.x.org",
"https://…") and e-mail addresses, turns " -> ", " -- ", " <= " (and <->, <-, >=, ~=) into arrows, a dash and
signs, and shortcodes (":smile:", ":material_home:", ":streamlit:") into emoji, icons and its logo. So a WORD
JOINER (U+2060: invisible, no line break) goes where one of those patterns would match: after ":" and "@",
between "www" and ".", and between the two characters of an arrow or sign. The text then shows as typed."""

from __future__ import annotations

import re
import string
import unicodedata

BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
FSI, PDI = "\u2068", "\u2069"
WORD_JOINER = "\u2060"

_MD_SPECIAL = frozenset(string.punctuation)
_RIGHT_TO_LEFT = frozenset(("R", "AL", "AN"))
# Characters the bidi algorithm ends a paragraph at (an isolate cannot span them): drawn as line breaks.
_LINE_BREAKS = {ord(c): "\n" for c in "\r\x1c\x1d\x1e\x85\u2029"}
_DROP_BIDI = {ord(c): None for c in BIDI_CONTROLS}
_MARKDOWN_REWRITES = re.compile(r"(?<=[:@])(?=\S)|(?<=[wW]{3})(?=\.)|(?<=[<>~-])(?=[<>=-])")


def _isolated(line: str) -> str:
    """One line, isolated when it holds right-to-left letters (left-to-right text cannot reorder its
    neighbours on a left-to-right page, so it is left as it is)."""
    if any(unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in line):
        return FSI + line + PDI
    return line


def plain(text: object) -> str:
    """Stored text for a place that shows text as text: bidi controls left out, each line holding
    right-to-left letters isolated. Line breaks stay line breaks."""
    if text is None:
        return ""
    lines = str(text).replace("\r\n", "\n").translate(_LINE_BREAKS).translate(_DROP_BIDI).split("\n")
    return "\n".join(_isolated(line) for line in lines)


def md_escape(text: object) -> str:
    """Stored text made inert for Markdown places: ASCII punctuation backslash-escaped, Streamlit's text
    rewrites (links, arrows, shortcodes) kept from matching, line breaks and control characters as spaces,
    bidi controls left out and right-to-left text isolated (see the module's docstring)."""
    text = _MARKDOWN_REWRITES.sub(WORD_JOINER, str(text).translate(_DROP_BIDI))
    out = []
    for ch in text:
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch in "\r\n\t\u2028\u2029" or ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0:
            out.append(" ")
        else:
            out.append(ch)
    return _isolated("".join(out))
