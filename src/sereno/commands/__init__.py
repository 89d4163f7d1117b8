"""The ``sereno`` command line, one module per pipeline stage."""

from sereno.commands import (  # noqa: F401  (each module registers its commands)
    alerts,
    batches,
    evaluate,
    foundation,
    harms,
    indicators,
    link,
    prioritise,
    publish,
    review,
    spatial,
    store,
)
from sereno.commands.common import app

__all__ = ["app"]
