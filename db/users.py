"""Who may see what: a verified email's role, and the user table's upkeep.

Roles are ordered: `public` < `leadership` < `admin`; each may do what the ones before
it may. An email with no row, and anyone not signed in, is `public`.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update

from db.models import USER_ROLES, AppUser


class UserRefused(ValueError):
    """A user change that cannot be made; the message says why."""


def may(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may."""
    return USER_ROLES.index(role) >= USER_ROLES.index(needed)


def _normal(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise UserRefused(f"{email!r} is not an email address")
    return email


def role_of(conn: Connection, email: str | None) -> str:
    if not email:
        return "public"
    found = conn.execute(select(AppUser.role).where(AppUser.email == email.strip().lower())).scalar()
    return found or "public"


def add_user(conn: Connection, email: str, role: str, added_by: str) -> bool:
    """Give `email` `role`; returns True when the user is new, False when the role changed."""
    if role not in USER_ROLES:
        raise UserRefused(f"role must be one of {', '.join(USER_ROLES)}")
    email = _normal(email)
    exists = conn.execute(select(AppUser.id).where(AppUser.email == email)).scalar()
    if exists is None:
        conn.execute(insert(AppUser).values(email=email, role=role, added_by=added_by))
        return True
    conn.execute(update(AppUser).where(AppUser.id == exists).values(role=role, added_by=added_by))
    return False


def remove_user(conn: Connection, email: str) -> None:
    email = _normal(email)
    if conn.execute(delete(AppUser).where(AppUser.email == email)).rowcount == 0:
        raise UserRefused(f"no user {email!r}")


def list_users(conn: Connection) -> list[tuple[str, str, str | None]]:
    """(email, role, added by), admins first, then by email."""
    rows = conn.execute(select(AppUser.email, AppUser.role, AppUser.added_by))
    return sorted((tuple(r) for r in rows), key=lambda r: (-USER_ROLES.index(r[1]), r[0]))
