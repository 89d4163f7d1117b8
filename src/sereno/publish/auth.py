"""Staff accounts, sessions and CSRF tokens for the analysts' workspace.

Passwords are hashed with argon2id (RFC 9106) through argon2-cffi's defaults; a session is a
random token in an HttpOnly, SameSite=Strict cookie, stored only as its SHA-256, with its own
CSRF token that every form posts back (the synchroniser-token pattern of OWASP's CSRF
prevention cheat sheet).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sereno.errors import SerenoError
from sereno.publish.pages import Account
from sereno.store import Observatory

ROLES = ("admin", "analyst", "reviewer")
PERMISSIONS = {
    "upload": {"admin", "analyst"},
    "quarantine": {"admin", "analyst", "reviewer"},
    "alerts": {"admin", "analyst", "reviewer"},
    "records": {"admin", "analyst", "reviewer"},
}
SESSION_COOKIE = "sereno_session"
SESSION_HOURS = 8
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths cost one argon2 run.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def allowed(account: Account | None, permission: str | None) -> bool:
    if account is None:
        return False
    return permission is None or account.role in PERMISSIONS.get(permission, set())


def create_account(obs: Observatory, username: str, password: str, role: str) -> dict[str, str]:
    """Add a staff account; its password is stored only as an argon2id hash."""
    if role not in ROLES:
        raise SerenoError("publish.bad_role", role=role, roles=", ".join(ROLES))
    if not username.isidentifier() or len(username) > 60:
        raise SerenoError("publish.bad_username", username=username)
    if len(password) < MIN_PASSWORD:
        raise SerenoError("publish.short_password", n=MIN_PASSWORD)
    if obs.engine.scalar("SELECT count(*) FROM accounts WHERE username = ?", [username]):
        raise SerenoError("publish.account_exists", username=username)
    obs.engine.execute(
        "INSERT INTO accounts (username, password_hash, role) VALUES (?, ?, ?)",
        [username, _hasher.hash(password), role],
    )
    obs.audit("portal_account_created", username, role=role)
    return {"username": username, "role": role}


def check_password(obs: Observatory, username: str, password: str) -> str | None:
    """The account's role if ``password`` is right (and the account enabled), else None."""
    row = obs.engine.rows(
        "SELECT password_hash, role FROM accounts WHERE username = ? AND NOT disabled", [username]
    )
    stored = row[0][0] if row else _DUMMY
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if not row:
        return None
    if _hasher.check_needs_rehash(stored):
        obs.engine.execute(
            "UPDATE accounts SET password_hash = ? WHERE username = ?",
            [_hasher.hash(password), username],
        )
    return str(row[0][1])


def open_session(obs: Observatory, username: str) -> str:
    """A new session for ``username``; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=SESSION_HOURS)
    obs.engine.execute(
        "INSERT INTO sessions (token_hash, username, csrf_token, expires_at) VALUES (?, ?, ?, ?)",
        [_digest(token), username, secrets.token_urlsafe(32), expires],
    )
    return token


def session_account(obs: Observatory, token: str | None) -> Account | None:
    """The signed-in account of a session cookie, if the session is alive."""
    if not token:
        return None
    rows = obs.engine.rows(
        "SELECT a.username, a.role, s.csrf_token FROM sessions s JOIN accounts a USING "
        "(username) WHERE s.token_hash = ? AND s.expires_at > ? AND NOT a.disabled",
        [_digest(token), datetime.now(UTC).replace(tzinfo=None)],
    )
    return Account(*rows[0]) if rows else None


def close_session(obs: Observatory, token: str | None) -> None:
    if token:
        obs.engine.execute("DELETE FROM sessions WHERE token_hash = ?", [_digest(token)])


def csrf_ok(account: Account | None, submitted: str | None) -> bool:
    return bool(account and submitted) and hmac.compare_digest(account.csrf_token, submitted)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
