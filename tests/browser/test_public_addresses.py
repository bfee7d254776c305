"""The public's addresses with sign-in configured, as the README gives them out: the
slides come up at every one of them, and Streamlit's "Page not found" dialog never
covers them (it did on 71 of 75 loads, when Present was the public's default page)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import free_port, serving
from tests.browser.test_sign_in import write_secrets

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:get_jwt_config.* is deprecated:DeprecationWarning"),
]

ADDRESSES = [
    "/",
    "/?p=RIV-CENTRAL-TRANSIT",
    "/present",
    "/present?p=RIV-EAST-SCHOOLS",
    "/present?p=RIV-EAST-SCHOOLS&slide=3",
    "/present?p=RIV-CENTRAL-TRANSIT&slide=8",
]


@pytest.fixture(scope="module")
def signed_in_server(demo_url, tmp_path_factory):
    """The app on the demo database with sign-in configured (a local OpenID provider)."""
    from oidc_provider_mock import run_server_in_thread

    folder = tmp_path_factory.mktemp("public")
    app_port = free_port()
    with run_server_in_thread(port=0) as provider:
        secrets_file = write_secrets(folder / "secrets.toml", app_port, provider.server_port)
        with serving(demo_url, folder / "streamlit.log", secrets_file, app_port) as base:
            yield base


@pytest.mark.parametrize("address", ADDRESSES)
def test_a_public_address_shows_its_slide_without_a_page_not_found_dialog(signed_in_server, browser, address):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(signed_in_server + address)
        page.locator(".st-key-slide img").wait_for(timeout=60_000)
        page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
        page.wait_for_timeout(500)  # the dialog, when it came, came with the first run's end
        assert page.get_by_text("Page not found").count() == 0
        assert page.get_by_role("dialog").count() == 0
        assert "/present" in page.url  # the slides' own address, to bookmark and share
        if "slide=3" in address:
            assert page.get_by_text("Slide 3 of 14.").is_visible()
        if "CENTRAL-TRANSIT" in address:
            assert "p=RIV-CENTRAL-TRANSIT" in page.url
    finally:
        context.close()
