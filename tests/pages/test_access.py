"""Who sees what, decided on the server: every role x page cell, with the user patched at
the one function that resolves it (ui.auth.current_user)."""

from __future__ import annotations

import base64
import io
import json
import re
import time
from datetime import date, datetime

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import Engine, func, insert, select, text, update
from streamlit.testing.v1 import AppTest

import ui.auth
from board.deck import build_deck
from cli import main
from db.audit import Actor, events, record
from db.engine import make_engine
from db.migrate import upgrade
from db.models import Feedback, Partnership
from tests.conftest import words
from tests.pages.test_pages import APP, table_with
from tests.town import VIOLENT, fill_town
from ui import data as ui_data
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
OPS = Actor("cli:ops", "admin")


def town(tmp_path) -> tuple[str, Engine]:
    """A migrated SQLite database holding the small town of tests/town.py."""
    url = f"sqlite:///{tmp_path / 'town.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    fill_town(engine)
    return url, engine


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
            assert len(at.get("image")) == 1
    else:
        # the page is absent from this user's navigation, so its address shows the user's own
        # start page; either way none of the page is drawn
        assert heading not in texts
        if user.role == "public":
            assert not at.dataframe  # the public start page is the board view: no tables
            assert not at.sidebar.selectbox


# action -> (page it lives on, who may do it, how to find it on the page)
ACTIONS = {
    "import a file": (
        "pages/data.py",
        "admin",
        lambda at: [b for b in at.selectbox if b.key == "import_kind"],
    ),
    "download the audit log": ("pages/audit.py", "admin", lambda at: downloads(at, "Download these events")),
    "prepare the leadership packet": (
        "pages/partnership.py",
        "leadership",
        lambda at: keyed(at.button, "prepare_leadership"),
    ),
    "download chart data": (
        "pages/partnership.py",
        "leadership",
        lambda at: downloads(at, "Download chart data"),
    ),
    "prepare the public packet": (
        "pages/present.py",
        "public",
        lambda at: keyed(at.button, "prepare_public"),
    ),
    "download a slide's data": ("pages/present.py", "public", lambda at: downloads(at, "This slide's data")),
}


def keyed(elements, key: str) -> list:
    return [e for e in elements if e.key == key]


def downloads(at: AppTest, label: str) -> list:
    return [d for d in at.get("download_button") if d.proto.label.startswith(label)]


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("who", list(USERS))
def test_each_role_is_offered_exactly_the_actions_it_may_take(tmp_path, monkeypatch, who, action):
    url, engine = town(tmp_path)
    with engine.begin() as conn:  # so the audit page has something to download
        record(conn, OPS, "alias", "x -> A", at=datetime(2026, 1, 1))
    page, needed, find = ACTIONS[action]
    at = render(url, monkeypatch, USERS[who], page)
    offered = bool(find(at))
    assert offered == (RANK[USERS[who].role] >= RANK[needed])


def test_a_leadership_page_whose_view_cannot_be_recorded_is_refused_but_the_public_view_is_not(
    tmp_path, monkeypatch
):
    url, engine = town(tmp_path)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_event"))  # the audit log cannot be written
    at = render(url, monkeypatch, USERS["leadership"], "pages/partnership.py")
    assert any("could not be recorded in the audit log" in e.value for e in at.error)
    assert "Did it work?" not in headings(at)
    assert not at.get("plotly_chart")  # nothing was fetched or drawn
    public = render(url, monkeypatch, USERS["public"], "pages/present.py")
    assert len(public.get("image")) == 1  # the board view does not wait on the audit log
    public.button(key="prepare_public").click().run()
    assert len(downloads(public, "Board packet")) == 1  # nor does the public packet


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


# --- two sessions in sequence ------------------------------------------------

SECRET = "Confidential: the chair steps down in March"  # noqa: S105 - a comment, not a password


def everything(at: AppTest) -> str:
    """All a session was sent: every element, each table's cells, each chart's figure."""
    parts: list[str] = []

    def walk(node) -> None:
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [json.dumps(json.loads(c.proto.spec)) for c in at.get("plotly_chart")]
    for picture in at.get("image"):  # a slide's SVG travels base64-encoded: read it as text
        for image in picture.proto.imgs:
            if image.url.startswith("data:image/svg+xml;base64,"):
                parts.append(base64.b64decode(image.url.split(",", 1)[1]).decode())
    return "\n".join(parts)


def test_a_public_session_after_leadership_has_loaded_every_page_sees_no_restricted_value(
    tmp_path, monkeypatch
):
    url, engine = town(tmp_path)
    with engine.begin() as conn:
        conn.execute(
            insert(Feedback),
            {
                "partnership_id": 1,
                "received_on": date(2023, 6, 1),
                "source": "partner",
                "comment": SECRET,
            },
        )
    with engine.connect() as conn:
        leadership_deck = build_deck(conn, "ASH", "leadership")
        public_deck = build_deck(conn, "ASH", "public")
    # what leadership may see and the public may not: the comment, and every caption the
    # public rules rewrite (small counts, small survey groups)
    restricted = {SECRET} | {
        mine.caption
        for mine, theirs in zip(leadership_deck.slides, public_deck.slides, strict=True)
        if mine.caption != theirs.caption
    }
    assert any(f"{VIOLENT[0]} to {VIOLENT[1]}" in text for text in restricted)

    # leadership first: every page, the partnership's unsuppressed packet prepared, so the
    # shared caches hold leadership results
    seen_by_leadership = ""
    for page in PAGES:
        at = render(url, monkeypatch, USERS["admin"], page)
        if page == "pages/partnership.py":
            at.button(key="prepare_leadership").click().run()
            assert len([d for d in at.get("download_button") if "Board packet" in d.proto.label]) == 1
        seen_by_leadership += everything(at)
    assert SECRET in seen_by_leadership  # the comment was loaded, and cached, for leadership

    # then the public, in the same server process: every slide, the packet, every page address
    public = render(url, monkeypatch, USERS["public"], "pages/present.py")
    seen = everything(public)
    for _ in range(len(public_deck.slides) - 1):
        public.button(key="slide_next").click().run()
        seen += everything(public)
    public.button(key="prepare_public").click().run()
    seen += everything(public)
    for page in PAGES:
        seen += everything(render(url, monkeypatch, USERS["public"], page))
    packet = PdfReader(io.BytesIO(ui_data.deck_file(url, "public", "ASH", "pdf", ui_data.version(url))))
    seen += "\n".join(p.extract_text() for p in packet.pages)
    leaked = [value for value in restricted if value in seen]
    assert not leaked
    assert "fewer than 11" in seen  # the public version of those numbers was drawn


