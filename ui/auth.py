"""Who is using this session and what they may see, decided on the server.

`current_user()` is the one place that answers "who is this?"; every page asks
`require(role, page)` before it fetches anything. With an identity provider configured
(an `[auth]` section in `.streamlit/secrets.toml`, used by `st.login`), a signed-in
email gets its role from the user table, subject to the session rules in db.sessions
(locked after 30 minutes without use, ended 12 hours after sign-in or at sign-out);
everyone else is `public`. Without a provider the app runs in local mode: one trusted
user with full access, shown by a banner, and only when the server listens on loopback
(or COMMONGROUND_ALLOW_LOCAL_MODE=1 says otherwise).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.errors import StreamlitSecretNotFoundError

from db import sessions
from db.audit import Actor, AuditUnavailable, record_alone, utc_now
from db.users import may, role_of
from ui.database import database_url, engine_for
from ui.plain import plain
from web.downloads import Holder, hand_over, standing

LOCAL_MODE_ENV = "COMMONGROUND_ALLOW_LOCAL_MODE"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
ROLE_NAMES = {"public": "the public", "leadership": "department leadership", "admin": "administrators"}
# Why a signed-in person sees only the public view, in words for the sidebar.
ENDED = {
    "locked": "Your session locked after 30 minutes without use.",
    "expired": "Your sign-in is more than 12 hours old.",
    "signed out": "You signed out of this session.",
    "unrecorded": "Your sign-in could not be recorded in the audit log, so only the public view is open.",
    "unverified": "Your provider has not verified your email address, so only the public view is open.",
}


@dataclass(frozen=True)
class User:
    email: str | None
    role: str  # public | leadership | admin: what this session may see now
    mode: str  # local | signed_in | anonymous, or why a sign-in gives no access (a key of ENDED)
    signed_in_at: datetime | None = None  # UTC, from the identity provider's token

    @property
    def actor(self) -> Actor:
        return Actor(self.email or "anonymous", self.role)

    @property
    def audience(self) -> str:
        """Whose publishing rules this session's data follows."""
        return "leadership" if may(self.role, "leadership") else "public"


def sign_in_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


def _signed_in_at() -> datetime:
    """When the provider signed this person in: the token's issue time (`iat`), else the
    first time this browser session saw them."""
    claim = st.user.get("iat") or st.user.get("auth_time")
    if claim:
        return datetime.fromtimestamp(int(claim), UTC).replace(tzinfo=None)
    return st.session_state.setdefault("_signed_in_at", utc_now())


def verified_email(claims) -> tuple[str, bool]:
    """The signed-in email (lower case) from the provider's claims, and whether it may be
    trusted: not when the provider says `email_verified` is false (a provider that does
    not send the claim is trusted to have verified the address it sends)."""
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified", True)
    return email, verified is not None and str(verified).strip().lower() not in ("false", "0", "no", "")


def current_user() -> User:
    """Who this session is, and their role. Tests patch this one function."""
    if not sign_in_configured():
        return User("local user", "admin", "local")
    if not st.user.get("is_logged_in", False):
        return User(None, "public", "anonymous")
    email, verified = verified_email(st.user)
    if not verified:
        return User(email, "public", "unverified")
    since = _signed_in_at()
    engine = engine_for(database_url())
    try:
        with engine.begin() as conn:
            role = role_of(conn, email)
            state = sessions.check_in(conn, Actor(email, role), since, utc_now())
    except SQLAlchemyError:
        return User(email, "public", "unrecorded", since)
    if state != "active":
        return User(email, "public", state, since)
    return User(email, role, "signed_in", since)


def sign_out(user: User) -> None:
    """End this sign-in for good (in the database, so a replayed cookie opens nothing),
    then clear Streamlit's identity cookie."""
    if user.email and user.signed_in_at:
        try:
            with engine_for(database_url()).begin() as conn:
                sessions.sign_out(conn, user.actor, user.signed_in_at, utc_now())
        except SQLAlchemyError:
            pass  # the cookie still goes; the session row ends at its idle lock at the latest
    st.logout()


