"""Difference-in-differences: two-way fixed effects and event study, through pyfixest.

TWFE (for example Angrist and Pischke 2009, ch. 5) fits

    y_it = a_i + l_t + b D_it + e_it

with unit and period fixed effects and standard errors clustered by unit (CRV1, pyfixest's
small-sample correction). With ``family="poisson"`` it fits the Poisson pseudo-likelihood
analogue (Wooldridge 2023), log E[y_it] = a_i + l_t + b D_it, and b is a log rate ratio.

The event study replaces D_it by leads and lags of the first treated period g_i,

    y_it = a_i + l_t + sum_{k != -1} b_k 1[t - g_i = k] + e_it,

never-treated units sitting in the reference period -1; the pre-trend test is the joint Wald
test b_k = 0 for all leads k <= -2, as F(q, G - 1) with G clusters. Under staggered adoption
with effects that change over time both are biased (Goodman-Bacon 2021; Sun and Abraham
2021): use ``staggered.callaway_santanna`` then.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sereno.errors import SerenoError
from sereno.evaluate._common import Interval
from sereno.evaluate.panel import Panel, averted_from, build_panel, mean_paths
from sereno.evaluate.results import DiDResult

FAMILIES = ("ols", "poisson")


def difference_in_differences(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treatment: str | None = None,
    *,
    cohort: str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    method: str = "twfe",
    family: str = "ols",
    bin: int = 1,
    place: str = "",
) -> DiDResult:
    """TWFE (``method="twfe"``), event study (``"event_study"``) or Callaway and Sant'Anna
    (``"staggered"``) on a long panel with one row per unit and period. ``bin`` groups
    relative periods of the event study (``bin=3``: quarters), which keeps sparse monthly
    counts from leaving a relative period with no events at all."""
    if method not in ("twfe", "event_study", "staggered"):
        raise SerenoError(
            "evaluate.bad_choice",
            option="--method",
            value=method,
            choices="twfe, event_study, staggered",
        )
    if family not in FAMILIES:
        raise SerenoError(
            "evaluate.bad_choice", option="--family", value=family, choices=", ".join(FAMILIES)
        )
    panel = build_panel(frame, unit, time, outcome, treatment, cohort, weights, cluster)
    if method == "staggered":
        from sereno.evaluate.staggered import callaway_santanna

        return callaway_santanna(panel, weights=weights is not None, place=place)
    if family == "poisson" and weights:
        raise SerenoError("evaluate.weights_poisson")
    if method == "twfe":
        return _twfe(panel, family, weights is not None, place)
    return _event_study(panel, family, weights is not None, max(1, bin), place)


def _fit(panel: Panel, data: pd.DataFrame, regressors: list[str], family: str, weighted: bool):
    import pyfixest as pf

    formula = f"y ~ {' + '.join(regressors)} | unit + period"
    # integer codes: pyfixest factorises strings much more slowly
    data = data.assign(unit=pd.factorize(data["unit"])[0], cluster=pd.factorize(data["cluster"])[0])
    options: dict[str, Any] = {"vcov": {"CRV1": "cluster"}}
    if weighted:
        options["weights"] = "weight"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "poisson":
            return pf.fepois(formula, data=data, **options)
        return pf.feols(formula, data=data, **options)


def _twfe(panel: Panel, family: str, weighted: bool, place: str) -> DiDResult:
    data = panel.data
    if data.groupby("period")["treated"].nunique().max() < 2:
        raise SerenoError("evaluate.no_variation")
    fit = _fit(panel, data, ["treated"], family, weighted)
    b, se = float(fit.coef()["treated"]), float(fit.se()["treated"])
    return _result(panel, "twfe", family, b, se, fit, None, None, place)


def _event_study(panel: Panel, family: str, weighted: bool, bin: int, place: str) -> DiDResult:
    data = panel.data.copy()
    rel = np.floor((data["period"] - data["cohort"]) / bin).fillna(-1).astype(int)
    names = {k: (f"lead{-k}" if k < 0 else f"lag{k}") for k in sorted(set(rel) - {-1})}
    if not any(k >= 0 for k in names):
        raise SerenoError("evaluate.no_variation")
    dummies = pd.DataFrame(
        {name: (rel == k).astype(float) for k, name in names.items()}, index=data.index
    )
    fit = _fit(panel, pd.concat([data, dummies], axis=1), list(names.values()), family, weighted)
    coef, se = fit.coef(), fit.se()
    kept = [k for k, name in names.items() if name in coef.index]
    table = pd.DataFrame(
        {
            "relative_period": kept,
            "estimate": [float(coef[names[k]]) for k in kept],
            "se": [float(se[names[k]]) for k in kept],
        }
    )
    table = pd.concat(
        [table, pd.DataFrame({"relative_period": [-1], "estimate": [0.0], "se": [0.0]})]
    ).sort_values("relative_period", ignore_index=True)
    table["low"] = table["estimate"] - 1.959963984540054 * table["se"]
    table["high"] = table["estimate"] + 1.959963984540054 * table["se"]
    leads = [names[k] for k in kept if k <= -2]
    pretrend = _wald(fit, leads) if leads else None
    lags = [names[k] for k in kept if k >= 0]
    vcov = pd.DataFrame(fit._vcov, index=coef.index, columns=coef.index).loc[lags, lags]
    weight = np.full(len(lags), 1 / len(lags))
    b = float(coef[lags].to_numpy() @ weight)
    s = float(np.sqrt(weight @ vcov.to_numpy() @ weight))
    result = _result(panel, "event_study", family, b, s, fit, table, pretrend, place)
    result.diagnostics["bin"] = bin
    return result


def _wald(fit: Any, names: list[str]) -> dict[str, float]:
    """Joint test that the named coefficients are zero: F = b' V^-1 b / q on (q, G - 1)."""
    coef = fit.coef()[names].to_numpy()
    index = [list(fit.coef().index).index(n) for n in names]
    vcov = fit._vcov[np.ix_(index, index)]
    q = len(names)
    f = float(coef @ np.linalg.solve(vcov, coef) / q)
    df2 = int(np.min(fit._G)) - 1 if getattr(fit, "_G", None) else int(fit._N) - q
    return {"f": f, "df1": q, "df2": df2, "p": float(stats.f.sf(f, q, df2))}


