"""The printable session record as a PDF: for the group, or one copy per participant for their chart. Every
function returns bytes; nothing is written anywhere. No Streamlit here.

The record is built as parts, one per section ("Session details", "Attendance", …, "Notes"), each a list of
blocks (models/pdf_layout.py: Heading, Paragraph, KeyValues, Table), which RecordPDF then lays out; there too
is how any text, at any field's maximum length and in any script, prints. If a part cannot be built or laid
out, the export raises ExportError naming the part; the log records the part and the exception type only,
never record text.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from models import clock
from models.attestation import ATTESTATION_STATEMENT, attestation
from models.csv_exports import export_filename, presence_span
from models.curriculum import STEP_TITLES
from models.pdf_layout import (
    Block,
    Heading,
    KeyValues,
    Paragraph,
    RecordPDF,
    Table,
    block_texts,
    clean_text,
    map_text,
    printable,
)
from models.people import full_name
from models.rules import CODES, COMPETENCY_LEVELS, instructor_warning
from models.session_record import UNRATED_PREFIX, SessionRecord

log = logging.getLogger(__name__)


class ExportError(Exception):
    """A PDF export that could not be built. `part` names what failed: a section of the record ("Session
    details", "Attendance", "Billing units", "Time per step", "Curriculum fidelity", "Ratings", "Topic
    competency", "Goals", "Questions", "Notes", "Attestation"), or "Fonts" and "Document" for the set-up and the
    final file. The message is plain language, holds no record text and can be shown as it is."""

    def __init__(self, part: str, message: str | None = None) -> None:
        self.part = part
        self.message = message or f"The PDF could not be built: the part '{part}' failed."
        super().__init__(self.message)


@contextmanager
def _part(name: str) -> Iterator[None]:
    """Turn any failure inside into ExportError(name), logging only the part and the exception type."""
    try:
        yield
    except ExportError:
        raise
    except Exception as exc:
        log.error("PDF record: the part %r failed (%s)", name, type(exc).__name__)
        raise ExportError(name) from exc


def build_pdf_or_error(build: Callable[[], bytes]) -> tuple[bytes | None, str | None]:
    """Run one PDF export and return (bytes, None), or (None, a message to show) when it fails:
    `build_pdf_or_error(lambda: session_pdf(rec, participant_id=pid))`, or with participant_pdfs_zip."""
    try:
        return build(), None
    except (ExportError, ValueError) as exc:  # ValueError: a participant no longer on the roster
        return None, str(exc)


# ---------------------------------------------------------------- the record as parts of blocks


@dataclass(frozen=True)
class Part:
    name: str  # named in ExportError when the part fails
    blocks: Sequence[Block]


def record_parts(rec: SessionRecord, pid: int | None) -> list[Part]:
    """The record as parts of blocks. A participant copy (pid) holds only that person's own data and no
    group notes, which may mention others."""
    builders = (
        ("Session details", _details), ("Attendance", _attendance), ("Billing units", _billing),
        ("Time per step", _step_times), ("Curriculum fidelity", _fidelity), ("Ratings", _ratings),
        ("Topic competency", _competency), ("Goals", _goals), ("Questions", _questions), ("Notes", _notes),
        ("Attestation", _attestation),
    )
    parts = []
    for name, build in builders:
        with _part(name):
            parts.append(Part(name, tuple(map_text(b, clean_text) for b in build(rec, pid))))
    return parts


def _people(rec: SessionRecord, pid: int | None) -> list:
    return [p for p in rec.view.people if pid is None or p.participant_id == pid]


def _details(rec: SessionRecord, pid: int | None) -> list[Block]:
    s, view, cur = rec.session, rec.view, rec.curriculum
    b: list[Block] = []
    if pid is None:
        b.append(Heading(1, "Group education session record"))
    else:
        part = rec.participants.get(pid)
        rn = f" · record {part.record_number}" if part and part.record_number else ""
        dob = f" · born {part.date_of_birth:%Y-%m-%d}" if part and part.date_of_birth else ""
        b.append(Heading(1, "Group education session record: participant copy"))
        b.append(Paragraph(f"{rec.name(pid)}{rn}{dob}"))
    bill = rec.billing
    fac = view.facilitator
    code = CODES[s.billing_code].label
    if bill and bill.billed_code != s.billing_code:
        code += f"; the record supports {CODES[bill.billed_code].label}"
    b.append(KeyValues((
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
    )))
    for o in rec.oddities:
        if pid is not None and o.startswith(UNRATED_PREFIX):  # names other people
            continue
        b.append(Paragraph(o))
    if pid is not None and pid in rec.unrated:
        b.append(Paragraph("No ratings were recorded for this participant."))
    if pid is None and rec.gaps:
        b.append(Paragraph("Documentation incomplete: " + "; ".join(rec.gaps) + "."))
    return b


def _attendance(rec: SessionRecord, pid: int | None) -> list[Block]:
    rows = []
    for p in _people(rec, pid):
        u = rec.units_for(p.participant_id)
        hist = rec.presence.get(p.participant_id, [])
        pres = "; ".join(presence_span(a, c) for a, c in p.intervals) or "not present"
        old = [e for e in hist if not e.current]
        if old:
            pres += "\nCorrected " + clock.fmt_local(old[-1].superseded_at) + "; earlier: " + "; ".join(
                presence_span(e.arrived_at, e.left_at) for e in old)
        part = rec.participants.get(p.participant_id)
        rows.append((full_name(p.first_name, p.last_name), (part.record_number if part else None) or "",
                     "yes" if p.caregiver else "", pres, str(u.minutes) if u else "", str(u.units) if u else ""))
    return [Heading(2, "Attendance"),
            Table((40, 22, 18, 60, 20, 20), ("Participant", "Record no.", "Caregiver", "In the room", "Minutes",
                                             "Units"), rows)]


def _billing(rec: SessionRecord, pid: int | None) -> list[Block]:
    bill = rec.billing
    if not bill:
        return []
    rule = ("full 30-minute increments" if CODES[bill.billed_code].unit_rule == "full"
            else "midpoint rule, 30-minute units")
    return [Heading(2, "Billing units"),
            Paragraph(f"Code: {bill.billed_code}. Units per participant are counted from each person's own "
                      f"face-to-face minutes ({rule})."),
            *(Paragraph("Warning: " + w) for w in bill.warnings),
            *(Paragraph("Time: " + t) for t in rec.time_notes)]


def _step_times(rec: SessionRecord, pid: int | None) -> list[Block]:
    return [Heading(2, "Time per step: planned and actual"),
            Table((70, 35, 35, 40), ("Step", "Planned (min)", "Actual (min)", "Difference (min)"),
                  [(t.title, str(t.planned_minutes), f"{t.actual_minutes:g}",
                    f"{t.actual_minutes - t.planned_minutes:+g}") for t in rec.step_times])]


def _fidelity(rec: SessionRecord, pid: int | None) -> list[Block]:
    return [Heading(2, "Curriculum fidelity"),
            Table((40, 70, 70), ("Step", "Delivered", "Skipped"),
                  [(f.title, "\n".join(f.delivered) or "—", "\n".join(f.skipped) or "—") for f in rec.fidelity])]


def _ratings(rec: SessionRecord, pid: int | None) -> list[Block]:
    view, cur = rec.view, rec.curriculum
    b: list[Block] = [
        Heading(2, "Ratings (mean of items; pre and post)"),
        Table((60, 40, 40, 40), ("Participant", "Pre", "Post", "Change"),
              [(r.name, _score(r.pre, r.pre_count, r.items), _score(r.post, r.post_count, r.items),
                f"{r.change:+.2f}" if r.change is not None else "—")
               for r in rec.ratings if pid is None or r.participant_id == pid]),
    ]
    if pid is not None and cur.assessment:
        b.append(Table((120, 20, 20, 20), ("Item", "Pre", "Post", "Change"), [
            (i.prompt, _v(view.ratings.get((pid, i.id, "pre"))), _v(view.ratings.get((pid, i.id, "post"))),
             _chg(view.ratings.get((pid, i.id, "pre")), view.ratings.get((pid, i.id, "post"))))
            for i in cur.assessment]))
    return b


def _competency(rec: SessionRecord, pid: int | None) -> list[Block]:
    if not rec.curriculum.topics:
        return []
    rows = [(c.name, c.topic, c.pre or "—", c.post or "—", c.followup or "—")
            for c in rec.competency
            if (pid is None and (c.pre or c.post or c.followup)) or c.participant_id == pid]
    return [Heading(2, "Topic competency (DSME Record scale: pre → post)"),
            Paragraph("; ".join(COMPETENCY_LEVELS.values()) + "."),
            Table((45, 75, 20, 20, 20), ("Participant", "Topic", "Pre", "Post", "Follow-up"), rows)]


def _goals(rec: SessionRecord, pid: int | None) -> list[Block]:
    goals = [g for g in rec.view.goals if pid is None or g.participant_id == pid]
    return [Heading(2, "Goals"),
            Table((35, 28, 55, 22, 20, 20), ("Participant", "Behaviour", "Goal", "Confidence", "Follow-up",
                                             "Followed up"),
                  [(rec.name(g.participant_id), g.behaviour, g.text, str(g.confidence),
                    f"{g.follow_up_date:%Y-%m-%d}" if g.follow_up_date else "—",
                    clock.fmt_local(g.followed_up_at) if g.followed_up_at else "no") for g in goals])]


def _questions(rec: SessionRecord, pid: int | None) -> list[Block]:
    qs = [q for q in rec.view.questions if pid is None or q.participant_id == pid]
    b: list[Block] = [
        Heading(2, "Questions"),
        Table((35, 125, 20), ("Asked by", "Question", "Status"),
              [(rec.name(q.participant_id) if q.participant_id else "—", q.text, q.status) for q in qs]),
    ]
    parked = [q for q in qs if q.status == "parked"]
    if parked:
        b.append(Paragraph(f"Parked for follow-up: {len(parked)}."))
    return b


def _notes(rec: SessionRecord, pid: int | None) -> list[Block]:
    b: list[Block] = [Heading(2, "Notes")]
    owners: list[int | None] = [p.participant_id for p in _people(rec, pid)]
    if pid is None:
        owners.append(None)
    for owner in owners:
        notes = rec.notes_for(owner)
        if not notes:
            continue
        b.append(Heading(3, rec.name(owner)))
        for n in notes:
            tags = f" [{', '.join(n.tags)}]" if n.tags else ""
            edited = " · amended after the session" if n.edited_after_session else ""
            b.append(Paragraph(f"{STEP_TITLES.get(n.step, n.step)} · {clock.fmt_local(n.updated_at)}{tags}{edited}\n"
                               f"{n.text}"))
            for i, v in enumerate(rec.histories.get(n.note_id, [])[:-1], 1):
                vt = f" [{v.tags.replace('|', ', ')}]" if v.tags else ""
                b.append(Paragraph(f"Earlier version {i}, {clock.fmt_local(v.created_at)}{vt}: {v.text}", small=True))
    if len(b) == 1:
        b.append(Paragraph("No notes."))
    return b


BLANK = "_" * 30


def _attestation(rec: SessionRecord, pid: int | None) -> list[Block]:
    """The instructor's typed attestation with its time, or lines to sign by hand; replaced ones below it."""
    a = attestation(rec.session)
    b: list[Block] = [Heading(2, "Instructor's attestation")]
    if a is None:
        return [*b, Paragraph(ATTESTATION_STATEMENT), Paragraph(f"Instructor: {BLANK}   Credential: {BLANK[:16]}"),
                Paragraph(f"Date: {BLANK[:16]}   Signature: {BLANK}")]
    b += [Paragraph(a.text),
          KeyValues((("Instructor", a.name), ("Credential", a.credential),
                     ("Attested", f"{clock.fmt_local(a.at)} (typed attestation, recorded with its time)")))]
    warning = instructor_warning(rec.billing.billed_code if rec.billing else rec.session.billing_code, a.credential)
    if warning:
        b.append(Paragraph(f"Warning: {warning}"))
    b += [Paragraph(f"Replaced attestation: {e.name} ({e.credential}), {clock.fmt_local(e.at)}; replaced on "
                    f"{clock.fmt_local(e.replaced_at)} by {e.replaced_by}. {e.text}", small=True) for e in a.earlier]
    return b


def _score(x: float | None, n: int, items: int) -> str:
    if x is None:
        return f"not scored ({n} of {items} items)" if n else "—"
    return f"{x:.2f}"


def _v(x) -> str:
    return "—" if x is None else str(x)


def _chg(a, b) -> str:
    return f"{b - a:+d}" if a is not None and b is not None else "—"


# ---------------------------------------------------------------- the PDF


def _render(parts: list[Part], footer: str, *, title: str = "Group education session record") -> bytes:
    with _part("Fonts"):
        footer = clean_text(footer)
        fallbacks, table = printable([footer, *(t for p in parts for b in p.blocks for t in block_texts(b))])
        if table:
            parts = [Part(p.name, [map_text(b, lambda t: t.translate(table)) for b in p.blocks]) for p in parts]
            footer = footer.translate(table)
        pdf = RecordPDF(footer, fallbacks, title)
    with _part("Document"):
        pdf.add_page()
    for part in parts:
        with _part(part.name):
            for block in part.blocks:
                pdf.draw(block)
    with _part("Document"):
        return pdf.finish()


def session_pdf(rec: SessionRecord, *, participant_id: int | None = None) -> bytes:
    """The printable session record: for the group (participant_id None) or one participant's copy for
    their chart. Raises ValueError for a participant not on the roster, and ExportError naming the part
    that could not be built."""
    if participant_id is not None and participant_id not in {p.participant_id for p in rec.view.people}:
        raise ValueError("That participant is not on this session's roster.")
    with _part("Document"):
        footer = (f"Session {rec.session.id} · {rec.curriculum.title} · generated "
                  f"{clock.fmt_local(rec.generated_at)}")
    return _render(record_parts(rec, participant_id), footer)


def participant_pdfs_zip(rec: SessionRecord) -> bytes:
    """One PDF per participant on the roster, in a zip file. Raises ExportError naming the part that could
    not be built and whose copy it was (by participant id, never by name)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in rec.view.people:
            try:
                data = session_pdf(rec, participant_id=p.participant_id)
            except ExportError as exc:
                raise ExportError(exc.part, f"The PDF could not be built: the part '{exc.part}' failed in the "
                                            f"copy for participant #{p.participant_id}.") from exc
            z.writestr(export_filename(rec, "record", "pdf", p.participant_id), data)
    return buf.getvalue()
