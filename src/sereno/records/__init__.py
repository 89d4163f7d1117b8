"""Who may do what to which resource, and one way for people to write.

Every write a person makes, from the CLI or the portal, goes through here: the actor
(:class:`Actor`: an account with a role and an organisation), the check
(:func:`allowed`, taking an action and a resource as Datasette's permission hooks do), and an
append-only version of the resource with its audit entry (:func:`write_version`).
"""

from sereno.records.actors import ANONYMOUS, OWNER, Actor, cli_actor
from sereno.records.permissions import ACTIONS, Resource, allowed, require, visible_sources
from sereno.records.versions import history, write_version

__all__ = [
    "ACTIONS",
    "ANONYMOUS",
    "OWNER",
    "Actor",
    "Resource",
    "allowed",
    "cli_actor",
    "history",
    "require",
    "visible_sources",
    "write_version",
]
