"""The observatory store: engine interface, schema, migrations, audit log."""

from sereno.store.engine import Engine
from sereno.store.observatory import Observatory

__all__ = ["Engine", "Observatory"]