# --- hostile values ------------------------------------------------------------

PAYLOADS = ("' OR 1=1 --", "<script>alert('x')</script>", '<img src=x onerror="alert(1)">')


def test_injection_payloads_render_as_literal_text_and_change_no_query(tmp_path, monkeypatch):
    url, engine = town(tmp_path)
    name = " ".join(PAYLOADS)
    with engine.begin() as conn:
        conn.execute(update(Partnership).where(Partnership.code == "ASH").values(name=name))
        for p in PAYLOADS:
            conn.execute(
                insert(Feedback),
                {
                    "partnership_id": 1,
                    "received_on": date(2023, 6, 1),
                    "source": "officer",
                    "comment": p,
                },
            )

    at = render(url, monkeypatch, USERS["leadership"], "pages/partnership.py")
    # the name as written, every character Markdown reads escaped (CommonMark's backslash
    # escapes: the browser test in tests/browser/test_payloads.py checks what is drawn)
    title = at.title[0].value
    assert words(title) == name
    assert re.search(r"(?<!\\)[\[\]()<>!`*_$:=]", title) is None
    comments = table_with(at, "Comment")
    assert sorted(comments["Comment"]) == sorted(PAYLOADS)

    # a payload where the page takes a value from the address: one specific refusal, no data
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(ui.auth, "current_user", lambda: USERS["public"])
    present = AppTest.from_file(APP, default_timeout=90)
    present.query_params["p"] = PAYLOADS[0]
    present.switch_page("pages/present.py")
    present.run()
    assert not present.exception
    # the refusal does not repeat the address's text, so nothing in it can become markup
    assert present.error[0].value == "There is no partnership with the code in this link. Pick one:"

    # and in the audit page's filter: nothing matches, nothing is changed
    with engine.connect() as conn:
        before = len(events(conn))
        for payload in PAYLOADS:
            assert events(conn, actor=payload, action=payload) == []
        assert len(events(conn)) == before
        assert conn.execute(select(func.count()).select_from(Partnership)).scalar() == 1


# --- every action recorded -------------------------------------------------------


def test_n_scripted_actions_leave_exactly_n_audit_rows_with_every_field_filled(tmp_path, monkeypatch):
    url, engine = town(tmp_path)
    cli = CliRunner()

    def command(*args: str) -> None:
        split = 2 if args[0] == "users" else 1  # the option goes after the (sub)command
        result = cli.invoke(main, [*args[:split], "--database-url", url, *args[split:]])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output

    monkeypatch.setenv("DATABASE_URL", url)
    signed_in = time.time() - 60

    def visit(page: str, *clicks: str) -> None:
        at = AppTest.from_file(APP, default_timeout=90)
        at.secrets["auth"] = {"client_id": "test"}  # an identity provider is configured
        at.user = {"is_logged_in": True, "email": "Chief@Dept.example", "iat": int(signed_in)}
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert "Not available" not in headings(at)
        for key in clicks:
            at.button(key=key).click().run()

    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind\nC,Area C,planet\n")
    mapping = tmp_path / "areas.toml"
    mapping.write_text('kind = "areas"\n')
    out = tmp_path / "ASH.pdf"

    command("users", "add", "chief@dept.example", "--role", "leadership")  # 1 user change
    command("users", "add", "it@dept.example", "--role", "admin")  # 2 user change
    visit("pages/overview.py")  # 3 sign in, 4 page view
    visit("pages/partnership.py", "prepare_leadership")  # 5 page view, 6 export
    command("import", "areas", str(bad), "--mapping", str(mapping))  # 7 import refused
    command("alias", "Ashby Village", "A")  # 8 alias
    command("export", "ASH", "--format", "pdf", "--out", str(out))  # 9 export
    command("users", "remove", "it@dept.example")  # 10 user change

    with engine.connect() as conn:
        rows = list(reversed(events(conn)))
    assert [(r[1].split(":")[0], r[3], r[5]) for r in rows] == [
        ("cli", "user change", "ok"),
        ("cli", "user change", "ok"),
        ("chief@dept.example", "sign in", "ok"),
        ("chief@dept.example", "page view", "ok"),
        ("chief@dept.example", "page view", "ok"),
        ("chief@dept.example", "export", "ok"),
        ("cli", "import", "refused"),
        ("cli", "alias", "ok"),
        ("cli", "export", "ok"),
        ("cli", "user change", "ok"),
    ]
    for row in rows:
        at, actor, role, action, obj, outcome, _detail = row
        assert isinstance(at, datetime)
        assert all(isinstance(v, str) and v for v in (actor, role, action, obj, outcome)), row
