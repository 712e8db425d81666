"""Hostile and odd text used across tests: every one must be stored exactly and shown inert and as typed.

`markdown_rewrites` and `bidi_leaks` say what a page would still do to such text in the browser: the first
mirrors the rewrites Streamlit 1.67's Markdown applies to the parsed text after backslash escapes are
resolved (bare URLs and e-mail addresses linked, arrows and signs turned into symbols, shortcodes into
emoji, icons or a logo); the second finds bidirectional controls that could reorder the text around them."""

from __future__ import annotations

import re
import unicodedata

HOSTILE_NAMES = [
    ("<script>alert('x')</script>", "<b>Bold</b>"),
    ("[click](http://evil.example/)", "![img](http://evil.example/x.png)"),
    ("Zoë 👩🏽‍⚕️", "شريف"),  # emoji with joiners, right-to-left
    ("=HYPERLINK(\"http://evil.example\")", "+Plus\u202eevil"),  # formula, RTL override
    ("Tab\there", "Bell\x07ctl"),
    ("www.evil.example", "https://evil.example/x"),  # bare URLs
    ("Ann -> Bo -- Cy", "<= ann@evil.example :smile:"),  # arrows, an address, a shortcode
    ("\u202eReversed name", "Pop\u2069 then \u2067open"),  # an override, an unpaired pop, an unclosed isolate
]
HOSTILE_NOTES = [
    "<img src=x onerror=alert(1)> **bold** _it_ # heading",
    "[link](javascript:alert(1)) and ![i](http://evil.example/i.png) and http://evil.example/auto",
    "עברית mixed with English and 中文 and emoji 🎉",
    "=1+2",
    "@SUM(A1:A9)",
    "-10 dose\r\nnext line\x0b\x1f",
    "bare www.evil.example/p and https://evil.example/x?a=1 and mail ann@evil.example",
    "a -- b -> c <= d <-> e >= f ~= g <- h",
    "before \u202eafter\u202c \u2066isolated\u2069 \u2069 unpaired pop \u202bembedded to the end",
    ":material_home: :smile: :100: :streamlit: :red[red] $x^2$ 10:00",
    "x" * 100_000,  # stays last: tests use it as the longest note
]
# One line with every trick the browser tests look for, in a note and a question.
LITERAL_LINE = "See www.evil.example -- dose -> 2 <= 3 \u202eafter override"

BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_ISOLATED = re.compile("\u2068[^\u202a-\u202e\u2066-\u2069]*\u2069")


def unescaped_markup(raw: str) -> list[str]:
    """Markup that Markdown would act on in `raw` once backslash-escaped characters are removed."""
    bare = re.sub(r"\\.", "", raw)
    return [m for m in ("<script", "<img", "<b>", "](", "![", "javascript:") if m in bare]


def _after_boundary(text: str, i: int) -> bool:
    """JavaScript's (?<=^|\\s|\\p{P}|\\p{S}) at index i."""
    return i == 0 or text[i - 1].isspace() or unicodedata.category(text[i - 1])[0] in "PS"


def markdown_rewrites(source: str) -> list[str]:
    """What Streamlit's Markdown would rewrite in the text of `source` (Markdown), each as matched."""
    text = re.sub(r"\\(.)", r"\1", source)  # the parsed text: escapes resolved
    found = [m.group(0) for m in re.finditer(r"(?:^|\s)(?:<->|->|<-|--|>=|<=|~=)(?=\s|$)", text)]
    found += [m.group(0) for m in re.finditer(r"(?:https?://|www(?=\.))[-.\w]+", text, re.I | re.A)
              if _after_boundary(text, m.start())]
    found += [m.group(0) for m in re.finditer(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", text, re.A)]
    found += re.findall(r":[a-z_+-][\w+-]*:", text, re.I | re.A)  # :smile:, :material_home:, :streamlit:
    return found


def bidi_leaks(text: str) -> list[str]:
    """Bidi controls in shown text other than the balanced FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE
    pairs that wrap a stored text (with no control inside): each as U+XXXX."""
    rest = _ISOLATED.sub("", text)
    return sorted({f"U+{ord(c):04X}" for c in rest if c in BIDI_CONTROLS})
