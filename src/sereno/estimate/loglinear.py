"""Hierarchical log-linear models of the incomplete 2^J table, chosen by AIC or BIC.

Fienberg (1972); Bishop, Fienberg & Holland (1975), *Discrete Multivariate Analysis*, ch. 6.
The observed cells' counts are Poisson with log μ_x = Σ_{θ ⊆ x} α_θ over the terms θ of a
hierarchical model (``hierarchy``: main effects and interactions of up to ``maxorder``
lists, by default J − 1, as Rcapture's ``closedpMS.t`` and MultipleSystemsEstimation fit
them); the unobserved cell has μ_0 = exp(α_∅), so N̂ = n + exp(α̂_∅), with standard error
√(n̂_0 + n̂_0² Var(α̂_∅)) (Rcapture's ``getN``). Each model is a statsmodels Poisson GLM.

Sparse tables (Chan, Silverman & Vincent 2021, *JASA* 116(535)): a term whose lists no one is
on together has extended MLE −∞; as MultipleSystemsEstimation does, it is fixed there, the
cells holding it leave the fit (fitted 0), and it still counts in the penalty. Models whose
remaining design is not of full rank (not identifiable), or whose MLE does not exist (the
observed margins A'y are not those of any table with every kept cell positive, checked by a
linear programme as Fienberg & Rinaldo 2012 say), are left out.

Criteria: AIC = 2k − 2ℓ and BIC = k·log(m) − 2ℓ, ℓ the Poisson log-likelihood of the
observed cells and k every parameter of the model. The BIC's m is a stated choice that
changes the answer: ``penalty="observed"`` takes m = n, the people seen (Rcapture's and
MultipleSystemsEstimation's default, ``bicRcap = TRUE``), ``penalty="cells"`` takes
m = 2^J − 1, the Poisson observations.

The selected model's interval is its profile-likelihood interval (``profile``; Cormack 1992),
or Chao's (1987) log-normal one. Every model's N̂ and criterion is in the result's table, and
``model_uncertainty`` turns the table into the interval shown by default.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize

from sereno.errors import SerenoError
from sereno.estimate import hierarchy
from sereno.estimate.histories import CaptureHistories, cell_counts
from sereno.estimate.model_uncertainty import combine_models
from sereno.estimate.profile import profile_interval
from sereno.estimate.result import MSEResult

Z = 1.959963984540054
LEVEL = 0.95
CRITERIA = ("aic", "bic")
PENALTIES = ("observed", "cells")
INTERVALS = ("profile", "lognormal")
# Above this many hierarchical models the catalogue is searched stepwise, not fitted whole
# (five lists up to three-list terms are 6,212 models, about 15 s).
MAX_MODELS = 2_000


def chao_interval(n: float, n0: float, variance: float) -> tuple[float, float]:
    """Chao's (1987) log-normal interval: [n + n̂0/C, n + n̂0·C], C = exp(z √log(1 + V/n̂0²))."""
    if n0 <= 0:
        return n, n
    c = np.exp(Z * np.sqrt(np.log1p(variance / n0**2)))
    return n + n0 / c, n + n0 * c


def _mle_exists(x: np.ndarray, y: np.ndarray) -> bool:
    """Fienberg & Rinaldo's condition: some table z > 0 has the margins of y (x'z = x'y);
    the LP maximises the smallest cell t of such a z, bounded by 1."""
    if (y > 0).all():
        return True
    m = len(y)
    cost = np.zeros(m + 1)
    cost[-1] = -1.0
    a_eq = np.hstack([x.T, np.zeros((x.shape[1], 1))])
    a_ub = np.hstack([-np.eye(m), np.ones((m, 1))])
    bounds = [(0, None)] * m + [(None, 1.0)]
    solution = optimize.linprog(cost, A_ub=a_ub, b_ub=np.zeros(m), A_eq=a_eq, b_eq=x.T @ y,
                                bounds=bounds, method="highs")  # fmt: skip
    return bool(solution.status == 0 and -solution.fun > 1e-9)


