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
