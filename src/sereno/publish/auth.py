"""The portal's side of signing in: cookies, CSRF tokens and the limits on guessing.

Accounts, passwords and sessions live in the records service (:mod:`sereno.records.accounts`);
here is what only a web page needs:

* **CSRF.** Every form of a signed-in person posts back the session's own token (OWASP's
  synchroniser-token pattern). The login form, before any session, gets a token that is a
  random nonce signed with the observatory's secret (HMAC-SHA256), in a cookie and in the
  form: a token an attacker makes up fails the signature.
* **Guessing.** Failed sign-ins are counted per account and per address from the audit log
  (so every worker process sees the same count): after ``FREE_FAILURES`` each next attempt
  waits twice as long (1, 2, 4 ... s, at most ``MAX_DELAY``), and ``LOCK_FAILURES`` within
  ``WINDOW`` lock the account (or address) for the rest of the window, with a message saying
  until when. One attempt per account runs at a time; argon2 runs outside the store's lock.
* **Transport.** Over HTTPS (directly or behind a proxy that says so) cookies are ``Secure``
  and responses carry HSTS; see docs/deploy.md.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sereno.publish.pages import Account
from sereno.records import ACTIONS, Resource, allowed

SESSION_COOKIE = "sereno_session"
LOGIN_CSRF = "sereno_login_csrf"
SECRET_FILE = ".portal-secret"
WINDOW = timedelta(minutes=15)
FREE_FAILURES = 3
LOCK_FAILURES = 10
ADDRESS_LOCK_FAILURES = 50
MAX_DELAY = 30.0
HSTS = "max-age=31536000; includeSubDomains"
_in_flight: set[str] = set()
_in_flight_lock = threading.Lock()


def https(request) -> bool:
    """Whether the person reached us over HTTPS (uvicorn's proxy headers set the scheme)."""
    return request.url.scheme == "https"


def may(account: Account | None, permission: tuple[str, str] | None) -> bool:
    """Whether a signed-in ``account`` may use a page that needs ``permission``
    (an action and a resource kind)."""
    if account is None:
        return False
    if permission is None:
        return True
    action, kind = permission
    if kind not in ACTIONS.get(action, {}):
        return False
    return allowed(account.actor, action, Resource(kind))


def csrf_ok(account: Account | None, submitted: str | None) -> bool:
    return bool(account and submitted) and hmac.compare_digest(account.csrf_token, submitted)


def portal_secret(directory: Path) -> bytes:
    """The observatory's signing key for pre-session tokens, made on first use (mode 0600)."""
    path = Path(directory) / SECRET_FILE
    if not path.exists():
        try:
            with path.open("x", encoding="ascii") as handle:
                path.chmod(0o600)
                handle.write(secrets.token_hex(32))
        except FileExistsError:
            pass  # another worker made it first
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def login_token(secret: bytes) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def login_token_ok(secret: bytes, cookie: str | None, submitted: str | None) -> bool:
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        return False
    nonce, _, signature = submitted.partition(".")
    return hmac.compare_digest(signature, _sign(secret, nonce))


def _sign(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def login_wait(obs, username: str, address: str) -> float:
    """Seconds ``username`` from ``address`` must wait before trying again (0: go ahead);
    ``inf`` while locked."""
    since = datetime.now(UTC).replace(tzinfo=None) - WINDOW
    rows = obs.engine.rows(
        "SELECT logged_at, object, (details->>'address') AS address, (details->>'ok') AS ok "
        "FROM audit_log WHERE action = 'portal_login' AND logged_at > ? "
        "AND (object = ? OR (details->>'address') = ?) ORDER BY logged_at",
        [since, username, address],
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    waits = [0.0]
    for failed, lock_at in (
        (_failures([r for r in rows if r[1] == username]), LOCK_FAILURES),
        (_failures([r for r in rows if r[2] == address]), ADDRESS_LOCK_FAILURES),
    ):
        if len(failed) >= lock_at:
            return float("inf")
        if len(failed) >= FREE_FAILURES:
            delay = min(2.0 ** (len(failed) - FREE_FAILURES), MAX_DELAY)
            waits.append(max(0.0, delay - (now - failed[-1]).total_seconds()))
    return max(waits)


def _failures(attempts: list[tuple]) -> list[datetime]:
    """When the failed attempts since the last success were made (``attempts`` in order)."""
    failed: list[datetime] = []
    for logged_at, _object, _address, ok in attempts:
        failed = [] if ok == "true" else [*failed, logged_at]
    return failed


def one_attempt(username: str) -> bool:
    """Claim the account's single attempt slot; False if one is already running."""
    with _in_flight_lock:
        if username in _in_flight:
            return False
        _in_flight.add(username)
        return True


def attempt_done(username: str) -> None:
    with _in_flight_lock:
        _in_flight.discard(username)
