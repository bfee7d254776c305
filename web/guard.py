"""An ASGI middleware in front of every request the dashboard's server answers.

- Headers: the pages cannot be framed by another site (clickjacking), content types are
  not guessed, and no address leaks to another site as a referrer. The reverse proxy
  (deploy/) adds the full content security policy and HSTS, which need the public name.
- /_stcore/metrics is closed: it tells anyone how the server is used.
- The sign-in cookie lives as long as a sign-in may (12 hours, db.sessions), not
  Streamlit's 30 days.
- A leadership download (web.downloads) is served only to the sign-in it was made for,
  while that person's role and session still allow it, for a minute after it was made;
  any other request is refused and the refusal recorded in the audit log.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from db import sessions
from db.audit import Actor, AuditUnavailable, record_alone, utc_now
from web import downloads

HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
CLOSED = ("/_stcore/metrics",)
COOKIE_SECONDS = int(sessions.SIGN_IN_LIMIT.total_seconds())
_SIGN_IN_COOKIE = re.compile(rb"^_streamlit_user")
_MAX_AGE = re.compile(rb"(?i)max-age=\d+")


class Guard:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.rstrip("/").endswith(CLOSED):
            await _answer(PlainTextResponse("Not found", status_code=404), scope, receive, send)
            return
        if "/media/" in path:
            refusal = await run_in_threadpool(refuse_download, path, Request(scope).cookies, utc_now())
            if refusal:
                await _answer(PlainTextResponse(refusal, status_code=403), scope, receive, send)
                return

        async def guarded(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*_cookies_limited(message.get("headers", [])), *HEADERS]
            await send(message)

        await self.app(scope, receive, guarded)


async def _answer(response, scope, receive, send) -> None:
    async def guarded(message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *HEADERS]
        await send(message)

    await response(scope, receive, guarded)


def _cookies_limited(headers):
    """Sign-in cookies live at most COOKIE_SECONDS; a shorter life (a deletion's 0) stays."""
    for name, value in headers:
        if name.lower() == b"set-cookie" and _SIGN_IN_COOKIE.match(value):
            value = _MAX_AGE.sub(_at_most, value)
        yield name, value


def _at_most(found: re.Match) -> bytes:
    seconds = int(found.group(0).split(b"=")[1])
    return b"Max-Age=%d" % min(seconds, COOKIE_SECONDS)


def refuse_download(path: str, cookies: dict[str, str], now: datetime) -> str | None:
    """Why this /media/ request may not have its file, or None when it may (every file
    that is not a leadership copy, and a copy asked for by its holder in time)."""
    from streamlit.runtime import Runtime  # the server's media store; absent outside a server

    if not Runtime.exists():
        return None
    stored = Runtime.instance().media_file_mgr.read_file(path.rsplit("/", 1)[-1])
    copy = downloads.copy_in(stored.filename if stored else None)
    if copy is None:
        return None
    holder = downloads.holder_of(copy)
    if holder is None:
        return "This download is no longer available. Prepare it again."
    asker, since = _signed_in(cookies) if holder.signed_in_at else (holder.email, None)
    why = _why_not(holder, asker, now)
    if why is None and since is not None and since != holder.signed_in_at:
        why = "it belongs to another sign-in"  # the same person, signed in again since
    if why:
        try:
            actor = Actor(asker or "anonymous", "public")
            record_alone(holder.engine, actor, "download", f"copy {copy}", "refused", why)
        except AuditUnavailable:
            pass  # refused either way
        return f"This download is not available: {why}."
    return None


def _why_not(holder: downloads.Holder, asker: str | None, now: datetime) -> str | None:
    if holder.expired(now):
        return "its link has expired; download it again from the page"
    if asker != holder.email:
        return "it belongs to another sign-in"
    if holder.signed_in_at is None:
        return None  # local mode: one trusted user on this machine
    return downloads.standing(holder.engine, asker, holder.signed_in_at, holder.needed, now)[1]


def _signed_in(cookies: dict[str, str]) -> tuple[str | None, datetime | None]:
    """The email in Streamlit's signed sign-in cookie and when the provider signed it in
    (its `iat`), or None for either (no cookie, a bad signature, signed out)."""
    # Streamlit reads this cookie the same way for the WebSocket; there is no public API.
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
    from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks

    try:
        raw = _get_signed_cookie_with_chunks(cookies, USER_COOKIE_NAME)
        payload = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not payload.get("is_logged_in", False):
        return None, None
    email = str(payload.get("email") or "").strip().lower() or None
    issued = payload.get("iat") or payload.get("auth_time")
    since = datetime.fromtimestamp(int(issued), UTC).replace(tzinfo=None) if issued else None
    return email, since
