"""Field records as resources of the records service: who owns each, who was granted it.

Every read of reviews, groups, agreements and projects goes through :func:`visible`, which
asks the records service's one check (:func:`sereno.records.allowed`) of each row, and
every write through :func:`sereno.records.write_version` with the row's resource. A grant to
an organisation is per resource id or, with id ``*``, for every resource of that kind.
"""

from __future__ import annotations

import pandas as pd

from sereno.records import Actor, Resource, allowed

KINDS = ("review", "group", "agreement", "project")


def grants(obs, kind: str) -> dict[str, frozenset[str]]:
    """Resource id (or ``*``) -> organisations granted it."""
    rows = obs.engine.rows(
        "SELECT resource_id, organisation FROM grants WHERE resource_kind = ?", [kind]
    )
    found: dict[str, set[str]] = {}
    for resource_id, organisation in rows:
        found.setdefault(str(resource_id), set()).add(str(organisation))
    return {k: frozenset(v) for k, v in found.items()}


def resource(obs, kind: str, resource_id: str | None, organisation: str | None) -> Resource:
    """The resource of one field record, with its grants."""
    given = grants(obs, kind)
    granted = given.get(str(resource_id), frozenset()) | given.get("*", frozenset())
    return Resource(kind, resource_id, organisation, granted)


def visible(
    obs, actor: Actor, kind: str, frame: pd.DataFrame, id_column: str, action: str = "view"
) -> pd.DataFrame:
    """The rows of ``frame`` (with ``organisation`` and ``id_column``) ``actor`` may ``action``."""
    if frame.empty:
        return frame
    given = grants(obs, kind)
    every = given.get("*", frozenset())
    keep = [
        allowed(
            actor,
            action,
            Resource(
                kind,
                str(rid),
                None if pd.isna(org) else str(org),
                given.get(str(rid), frozenset()) | every,
            ),
        )
        for rid, org in zip(frame[id_column], frame["organisation"], strict=True)
    ]
    return frame[pd.Series(keep, index=frame.index, dtype=bool)]


def owner(obs, table: str, id_column: str, resource_id: str) -> tuple[bool, str | None]:
    """Whether the record exists, and its organisation."""
    rows = obs.engine.rows(f"SELECT organisation FROM {table} WHERE {id_column} = ?", [resource_id])
    return (bool(rows), rows[0][0] if rows else None)
