"""Who sees what, decided on the server: every role x page cell, with the user patched at
the one function that resolves it (ui.auth.current_user)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import ui.auth
from tests.pages.test_pages import APP
from ui.auth import User

USERS = {
    "public": User(None, "public", "anonymous"),
    "leadership": User("chief@dept.example", "leadership", "signed_in"),
    "admin": User("it@dept.example", "admin", "signed_in"),
    "local": User("local user", "admin", "local"),
}
PAGES = {  # page -> (who may see it, a heading only that page draws)
    "pages/overview.py": ("leadership", "Partnerships overview"),
    "pages/partnership.py": ("leadership", "Did it work?"),
    "pages/data.py": ("admin", "Import a file"),
    "pages/audit.py": ("admin", "Who has access"),
    "pages/present.py": ("public", None),
}
RANK = {"public": 0, "leadership": 1, "admin": 2}


def render(url: str, monkeypatch, user: User, page: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(ui.auth, "current_user", lambda: user)
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def headings(at: AppTest) -> list[str]:
    return [e.value for e in [*at.title, *at.header, *at.subheader]]


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("who", list(USERS))
def test_each_role_sees_exactly_the_pages_it_may(demo_url, monkeypatch, who, page):
    user = USERS[who]
    needed, heading = PAGES[page]
    at = render(demo_url, monkeypatch, user, page)
    allowed = RANK[user.role] >= RANK[needed]
    texts = headings(at)
    if allowed:
        assert "Not available" not in texts
        if heading:
            assert heading in texts
        else:  # the presentation draws its slide
            assert len(at.get("plotly_chart")) == 1
    else:
        # the page is absent from this user's navigation, so its address shows the user's own
        # start page; either way none of the page is drawn
        assert heading not in texts
        if user.role == "public":
            assert not at.dataframe  # the public start page is the board view: no tables
            assert not at.sidebar.selectbox


def test_local_mode_says_so_on_every_page_and_public_users_get_no_sidebar_filters(demo_url, monkeypatch):
    at = render(demo_url, monkeypatch, USERS["local"], "pages/overview.py")
    assert any("Local mode" in w.value for w in at.warning)
    at = render(demo_url, monkeypatch, USERS["public"], "pages/present.py")
    assert not at.sidebar.selectbox  # no partnership filter: the public sees the board view only
    assert not any("Local mode" in w.value for w in at.warning)


def test_local_mode_is_refused_beyond_loopback(demo_url, monkeypatch):
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")  # noqa: S104 - the case under test
    try:
        at = render(demo_url, monkeypatch, USERS["local"], "pages/overview.py")
        assert any("Local mode gives full access" in e.value for e in at.error)
        assert "Partnerships overview" not in headings(at)
        assert not at.get("plotly_chart")
        monkeypatch.setenv(ui.auth.LOCAL_MODE_ENV, "1")  # the operator says so on purpose
        at = render(demo_url, monkeypatch, USERS["local"], "pages/overview.py")
        assert "Partnerships overview" in headings(at)
    finally:
        config.set_option("server.address", before)
