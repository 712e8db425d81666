from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def app(page: str, **params) -> AppTest:
    """An AppTest for a page file (relative to the project root) with query parameters. Pages run through
    the entry script's page registry, as on the real server, so st.page_link finds every page.
    /live opens its widget screen (`screen=widgets`) unless told otherwise: AppTest cannot click into the
    one-component screen that `/live` draws (ui/live_screen.py), which the Chromium tests drive (tests/e2e)."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    if page != "streamlit_app.py":
        at.switch_page(page)
    if page == "pages/live.py":
        params = {"screen": "widgets", **params}
    for k, v in params.items():
        at.query_params[k] = str(v)
    return at


def link_of(at: AppTest) -> dict[str, str]:
    """The page's query parameters as its script last wrote them (AppTest keeps lists of values): what a reload
    opens (`app(page, **link_of(at))`)."""
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def all_text(at: AppTest) -> str:
    """Every string the page sent to the browser: each element's protobuf message as text, decoded."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto).encode("latin-1", "backslashreplace").decode("unicode_escape", "ignore")
                         .encode("latin-1", "ignore").decode("utf-8", "ignore"))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    raw = "\n".join(parts)
    return raw + "\n" + rendered(raw)


def rendered(markdown_source: str) -> str:
    """What a reader sees of escaped Markdown: backslash escapes and HTML entities resolved."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown_source))


class _Markup(HTMLParser):
    """The text of a piece of HTML as a browser shows it, and the elements it is made of."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in ("div", "h1", "h2", "h3", "p", "li", "ol", "ul"):
            self.text.append("\n")

    def handle_data(self, data) -> None:
        self.text.append(data)


def slide_data(at: AppTest) -> dict:
    """What the projector page mounted its slide with (ui/push.show_slide): the stream's url, the revision and
    the slide's HTML."""
    [slide] = [e for e in at.get("bidi_component") if e.proto.component_name == "gsf_slide"]
    return json.loads(slide.proto.json)


def markup(source: str) -> _Markup:
    parsed = _Markup()
    parsed.feed(source)
    parsed.close()
    return parsed


def slide_text(at: AppTest) -> str:
    """The projector's slide as the room reads it: its HTML's text, entities resolved."""
    return "".join(markup(slide_data(at)["html"]).text)


def noon_days_before(days: int):
    """A frozen clock's start (tests/conftest.py): noon (UTC) `days` before the real day. Noon, so that a session a
    test runs for an hour or two stays on one calendar day whatever the hour the suite runs."""
    return lambda real: real.replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=days)
