"""The sign-in sheet: the printable attendance roster that patients sign at each session (rules.md), passed around
the room. So it holds names only: the session's day, time, setting and facilitator, one line per rostered patient
(sorted by last name) and lines for caregivers and family members (those recorded, then blank ones), each with
room for a signature. Nothing that ties a person to a health detail (rules.md, privacy): no record number, no
date of birth, no notes, and not the curriculum's title or the facilitator's credential, which name the
condition ("Living well with diabetes", "CDCES"). Returns bytes; nothing is written anywhere. No Streamlit here.
"""

from __future__ import annotations

import unicodedata

from models import clock
from models.pdf_layout import Block, Heading, KeyValues, Paragraph, Table, clean_text, map_text
from models.pdf_record import Part, _part, _render
from models.session_record import SessionRecord
from models.session_view import Person, SessionView

SPARE_CAREGIVER_LINES = 3  # blank lines for caregivers and family members nobody recorded
_SIGN_ROOM = "\n "  # a second, empty line in each row: room for a signature


def sign_in_sheet_pdf(source: SessionView | SessionRecord) -> bytes:
    """The sign-in sheet of a session, from the view /live reads or the session record. Raises ExportError naming
    the part that could not be built."""
    view = source.view if isinstance(source, SessionRecord) else source
    s = view.session
    with _part("Document"):
        footer = f"Sign-in sheet · session {s.id} · {clock.fmt_local(s.started_at or s.scheduled_at, '%Y-%m-%d')}"
    parts = []
    for name, build in (("Session details", _details), ("Patients", _patients), ("Caregivers", _caregivers)):
        with _part(name):
            parts.append(Part(name, tuple(map_text(b, clean_text) for b in build(view))))
    return _render(parts, footer, title="Sign-in sheet")


def _sort_key(p: Person) -> tuple:
    def fold(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return fold(p.last_name), fold(p.first_name), p.participant_id


def _details(view: SessionView) -> list[Block]:
    s, fac = view.session, view.facilitator
    when = s.started_at or s.scheduled_at
    return [Heading(1, "Sign-in sheet: group education session"),
            KeyValues((("Date", clock.fmt_local(when, "%A %Y-%m-%d")), ("Time", clock.fmt_local(when, "%H:%M")),
                       ("Setting", s.setting), ("Facilitator", fac.name if fac else ""))),
            Paragraph("Please sign beside your name. Caregivers and family members are welcome: write your name and "
                      "relationship on a line below, and sign.")]


def _patients(view: SessionView) -> list[Block]:
    rows = [(", ".join(x for x in (p.last_name, p.first_name) if x) + _SIGN_ROOM, "")
            for p in sorted(view.people, key=_sort_key)]
    return [Heading(2, "Patients"), Table((1, 1), ("Patient", "Signature"), rows)]


def _caregivers(view: SessionView) -> list[Block]:
    named = []
    for p in sorted(view.people, key=_sort_key):
        if p.caregiver:
            rel = f"({p.caregiver_relationship})" if p.caregiver_relationship else ""
            named.append(" ".join(x for x in (p.caregiver_name, rel) if x))
    rows = [(n + _SIGN_ROOM, "") for n in named] + [(_SIGN_ROOM, "")] * SPARE_CAREGIVER_LINES
    return [Heading(2, "Caregivers and family members"),
            Table((1, 1), ("Caregiver / family member (name, relationship)", "Signature"), rows)]
