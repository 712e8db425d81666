"""The session record in a real browser: open /review?session=ID on an ended session, check its header, download
the group PDF and the billing CSV, and read what was downloaded. Every person here is invented."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from playwright.sync_api import expect
from pypdf import PdfReader

from models import clock
from models.assessments import set_rating
from models.attendance import mark_arrived, set_present
from models.notes import add_note
from models.sessions import end_session, go_to_step, start_session
from tests.e2e.conftest import seed, wait_for_app_idle
from tests.factories import curriculum, make_session

TITLE = "Living well with diabetes: group DSMT session"
NOTE = "Invented note: practised the pen <b>twice</b>"
GROUP_NOTE = "Invented group note: everyone brought a meter"


def _ended_session(db, move_to):
    """Four invented people on a 60-minute G0109 session that ended two hours ago: Ada and Bram there
    throughout, Cora arriving 30 minutes in, Dov never coming. Ada has pre ratings and a tagged note."""
    start = clock.now().replace(second=0, microsecond=0) - timedelta(hours=3)
    s, people, _ = make_session(db, n=4, when=start, code="G0109")
    ada, _bram, cora, dov = people
    cur = curriculum()
    move_to(start)
    set_present(db, session_id=s.id, participant_id=cora.id, present=False)
    set_present(db, session_id=s.id, participant_id=dov.id, present=False)
    start_session(db, session_id=s.id)
    for item in cur.assessment:
        set_rating(db, session_id=s.id, participant_id=ada.id, item_id=item.id, phase="pre", value=3)
    move_to(start + timedelta(minutes=30))
    go_to_step(db, session_id=s.id, step="teach")
    mark_arrived(db, session_id=s.id, participant_id=cora.id)
    add_note(db, session_id=s.id, participant_id=ada.id, step="teach", text=NOTE, tags=["needs follow-up"])
    add_note(db, session_id=s.id, participant_id=None, step="teach", text=GROUP_NOTE, tags=[])
    move_to(start + timedelta(minutes=60))
    end_session(db, session_id=s.id)
    return s.id


def _metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label))


def _prepare_and_download(page, label: str):
    """Press a "Prepare …" button, then click the download link it shows (our /download/<token> route)."""
    button = page.get_by_role("button", name=label)
    button.scroll_into_view_if_needed()
    button.click()
    link = page.get_by_role("link", name="Download ")
    expect(link).to_be_visible()
    assert "/download/" in link.get_attribute("href")
    with page.expect_download() as info:
        link.click()
    return info.value


def _seed_ended(db):
    with clock.simulated(clock.now()) as sim:
        return _ended_session(db, sim.at)


def test_open_record_and_download_pdf_and_billing_csv(server, page, tmp_path):
    sid = seed(server.db_url, _seed_ended)

    page.goto(server.page_url(f"/review?session={sid}"))
    wait_for_app_idle(page)
    # the header: what was delivered, under which code, to how many, for how many units
    expect(page.get_by_role("heading", name="Session record")).to_be_visible()
    expect(page.get_by_text(f"{TITLE} · version", exact=False).first).to_be_visible()
    expect(page.get_by_text(f"session {sid}", exact=False).first).to_be_visible()
    expect(page.get_by_text("HCPCS G0109 Medicare DSMT", exact=False).first).to_be_visible()
    expect(page.get_by_text("Pat Educator (RN, CDCES)", exact=False).first).to_be_visible()
    expect(_metric(page, "Face-to-face").get_by_test_id("stMetricValue")).to_have_text("60 min")
    expect(_metric(page, "Patients present").get_by_test_id("stMetricValue")).to_have_text("3")
    expect(_metric(page, "On the roster").get_by_test_id("stMetricValue")).to_have_text("4")
    expect(_metric(page, "Units").get_by_test_id("stMetricValue")).to_have_text("5")  # 2 + 2 + 1
    # the notes, stored text shown as text (the markup is not rendered)
    shown = page.get_by_test_id("stText")
    expect(shown.get_by_text(NOTE, exact=True)).to_be_visible()
    expect(shown.get_by_text(GROUP_NOTE, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    download = _prepare_and_download(page, "Prepare the group record (PDF)")
    assert download.failure() is None
    name = download.suggested_filename
    assert name.startswith(f"session-{sid}-") and name.endswith("-record.pdf"), name
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    flat = " ".join("\n".join(p.extract_text() for p in reader.pages).split())
    assert "Group education session record" in flat
    assert TITLE in flat
    for name in ("Ada Testwell", "Bram Fakeley", "Cora Inventa"):
        assert name in flat, name
    assert NOTE.removeprefix("Invented note: ") in flat  # stored text, printed as text
    assert "[needs follow-up]" in flat
    assert GROUP_NOTE in flat
    assert "3.00" in flat  # Ada's pre score, the mean of her ratings

    # the billing export on the list page: one row per participant present, with their own units
    page.goto(server.page_url("/review"))
    wait_for_app_idle(page)
    page.get_by_text("Billing export: units per participant").click()
    download = _prepare_and_download(page, "Prepare the billing CSV")
    assert download.suggested_filename.startswith("billing-") and download.suggested_filename.endswith(".csv")
    csv_path = tmp_path / "billing.csv"
    download.save_as(csv_path)
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    mine = [r for r in rows if r["session_id"] == str(sid)]
    assert len(mine) == 3, rows  # Dov never came: no row
    by_name = {(r["first_name"], r["last_name"]): r for r in mine}
    assert {k: (r["code"], r["minutes"], r["units"]) for k, r in by_name.items()} == {
        ("Ada", "Testwell"): ("G0109", "60", "2"),
        ("Bram", "Fakeley"): ("G0109", "60", "2"),
        ("Cora", "Inventa"): ("G0109", "30", "1"),  # arrived 30 minutes in: one whole 30-minute unit
    }
