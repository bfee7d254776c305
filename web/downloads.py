"""Leadership files handed over for download, bound to whoever asked for them.

Streamlit serves a download from its media store at /media/<hash>.<ext>, to anyone who
has the address. A leadership file is therefore made only when its button is clicked
(after the role and the session are checked again in the database), named with a random
copy id, and handed over here: `web.guard` then serves it only to a request carrying the
same person's sign-in cookie, while their role and session still allow it, and only
for `LIFETIME` after it was made. The copy id is in the audit log's record of the
download, so a copy found elsewhere can be traced.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from db import sessions
from db.audit import Actor
from db.users import may, role_of

LIFETIME = timedelta(seconds=60)
_COPY = re.compile(r"-copy-([0-9a-f]{16})\.[A-Za-z0-9]+$")


@dataclass(frozen=True)
class Holder:
    email: str  # a verified email, or "local user" in local mode (no sign-in configured)
    signed_in_at: datetime | None  # the sign-in the file belongs to (None in local mode)
    needed: str  # the role the file needs
    engine: Engine  # the database that says whether the role and the session still hold
    made_at: datetime  # UTC; the file is served until LIFETIME after this

    def expired(self, now: datetime) -> bool:
        return now - self.made_at > LIFETIME


_handed: dict[str, Holder] = {}
_lock = threading.Lock()


def standing(engine: Engine, email: str, signed_in_at: datetime, needed: str, now: datetime):
    """The account's role now, and why its sign-in no longer allows what needs `needed`
    (None when it does): checked in the database, when a file is made and when it is fetched."""
    try:
        with engine.begin() as conn:
            role = role_of(conn, email)
            state = sessions.check_in(conn, Actor(email, role), signed_in_at, now)
    except SQLAlchemyError:
        return "public", "the database could not confirm the sign-in"
    if not may(role, needed):
        return role, "this account no longer has access"
    if state != "active":
        return role, f"the session has ended ({state})"
    return role, None


def new_copy() -> str:
    """A random copy id: 16 hex digits, so a file's address cannot be guessed or reused."""
    return secrets.token_hex(8)


def file_name(stem: str, copy: str, extension: str) -> str:
    return f"{stem}-copy-{copy}.{extension}"


def copy_in(name: str | None) -> str | None:
    """The copy id in a download's file name, or None for an ordinary file."""
    found = _COPY.search(name or "")
    return found.group(1) if found else None


def hand_over(copy: str, holder: Holder) -> None:
    """Record that the file with this copy id was made for `holder`; forget expired ones."""
    with _lock:
        for old in [c for c, h in _handed.items() if h.expired(holder.made_at)]:
            del _handed[old]
        _handed[copy] = holder


def holder_of(copy: str) -> Holder | None:
    with _lock:
        return _handed.get(copy)