def account_controls(user: User, where) -> None:
    """Who is signed in and a way out, or a way in, drawn in `where` (the sidebar or a
    column of the page)."""
    if user.mode == "signed_in":
        where.caption(f"Signed in as {plain(user.email)} ({user.role}).")
        where.button("Sign out", on_click=sign_out, args=(user,), icon=":material/logout:", key="sign_out")
    elif user.mode in ENDED:
        where.warning(f"{ENDED[user.mode]} You see the public view until you sign in again.")
        where.button(
            "Sign in again", on_click=st.login, icon=":material/login:", type="primary", key="sign_in"
        )
    elif user.mode == "anonymous":
        where.button("Sign in", on_click=st.login, icon=":material/login:", key="sign_in")


FORWARDED = ("x-forwarded-for", "x-real-ip", "forwarded")


def local_mode_allowed() -> bool:
    """Local mode gives full access to whoever reaches the server: loopback only, and not
    through a reverse proxy (which listens beyond this machine for the server), unless the
    operator says otherwise on purpose."""
    if os.environ.get(LOCAL_MODE_ENV) == "1":
        return True
    headers = st.context.headers
    proxied = any(headers.get(name) for name in FORWARDED)
    # A page elsewhere can point its own name at 127.0.0.1 (DNS rebinding): the browser
    # then sends that name as Host. Only loopback names may use local mode.
    host = urlsplit(f"//{headers.get('host') or 'localhost'}").hostname or ""
    return (st.get_option("server.address") or "") in LOOPBACK and not proxied and host in LOOPBACK


def require(needed: str, page: str) -> User:
    """The current user, if they may see `page`, which is meant for `needed`; otherwise a
    plain refusal and nothing else runs (no data is fetched). A signed-in user's arrival
    on a page is recorded; for leadership, a page whose view cannot be recorded is refused."""
    user = this_user()
    if not may(user.role, needed):
        st.title("Not available")
        if user.mode == "anonymous":
            how = "Sign in with an account that has access."
        elif user.mode in ENDED:
            how = f"{ENDED[user.mode]} Sign in again to continue."
        else:
            how = "Your account does not have access; ask an administrator."
        st.warning(f"This page is for {ROLE_NAMES[needed]}. {how}")
        st.stop()
    if user.mode in ("signed_in", "local") and st.session_state.get("_last_page") != page:
        try:
            record_alone(engine_for(database_url()), user.actor, "page view", page)
        except AuditUnavailable:
            if may(user.role, "leadership"):
                st.error("This view could not be recorded in the audit log, so it is not shown. Try again.")
                st.stop()
        st.session_state["_last_page"] = page
    return user


def remember(user: User) -> None:
    """Keep the user `app.py` resolved for the rest of this run (pages, downloads), so
    the user table and the session are read once per run."""
    st.session_state["_user"] = user


def this_user() -> User:
    """The user resolved at the start of this run by `app.py` (which runs before every
    page, see ui/frame.py); resolved afresh if it has not been."""
    return st.session_state.get("_user") or current_user()


def handed_over(user: User, make: Callable[[], bytes], copy: str, what: str) -> Callable[[], bytes]:
    """A leadership file for a download button, made (by `make`) when it is clicked: the role
    and the session are checked again in the database then, the download is recorded with
    its copy id, and the file is handed over to web.guard, which serves it only to this
    sign-in, for a minute. Raises PermissionError (nothing is served) when they no longer
    allow it, and AuditUnavailable when the download cannot be recorded."""
    engine = engine_for(database_url())

    def hand() -> bytes:
        now = utc_now()
        obj = f"{what}, copy {copy}"
        if user.signed_in_at is not None and user.email:
            role, why = standing(engine, user.email, user.signed_in_at, "leadership", now)
            if why:
                record_alone(engine, Actor(user.email, role), "download", obj, "refused", why)
                raise PermissionError(f"This download is not available: {why}.")
        record_alone(engine, user.actor, "download", obj)
        content = make()
        hand_over(copy, Holder(user.email or "local user", user.signed_in_at, "leadership", engine, now))
        return content

    return hand


def recorder(user: User, action: str, obj: str) -> Callable[[], None]:
    """A function that records one use (an export, a download) when it is handed over,
    without needing the page to be running then. A public use is never held up by the
    audit log; a leadership one is refused (AuditUnavailable) when it cannot be recorded."""
    engine = engine_for(database_url())

    def record_it() -> None:
        try:
            record_alone(engine, user.actor, action, obj)
        except AuditUnavailable:
            if may(user.role, "leadership"):
                raise

    return record_it
