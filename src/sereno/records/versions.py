"""Append-only versions of what people write, each with its audit entry."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sereno.records.actors import Actor
from sereno.records.permissions import Resource, require


def write_version(
    obs,
    actor: Actor,
    action: str,
    resource: Resource,
    content: dict[str, Any],
    check: str | None = None,
) -> int:
    """Check ``actor`` may ``check`` (default: ``update``) ``resource``, append ``content`` as
    the resource's next version and audit it; return the version number.

    Call inside the transaction that changes the resource's own table, so the version, the
    audit entry and the change commit together.
    """
    require(actor, check or "update", resource)
    rid = str(resource.id)
    version = obs.engine.scalar(
        "SELECT coalesce(max(version), 0) + 1 FROM versions "
        "WHERE resource_kind = ? AND resource_id = ?",
        [resource.kind, rid],
    )
    obs.engine.execute(
        "INSERT INTO versions (version_id, resource_kind, resource_id, version, action, actor, "
        "organisation, via, content) VALUES (nextval('version_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?)",
        [resource.kind, rid, version, action, actor.username, actor.organisation, actor.via,
         json.dumps(content, default=str, ensure_ascii=False)],
    )  # fmt: skip
    obs.audit(action, f"{resource.kind}:{rid}", actor=actor.username, via=actor.via,
              version=version, **content)  # fmt: skip
    return int(version)


def history(obs, kind: str, resource_id: str) -> pd.DataFrame:
    """Every version of one resource, oldest first: who, when, from where, what."""
    return obs.engine.frame(
        "SELECT version, action, actor, organisation, via, written_at, content FROM versions "
        "WHERE resource_kind = ? AND resource_id = ? ORDER BY version",
        [kind, str(resource_id)],
    )
