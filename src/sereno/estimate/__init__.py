"""Multiple systems estimation: how many victims no source recorded.

``capture_histories`` validates a table of presence indicators; ``estimate_population``
runs LCMCR (Manrique-Vallier 2016, the default) or log-linear models (Fienberg 1972) on it and
returns an ``MSEResult``. ``strata`` estimates per unit and period from linked events;
``linkage_uncertainty`` does so over linkages sampled from the pairs' match probabilities, so
that the interval includes the record linkage's uncertainty.
"""

from __future__ import annotations

from sereno.errors import SerenoError
from sereno.estimate.cross_check import cross_check as checked_by_loglinear
from sereno.estimate.histories import CaptureHistories, capture_histories, from_patterns
from sereno.estimate.lcmcr import lcmcr
from sereno.estimate.loglinear import loglinear
from sereno.estimate.result import MSEResult

METHODS = ("lcmcr", "loglinear")


def estimate_population(
    histories: CaptureHistories,
    method: str = "lcmcr",
    *,
    cross_check: bool = True,
    **options: object,
) -> MSEResult:
    """N̂ and its 95% interval by ``method`` ("lcmcr" or "loglinear").

    LCMCR's interval is, with ``cross_check`` (default), widened to cover the log-linear
    models that fit about as well (``cross_check.cross_check``), with a warning when
    the models disagree by more than a stated share."""
    if method == "lcmcr":
        result = lcmcr(histories, **options)  # type: ignore[arg-type]
        return checked_by_loglinear(result, histories) if cross_check else result
    if method == "loglinear":
        return loglinear(histories, **options)
    raise SerenoError(
        "estimate.bad_choice", option="--method", value=method, choices=", ".join(METHODS)
    )


__all__ = [
    "METHODS",
    "CaptureHistories",
    "MSEResult",
    "capture_histories",
    "estimate_population",
    "from_patterns",
    "lcmcr",
    "loglinear",
]
