"""An LCMCR estimate checked against the log-linear models that fit about as well.

Apart from ``model_uncertainty`` (which ``loglinear`` uses to combine its own models) so that
the check can call ``loglinear`` without the two modules importing each other.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sereno.estimate.loglinear import loglinear
from sereno.estimate.mixture import mth2
from sereno.estimate.model_uncertainty import CHECK_OPTIONS, SHARE


def cross_check(result: Any, histories: Any, **options: Any) -> Any:
    """``result`` (LCMCR) with its interval widened to cover the log-linear models that fit
    about as well (``combine_models`` over ``CHECK_OPTIONS``), the spread taken over LCMCR's
    N̂ and theirs, and the warning ``model_dependent`` above ``SHARE``.

    The posterior interval of one latent-class model is as sure as the model; in simulations
    with a class that lists rarely see (``benchmarks/mse_calibration.py``) it covers the
    truth far less often than 95% of the time, and the log-linear models with heterogeneity
    terms reach higher where the data allow it. When the lists show a class that they rarely
    see (``mixture.mth2``: the two-class model fits better than one class by more than its
    threshold), the upper end reaches that model's profile-likelihood upper end, with the
    warning ``hidden_class`` (and ``upper_open`` when the data set no upper end at all).
    """
    check = loglinear(histories, **(CHECK_OPTIONS | options), stratum=result.stratum)
    hidden = mth2(histories)
    window = check.diagnostics["window_models"]
    estimates = [result.N_hat, *(m["N_hat"] for m in window)]
    spread = (max(estimates) - min(estimates)) / result.N_hat
    diagnostics = dict(result.diagnostics)
    warnings = [w for w in (diagnostics.get("warning"),) if w]
    if spread > SHARE:
        warnings.append("model_dependent")
    upper = max(result.N_upper, check.N_upper)
    if hidden.heterogeneous and hidden.N_upper > upper:
        warnings.append("hidden_class")
        upper = hidden.N_upper
    diagnostics.update(
        lcmcr_interval=[result.N_lower, result.N_upper],
        spread=round(spread, 4),
        spread_limit=SHARE,
        window_delta=check.diagnostics["window_delta"],
        models_in_window=len(window),
        window_models=window,
        cross_check={
            "method": "loglinear",
            "criterion": check.diagnostics["criterion"],
            "heterogeneity": list(CHECK_OPTIONS["heterogeneity"]),
            "best_model": check.diagnostics["best_model"],
            "N_hat": round(check.N_hat, 2),
            "N_lower": round(check.N_lower, 2),
            "N_upper": round(check.N_upper, 2),
        },
        hidden_class=hidden.to_dict(),
    )
    if warnings:
        diagnostics["warning"] = warnings[0]
        diagnostics["warnings"] = warnings
    return dataclasses.replace(
        result,
        N_lower=min(result.N_lower, check.N_lower),
        N_upper=upper,
        diagnostics=diagnostics,
        models=check.models,
    )
