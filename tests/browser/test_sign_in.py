"""A real sign-in: a local OpenID Connect provider, the app configured against it through
a secrets file, and Chromium signing in and out as a person does."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from db.audit import events
from db.engine import make_engine
from db.users import add_user
from tests.browser.conftest import free_port, screenshot, serving, wait_until_drawn

pytestmark = [
    pytest.mark.browser,
    # the test provider (oidc-provider-mock 0.3.4) uses Authlib APIs Authlib now deprecates;
    # as errors they would fail its token endpoint, not our code
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:get_jwt_config.* is deprecated:DeprecationWarning"),
]

CHIEF = "chief@dept.example"


def write_secrets(path: Path, app_port: int, provider_port: int) -> Path:
    # the browser must use exactly the host named in redirect_uri (127.0.0.1 here)
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "common-ground"\n'
        'client_secret = "test-only-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n'
    )
    return path


def test_sign_in_through_the_provider_opens_leadership_pages_and_sign_out_closes_them(
    page, demo_url, tmp_path, monkeypatch
):
    from oidc_provider_mock import run_server_in_thread

    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback, for the test provider
    database = tmp_path / "signin.sqlite"
    shutil.copy(demo_url.removeprefix("sqlite:///"), database)
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        add_user(conn, CHIEF, "leadership", added_by="test")

    app_port = free_port()
    with run_server_in_thread(port=0) as provider:
        secrets_file = write_secrets(tmp_path / "secrets.toml", app_port, provider.server_port)
        with serving(f"sqlite:///{database}", tmp_path / "streamlit.log", secrets_file, app_port) as base:
            # not signed in: the public board view, no leadership pages, a way to sign in
            page.goto(base)
            page.locator(".st-key-slide img").wait_for(timeout=60_000)  # the title slide
            # the buttons under the slide arrive after the picture: wait for them, then look
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
            assert page.get_by_role("button", name="Sign in").is_visible()
            assert page.get_by_text("Overview").count() == 0
            assert page.get_by_text("Local mode").count() == 0

            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("input[name=sub]", timeout=30_000)  # the provider's own page
            page.fill("input[name=sub]", CHIEF)
            page.get_by_role("button", name="Authorize").click()

            # back in the app, signed in, on the leadership start page
            page.wait_for_url(f"{base}/**", timeout=30_000)
            page.get_by_role("heading", name="Partnerships overview").wait_for(timeout=60_000)
            wait_until_drawn(page, charts=2, traces=2)
            assert page.get_by_text(f"Signed in as {CHIEF} (leadership).").is_visible()
            screenshot(page, "signed-in-overview")

            page.get_by_role("button", name="Sign out").click()
            # the provider is told too (RP-initiated logout) and asks to confirm
            page.get_by_role("button", name="End session").click(timeout=30_000)
            page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
            page.locator(".st-key-slide img").wait_for(timeout=60_000)  # back to the public slides
            assert page.get_by_role("heading", name="Partnerships overview").count() == 0

            page.goto(f"{base}/partnership")  # the address alone opens nothing
            page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
            assert page.get_by_role("heading", name="Did it work?").count() == 0

    with engine.connect() as conn:
        mine = [(e[2], e[3], e[4]) for e in reversed(events(conn, actor=CHIEF))]
    assert mine == [
        ("leadership", "sign in", "session"),
        ("leadership", "page view", "Overview"),
        ("leadership", "sign out", "session"),
    ]
