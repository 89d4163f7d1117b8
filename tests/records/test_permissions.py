"""The records service's rules: who may do what to which resource (issue 14)."""

from __future__ import annotations

import pytest

from sereno.errors import SerenoError
from sereno.records import ANONYMOUS, OWNER, Actor, Resource, allowed, history
from sereno.records.accounts import check_password, create_account

A_ANALYST = Actor("ana", "analyst", "A", "portal")
B_ANALYST = Actor("beto", "analyst", "B", "portal")
A_REVIEWER = Actor("rita", "reviewer", "A", "portal")
NO_ORG = Actor("nadie", "analyst", None, "cli")
OWNED_BY_A = Resource("source_records", "policia", "A")
GRANTED_B = Resource("source_records", "forense", "A", frozenset({"B"}))
UNOWNED = Resource("source_records", "prensa")


@pytest.mark.parametrize(
    ("actor", "action", "resource", "expected"),
    [
        (ANONYMOUS, "view", UNOWNED, False),
        (ANONYMOUS, "update", Resource("alert", "1"), False),
        (OWNER, "create", Resource("account"), True),
        (A_ANALYST, "view", OWNED_BY_A, True),
        (B_ANALYST, "view", OWNED_BY_A, False),
        (B_ANALYST, "view", GRANTED_B, True),
        (B_ANALYST, "upload", GRANTED_B, False),  # a grant is to read, not to load
        (A_ANALYST, "upload", OWNED_BY_A, True),
        (A_REVIEWER, "upload", OWNED_BY_A, False),
        (A_REVIEWER, "view", OWNED_BY_A, True),
        (NO_ORG, "view", UNOWNED, True),
        (NO_ORG, "view", OWNED_BY_A, False),
        (A_REVIEWER, "update", Resource("alert", "3"), True),
        (A_ANALYST, "create", Resource("account"), False),
        (A_ANALYST, "create", Resource("review", "r1", "A"), True),
        (B_ANALYST, "update", Resource("review", "r1", "A"), False),
        (A_REVIEWER, "create", Resource("agreement", "g1", "A"), False),
        (A_ANALYST, "delete", OWNED_BY_A, False),  # an unknown action is never allowed
    ],
)
def test_rules(actor, action, resource, expected):
    assert allowed(actor, action, resource) is expected


def test_accounts_are_an_admins_versioned_and_audited_write(tmp_path):
    from sereno.store import Observatory

    with Observatory.create(tmp_path / "obs", "x") as obs:
        create_account(obs, "ana", "una-contraseña-larga", "analyst", "A", actor=OWNER)
        with pytest.raises(SerenoError, match=r"may not|no puede"):
            create_account(obs, "beto", "otra-contraseña-larga", "analyst", "B",
                           actor=A_ANALYST)  # fmt: skip
        assert obs.engine.scalar("SELECT count(*) FROM accounts") == 1
        versions = history(obs, "account", "ana")
        assert versions[["version", "actor", "via"]].values.tolist() == [[1, "owner", "cli"]]
        audit = obs.engine.rows("SELECT actor, action, object FROM audit_log "
                                "WHERE action = 'account.create'")  # fmt: skip
        assert audit == [("owner", "account.create", "account:ana")]
        actor = check_password(obs, "ana", "una-contraseña-larga")
        assert actor == Actor("ana", "analyst", "A", "portal")
        assert check_password(obs, "ana", "wrong-password-here") is None


def test_cli_acts_as_the_named_account(tmp_path, monkeypatch):
    from sereno.records import cli_actor
    from sereno.store import Observatory

    with Observatory.create(tmp_path / "obs", "x") as obs:
        assert cli_actor(obs) == OWNER
        create_account(obs, "ana", "una-contraseña-larga", "analyst", "A", actor=OWNER)
        monkeypatch.setenv("SERENO_AS", "ana")
        assert cli_actor(obs) == Actor("ana", "analyst", "A", "cli")
        monkeypatch.setenv("SERENO_AS", "nobody")
        with pytest.raises(SerenoError):
            cli_actor(obs)
