"""Record files leave only through /download/<token> (ui/downloads.py): the store (expiry, single use, another
user or browser), the route's access check driven directly with plain requests, and the pages that prepare a
file on request, show a link (never a Streamlit media file) or name the PDF part that failed."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from starlette.requests import Request
from streamlit import config

from models import pdf_record
from models.db import session_scope
from tests.factories import make_session
from tests.pages.helpers import all_text, app
from ui import downloads as dl

XSRF = "2|00000000|{hex}|1700000000"  # Streamlit's cookie form: version|mask|masked token|time (mask 0: as is)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(monkeypatch) -> tuple[dl.DownloadStore, Clock]:
    clock = Clock()
    s = dl.DownloadStore(clock=clock)
    monkeypatch.setattr(dl, "STORE", s)
    return s, clock


def _put(s: dl.DownloadStore, *, user=None, browser=None) -> str:
    token, _ = s.put(b"%PDF-1.4 data", file_name="session-1-2026-01-02-record.pdf", mime="application/pdf",
                     kind="pdf-group", user=user, browser=browser)
    return token


# ---------------------------------------------------------------- the store


def test_a_link_works_once(store):
    s, _ = store
    token = _put(s)
    assert len(token) >= 43 and token != _put(s)  # 32 random bytes, URL-safe
    assert s.take(token, user=None, browser=None).data == b"%PDF-1.4 data"
    with pytest.raises(dl.Refused) as no:
        s.take(token, user=None, browser=None)
    assert no.value.status == 404 and no.value.message == dl.GONE


def test_a_link_expires_after_its_lifetime(store):
    s, clock = store
    token = _put(s)
    clock.t += dl.LINK_TTL_SECONDS - 1
    assert s.live(token)
    clock.t += 1
    assert not s.live(token)
    with pytest.raises(dl.Refused) as no:
        s.take(token, user=None, browser=None)
    assert no.value.status == 404
    assert dl.LINK_TTL_SECONDS == 300


def test_another_user_or_browser_is_refused_and_does_not_use_the_link_up(store):
    s, _ = store
    token = _put(s, user="oidc:pat", browser="b1")
    for user, browser in (("oidc:sam", "b1"), (None, "b1"), ("oidc:pat", "b2"), ("oidc:pat", None)):
        with pytest.raises(dl.Refused) as no:
            s.take(token, user=user, browser=browser)
        assert no.value.status == 403 and no.value.message == dl.NOT_YOURS
    assert s.take(token, user="oidc:pat", browser="b1").kind == "pdf-group"


def test_the_store_holds_a_bounded_number_of_files(store):
    s, clock = store
    s.max_held = 3
    tokens = []
    for _ in range(4):
        tokens.append(_put(s))
        clock.t += 1
    assert [s.live(t) for t in tokens] == [False, True, True, True]


def test_identity_and_browser_key():
    assert dl.identity({"is_logged_in": False, "sub": "1"}) is None
    assert dl.identity({"is_logged_in": True, "sub": "1", "email": "a@x", "provider": "p"}) == "p:1"
    assert dl.identity({"is_logged_in": True, "email": "a@x"}) == ":a@x"
    assert dl.identity({"is_logged_in": True}) is None
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

    one = dl.browser_key(XSRF.format(hex="ab" * 16))
    assert one and one == dl.browser_key(generate_xsrf_token_string(b"\xab" * 16, 1700000001))  # re-masked
    assert one != dl.browser_key(XSRF.format(hex="cd" * 16))
    assert dl.browser_key(None) is None and dl.browser_key("junk") is None
    assert dl.safe_file_name('a"b\r\nc/../d.pdf') == "a_b__c_.._d.pdf"


# ---------------------------------------------------------------- the route, with plain requests


def _get(token: str, *, client="127.0.0.1", cookies: dict | None = None, method: str = "GET"):
    cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
    scope = {"type": "http", "method": method, "path": f"/download/{token}", "query_string": b"",
             "headers": [(b"cookie", cookie.encode("latin-1"))] if cookie else [], "client": (client, 50000),
             "path_params": {"token": token}}
    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, dl.serve(Request(scope))).result()


@pytest.fixture
def listen_on():
    old = config.get_option("server.address")
    yield lambda addr: config.set_option("server.address", addr)
    config.set_option("server.address", old)


def test_route_serves_once_to_the_browser_that_prepared_it(store):
    s, _ = store
    xsrf = XSRF.format(hex="ab" * 16)
    token = _put(s, browser=dl.browser_key(xsrf))
    assert _get(token, method="HEAD").status_code == 405  # a HEAD does not use the link up
    assert _get(token).status_code == 403  # no session cookie: another client
    assert _get(token, cookies={"_streamlit_xsrf": XSRF.format(hex="cd" * 16)}).status_code == 403
    ok = _get(token, cookies={"_streamlit_xsrf": xsrf})
    assert ok.status_code == 200 and ok.body == b"%PDF-1.4 data"
    assert ok.headers["content-type"] == "application/pdf"
    assert ok.headers["cache-control"] == "no-store"
    assert ok.headers["content-disposition"] == 'attachment; filename="session-1-2026-01-02-record.pdf"'
    again = _get(token, cookies={"_streamlit_xsrf": xsrf})
    assert again.status_code == 404 and again.body.decode().strip() == dl.GONE
    assert again.headers["cache-control"] == "no-store" and again.headers["content-type"].startswith("text/plain")


def test_route_without_sign_in_serves_only_this_computer(store, listen_on, monkeypatch):
    s, _ = store
    monkeypatch.delenv("GSF_ALLOW_UNAUTHENTICATED_NETWORK", raising=False)
    token = _put(s)
    for client in ("192.168.1.20", "10.0.0.5", "testclient"):
        refused = _get(token, client=client)
        assert refused.status_code == 403 and refused.body.decode().strip() == dl.NOT_LOCAL
    listen_on("0.0.0.0")  # the pages refuse records: so does the route, even to this computer
    refused = _get(token)
    assert refused.status_code == 403 and refused.body.decode().strip() == dl.LOCKED
    monkeypatch.setenv("GSF_ALLOW_UNAUTHENTICATED_NETWORK", "1")  # the operator accepted the risk
    assert _get(token, client="192.168.1.20").status_code == 200


def test_route_with_sign_in_needs_the_same_signed_in_user(store, monkeypatch):
    s, _ = store
    monkeypatch.setattr(dl, "auth_configured", lambda: True)
    token = _put(s, user="p:pat")
    for who in (None, "p:sam"):
        monkeypatch.setattr(dl, "request_user", lambda request, who=who: who)
        refused = _get(token, client="192.168.1.20")
        assert refused.status_code == 403
        assert refused.body.decode().strip() == (dl.SIGN_IN if who is None else dl.NOT_YOURS)
    monkeypatch.setattr(dl, "request_user", lambda request: "p:pat")
    assert _get(token, client="192.168.1.20").status_code == 200  # signed in: any network


def test_route_with_sign_in_reads_streamlits_signed_cookie(monkeypatch):
    from streamlit.web.server.starlette import starlette_websocket
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    monkeypatch.setattr(starlette_websocket, "get_cookie_secret", lambda: "s" * 32)
    monkeypatch.setattr(dl, "get_origin_from_redirect_uri", lambda: "https://gsf.example.org")

    def cookie(secret: str, origin: str, sub: str = "pat") -> dict:
        payload = json.dumps({"sub": sub, "email": f"{sub}@example.org", "provider": "default", "origin": origin,
                              "is_logged_in": True})
        return {"_streamlit_user": create_signed_value(secret, "_streamlit_user", payload).decode()}

    def user(cookies: dict) -> str | None:
        scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"",
                 "headers": [(b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode())]}
        return dl.request_user(Request(scope))

    assert user(cookie("s" * 32, "https://gsf.example.org")) == "default:pat"
    assert user(cookie("s" * 32, "https://gsf.example.org", "sam")) == "default:sam"
    assert user(cookie("f" * 32, "https://gsf.example.org")) is None  # forged: another secret
    assert user(cookie("s" * 32, "https://evil.example")) is None  # signed for another origin
    assert user({"_streamlit_user": "not-signed"}) is None
    assert user({}) is None


# ---------------------------------------------------------------- the pages


def _ended(engine, frozen_clock) -> int:
    with session_scope(engine) as db:
        s, _, _ = make_session(db, n=2, when=frozen_clock.start - timedelta(hours=2))
        return s.id


def _links(at) -> list[str]:
    """The download links on the page (every page also draws a style-only st.html: ui/setup.py)."""
    return [h.proto.body for h in at.get("html") if "/download/" in h.proto.body]


def test_prepare_shows_a_download_link_and_no_media_file(engine, frozen_clock, store):
    s, _ = store
    sid = _ended(engine, frozen_clock)
    at = app("pages/review.py", session=sid).run()
    assert not at.exception
    assert not at.get("download_button") and not _links(at)
    at.button(key=f"dl_pdf_{sid}").click().run()
    links = _links(at)
    assert len(links) == 1 and 'href="/download/' in links[0] and "record.pdf" in links[0]
    token = links[0].split('href="/download/', 1)[1].split('"', 1)[0]
    assert s.live(token)
    assert "works once, in this browser, for 5 minutes" in all_text(at)
    assert not at.get("download_button")
    at.button(key=f"dl_notes_{sid}").click().run()  # the first link stays while it lives
    assert len(_links(at)) == 2


def test_a_pdf_that_cannot_be_built_names_the_part_on_the_page(engine, frozen_clock, store, monkeypatch):
    s, _ = store
    sid = _ended(engine, frozen_clock)

    def notes(rec, pid):
        raise RuntimeError("boom")

    monkeypatch.setattr(pdf_record, "_notes", notes)
    at = app("pages/review.py", session=sid).run()
    at.button(key=f"dl_pdf_{sid}").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["The PDF could not be built: the part 'Notes' failed."]
    assert not _links(at) and not s._held
    at.button(key=f"dl_zip_{sid}").click().run()
    assert "the part 'Notes' failed in the copy for participant #" in at.error[1].value


def test_a_link_belongs_to_the_signed_in_user(engine, frozen_clock, store):
    from tests.pages.test_access import AUTH

    s, _ = store
    sid = _ended(engine, frozen_clock)
    at = app("pages/review.py", session=sid)
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": True, "name": "Pat Educator", "sub": "pat-1", "provider": "default"}
    at.run()
    at.button(key=f"dl_attendance_{sid}").click().run()
    (held,) = s._held.values()
    assert held.user == "default:pat-1" and held.kind == "csv-attendance" and held.mime == "text/csv"
