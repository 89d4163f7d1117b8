"""Staff accounts and their sessions, written through the records service.

Passwords are hashed with argon2id (RFC 9106) through argon2-cffi's defaults; a session is a
random token stored only as its SHA-256 (a stolen store does not give live sessions), with
its own CSRF token. Hashing runs with no store held: only the look-up and the writes need
it (see ``check_password``'s ``writing``).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sereno.errors import SerenoError
from sereno.records.actors import ROLES, Actor, cli_actor
from sereno.records.permissions import Resource
from sereno.records.versions import write_version

SESSION_HOURS = 8
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths cost one argon2 run.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def create_account(
    obs,
    username: str,
    password: str,
    role: str,
    organisation: str | None = None,
    actor: Actor | None = None,
) -> dict[str, str | None]:
    """Add a staff account (an admin's action); its password is kept only as an argon2id hash."""
    actor = actor or cli_actor(obs)
    if role not in ROLES:
        raise SerenoError("publish.bad_role", role=role, roles=", ".join(ROLES))
    if not username.isidentifier() or len(username) > 60:
        raise SerenoError("publish.bad_username", username=username)
    if len(password) < MIN_PASSWORD:
        raise SerenoError("publish.short_password", n=MIN_PASSWORD)
    if obs.engine.scalar("SELECT count(*) FROM accounts WHERE username = ?", [username]):
        raise SerenoError("publish.account_exists", username=username)
    digest = _hasher.hash(password)
    with obs.engine.transaction():
        write_version(obs, actor, "account.create", Resource("account", username),
                      {"role": role, "organisation": organisation}, check="create")  # fmt: skip
        obs.engine.execute(
            "INSERT INTO accounts (username, password_hash, role, organisation) "
            "VALUES (?, ?, ?, ?)",
            [username, digest, role, organisation],
        )
    return {"username": username, "role": role, "organisation": organisation}


def check_password(
    obs,
    username: str,
    password: str,
    writing: Callable[[], contextlib.AbstractContextManager] | None = None,
) -> Actor | None:
    """The account as a portal actor if ``password`` is right (and the account enabled).

    ``obs`` may be read-only (the portal's view); a rehash is written through ``writing()``
    (the store opened for one write) when given. argon2 runs with no store held.
    """
    row = obs.engine.rows(
        "SELECT password_hash, role, organisation FROM accounts "
        "WHERE username = ? AND NOT disabled",
        [username],
    )
    stored = row[0][0] if row else _DUMMY
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if not row:
        return None
    if _hasher.check_needs_rehash(stored):
        digest = _hasher.hash(password)
        with writing() if writing else contextlib.nullcontext(obs) as store:
            store.engine.execute(
                "UPDATE accounts SET password_hash = ? WHERE username = ?", [digest, username]
            )
    return Actor(username, str(row[0][1]), row[0][2], "portal")


def open_session(obs, actor: Actor) -> str:
    """A new session for ``actor`` (who has just signed in); returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=SESSION_HOURS)
    obs.engine.execute(
        "INSERT INTO sessions (token_hash, username, csrf_token, expires_at) VALUES (?, ?, ?, ?)",
        [digest(token), actor.username, secrets.token_urlsafe(32), expires],
    )
    obs.audit("session.open", f"account:{actor.username}", actor=actor.username, via=actor.via)
    return token


def session(obs, token: str | None) -> tuple[Actor, str] | None:
    """The signed-in actor of a session cookie and the session's CSRF token, if alive."""
    if not token:
        return None
    rows = obs.engine.rows(
        "SELECT a.username, a.role, a.organisation, s.csrf_token FROM sessions s "
        "JOIN accounts a USING (username) WHERE s.token_hash = ? AND s.expires_at > ? "
        "AND NOT a.disabled",
        [digest(token), datetime.now(UTC).replace(tzinfo=None)],
    )
    if not rows:
        return None
    username, role, organisation, csrf = rows[0]
    return Actor(username, role, organisation, "portal"), csrf


def close_session(obs, token: str | None, actor: Actor) -> None:
    if token:
        obs.engine.execute("DELETE FROM sessions WHERE token_hash = ?", [digest(token)])
        obs.audit("session.close", f"account:{actor.username}", actor=actor.username,
                  via=actor.via)  # fmt: skip


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
