"""The server's guards (web/guard.py) and the identity rules (ui.auth.verified_email),
without a browser: the browser tests in tests/browser/test_sign_in.py run them for real."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import ui.auth
from ui.auth import verified_email
from web import downloads
from web.guard import Guard, _why_not

NOW = datetime(2026, 11, 30, 12, 0, 0)


class Answer:
    def __init__(self, messages: list[dict]) -> None:
        start = next(m for m in messages if m["type"] == "http.response.start")
        self.status_code = start["status"]
        self.raw = [(k.decode().lower(), v.decode()) for k, v in start["headers"]]
        self.headers = dict(self.raw)
        self.text = b"".join(
            m.get("body", b"") for m in messages if m["type"] == "http.response.body"
        ).decode()

    def get_list(self, name: str) -> list[str]:
        return [v for k, v in self.raw if k == name]


def _get(path: str) -> Answer:
    """One GET through the guard, in front of a small app that sets Streamlit's cookies
    (with Streamlit's 30 days) and has a metrics endpoint, driven as an ASGI server would."""

    def page(request):
        response = PlainTextResponse("page")
        response.set_cookie("_streamlit_user", "signed", max_age=30 * 24 * 3600, httponly=True)
        response.set_cookie("_streamlit_xsrf", "token", max_age=30 * 24 * 3600)
        response.delete_cookie("_streamlit_user_tokens")  # as sign-out does
        return response

    def metrics(request):
        return PlainTextResponse("session_count 3")

    app = Guard(Starlette(routes=[Route("/", page), Route("/_stcore/metrics", metrics)]))
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "scheme": "http",
        "server": ("testserver", 80),
        "root_path": "",
        "http_version": "1.1",
        "client": ("127.0.0.1", 1),
    }
    messages: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    # in a thread of its own: a browser test's Playwright may hold an event loop in this one
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, app(scope, receive, send)).result()
    return Answer(messages)


def test_every_answer_forbids_framing_guessing_types_and_referrers():
    answer = _get("/")
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_the_sign_in_cookie_lasts_12_hours_and_other_cookies_are_left_alone():
    cookies = _get("/").get_list("set-cookie")
    sign_in = next(c for c in cookies if c.startswith("_streamlit_user="))
    other = next(c for c in cookies if c.startswith("_streamlit_xsrf="))
    deleted = next(c for c in cookies if c.startswith("_streamlit_user_tokens="))
    assert "Max-Age=43200" in sign_in
    assert "Max-Age=2592000" in other
    assert "Max-Age=0" in deleted  # a deletion stays a deletion


def test_the_metrics_endpoint_is_closed():
    answer = _get("/_stcore/metrics")
    assert answer.status_code == 404
    assert "session_count" not in answer.text
    assert answer.headers["x-frame-options"] == "DENY"


def _holder(email: str, made_seconds_ago: float, signed_in: bool = True) -> downloads.Holder:
    return downloads.Holder(
        email,
        NOW - timedelta(hours=1) if signed_in else None,
        "leadership",
        create_engine("sqlite://"),
        NOW - timedelta(seconds=made_seconds_ago),
    )


def test_a_copy_expires_a_minute_after_it_was_made():
    assert _why_not(_holder("local user", 59, signed_in=False), "local user", NOW) is None
    assert "expired" in _why_not(_holder("local user", 61, signed_in=False), "local user", NOW)


def test_a_copy_belongs_to_the_sign_in_it_was_made_for():
    assert "another sign-in" in _why_not(_holder("chief@dept.example", 5), "deputy@dept.example", NOW)
    assert "another sign-in" in _why_not(_holder("chief@dept.example", 5), None, NOW)


def test_copy_ids_are_random_and_found_only_in_a_copy_name():
    first, second = downloads.new_copy(), downloads.new_copy()
    assert first != second
    assert len(first) == 16
    assert downloads.copy_in(downloads.file_name("RIV-EAST-leadership", first, "pdf")) == first
    assert downloads.copy_in("RIV-EAST-public.pdf") is None
    assert downloads.copy_in(None) is None


def test_an_email_the_provider_has_not_verified_is_not_trusted():
    assert verified_email({"email": " Chief@Dept.Example "}) == ("chief@dept.example", True)
    assert verified_email({"email": "chief@dept.example", "email_verified": True})[1] is True
    assert verified_email({"email": "chief@dept.example", "email_verified": False})[1] is False
    assert verified_email({"email": "chief@dept.example", "email_verified": "false"})[1] is False


def test_a_0_or_null_email_verified_is_not_trusted():
    assert verified_email({"email": "chief@dept.example", "email_verified": 0})[1] is False
    assert verified_email({"email": "chief@dept.example", "email_verified": None})[1] is False


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"host": "127.0.0.1:8501"}, True),
        ({"host": "localhost:8501"}, True),
        ({"host": "[::1]:8501"}, True),
        ({}, True),  # no request at all (a script run outside a browser)
        ({"host": "rebound.evil.example:8501"}, False),  # DNS rebinding to 127.0.0.1
        ({"host": "127.0.0.1:8501", "x-forwarded-for": "203.0.113.9"}, False),  # through a proxy
        ({"host": "127.0.0.1:8501", "forwarded": "for=203.0.113.9"}, False),
    ],
)
def test_local_mode_is_for_this_machine_only(monkeypatch, headers, allowed):
    monkeypatch.delenv(ui.auth.LOCAL_MODE_ENV, raising=False)
    monkeypatch.setattr(ui.auth.st, "context", SimpleNamespace(headers=headers))
    monkeypatch.setattr(ui.auth.st, "get_option", lambda name: "127.0.0.1")
    assert ui.auth.local_mode_allowed() is allowed
