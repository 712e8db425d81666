"""Access control: st.login gates every page when configured; an open network without it is refused."""

from __future__ import annotations

import pytest
from streamlit import config

from tests.pages.helpers import all_text, app

PAGES = ["streamlit_app.py", "pages/plan.py", "pages/live.py", "pages/review.py", "pages/participants.py",
         "pages/curricula.py", "pages/projector.py"]
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "id", "client_secret": "secret",
                 "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}


@pytest.fixture
def listen_on():
    old = config.get_option("server.address")
    yield lambda addr: config.set_option("server.address", addr)
    config.set_option("server.address", old)


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_user_sees_only_sign_in(any_db_url, page):
    at = app(page)
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert any(b.label == "Sign in" for b in at.button)


def test_signed_in_user_sees_pages(any_db_url):
    at = app("pages/plan.py")
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": True, "name": "Pat Educator", "email": "pat@example.org"}
    at.run()
    assert [t.value for t in at.title] == ["Plan a session"]
    assert "Signed in as Pat Educator" in all_text(at)


@pytest.mark.parametrize("page", PAGES)
def test_open_network_without_sign_in_refuses_records(any_db_url, page, listen_on):
    listen_on("0.0.0.0")
    at = app(page).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Records are locked"]
    assert "GSF_ALLOW_UNAUTHENTICATED_NETWORK" in at.error[0].value


def test_open_network_risk_accepted_explicitly(any_db_url, listen_on, monkeypatch):
    listen_on("0.0.0.0")
    monkeypatch.setenv("GSF_ALLOW_UNAUTHENTICATED_NETWORK", "1")
    at = app("pages/plan.py").run()
    assert [t.value for t in at.title] == ["Plan a session"]


def test_localhost_default_needs_no_sign_in(any_db_url):
    assert config.get_option("server.address") == "127.0.0.1"  # .streamlit/config.toml
    at = app("pages/plan.py").run()
    assert [t.value for t in at.title] == ["Plan a session"]
