"""One check for pages, API, exports and the CLI: may this actor do this to that resource?

Rules, in the way Datasette's ``permission_allowed(actor, action, resource)`` hooks read:

* Anonymous visitors do nothing here: what they see is what the privacy policy publishes.
* ``admin`` may do everything.
* A source's record-level data (``source_records``, and its quarantine) is seen by staff of
  the organisation that brought the source, by organisations granted it, and by all staff
  when no organisation owns it; only its organisation's analysts (or an admin) load into it.
* Alerts are marked by every staff role; clerical review of linkage likewise.
* Field records (``review``, ``group``, ``agreement``, ``project``) are read under the same
  organisation rule as sources and written by analysts.
* Accounts, ownership and grants are an admin's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sereno.errors import SerenoError
from sereno.records.actors import Actor

STAFF = {"admin", "analyst", "reviewer"}
WRITERS = {"admin", "analyst"}
OWNED = {"source_records", "review", "group", "agreement", "project"}
# action -> kind -> roles that may, before the organisation rule
FIELD_RECORDS = OWNED - {"source_records"}
ACTIONS: dict[str, dict[str, set[str]]] = {
    "view": {kind: STAFF for kind in (*OWNED, "unit_restricted", "alert", "quarantine")},
    "export": {"source_records": STAFF, "quarantine": STAFF},
    "upload": {"source_records": WRITERS},
    "retry": {"quarantine": WRITERS},
    "update": {"alert": STAFF, "link_review": STAFF, **dict.fromkeys(FIELD_RECORDS, WRITERS)},
    "create": {"account": {"admin"}, "grant": {"admin"}, **dict.fromkeys(FIELD_RECORDS, WRITERS)},
}


@dataclass(frozen=True)
class Resource:
    """What an action is done to: a kind, an id (a source, an alert id) and the organisation
    that owns it (None: the observatory's own); ``granted`` lists organisations given it."""

    kind: str
    id: str | None = None
    organisation: str | None = None
    granted: frozenset[str] = frozenset()


def allowed(actor: Actor, action: str, resource: Resource) -> bool:
    """Whether ``actor`` may do ``action`` to ``resource`` (see the module's rules)."""
    if actor.anonymous:
        return False
    if actor.role == "admin":
        return True
    roles = ACTIONS.get(action, {}).get(resource.kind, set())
    if actor.role not in roles:
        return False
    if resource.kind in (*OWNED, "quarantine") and resource.organisation is not None:
        own = actor.organisation == resource.organisation
        if action in ("upload", "retry", "update", "create"):
            return own
        return own or actor.organisation in resource.granted
    return True


def require(actor: Actor, action: str, resource: Resource) -> None:
    """Raise a one-line refusal unless :func:`allowed`."""
    if not allowed(actor, action, resource):
        raise SerenoError("records.forbidden", actor=actor.username, action=action,
                          resource=f"{resource.kind}:{resource.id or '*'}")  # fmt: skip


def source_resource(obs, source: str, kind: str = "source_records") -> Resource:
    """A source's records (or quarantine) as a resource, with its owner and grants."""
    owner = obs.engine.rows("SELECT organisation FROM source_owners WHERE source_id = ?", [source])
    granted = obs.engine.rows(
        "SELECT organisation FROM grants WHERE resource_kind = 'source_records' "
        "AND resource_id = ?",
        [source],
    )
    return Resource(kind, source, owner[0][0] if owner else None,
                    frozenset(r[0] for r in granted))  # fmt: skip


def visible_sources(obs, actor: Actor, action: str = "view") -> list[str]:
    """The sources whose record-level data ``actor`` may ``action``."""
    return [s for s in obs.sources()
            if allowed(actor, action, source_resource(obs, s))]  # fmt: skip
