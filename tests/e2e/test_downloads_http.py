"""Download links against a real `streamlit run` server, fetched with a plain HTTP client (urllib): a link a page
minted works once from the browser that prepared it and not without that browser's session; with sign-in
configured (a test [auth] section and Streamlit's own signed `_streamlit_user` cookie, as st.login leaves it),
not without the signed-in user's cookie, with a forged one, or with another user's. No record file is served
from Streamlit's /media/ endpoint. Every person here is invented."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta
from email.message import Message
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from models import clock
from models.sessions import end_session, start_session
from scripts.serve import StreamlitServer
from tests.e2e.conftest import seed, wait_for_app_idle
from tests.factories import make_session
from ui.downloads import GONE, NOT_YOURS, SIGN_IN

COOKIE_SECRET = "an invented cookie secret for this test only"


def _ended(db) -> int:
    s, _, _ = make_session(db, n=2, when=clock.now() - timedelta(hours=2))
    start_session(db, session_id=s.id)
    end_session(db, session_id=s.id)
    return s.id


def _fetch(url: str, cookies: dict[str, str] | None = None, method: str = "GET") -> tuple[int, Message, bytes]:
    """A plain HTTP request: no browser, only the cookies given."""
    req = urllib.request.Request(url, method=method)
    if cookies:
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


_MEDIA_URLS_JS = """() => [...document.querySelectorAll("[href], [src]")]
  .map((e) => new URL(e.getAttribute("href") || e.getAttribute("src"), document.baseURI))
  .filter((u) => u.pathname.startsWith("/media/")).map(String)"""


EXPORTS = 8  # group PDF, participant PDF, zip, sign-in sheet, four CSV files


def _prepare_links(page, server: StreamlitServer, sid: int, media: list[str]) -> dict[str, str]:
    """Open the record, press every "Prepare …" button; {file name: absolute link}."""
    page.on("request", lambda r: media.append(r.url) if urlparse(r.url).path.startswith("/media/") else None)
    page.goto(server.page_url(f"/review?session={sid}"))
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name="Session record")).to_be_visible()
    buttons = page.get_by_role("button", name="Prepare ")
    expect(buttons).to_have_count(EXPORTS)
    for i in range(EXPORTS):
        buttons.nth(i).scroll_into_view_if_needed()
        buttons.nth(i).click()
        wait_for_app_idle(page)
    links = page.get_by_role("link", name="Download ")
    expect(links).to_have_count(EXPORTS)
    found = {a.get_attribute("download"): server.url + a.get_attribute("href") for a in links.all()}
    assert all("/download/" in u for u in found.values()), found
    assert page.evaluate(_MEDIA_URLS_JS) == []
    return found


def _cookies(page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}


def test_a_link_works_once_and_only_from_the_browser_that_prepared_it(server, page):
    sid = seed(server.db_url, _ended)
    media: list[str] = []
    links = _prepare_links(page, server, sid, media)
    browser = _cookies(page)
    assert "_streamlit_xsrf" in browser

    for name, url in links.items():
        assert _fetch(url, method="HEAD")[0] == 405  # a HEAD does not use the link up
        status, _, body = _fetch(url)  # this computer, but not that browser's session
        assert status == 403 and body.decode().strip() == NOT_YOURS, (name, status, body)
        status, headers, body = _fetch(url, browser)
        assert status == 200, (name, status, body)
        assert headers["Cache-Control"] == "no-store"
        assert headers["Content-Disposition"] == f'attachment; filename="{name}"'
        assert body.startswith({"pdf": b"%PDF-", "zip": b"PK", "csv": b"\xef\xbb\xbf"}[name.rsplit(".", 1)[1]])
        status, headers, body = _fetch(url, browser)  # once only
        assert status == 404 and body.decode().strip() == GONE and headers["Cache-Control"] == "no-store"
    assert _fetch(server.page_url("/download/not-a-token"), browser)[0] == 404
    assert media == [], media  # nothing of the record went through Streamlit's media endpoint
    assert "Traceback" not in server.log_text()


class _AuthServer(StreamlitServer):
    """The server with a test [auth] section (secrets.files), as a deployment with st.login has."""

    def command(self) -> list[str]:
        return [*super().command(), "--secrets.files", str(self.tmp_dir / "secrets.toml")]


@pytest.fixture
def auth_server(tmp_path):
    srv = _AuthServer(tmp_path / "auth")
    (srv.tmp_dir / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{srv.url}/oauth2callback"\n'
        f'cookie_secret = "{COOKIE_SECRET}"\n'
        'client_id = "invented"\nclient_secret = "invented"\n'
        'server_metadata_url = "https://login.invalid/.well-known/openid-configuration"\n')
    yield srv
    srv.stop()


def _user_cookie(secret: str, origin: str, sub: str) -> str:
    """Streamlit's `_streamlit_user` cookie as its OIDC callback writes it after st.login."""
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    payload = {"sub": sub, "email": f"{sub}@example.org", "name": "Pat Educator", "origin": origin,
               "is_logged_in": True, "provider": "default"}
    return create_signed_value(secret, "_streamlit_user", json.dumps(payload)).decode()


def test_with_sign_in_a_link_needs_the_same_signed_in_user(auth_server, page):
    srv = auth_server
    sid = seed(srv.db_url, _ended)
    srv.start()
    page.goto(srv.page_url(f"/review?session={sid}"))  # not signed in: only the sign-in screen
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Prepare ")).to_have_count(0)

    pat = _user_cookie(COOKIE_SECRET, srv.url, "pat")
    page.context.add_cookies([{"name": "_streamlit_user", "value": pat, "url": srv.url}])
    media: list[str] = []
    links = _prepare_links(page, srv, sid, media)
    xsrf = {"_streamlit_xsrf": _cookies(page)["_streamlit_xsrf"]}
    refusals = {
        "no cookie at all": ({}, SIGN_IN),
        "the browser's XSRF cookie, not signed in": (xsrf, SIGN_IN),
        "a forged user cookie": ({**xsrf, "_streamlit_user": _user_cookie("not the secret", srv.url, "pat")}, SIGN_IN),
        "a cookie for another origin": ({**xsrf, "_streamlit_user": _user_cookie(COOKIE_SECRET, "http://evil.example",
                                                                                 "pat")}, SIGN_IN),
        "another signed-in user": ({**xsrf, "_streamlit_user": _user_cookie(COOKIE_SECRET, srv.url, "sam")}, NOT_YOURS),
        "pat's cookie from another browser": ({"_streamlit_user": pat}, NOT_YOURS),
    }
    for url in links.values():
        for why, (cookies, message) in refusals.items():
            status, _, body = _fetch(url, cookies)
            assert (status, body.decode().strip()) == (403, message), why
    name, url = next((n, u) for n, u in links.items() if n.endswith("-record.pdf"))
    link = page.locator(f'a[download="{name}"]')
    with page.expect_download() as info:  # the signed-in educator's own click
        link.click()
    assert info.value.failure() is None and info.value.suggested_filename == name
    status, _, body = _fetch(url, {**xsrf, "_streamlit_user": pat})
    assert (status, body.decode().strip()) == (404, GONE)  # used
    assert media == []
    assert "Traceback" not in srv.log_text()
