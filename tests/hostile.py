"""Hostile and odd text used across tests: every one must be stored exactly and shown inert."""

HOSTILE_NAMES = [
    ("<script>alert('x')</script>", "<b>Bold</b>"),
    ("[click](http://evil.example/)", "![img](http://evil.example/x.png)"),
    ("Zoë 👩🏽‍⚕️", "شريف"),  # emoji with joiners, right-to-left
    ("=HYPERLINK(\"http://evil.example\")", "+Plus\u202eevil"),  # formula, RTL override
    ("Tab\there", "Bell\x07ctl"),
]
HOSTILE_NOTES = [
    "<img src=x onerror=alert(1)> **bold** _it_ # heading",
    "[link](javascript:alert(1)) and ![i](http://evil.example/i.png) and http://evil.example/auto",
    "עברית mixed with English and 中文 and emoji 🎉",
    "=1+2",
    "@SUM(A1:A9)",
    "-10 dose\r\nnext line\x0b\x1f",
    "x" * 100_000,
]


def unescaped_markup(raw: str) -> list[str]:
    """Markup that Markdown would act on in `raw` once backslash-escaped characters are removed."""
    import re

    bare = re.sub(r"\\.", "", raw)
    return [m for m in ("<script", "<img", "<b>", "](", "![", "javascript:") if m in bare]
