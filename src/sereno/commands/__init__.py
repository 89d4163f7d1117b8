"""The ``sereno`` command line, one module per pipeline stage."""

from sereno.commands import foundation  # noqa: F401  (registers its commands)
from sereno.commands.common import app

__all__ = ["app"]
