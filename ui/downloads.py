"""Record files (PDF, zip, CSV) leave the server only through our own route, `/download/<token>`, behind the same
access check as the pages (README, "Access control"); never through Streamlit's `/media/` endpoint, which checks
no sign-in.

A page that has passed page_setup's access check prepares a file when the educator asks for it (`prepare`), keeps
it here in memory and shows a link to it. The link
- works once, and for LINK_TTL_SECONDS (5 minutes) at most;
- works only in the browser that prepared it (the same Streamlit XSRF cookie, when the page saw one);
- with sign-in configured, only for the same signed-in user: the request must carry Streamlit's signed
  `_streamlit_user` cookie (decoded and origin-checked as Streamlit's own WebSocket does) for that user;
- without sign-in, only for a client on this computer and only while the server listens on localhost, unless the
  operator set GSF_ALLOW_UNAUTHENTICATED_NETWORK=1 (the pages' own rule).
Anything else answers 403 or 404 with one plain sentence. The store lives in this process: a restart, or another
replica behind the load balancer, does not know the link. Logs name the outcome and the kind of export only.
"""

from __future__ import annotations

import hashlib
import html
import ipaddress
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import streamlit as st
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from streamlit import config
from streamlit.auth_util import get_origin_from_redirect_uri
from streamlit.url_util import make_url_path
from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string
from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME, XSRF_COOKIE_NAME
from streamlit.web.server.starlette.starlette_websocket import (
    _get_signed_cookie_with_chunks,
    _parse_decoded_user_cookie,
)

from models.pdf_record import build_pdf_or_error
from ui.setup import LOCAL_ADDRESSES, auth_configured, listen_address, network_risk_accepted

log = logging.getLogger("facilitator")

LINK_TTL_SECONDS = 300  # README "Access control" says 5 minutes, once
MAX_HELD = 100  # files held at once; the oldest is dropped beyond that
ROUTE = "download/{token}"

GONE = "This download link has expired or was already used. Go back to the page and prepare the file again."
NOT_YOURS = "This download link belongs to another browser or another signed-in user."
SIGN_IN = "Sign in to the app first, then prepare the file again."
LOCKED = ("Records are locked: this server listens beyond this computer and no sign-in is configured "
          "(see README, 'Access control').")
NOT_LOCAL = "Without sign-in, files are served only to this computer."


class Refused(Exception):
    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


@dataclass(frozen=True)
class Held:
    data: bytes
    file_name: str
    mime: str
    kind: str  # what it is, for the log: "pdf-group", "csv-notes"…
    user: str | None  # the signed-in identity that prepared it (sign-in configured)
    browser: str | None  # a digest of the preparing browser's XSRF token, when the page saw one
    expires: float  # on the store's clock


