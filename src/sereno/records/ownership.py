"""Which organisation brought a source, and which others it is granted to (an admin's)."""

from __future__ import annotations

from sereno.errors import SerenoError
from sereno.records.actors import Actor
from sereno.records.permissions import Resource
from sereno.records.versions import write_version


def set_owner(obs, actor: Actor, source: str, organisation: str) -> dict[str, str]:
    """Record that ``organisation`` brought ``source``: its staff see its records."""
    _known(obs, source)
    with obs.engine.transaction():
        write_version(obs, actor, "source.owner", Resource("grant", f"owner:{source}"),
                      {"source": source, "organisation": organisation}, check="create")  # fmt: skip
        obs.engine.execute("DELETE FROM source_owners WHERE source_id = ?", [source])
        obs.engine.execute(
            "INSERT INTO source_owners (source_id, organisation, set_by) VALUES (?, ?, ?)",
            [source, organisation, actor.username],
        )
    return {"source": source, "organisation": organisation}


def grant_source(obs, actor: Actor, organisation: str, source: str) -> dict[str, str]:
    """Let ``organisation``'s staff see ``source``'s record-level data."""
    _known(obs, source)
    with obs.engine.transaction():
        write_version(obs, actor, "source.grant", Resource("grant", f"{organisation}:{source}"),
                      {"source": source, "organisation": organisation}, check="create")  # fmt: skip
        obs.engine.execute(
            "DELETE FROM grants WHERE organisation = ? AND resource_kind = 'source_records' "
            "AND resource_id = ?",
            [organisation, source],
        )
        obs.engine.execute(
            "INSERT INTO grants (organisation, resource_kind, resource_id, granted_by) "
            "VALUES (?, 'source_records', ?, ?)",
            [organisation, source, actor.username],
        )
    return {"source": source, "organisation": organisation}


def _known(obs, source: str) -> None:
    if source not in obs.sources():
        raise SerenoError("records.unknown_source", source=source,
                          sources=", ".join(obs.sources()) or "-")  # fmt: skip
