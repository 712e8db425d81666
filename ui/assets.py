"""Code a page's component loads once and the browser then keeps: served by st.App beside Streamlit's own routes
(streamlit_app.py), each at an address naming its content's hash, so that a changed file is a new address.

A component's code given to Streamlit inline (st.components.v2.component(js=..., css=...)) is sent again with every
run that draws it: /live's screen (ui/live_screen.py) is drawn by every click, and its 15 kB of code would travel
each time. Its inline code is a few lines that import this instead."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from streamlit import config
from streamlit.url_util import make_url_path

from ui.clock import CLOCK_STYLE, COUNT_JS

_HERE = Path(__file__).parent
PREFIX = "gsf-assets"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@cache
def _files() -> dict[str, bytes]:
    """name → content. The screen's script carries the clock's counting code (ui/clock.py), its style the clock's."""
    return {
        "live_screen.js": (_HERE / "live_screen.js").read_text().replace("/*COUNT_JS*/", COUNT_JS).encode(),
        "live_screen.css": (CLOCK_STYLE + (_HERE / "live_screen.css").read_text()).encode(),
    }


def url(name: str) -> str:
    """The address of `name`, with its content's hash: the browser may keep it for good."""
    digest = hashlib.sha256(_files()[name]).hexdigest()[:16]
    return make_url_path(config.get_option("server.baseUrlPath") or "", f"{PREFIX}/{digest}/{name}")


async def _serve(request: Request) -> Response:
    name, digest = request.path_params["name"], request.path_params["digest"]
    body = _files().get(name)
    if body is None or hashlib.sha256(body).hexdigest()[:16] != digest:
        return PlainTextResponse("Not found", status_code=404)
    return Response(body, media_type=_TYPES[Path(name).suffix],
                    headers={"Cache-Control": "public, max-age=31536000, immutable",
                             "X-Content-Type-Options": "nosniff"})


def routes() -> list[Route]:
    """For st.App in streamlit_app.py."""
    base = config.get_option("server.baseUrlPath") or ""
    return [Route(make_url_path(base, PREFIX + "/{digest}/{name}"), _serve, methods=["GET"])]
