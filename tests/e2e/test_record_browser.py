"""The session record in a real browser: open /review?session=ID, download the group PDF and the billing CSV,
and read what was downloaded. Every person here is invented."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from playwright.sync_api import expect
from pypdf import PdfReader

from models import clock
from models.sessions import add_note, end_session, go_to_step, mark_arrived, set_present, set_rating, start_session
from tests.e2e.conftest import seed, wait_for_app_idle
from tests.factories import curriculum, make_session

TITLE = "Living well with diabetes: group DSMT session"


def _ended_session(db, monkeypatch_now):
    """Three invented people; the third arrives 30 minutes in; 60 minutes of G0109 ending two hours ago."""
    start = clock.now().replace(second=0, microsecond=0) - timedelta(hours=3)
    s, people, _ = make_session(db, n=3, when=start, code="G0109")
    cur = curriculum()
    monkeypatch_now(start)
    set_present(db, session_id=s.id, participant_id=people[2].id, present=False)
    start_session(db, session_id=s.id)
    for item in cur.assessment:
        set_rating(db, session_id=s.id, participant_id=people[0].id, item_id=item.id, phase="pre", value=3)
    monkeypatch_now(start + timedelta(minutes=30))
    go_to_step(db, session_id=s.id, step="teach")
    mark_arrived(db, session_id=s.id, participant_id=people[2].id)
    add_note(db, session_id=s.id, participant_id=people[0].id, step="teach",
             text="Invented note: practised the pen <b>twice</b>", tags=["needs follow-up"])
    monkeypatch_now(start + timedelta(minutes=60))
    end_session(db, session_id=s.id)
    return s.id, start


def test_open_record_and_download_pdf_and_billing_csv(server, page, monkeypatch, tmp_path):
    def at(t):
        monkeypatch.setattr(clock, "now", lambda: t)

    sid, start = seed(server.db_url, lambda db: _ended_session(db, at))
    monkeypatch.undo()

    page.goto(server.page_url(f"/review?session={sid}"))
    wait_for_app_idle(page)
    expect(page.get_by_text(TITLE).first).to_be_visible()
    expect(page.get_by_text("Invented note: practised the pen <b>twice</b>").first).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    button = page.get_by_role("button", name="Session record (PDF, group)")
    button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    flat = " ".join(text.split())
    assert "Living well with diabetes" in flat
    assert "Testwell" in flat and "Inventa" in flat  # surnames of the invented participants
    assert "practised the pen <b>twice</b>" in flat  # stored text, shown as text

    # the billing export on the list page: one row per participant present, with their own units
    page.goto(server.page_url("/review"))
    wait_for_app_idle(page)
    page.get_by_text("Billing export: units per participant").click()
    csv_button = page.get_by_role("button", name="Download billing CSV")
    expect(csv_button).to_be_visible()
    with page.expect_download() as info:
        csv_button.click()
    csv_path = tmp_path / "billing.csv"
    info.value.save_as(csv_path)
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    mine = {r["last_name"]: r for r in rows if r["session_id"] == str(sid)}
    assert set(mine) == {"Testwell", "Fakeley", "Inventa"}, rows
    assert {k: (r["code"], r["units"]) for k, r in mine.items()} == {
        "Testwell": ("G0109", "2"), "Fakeley": ("G0109", "2"),
        "Inventa": ("G0109", "1"),  # arrived 30 minutes in: one whole 30-minute unit
    }
