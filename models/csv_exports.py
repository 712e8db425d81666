"""CSV exports: one session's attendance, notes, ratings and goals, and a date range's units per participant
for the billing office. Every function returns bytes; nothing is written anywhere. No Streamlit here.

CSV cells are neutralised against spreadsheet formula injection: a text cell beginning with =, +, -, @,
a tab or a carriage return gets a leading single quote.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from models import clock
from models.reports import BillingRow
from models.session_record import SessionRecord
from models.tables import GroupSession

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def presence_span(a: datetime, b: datetime | None) -> str:
    """One stay in the room as local clock times: 15:02–15:58, or 15:02–open while still there."""
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
        rows.append([s.id, record_day(rec), p.participant_id, part.record_number if part else "", p.last_name,
                     p.first_name, p.participant_id in rec.attended, p.caregiver, p.added_late,
                     "; ".join(presence_span(a, b) for a, b in p.intervals),
                     any(e.amended and e.current for e in hist),
                     "; ".join(f"{presence_span(e.arrived_at, e.left_at)} "
                               f"(superseded {clock.fmt_local(e.superseded_at)})" for e in old),
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
    """For the billing office: one row per participant per session, with the code, minutes and units; the
    minutes beyond the planned length plus the margin that were not counted (excluded_minutes) or counted as
    confirmed on the record (confirmed_minutes), and that in words (time_note)."""
    header = ["session_id", "date", "curriculum", "curriculum_version", "planned_code", "code", "participant_id",
              "record_number", "last_name", "first_name", "date_of_birth", "minutes", "units", "group_size",
              "session_face_to_face_minutes", "facilitator", "credential", "warnings", "excluded_minutes",
              "confirmed_minutes", "time_note"]
    return to_csv(header, [
        [r.session_id, r.day, r.curriculum_title, r.curriculum_version, r.planned_code, r.code, r.participant_id,
         r.record_number, r.last_name, r.first_name, r.date_of_birth, r.minutes, r.units, r.group_size,
         r.session_minutes, r.facilitator, r.credential, r.warnings, r.excluded_minutes, r.confirmed_minutes,
         r.time_note]
        for r in rows
    ])


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def record_day(rec: SessionRecord) -> str:
    """The session's local day (started, else scheduled), as in file names and the attendance CSV."""
    s = rec.session
    return clock.fmt_local(s.started_at or s.scheduled_at, "%Y-%m-%d")


def export_filename(rec: SessionRecord, kind: str, ext: str, participant_id: int | None = None) -> str:
    """session-12-2026-11-23-notes.csv for the session's files; a participant's copy is named by the person and
    the day, record-Testwell-Ada-2026-11-23.pdf, never by internal id. Names are made safe (file_name_part);
    people on the roster whose names come out alike are numbered -1, -2 … (in the order their participant records
    were created), so names in a zip are unique and a single copy has the same name as in the zip."""
    if participant_id is None:
        return session_filename(rec.session, kind, ext)
    slugs = {p.participant_id: _person_slug(p.last_name, p.first_name, i)
             for i, p in enumerate(sorted(rec.view.people, key=lambda p: p.participant_id), 1)}
    if participant_id not in slugs:
        raise ValueError("That participant is not on this session's roster.")
    mine = slugs[participant_id]
    same = [pid for pid, slug in slugs.items() if slug == mine]
    n = f"-{same.index(participant_id) + 1}" if len(same) > 1 else ""
    return f"{kind}-{mine}-{record_day(rec)}{n}.{ext}"


def session_filename(s: GroupSession, kind: str, ext: str) -> str:
    """session-12-2026-11-23-notes.csv: a file about the whole session (its local day as in record_day)."""
    return f"session-{s.id}-{clock.fmt_local(s.started_at or s.scheduled_at, '%Y-%m-%d')}-{kind}.{ext}"


MAX_NAME_PART = 40  # characters of a first or last name in a file name
_LATIN = str.maketrans({"ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o",
                        "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Ł": "L", "ł": "l", "Þ": "Th", "þ": "th",
                        "ı": "i", "Ħ": "H", "ħ": "h"})


def file_name_part(text: str | None) -> str:
    """A name as a file-name part: folded to ASCII letters where it can be (Núñez → Nunez, Øre → Ore), every
    other run of characters one hyphen, at most MAX_NAME_PART characters; "" when nothing Latin is left."""
    folded = unicodedata.normalize("NFKD", (text or "").translate(_LATIN))
    ascii_ = "".join(c for c in folded if c.isascii() and c != "'")
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_).strip("-")[:MAX_NAME_PART].strip("-")


def _person_slug(last: str, first: str, position: int) -> str:
    """Last-First, or participant-N (N: place on the roster) for a name with nothing Latin in it."""
    return "-".join(p for p in (file_name_part(last), file_name_part(first)) if p) or f"participant-{position}"
