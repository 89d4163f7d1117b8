"""The interval Sereno shows when several models fit the lists about as well.

Models that fit equally well can give very different totals (Silverman 2020, *JRSSA* 183(3);
Silverman, Chan & Vincent 2024, *Statistics and Computing* 34: intervals that ignore the
choice of model are too narrow). A selected model's interval treats that model as known;
when the data cannot tell the models apart it is too sure of itself.

``combine_models`` takes the models whose criterion is within ``DELTA`` of the best (Raftery
1995: a BIC difference under about 6 is not strong evidence against a model; Burnham &
Anderson 2002 for AIC), at most ``WINDOW`` of them, and reports the envelope of their 95%
intervals (lowest lower end, highest upper end) beside each one's estimate: an interval that
holds if any of them is the right model. The *spread* is (max N̂ − min N̂) / N̂ of the
selected model over those models; above ``SHARE`` the result carries the warning
``model_dependent`` (ES/EN), which says the estimate depends on the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

DELTA = 6.0
WINDOW = 12
SHARE = 0.25


def combine_models(
    histories: Any,
    table: pd.DataFrame,
    *,
    interval: str,
    interval_of: Callable[..., tuple[float, float]],
    delta: float = DELTA,
    window: int = WINDOW,
    share: float = SHARE,
) -> dict[str, Any]:
    """Envelope interval over the models within ``delta`` of the best (``table`` sorted by
    criterion, with ``terms``, ``N_hat``, ``se``, ``delta``, ``weight``); fills their
    ``N_lower``/``N_upper`` in ``table``."""
    near = table.index[table["delta"] <= delta][:window]
    for i in near:
        if pd.isna(table.at[i, "N_lower"]):
            low, high = interval_of(histories, table.at[i, "terms"], table.loc[i].to_dict(),
                                    interval)  # fmt: skip
            table.at[i, "N_lower"], table.at[i, "N_upper"] = low, high
    chosen = table.loc[near]
    best = float(table.at[0, "N_hat"])
    spread = float((chosen["N_hat"].max() - chosen["N_hat"].min()) / best)
    diagnostics: dict[str, Any] = {
        "window_delta": delta,
        "models_in_window": len(chosen),
        "window_weight": round(float(chosen["weight"].sum()), 4),
        "spread": round(spread, 4),
        "spread_limit": share,
        "selected_interval": [float(table.at[0, "N_lower"]), float(table.at[0, "N_upper"])],
        "window_models": [
            {"model": r.model, "N_hat": round(float(r.N_hat), 2),
             "N_lower": round(float(r.N_lower), 2), "N_upper": round(float(r.N_upper), 2),
             "delta": round(float(r.delta), 3), "weight": round(float(r.weight), 4)}
            for r in chosen.itertuples()
        ],
    }  # fmt: skip
    if spread > share:
        diagnostics["warning"] = "model_dependent"
    return {
        "N_lower": float(chosen["N_lower"].min()),
        "N_upper": float(chosen["N_upper"].max()),
        "diagnostics": diagnostics,
    }


# The log-linear models that check an LCMCR estimate: AIC (its lighter penalty keeps the
# richer models that heterogeneity needs in the window) over the hierarchical models and
# their variants with a heterogeneity term (Darroch et al. 1993).
CHECK_OPTIONS: dict[str, Any] = {
    "criterion": "aic",
    "heterogeneity": ("darroch", "poisson", "gamma"),
}


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
    import dataclasses

    from sereno.estimate.loglinear import loglinear
    from sereno.estimate.mixture import mth2

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
