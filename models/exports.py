"""Exports: the printable session record (PDF, for the group or one per participant) and CSV files (one
session's attendance, notes, ratings and goals; a date range's units per participant for the billing
office). Every function returns bytes; nothing is written anywhere. No Streamlit here.

PDF text can hold any character a name or note can: DejaVu Sans is the main font and the bundled fonts in
models/fonts/ (Noto scripts, Droid Sans Fallback for Chinese/Japanese/Korean, Noto Color Emoji) are
fallbacks, embedded only when the record uses a character DejaVu lacks. uharfbuzz shapes Arabic, Indic
scripts and right-to-left order.

CSV cells are neutralised against spreadsheet formula injection: a text cell beginning with =, +, -, @,
a tab or a carriage return gets a leading single quote.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.errors import FPDFException
from fpdf.fonts import FontFace

from models import clock
from models.curriculum import STEP_TITLES
from models.people import full_name
from models.reports import BillingRow
from models.rules import CODES, COMPETENCY_LEVELS
from models.session_record import UNRATED_PREFIX, SessionRecord

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

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Explicit bidi embedding/override/isolate controls: dropped from PDF text (the shaping engine orders
# right-to-left text itself, and an override could make stored text display differently from what it is).
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


# ---------------------------------------------------------------- CSV


def csv_cell(value) -> str | int | float:
    """One CSV cell: numbers as numbers, dates as ISO text, timestamps in local time, and any text that a
    spreadsheet would read as a formula prefixed with a single quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return clock.fmt_local(value, "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read accents and non-Latin text right)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_cell(h) for h in header])
    for row in rows:
        w.writerow([csv_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _span(a: datetime, b: datetime | None) -> str:
    return f"{clock.fmt_local(a, '%H:%M')}–{clock.fmt_local(b, '%H:%M') if b else 'open'}"


def attendance_csv(rec: SessionRecord) -> bytes:
    s = rec.session
    header = ["session_id", "date", "participant_id", "record_number", "last_name", "first_name", "attended",
              "caregiver_present", "added_late", "presence", "presence_corrected", "earlier_presence", "minutes",
              "units", "code"]
    rows = []
    for p in rec.view.people:
        part = rec.participants.get(p.participant_id)
        hist = rec.presence.get(p.participant_id, [])
        old = [e for e in hist if not e.current]
        units = rec.units_for(p.participant_id)
        rows.append([s.id, _day(rec), p.participant_id, part.record_number if part else "", p.last_name,
                     p.first_name, p.participant_id in rec.attended, p.caregiver, p.added_late,
                     "; ".join(_span(a, b) for a, b in p.intervals), any(e.amended and e.current for e in hist),
                     "; ".join(f"{_span(e.arrived_at, e.left_at)} (superseded {clock.fmt_local(e.superseded_at)})"
                               for e in old),
                     units.minutes if units else "", units.units if units else "",
                     rec.billing.billed_code if rec.billing else ""])
    return to_csv(header, rows)


def notes_csv(rec: SessionRecord) -> bytes:
    """One row per version of every note, oldest first, so the edit history travels with the notes."""
    header = ["session_id", "note_id", "participant_id", "participant", "step", "version", "current",
              "written_at", "after_session", "tags", "text"]
    rows = []
    for n in rec.view.notes:
        versions = rec.histories.get(n.note_id)
        if versions:
            for i, v in enumerate(versions, 1):
                rows.append([rec.session.id, n.note_id, n.participant_id, rec.name(n.participant_id), n.step, i,
                             i == len(versions), v.created_at, v.after_session, v.tags.replace("|", "; "), v.text])
        else:
            rows.append([rec.session.id, n.note_id, n.participant_id, rec.name(n.participant_id), n.step, 1, True,
                         n.updated_at, n.edited_after_session, "; ".join(n.tags), n.text])
    return to_csv(header, rows)


def ratings_csv(rec: SessionRecord) -> bytes:
    """Assessment items (pre, post, change) and topic competency (pre, post, follow-up) per participant."""
    header = ["session_id", "participant_id", "participant", "kind", "item_id", "item", "pre", "post",
              "follow_up", "change"]
    rows = []
    cur = rec.curriculum
    for p in rec.view.people:
        pid = p.participant_id
        for item in cur.assessment:
            pre, post = rec.view.ratings.get((pid, item.id, "pre")), rec.view.ratings.get((pid, item.id, "post"))
            if pre is None and post is None:
                continue
            rows.append([rec.session.id, pid, rec.name(pid), "assessment", item.id, item.prompt, pre, post, None,
                         post - pre if pre is not None and post is not None else None])
        r = next((r for r in rec.ratings if r.participant_id == pid), None)
        if r and (r.pre is not None or r.post is not None):
            rows.append([rec.session.id, pid, rec.name(pid), "score (mean)", "", "Assessment score",
                         _round(r.pre), _round(r.post), None, _round(r.change)])
        for c in rec.competency:
            if c.participant_id != pid or not (c.pre or c.post or c.followup):
                continue
            rows.append([rec.session.id, pid, rec.name(pid), "competency", c.topic_id, c.topic, c.pre, c.post,
                         c.followup, None])
    return to_csv(header, rows)


def goals_csv(rec: SessionRecord) -> bytes:
    header = ["session_id", "goal_id", "participant_id", "participant", "behaviour", "goal", "confidence",
              "follow_up_date", "followed_up_at", "set_at"]
    rows = [[rec.session.id, g.id, g.participant_id, rec.name(g.participant_id), g.behaviour, g.text, g.confidence,
             g.follow_up_date, g.followed_up_at, g.created_at] for g in rec.view.goals]
    return to_csv(header, rows)


def billing_csv(rows: Sequence[BillingRow]) -> bytes:
    """For the billing office: one row per participant per session, with the code, minutes and units."""
    header = ["session_id", "date", "curriculum", "curriculum_version", "planned_code", "code", "participant_id",
              "record_number", "last_name", "first_name", "date_of_birth", "minutes", "units", "group_size",
              "session_face_to_face_minutes", "facilitator", "credential", "warnings"]
    return to_csv(header, [
        [r.session_id, r.day, r.curriculum_title, r.curriculum_version, r.planned_code, r.code, r.participant_id,
         r.record_number, r.last_name, r.first_name, r.date_of_birth, r.minutes, r.units, r.group_size,
         r.session_minutes, r.facilitator, r.credential, r.warnings]
        for r in rows
    ])


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _day(rec: SessionRecord) -> str:
    s = rec.session
    return clock.fmt_local(s.started_at or s.scheduled_at, "%Y-%m-%d")


def export_filename(rec: SessionRecord, kind: str, ext: str, participant_id: int | None = None) -> str:
    """session-12-2026-11-23-notes.csv; participant copies add the participant's id (never the name)."""
    who = f"-participant-{participant_id}" if participant_id else ""
    return f"session-{rec.session.id}-{_day(rec)}-{kind}{who}.{ext}"


# ---------------------------------------------------------------- PDF: fonts


@lru_cache(maxsize=64)
def _coverage(fname: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(FONT_DIR / fname), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def fallback_fonts_for(text: str) -> list[str]:
    """The fallback font files needed for the characters of `text` that the main font lacks."""
    needed = {ord(c) for c in set(text) if not c.isspace() and unicodedata.category(c) != "Cc"}
    needed -= _coverage(MAIN_FONT)
    chosen = []
    for fname in FALLBACK_FONTS:
        if not needed:
            break
        cov = _coverage(fname)
        if needed & cov:
            chosen.append(fname)
            needed -= cov
    return chosen


def clean_text(text: str | None) -> str:
    """Stored text made safe to lay out: line breaks normalised, tabs as spaces, other control characters
    and explicit bidi overrides dropped. Letters, marks, joiners and emoji are kept."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return "".join(c for c in text if c == "\n" or (unicodedata.category(c) != "Cc" and c not in _BIDI_CONTROLS))


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


class _RecordPDF(FPDF):
    def __init__(self, footer_text: str, fallbacks: list[str]) -> None:
        super().__init__(format="letter")
        self.footer_text = footer_text
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)
        self.add_font("main", "", str(FONT_DIR / MAIN_FONT))
        self.add_font("main", "B", str(FONT_DIR / MAIN_FONT_BOLD))
        names = []
        for i, fname in enumerate(fallbacks):
            self.add_font(f"fallback{i}", "", str(FONT_DIR / fname))
            names.append(f"fallback{i}")
        if names:
            self.set_fallback_fonts(names, exact_match=False)
        self.can_shape = True
        self.shaping = False
        try:
            self.set_text_shaping(True)
            self.set_text_shaping(False)
        except FPDFException:  # uharfbuzz missing: glyphs still render, unjoined
            self.can_shape = False
            log.warning("uharfbuzz is not available: PDF text is not shaped")
        self.set_title("Group education session record")
        self.set_creator("Group Session Facilitator")

    def shape_for(self, text: str) -> None:
        """Switch the shaping engine on only for text that needs it."""
        want = self.can_shape and needs_shaping(text)
        if want != self.shaping:
            self.set_text_shaping(want)
            self.shaping = want

    def footer(self) -> None:
        was = self.shaping
        if was:  # the page-count alias is replaced in unshaped text only
            self.set_text_shaping(False)
        self.set_y(-12)
        self.set_font("main", size=7)
        self.set_text_color(90)
        self.cell(0, 4, f"{self.footer_text} · page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)
        if was:
            self.set_text_shaping(True)


# ---------------------------------------------------------------- PDF: content as blocks, then layout


def _record_blocks(rec: SessionRecord, pid: int | None) -> list[tuple]:
    """The record as a list of blocks: ("h1", text), ("h2", text), ("p", text), ("kv", rows),
    ("table", widths, header, rows). A participant copy (pid) holds only that person's own data and no
    group notes, which may mention others."""
    s, view, cur = rec.session, rec.view, rec.curriculum
    people = [p for p in view.people if pid is None or p.participant_id == pid]
    b: list[tuple] = []
    if pid is None:
        b.append(("h1", "Group education session record"))
    else:
        part = rec.participants.get(pid)
        rn = f" · record {part.record_number}" if part and part.record_number else ""
        dob = f" · born {part.date_of_birth:%Y-%m-%d}" if part and part.date_of_birth else ""
        b.append(("h1", "Group education session record: participant copy"))
        b.append(("p", f"{rec.name(pid)}{rn}{dob}"))
    bill = rec.billing
    fac = view.facilitator
    code = CODES[s.billing_code].label
    if bill and bill.billed_code != s.billing_code:
        code += f"; the record supports {CODES[bill.billed_code].label}"
    b.append(("kv", [
        ("Curriculum", f"{cur.title} (version {cur.version})"),
        ("Billing code", code),
        ("Scheduled", clock.fmt_local(s.scheduled_at)),
        ("Started / ended", f"{clock.fmt_local(s.started_at)} / {clock.fmt_local(s.ended_at)}"),
        ("Setting", s.setting),
        ("Facilitator", f"{fac.name} ({fac.credential or 'no credential recorded'})" if fac else "not recorded"),
        ("Face-to-face time", f"{bill.face_to_face_minutes} min (planned {cur.minutes} min)" if bill
         else f"none recorded (planned {cur.minutes} min)"),
        ("Patients present", f"{bill.patients} of {len(view.people)} on the roster (caregivers not counted)"
         if bill else f"{len(view.people)} on the roster"),
        ("Session", f"#{s.id}, {s.status}"),
    ]))
    for o in rec.oddities:
        if pid is not None and o.startswith(UNRATED_PREFIX):  # names other people
            continue
        b.append(("p", o))
    if pid is not None and pid in rec.unrated:
        b.append(("p", "No ratings were recorded for this participant."))
    if pid is None and rec.gaps:
        b.append(("p", "Documentation incomplete: " + "; ".join(rec.gaps) + "."))

    b.append(("h2", "Attendance"))
    rows = []
    for p in people:
        u = rec.units_for(p.participant_id)
        hist = rec.presence.get(p.participant_id, [])
        pres = "; ".join(_span(a, c) for a, c in p.intervals) or "not present"
        old = [e for e in hist if not e.current]
        if old:
            pres += "\nCorrected " + clock.fmt_local(old[-1].superseded_at) + "; earlier: " + "; ".join(
                _span(e.arrived_at, e.left_at) for e in old)
        part = rec.participants.get(p.participant_id)
        rows.append([full_name(p.first_name, p.last_name), (part.record_number if part else None) or "",
                     "yes" if p.caregiver else "", pres, str(u.minutes) if u else "", str(u.units) if u else ""])
    b.append(("table", (40, 22, 18, 60, 20, 20),
              ["Participant", "Record no.", "Caregiver", "In the room", "Minutes", "Units"], rows))

    if bill:
        b.append(("h2", "Billing units"))
        rule = ("full 30-minute increments" if CODES[bill.billed_code].unit_rule == "full"
                else "midpoint rule, 30-minute units")
        b.append(("p", f"Code: {bill.billed_code}. Units per participant are counted from each person's own "
                       f"face-to-face minutes ({rule})."))
        for w in bill.warnings:
            b.append(("p", "Warning: " + w))

    b.append(("h2", "Time per step: planned and actual"))
    b.append(("table", (70, 35, 35, 40), ["Step", "Planned (min)", "Actual (min)", "Difference (min)"],
              [[t.title, str(t.planned_minutes), f"{t.actual_minutes:g}",
                f"{t.actual_minutes - t.planned_minutes:+g}"] for t in rec.step_times]))

    b.append(("h2", "Curriculum fidelity"))
    b.append(("table", (40, 70, 70), ["Step", "Delivered", "Skipped"],
              [[f.title, "\n".join(f.delivered) or "—", "\n".join(f.skipped) or "—"] for f in rec.fidelity]))

    b.append(("h2", "Ratings (mean of items; pre and post)"))
    rrows = [[r.name, _score(r.pre, r.pre_count, r.items), _score(r.post, r.post_count, r.items),
              f"{r.change:+.2f}" if r.change is not None else "—"]
             for r in rec.ratings if pid is None or r.participant_id == pid]
    b.append(("table", (60, 40, 40, 40), ["Participant", "Pre", "Post", "Change"], rrows))
    if pid is not None and cur.assessment:
        b.append(("table", (120, 20, 20, 20), ["Item", "Pre", "Post", "Change"], [
            [i.prompt, _v(view.ratings.get((pid, i.id, "pre"))), _v(view.ratings.get((pid, i.id, "post"))),
             _chg(view.ratings.get((pid, i.id, "pre")), view.ratings.get((pid, i.id, "post")))]
            for i in cur.assessment]))

    if cur.topics:
        b.append(("h2", "Topic competency (DSME Record scale: pre → post)"))
        b.append(("p", "; ".join(COMPETENCY_LEVELS.values()) + "."))
        crows = [[c.name, c.topic, c.pre or "—", c.post or "—", c.followup or "—"]
                 for c in rec.competency
                 if (pid is None and (c.pre or c.post or c.followup)) or c.participant_id == pid]
        b.append(("table", (45, 75, 20, 20, 20), ["Participant", "Topic", "Pre", "Post", "Follow-up"], crows))

    b.append(("h2", "Goals"))
    goals = [g for g in view.goals if pid is None or g.participant_id == pid]
    b.append(("table", (35, 28, 55, 22, 20, 20), ["Participant", "Behaviour", "Goal", "Confidence", "Follow-up",
                                                  "Followed up"],
              [[rec.name(g.participant_id), g.behaviour, g.text, str(g.confidence),
                f"{g.follow_up_date:%Y-%m-%d}" if g.follow_up_date else "—",
                clock.fmt_local(g.followed_up_at) if g.followed_up_at else "no"] for g in goals]))

    qs = [q for q in view.questions if pid is None or q.participant_id == pid]
    b.append(("h2", "Questions"))
    b.append(("table", (35, 125, 20), ["Asked by", "Question", "Status"],
              [[rec.name(q.participant_id) if q.participant_id else "—", q.text, q.status] for q in qs]))
    parked = [q for q in qs if q.status == "parked"]
    if parked:
        b.append(("p", f"Parked for follow-up: {len(parked)}."))

    b.append(("h2", "Notes"))
    owners: list[int | None] = [p.participant_id for p in people]
    if pid is None:
        owners.append(None)
    any_note = False
    for owner in owners:
        notes = rec.notes_for(owner)
        if not notes:
            continue
        any_note = True
        b.append(("h3", rec.name(owner)))
        for n in notes:
            tags = f" [{', '.join(n.tags)}]" if n.tags else ""
            edited = " · amended after the session" if n.edited_after_session else ""
            b.append(("p", f"{STEP_TITLES.get(n.step, n.step)} · {clock.fmt_local(n.updated_at)}{tags}{edited}\n"
                           f"{n.text}"))
            for i, v in enumerate(rec.histories.get(n.note_id, [])[:-1], 1):
                vt = f" [{v.tags.replace('|', ', ')}]" if v.tags else ""
                b.append(("small", f"Earlier version {i}, {clock.fmt_local(v.created_at)}{vt}: {v.text}"))
    if not any_note:
        b.append(("p", "No notes."))
    return b


def _score(x: float | None, n: int, items: int) -> str:
    if x is None:
        return f"not scored ({n} of {items} items)" if n else "—"
    return f"{x:.2f}"


def _v(x) -> str:
    return "—" if x is None else str(x)


def _chg(a, b) -> str:
    return f"{b - a:+d}" if a is not None and b is not None else "—"


def _block_text(blocks: list[tuple]) -> str:
    parts = []
    for blk in blocks:
        kind = blk[0]
        if kind in ("h1", "h2", "h3", "p", "small"):
            parts.append(blk[1])
        elif kind == "kv":
            parts.extend(f"{k} {v}" for k, v in blk[1])
        elif kind == "table":
            parts.extend(blk[2])
            parts.extend(c for row in blk[3] for c in row)
    return "\n".join(parts)


def _render(blocks: list[tuple], footer: str) -> bytes:
    blocks = [_clean_block(blk) for blk in blocks]
    pdf = _RecordPDF(clean_text(footer), fallback_fonts_for(_block_text(blocks) + footer))
    pdf.add_page()
    width = pdf.epw
    for blk in blocks:
        kind = blk[0]
        pdf.shape_for(_block_text([blk]))
        if kind == "h1":
            pdf.set_font("main", "B", 14)
            pdf.multi_cell(width, 7, blk[1], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.ln(1)
        elif kind in ("h2", "h3"):
            pdf.ln(2 if kind == "h2" else 1)
            pdf.set_font("main", "B", 11 if kind == "h2" else 9.5)
            pdf.multi_cell(width, 6, blk[1], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        elif kind in ("p", "small"):
            pdf.set_font("main", "", 9 if kind == "p" else 8)
            pdf.multi_cell(width, 4.5, blk[1], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.ln(0.8)
        elif kind == "kv":
            pdf.set_font("main", "", 9)
            with pdf.table(col_widths=(40, 140), first_row_as_headings=False, line_height=4.8,
                           text_align="LEFT", borders_layout="HORIZONTAL_LINES") as t:
                for k, v in blk[1]:
                    r = t.row()
                    r.cell(k, style=FontFace(emphasis="BOLD"))
                    r.cell(v)
        elif kind == "table":
            _, widths, header, rows = blk
            if not rows:
                pdf.set_font("main", "", 9)
                pdf.multi_cell(width, 4.5, "None recorded.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                continue
            pdf.set_font("main", "", 8.5)
            with pdf.table(col_widths=widths, line_height=4.4, text_align="LEFT",
                           headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235))) as t:
                hr = t.row()
                for h in header:
                    hr.cell(h)
                for row in rows:
                    r = t.row()
                    for c in row:
                        r.cell(c)
            pdf.ln(1)
    return bytes(pdf.output())


def _clean_block(blk: tuple) -> tuple:
    kind = blk[0]
    if kind == "kv":
        return (kind, [(clean_text(k), clean_text(v)) for k, v in blk[1]])
    if kind == "table":
        _, widths, header, rows = blk
        return (kind, widths, [clean_text(h) for h in header], [[clean_text(str(c)) for c in row] for row in rows])
    return (kind, clean_text(blk[1]))


def session_pdf(rec: SessionRecord, *, participant_id: int | None = None) -> bytes:
    """The printable session record: for the group (participant_id None) or one participant's copy for
    their chart. Raises ValueError for a participant not on the roster."""
    if participant_id is not None and participant_id not in {p.participant_id for p in rec.view.people}:
        raise ValueError("That participant is not on this session's roster.")
    footer = (f"Session {rec.session.id} · {rec.curriculum.title} · generated "
              f"{clock.fmt_local(rec.generated_at)}")
    return _render(_record_blocks(rec, participant_id), footer)


def participant_pdfs_zip(rec: SessionRecord) -> bytes:
    """One PDF per participant on the roster, in a zip file."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in rec.view.people:
            z.writestr(export_filename(rec, "record", "pdf", p.participant_id),
                       session_pdf(rec, participant_id=p.participant_id))
    return buf.getvalue()
