"""The session's sign-in sheet (models/pdf_roster.py) offered as a download: one widget for the pages that offer
it (the record on /review, and /live), built from the database when the educator presses the button."""

from __future__ import annotations

from models.csv_exports import session_filename
from models.db import session_scope
from models.pdf_roster import sign_in_sheet_pdf
from models.session_view import load_session_view
from models.tables import GroupSession
from ui import downloads
from ui.setup import get_engine

SIGN_IN_LABEL = "Prepare the sign-in sheet (PDF)"


def sign_in_sheet_download(s: GroupSession, *, container=None) -> None:
    """A "Prepare the sign-in sheet (PDF)" button for session `s`, then its single-use download link
    (ui/downloads.py). Call it only on a page that passed page_setup's access check."""
    sid = s.id

    def build() -> bytes:
        with session_scope(get_engine()) as db:
            view = load_session_view(db, sid)
            if view is None:
                raise ValueError("That session no longer exists.")
            return sign_in_sheet_pdf(view)

    downloads.prepare(SIGN_IN_LABEL, build, file_name=session_filename(s, "sign-in", "pdf"), mime="application/pdf",
                      kind="pdf-sign-in", key=f"dl_signin_{sid}", icon=":material/draw:", container=container)
