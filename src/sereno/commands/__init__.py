"""The ``sereno`` command line, one module per pipeline stage."""

from sereno.commands import alerts, evaluate, foundation, link, spatial  # noqa: F401  (they register their commands)
from sereno.commands.common import app

__all__ = ["app"]