def _result(
    panel: Panel,
    method: str,
    family: str,
    b: float,
    se: float,
    fit: Any,
    events: pd.DataFrame | None,
    pretrend: dict[str, float] | None,
    place: str,
) -> DiDResult:
    data = panel.data
    ratio = family == "poisson"
    estimate = Interval.log_normal(b, se) if ratio else Interval.normal(b, se)
    if events is not None and ratio:
        events = events.assign(
            rate_ratio=np.exp(events["estimate"]),
            low=np.exp(events["low"]),
            high=np.exp(events["high"]),
        )
    post = data[data["treated"] == 1]
    cohorts = data.groupby("unit")["cohort"].first()
    diagnostics = {
        "n_obs": int(fit._N),
        "n_units": int(data["unit"].nunique()),
        "n_treated_units": int(cohorts.notna().sum()),
        "n_periods": int(data["period"].nunique()),
        "n_clusters": int(data["cluster"].nunique()),
        "n_cohorts": int(cohorts.dropna().nunique()),
        "coefficient": b,
        "coefficient_se": se,
        "pretrend": pretrend,
    }
    return DiDResult(
        method=method,
        family=family,
        outcome=panel.outcome,
        place=place,
        estimate=estimate,
        averted=averted_from(estimate, ratio, float(post["y"].sum()), len(post)),
        events=events,
        cohort_effects=None,
        diagnostics=diagnostics,
        means=mean_paths(panel),
    )
