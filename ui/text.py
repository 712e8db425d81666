"""Stored text shown as text: nothing a participant, note or curriculum holds can become markup on a page."""

from __future__ import annotations

import string

_MD_SPECIAL = frozenset(string.punctuation)


def md_escape(text: str) -> str:
    """Text made inert for st.markdown and widget labels: every ASCII punctuation character is
    backslash-escaped (CommonMark shows it literally), so stored text can never become a link, image,
    emphasis, heading or tag; line breaks and control characters become spaces."""
    out = []
    for ch in text:
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch in "\r\n\t" or ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
