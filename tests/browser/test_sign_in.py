"""A real sign-in: a local OpenID Connect provider, the app configured against it through
a secrets file, and Chromium signing in and out as a person does."""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path

import pytest

from db.audit import events
from db.engine import make_engine
from db.users import add_user, remove_user
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
        # page tests may have used the shared demo database as this email: count from here
        earlier = len(events(conn, actor=CHIEF))

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
            # the address is shown as text: an invisible word joiner keeps it from becoming a link
            signed_in = re.compile(r"Signed in as chief\W?@dept\.example \(leadership\)\.")
            assert page.get_by_text(signed_in).is_visible()
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
        mine = [(e[2], e[3], e[4]) for e in reversed(events(conn, actor=CHIEF))][earlier:]
    assert mine == [
        ("leadership", "sign in", "session"),
        ("leadership", "page view", "Overview"),
        ("leadership", "sign out", "session"),
    ]


def test_a_leadership_packet_is_served_only_to_its_own_sign_in_while_it_holds(
    browser, page, demo_url, tmp_path, monkeypatch
):
    """The address of a prepared leadership packet is no bearer link: another browser is
    refused, the signed-in browser is served, and removing the user or signing out
    closes it at once. The sign-in cookie lasts as long as a sign-in may, 12 hours."""
    from oidc_provider_mock import run_server_in_thread

    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    database = tmp_path / "downloads.sqlite"
    shutil.copy(demo_url.removeprefix("sqlite:///"), database)
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        add_user(conn, CHIEF, "leadership", added_by="test")

    app_port = free_port()
    with run_server_in_thread(port=0) as provider:
        secrets_file = write_secrets(tmp_path / "secrets.toml", app_port, provider.server_port)
        with serving(f"sqlite:///{database}", tmp_path / "streamlit.log", secrets_file, app_port) as base:
            page.goto(base)
            page.get_by_role("button", name="Sign in").click(timeout=60_000)
            page.wait_for_selector("input[name=sub]", timeout=30_000)
            page.fill("input[name=sub]", CHIEF)
            page.get_by_role("button", name="Authorize").click()
            page.get_by_role("heading", name="Partnerships overview").wait_for(timeout=60_000)

            cookies = [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
            assert cookies
            for cookie in cookies:
                assert abs(cookie["expires"] - time.time() - 12 * 3600) < 600, cookie["name"]

            page.goto(f"{base}/partnership")
            page.get_by_role("heading", name="Did it work?").wait_for(timeout=60_000)
            page.get_by_text("Board packet with every number (leadership only)").click()
            page.get_by_role("button", name="Prepare the board packet and slides to download").click()
            packet = page.get_by_role("button", name="Board packet (PDF)")
            packet.wait_for(timeout=120_000)
            with page.expect_download(timeout=120_000) as download:
                packet.click()
            address = download.value.url
            assert "/media/" in address
            assert "-leadership-copy-" in download.value.suggested_filename
            assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

            stranger = browser.new_context()
            try:
                assert stranger.request.get(address).status == 403  # no sign-in: no packet
            finally:
                stranger.close()
            assert page.request.get(address).status == 200  # the sign-in it was made for

            with engine.begin() as conn:
                remove_user(conn, CHIEF)
            assert page.request.get(address).status == 403  # `users remove` closes it at once
            with engine.begin() as conn:
                add_user(conn, CHIEF, "leadership", added_by="test")
            assert page.request.get(address).status == 200

            page.get_by_role("button", name="Sign out").click()
            page.get_by_role("button", name="End session").click(timeout=30_000)
            page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
            # signed out: refused, or already gone from the server's media store
            assert page.request.get(address).status in (403, 404)

    with engine.connect() as conn:
        downloads = [(e[1], e[4], e[5]) for e in reversed(events(conn, action="download"))]
    copy = download.value.suggested_filename.rsplit("-copy-", 1)[1].split(".")[0]
    handed = [d for d in downloads if d[1].endswith(f": board packet (pdf, leadership), copy {copy}")]
    assert [(who, outcome) for who, _, outcome in handed] == [(CHIEF, "ok")]
    refused = {d[0] for d in downloads if d[2] == "refused"}
    assert {"anonymous", CHIEF} <= refused  # the stranger and the removed user