def reduced_fit(
    histories: CaptureHistories, model: hierarchy.Model, heterogeneity: str = ""
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """The cells and design a model is fitted on once its terms at −∞ are removed, and the
    number of parameters it counts; None when it is not identifiable."""
    j = len(histories.lists)
    y = cell_counts(histories).astype(float)
    x = hierarchy.design(model, j, heterogeneity)
    masks = hierarchy.cell_masks(j)
    keep_cells = np.ones(len(y), dtype=bool)
    keep_columns = np.ones(x.shape[1], dtype=bool)
    for index, term in enumerate(model):
        holds = (masks & term) == term
        if y[holds].sum() == 0:
            keep_cells &= ~holds
            keep_columns[1 + j + index] = False
    xr, yr = x[keep_cells][:, keep_columns], y[keep_cells]
    if xr.shape[1] > len(yr) or np.linalg.matrix_rank(xr) < xr.shape[1]:
        return None
    return yr, xr, x.shape[1]


def fit_model(
    histories: CaptureHistories, model: hierarchy.Model, heterogeneity: str = ""
) -> dict[str, float] | None:
    """Fit one hierarchical model (with a ``heterogeneity`` term, if named); None when it
    does not identify the unobserved cell."""
    reduced = reduced_fit(histories, model, heterogeneity)
    if reduced is None:
        return None
    y, x, k = reduced
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(tol=1e-10)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return None
    # The fitted table has the observed margins; when every cell of it is positive it is the
    # witness that the MLE exists, and the linear programme is needed only otherwise.
    if fit.mu.min() < 1e-6 and not _mle_exists(x, y):
        return None
    u, var_u = float(fit.params[0]), float(fit.cov_params()[0, 0])
    n = float(y.sum())
    if not np.isfinite(u) or not np.isfinite(var_u) or u > np.log(1e4 * (n + 1)):
        return None
    n0 = float(np.exp(u))
    j = len(histories.lists)
    return {
        "parameters": k,
        "df": 2**j - 1 - k,
        "deviance": float(fit.deviance),
        "loglik": float(fit.llf),
        "aic": 2 * k - 2 * float(fit.llf),
        "bic_observed": k * np.log(n) - 2 * float(fit.llf),
        "bic_cells": k * np.log(2**j - 1) - 2 * float(fit.llf),
        "N_hat": n + n0,
        "se": float(np.sqrt(n0 + n0**2 * var_u)),
    }


def model_interval(
    histories: CaptureHistories, model: hierarchy.Model, row: dict, interval: str
) -> tuple[float, float]:
    """The model's 95% interval: profile likelihood, or Chao's log-normal one."""
    n = histories.observed
    if interval == "lognormal":
        return chao_interval(n, row["N_hat"] - n, row["se"] ** 2)
    reduced = reduced_fit(histories, model, row.get("heterogeneity", ""))
    assert reduced is not None
    y, x, _ = reduced
    _, low, high = profile_interval(y, x, row["N_hat"], level=LEVEL)
    return low, high


def _catalogue(histories, maxorder, max_models, score, fitted) -> tuple[list, str]:
    j = len(histories.lists)
    if hierarchy.count_models(j, maxorder, stop=max_models + 1) <= max_models:
        return list(hierarchy.all_models(j, maxorder)), "all"
    # Stepwise search from independence: move to the best neighbour while it improves.
    current: hierarchy.Model = ()
    visited = {current}
    while True:
        options = [m for m in hierarchy.neighbours(current, j, maxorder)]
        visited.update(options)
        scored = [(score(fitted(m)), m) for m in options if fitted(m) is not None]
        if not scored or min(scored)[0] >= score(fitted(current)):
            return list(visited), "stepwise"
        current = min(scored)[1]


def loglinear(
    histories: CaptureHistories,
    *,
    criterion: str = "bic",
    penalty: str = "observed",
    maxorder: int | None = None,
    interval: str = "profile",
    model_averaging: bool = True,
    max_models: int = MAX_MODELS,
    heterogeneity: tuple[str, ...] = (),
    average: bool | None = None,
    stratum: str = "",
) -> MSEResult:
    """Fit the hierarchical log-linear models and select one by ``criterion`` ("aic" or
    "bic", with ``penalty`` "observed" or "cells" for the BIC's log m).

    ``N_hat`` is the selected model's estimate. With ``model_averaging`` (default) the
    interval is the one ``model_uncertainty.combine_models`` makes from the models that fit
    about as well, widened when they disagree; otherwise the selected model's own interval
    (``interval``: "profile" or "lognormal"). ``average`` is kept as an alias of
    ``model_averaging``.
    """
    if average is not None:
        model_averaging = average
    for option, value, choices in (("criterion", criterion, CRITERIA),
                                   ("penalty", penalty, PENALTIES),
                                   ("interval", interval, INTERVALS)):  # fmt: skip
        if value not in choices:
            raise SerenoError("estimate.bad_choice", option=option, value=value,
                              choices=", ".join(choices))  # fmt: skip
    for h in heterogeneity:
        if h not in hierarchy.HETEROGENEITY:
            raise SerenoError("estimate.bad_choice", option="heterogeneity", value=h,
                              choices=", ".join(hierarchy.HETEROGENEITY))  # fmt: skip
    j = len(histories.lists)
    maxorder = j - 1 if maxorder is None else maxorder
    if not 1 <= maxorder <= j - 1:
        raise SerenoError("estimate.bad_maxorder", value=maxorder, lists=j, most=j - 1)
    column = criterion if criterion == "aic" else f"bic_{penalty}"
    cache: dict[hierarchy.Model, dict | None] = {}

    def fitted(model):
        if model not in cache:
            cache[model] = fit_model(histories, model)
        return cache[model]

    models, search = _catalogue(histories, maxorder, max_models, lambda r: r[column], fitted)
    rows = [
        {"model": hierarchy.model_name(m, j), "terms": m, "heterogeneity": "", **fitted(m)}
        for m in models
        if fitted(m) is not None
    ]
    for h in heterogeneity:
        for m in models:
            row = fit_model(histories, m, h)
            if row is not None:
                name = f"{hierarchy.model_name(m, j)}+{h}"
                rows.append({"model": name, "terms": m, "heterogeneity": h, **row})
    if not rows:
        raise SerenoError("estimate.no_model", n=histories.observed)
    table = pd.DataFrame(rows)
    table["criterion"] = table[column]
    table["delta"] = table["criterion"] - table["criterion"].min()
    weight = np.exp(-table["delta"] / 2)
    table["weight"] = weight / weight.sum()
    table = table.sort_values("criterion", kind="stable").reset_index(drop=True)
    best = table.iloc[0]
    low, high = model_interval(histories, best["terms"], best.to_dict(), interval)
    table["N_lower"], table["N_upper"] = np.nan, np.nan
    table.loc[0, ["N_lower", "N_upper"]] = low, high
    diagnostics: dict[str, object] = {
        "criterion": criterion,
        "penalty": penalty if criterion == "bic" else None,
        "penalty_log_of": (histories.observed if penalty == "observed" else 2**j - 1)
        if criterion == "bic"
        else None,
        "maxorder": maxorder,
        "search": search,
        "models_fitted": len(table),
        "best_model": str(best["model"]),
        "best_weight": round(float(best["weight"]), 4),
        "interval": interval,
        "se": float(best["se"]),
        "level": LEVEL,
        "selected_interval": [float(low), float(high)],
    }
    estimate = float(best["N_hat"])
    if model_averaging:
        combined = combine_models(histories, table, interval=interval, interval_of=model_interval)
        low, high = combined["N_lower"], combined["N_upper"]
        diagnostics.update(combined["diagnostics"])
    top = table.head(5)
    return MSEResult(
        method="loglinear",
        lists=histories.lists,
        n_observed=histories.observed,
        N_hat=estimate,
        N_lower=float(low),
        N_upper=float(high),
        list_totals=histories.list_totals,
        diagnostics=diagnostics,
        sensitivity=dict(zip(top["model"], top["N_hat"], strict=True)),
        stratum=stratum,
        models=table.drop(columns=["terms"]),
    )