class DownloadStore:
    """Prepared files by unguessable token, each taken at most once and only before it expires."""

    def __init__(self, *, ttl: float = LINK_TTL_SECONDS, max_held: int = MAX_HELD,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.max_held, self.clock = ttl, max_held, clock
        self._held: dict[str, Held] = {}
        self._lock = threading.Lock()

    def put(self, data: bytes, *, file_name: str, mime: str, kind: str, user: str | None,
            browser: str | None) -> tuple[str, float]:
        """Hold a file; return its token and when it expires."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._purge()
            while len(self._held) >= self.max_held:
                del self._held[min(self._held, key=lambda t: self._held[t].expires)]
            expires = self.clock() + self.ttl
            self._held[token] = Held(data, file_name, mime, kind, user, browser, expires)
        return token, expires

    def take(self, token: str, *, user: str | None, browser: str | None) -> Held:
        """The file for `token`, removed from the store, if it is still there and this user in this browser
        prepared it; Refused otherwise (a request by someone else does not use the link up)."""
        with self._lock:
            self._purge()
            held = self._held.get(token)
            if held is None:
                raise Refused(404, GONE, "unknown or expired")
            if held.user != user or (held.browser is not None and held.browser != browser):
                raise Refused(403, NOT_YOURS, "another user or browser")
            del self._held[token]
            return held

    def live(self, token: str) -> bool:
        with self._lock:
            self._purge()
            return token in self._held

    def _purge(self) -> None:
        now = self.clock()
        for token in [t for t, h in self._held.items() if h.expires <= now]:
            del self._held[token]


STORE = DownloadStore()


# ---------------------------------------------------------------- who asks


def identity(user: Mapping) -> str | None:
    """The signed-in user as one string (provider and OIDC subject, else e-mail), or None when not signed in."""
    if not user.get("is_logged_in"):
        return None
    who = user.get("sub") or user.get("email")
    return f"{user.get('provider') or ''}:{who}" if who else None


def browser_key(xsrf_cookie: str | None) -> str | None:
    """A digest of the browser's Streamlit XSRF token (stable across the cookie's re-masking), or None."""
    token, _ = decode_xsrf_token_string(xsrf_cookie) if xsrf_cookie else (None, None)
    return hashlib.sha256(token).hexdigest() if token else None


def request_user(request: Request) -> str | None:
    """The signed-in user of a request: Streamlit's signed `_streamlit_user` cookie, whose origin must be the
    one in [auth] redirect_uri (the origin Streamlit wrote into it at sign-in)."""
    origin = get_origin_from_redirect_uri()
    raw = _get_signed_cookie_with_chunks(dict(request.cookies), USER_COOKIE_NAME)
    return identity(_parse_decoded_user_cookie(raw, origin)) if raw and origin else None


def _loopback(host: str | None) -> bool:
    try:
        return bool(host) and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_request(request: Request) -> str | None:
    """The pages' access rule for one HTTP request: the signed-in user (sign-in configured) or None (none
    configured, and the request may have the file); Refused when it may not."""
    if auth_configured():
        user = request_user(request)
        if user is None:
            raise Refused(403, SIGN_IN, "not signed in")
        return user
    if not network_risk_accepted():
        if listen_address() not in LOCAL_ADDRESSES:
            raise Refused(403, LOCKED, "open network without sign-in")
        if not _loopback(request.client.host if request.client else None):
            raise Refused(403, NOT_LOCAL, "client not on this computer")
    return None


# ---------------------------------------------------------------- the route


def plain_answer(status: int, message: str) -> Response:
    """A route's one-sentence answer (a refusal, say), never kept by a cache."""
    return PlainTextResponse(message + "\n", status_code=status, headers={"Cache-Control": "no-store"})


def safe_file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("._") or "download"


async def serve(request: Request) -> Response:
    """GET /download/<token>."""
    if request.method != "GET":  # a HEAD must not use the link up
        return plain_answer(405, "Open the link to download the file.")
    try:
        user = check_request(request)
        held = STORE.take(request.path_params.get("token", ""), user=user,
                          browser=browser_key(request.cookies.get(XSRF_COOKIE_NAME)))
    except Refused as no:
        log.info("download refused: %s", no.reason)
        return plain_answer(no.status, no.message)
    log.info("download served: %s", held.kind)
    return Response(held.data, media_type=held.mime, headers={
        "Content-Disposition": f'attachment; filename="{safe_file_name(held.file_name)}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })


def routes() -> list[Route]:
    """Our routes for st.App in streamlit_app.py (under server.baseUrlPath, as Streamlit's own)."""
    return [Route(make_url_path(config.get_option("server.baseUrlPath") or "", ROUTE), serve, methods=["GET"])]


def url(token: str) -> str:
    return make_url_path(config.get_option("server.baseUrlPath") or "", ROUTE.format(token=token))


# ---------------------------------------------------------------- on a page


def prepare(label: str, build: Callable[[], bytes], *, file_name: str, mime: str, kind: str, key: str,
            icon: str | None = None, container=None) -> None:
    """A button that builds one file when pressed and then offers it by a download link, or says why it could
    not be built (a PDF names the failing part). Call it only on a page that passed page_setup's access check."""
    target = container if container is not None else st
    ss, slot = st.session_state, f"_dl_link_{key}"
    if target.button(label, key=key, icon=icon):
        data, error = build_pdf_or_error(build)
        if error is not None:
            ss[slot] = {"file_name": file_name, "error": error}
        else:
            token, expires = STORE.put(
                data, file_name=file_name, mime=mime, kind=kind,
                user=identity(st.user) if auth_configured() else None,
                browser=browser_key(st.context.cookies.get(XSRF_COOKIE_NAME)))
            ss[slot] = {"file_name": file_name, "token": token, "expires": expires}
    held = ss.get(slot)
    if not held or held["file_name"] != file_name:
        return
    if held.get("error"):
        target.error(held["error"])
    elif held["expires"] > STORE.clock():
        name = html.escape(file_name)
        target.html(f'<a href="{html.escape(url(held["token"]))}" download="{name}">Download {name}</a>')
        target.caption(f"The link works once, in this browser, for {LINK_TTL_SECONDS // 60} minutes.")
    else:
        del ss[slot]
