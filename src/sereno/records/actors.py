"""Actors: the account a person acts as, from the portal or the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from sereno.errors import SerenoError

ROLES = ("admin", "analyst", "reviewer")


@dataclass(frozen=True)
class Actor:
    """An account acting through ``via`` (``cli`` or ``portal``); ``role`` None is anonymous."""

    username: str
    role: str | None
    organisation: str | None = None
    via: str = "cli"

    @property
    def anonymous(self) -> bool:
        return self.role is None


ANONYMOUS = Actor("anonymous", None, None, "portal")
# Whoever holds the observatory's files on their own machine: the CLI acts as this account
# until the observatory names a default one or the person says ``--as NAME``.
OWNER = Actor("owner", "admin", None, "cli")


def account_actor(obs, username: str, via: str) -> Actor | None:
    """The enabled account ``username`` as an actor, or None."""
    rows = obs.engine.rows(
        "SELECT username, role, organisation FROM accounts WHERE username = ? AND NOT disabled",
        [username],
    )
    return Actor(rows[0][0], rows[0][1], rows[0][2], via) if rows else None


def cli_actor(obs, name: str | None = None) -> Actor:
    """Who a command acts as: ``name`` (``--as``), else ``SERENO_AS``, else the observatory's
    ``[people] default_account``, else :data:`OWNER`."""
    name = (
        name
        or os.environ.get("SERENO_AS")
        or obs.config.document.get("people", {}).get("default_account")
    )
    if not name:
        return OWNER
    actor = account_actor(obs, str(name), "cli")
    if actor is None:
        raise SerenoError("records.unknown_account", username=name)
    return replace(actor, via="cli")
