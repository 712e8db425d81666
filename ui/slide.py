"""What the projector shows, as one piece of HTML: the curriculum's title, the steps with the current one marked,
the clock as the facilitator chose it (or when the session starts, before it does) and the page of the step the
room is on (models/projector_pages.py). The projector page mounts it (ui/push.py) and the push stream sends it
again, whole, each time the session changes, so the projector shows a change without a Streamlit run of its own.

It is built from the projector's view of the session (`load_session_view(private=False)`, which reads nothing
about participants) and the first names the facilitator chose to show on the welcome slide: nothing private can
be in it. Every stored text is escaped (`html.escape` of `ui.text.plain`), so none of it can become markup.

Every size is in design pixels (models/projector_pages.py): 1 dpx = DPX, so a slide keeps its proportions from
1024×768 to 1920×1080, and a page cut to fit the 1440×1080 dpx box fits the screen. The projector page sets
`--gsf-u` to DPX on the document's root.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from models import clock
from models.curriculum import STEP_ORDER
from models.db import session_scope
from models.projector_pages import (
    BOX_H,
    BOX_W,
    GAP_PX,
    HEADING_ABOVE_PX,
    HEADING_BELOW_PX,
    HEADING_LINE,
    HEADING_PX,
    LIST_INDENT_EM,
    STEP_TITLE_PX,
    TEXT_LINE,
    TEXT_PX,
    TITLE_PX,
    Page,
    current_slide,
    decoration,
)
from models.session_view import SessionView, load_session_view, welcome_first_names
from ui.clock import CLOCK_STYLE, face_html
from ui.text import plain

DPX = f"min(calc(100vh / {BOX_H}), calc(100vw / {BOX_W}))"
CLOCK_SCALE = 2.2  # the clock's words at 37 dpx, its countdown at 141 dpx
STEP_GAP_PX = 17  # between the steps in the row
COLUMN_GAP_PX = 26  # between the clock's column and the page's


def dpx(n: float) -> str:
    return f"calc({n} * var(--gsf-u))"


SLIDE_CSS = f"""
.gsf-slide {{ color: #111111; }}
.gsf-slide :is(h1, h2, h3, p, ol, ul, li) {{ color: #111111; margin: 0; padding: 0; font-family: inherit;
  overflow-wrap: anywhere; }}
.gsf-slide h1 {{ font-size: {dpx(TITLE_PX)}; font-weight: 700; line-height: 1.2; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }}
.gsf-slide .gsf-steps {{ display: grid; column-gap: {dpx(STEP_GAP_PX)}; list-style: none; }}
.gsf-steps li {{ font-size: {dpx(TEXT_PX)}; line-height: {TEXT_LINE}; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
.gsf-steps li[aria-current] {{ font-weight: 700; }}
.gsf-columns {{ display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 2fr);
  column-gap: {dpx(COLUMN_GAP_PX)}; }}
.gsf-head {{ display: flex; align-items: flex-end; gap: {dpx(STEP_GAP_PX)}; }}
.gsf-slide .gsf-head h2 {{ flex: 3 1 0; min-width: 0; font-size: {dpx(STEP_TITLE_PX)}; font-weight: 600;
  line-height: 1.2; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.gsf-slide .gsf-head p {{ flex: 1 1 0; font-size: {dpx(TEXT_PX)}; line-height: {TEXT_LINE}; font-weight: 700; }}
.gsf-slide .gsf-start {{ font-size: {dpx(TEXT_PX)}; line-height: {TEXT_LINE}; }}
.gsf-slide .gsf-page :is(p, li) {{ font-size: {dpx(TEXT_PX)}; line-height: {TEXT_LINE};
  margin: 0 0 {dpx(GAP_PX)} 0; }}
.gsf-slide .gsf-page :is(ul, ol) {{ font-size: {dpx(TEXT_PX)}; padding-left: {LIST_INDENT_EM}em; }}
.gsf-slide .gsf-page h3 {{ font-size: {dpx(HEADING_PX)}; font-weight: 600; line-height: {HEADING_LINE};
  margin: {dpx(HEADING_ABOVE_PX)} 0 {dpx(HEADING_BELOW_PX)} 0; }}
{CLOCK_STYLE}"""


@dataclass(frozen=True)
class SlideContent:
    """The slide of a session at one revision."""

    revision: int
    html: str


def _text(text: object) -> str:
    """Stored or curriculum text, inert: escaped, bidi controls left out, on one line."""
    return html.escape(" ".join(plain(text).split("\n")))


def page_html(page: Page) -> str:
    """One page's blocks: headings, paragraphs, and consecutive bullets or numbered lines in one list."""
    parts: list[str] = []
    open_list = None
    for b in page.blocks:
        before, lead, after = decoration(b)
        text = _text(before) + (f"<strong>{_text(lead)}</strong> " if lead else "") + _text(b.text) + _text(after)
        kind = {"bullet": "ul", "number": "ol"}.get(b.kind)
        if open_list and kind != open_list:
            parts.append(f"</{open_list}>")
            open_list = None
        if kind and kind != open_list:
            parts.append(f"<{kind}>")
            open_list = kind
        if b.kind == "heading":
            parts.append(f"<h3>{text}</h3>")
        elif b.kind == "bullet":
            parts.append(f"<li>{text}</li>")
        elif b.kind == "number":
            parts.append(f'<li value="{int(b.number or 1)}">{text}</li>')
        else:
            parts.append(f"<p>{text}</p>")
    if open_list:
        parts.append(f"</{open_list}>")
    return "".join(parts)


def slide_html(view: SessionView, first_names: list[str], *, now: datetime | None = None) -> str:
    """The slide for the session as read with `load_session_view(private=False)`: the clock's figures as at `now`."""
    s, cur = view.session, view.curriculum
    slide = current_slide(view, first_names)
    step = cur.step(slide.id) if slide.id in STEP_ORDER else None
    out = [f'<div class="gsf-slide" data-slide="{html.escape(slide.id)}">', f"<h1>{_text(cur.title)}</h1>"]
    if step is not None:  # the steps in one row, each as wide as its title, the current one marked
        labels = [f"{i}. {x.display_title}" for i, x in enumerate(cur.steps, 1)]
        widths = " ".join(f"{min(len(x), 40) + 3}fr" for x in labels)
        out.append(f'<ol class="gsf-steps" aria-label="Steps" style="grid-template-columns: {widths}">')
        for x, label in zip(cur.steps, labels, strict=True):
            current = x.id == step.id
            out.append(f'<li aria-current="step">▶ {_text(label)}</li>' if current else f"<li>{_text(label)}</li>")
        out.append("</ol>")
    out.append('<div class="gsf-columns"><div class="gsf-left">')
    if step is not None:
        out.append(face_html(view.timer(now), step_label=step.display_title, scale=CLOCK_SCALE,
                             key=f"pclock_{s.id}", mode=s.projector_clock, unit=DPX))
    elif slide.id == "welcome":
        out.append(f'<p class="gsf-start">We start at <strong>{clock.fmt_local(s.scheduled_at, "%H:%M")}</strong> on '
                   f"{clock.fmt_local(s.scheduled_at, '%A %d %B')}.</p>")
    heading = step.display_title if step else {"welcome": "Welcome", "thanks": "Thank you for taking part"}[slide.id]
    label = f"<p>{html.escape(slide.label)}</p>" if slide.label else ""
    out.append(f'</div><div class="gsf-right"><div class="gsf-head"><h2>{_text(heading)}</h2>{label}</div>'
               f'<div class="gsf-page">{page_html(slide.pages[slide.page])}</div></div></div></div>')
    return "".join(out)


def read_slide(engine: Engine, session_id: int, *, now: datetime | None = None) -> SlideContent | None:
    """The session's slide and the revision it shows, read together; None when there is no such session."""
    with session_scope(engine) as db:
        view = load_session_view(db, session_id, private=False)
        if view is None:
            return None
        names = welcome_first_names(db, session_id=session_id)
        return SlideContent(view.session.revision, slide_html(view, names, now=now))
