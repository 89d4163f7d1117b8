"""Log-linear models of the incomplete 2^J table, with model selection and averaging.

Fienberg (1972); Bishop, Fienberg & Holland (1975), *Discrete Multivariate Analysis*, ch. 6.
The observed cells' counts are Poisson with

    log μ_x = u + Σ_j u_j x_j + Σ_{(j,k) ∈ M} u_jk x_j x_k

over the hierarchical models M (sets of two-way interactions between lists); the unobserved
cell x = 0 has μ_0 = exp(u), so N̂ = n + exp(û). Each model is a statsmodels Poisson GLM. The
interval is Chao's (1987) log-normal one around n̂_0 = exp(û) with Var(n̂_0) ≈ n̂_0² Var(û)
(delta method). Models are weighted by Akaike (or Schwarz) weights w ∝ exp(−Δ/2); the averaged
estimate's variance adds the spread between models (Burnham & Anderson 2002, eq. 4.9).
With four lists or fewer every subset of interactions is fitted; with more, a forward search
adds the interaction that most improves the criterion.
"""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from sereno.errors import SerenoError
from sereno.estimate.histories import CaptureHistories, cell_counts, full_design
from sereno.estimate.result import MSEResult

Z = 1.959963984540054
ALL_SUBSETS_UP_TO = 4


def _label(lists: tuple[str, ...], pairs: tuple[tuple[int, int], ...]) -> str:
    """Model notation of the literature: [12][3] for lists 1-2 dependent, 3 independent."""
    if not pairs:
        return "independence"
    return " ".join(f"{lists[a]}×{lists[b]}" for a, b in pairs)


def fit_model(
    histories: CaptureHistories, pairs: tuple[tuple[int, int], ...]
) -> dict[str, float] | None:
    """Fit one model; None when it does not identify the unobserved cell."""
    x = full_design(len(histories.lists)).astype(float)
    y = cell_counts(histories)
    columns = [np.ones(len(x)), *x.T, *(x[:, a] * x[:, b] for a, b in pairs)]
    design = np.column_stack(columns)
    if np.linalg.matrix_rank(design) < design.shape[1] or design.shape[1] > len(y):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(y, design, family=sm.families.Poisson()).fit()
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return None
    u, var_u = float(fit.params[0]), float(fit.cov_params()[0, 0])
    if not np.isfinite(u) or not np.isfinite(var_u) or u > np.log(1e4 * (y.sum() + 1)):
        return None
    n = float(y.sum())
    n0 = float(np.exp(u))
    variance = n0**2 * var_u
    low, high = chao_interval(n, n0, variance)
    return {
        "df": len(y) - design.shape[1],
        "deviance": float(fit.deviance),
        "aic": float(fit.aic),
        "bic": float(-2 * fit.llf + design.shape[1] * np.log(y.sum())),
        "parameters": design.shape[1],
        "N_hat": n + n0,
        "se": float(np.sqrt(variance)),
        "N_lower": low,
        "N_upper": high,
    }


def chao_interval(n: float, n0: float, variance: float) -> tuple[float, float]:
    """Chao's (1987) log-normal interval: [n + n̂0/C, n + n̂0·C], C = exp(z √log(1 + V/n̂0²))."""
    if n0 <= 0:
        return n, n
    c = np.exp(Z * np.sqrt(np.log1p(variance / n0**2)))
    return n + n0 / c, n + n0 * c


def _candidates(j: int, fitted, criterion: str) -> list[tuple[tuple[int, int], ...]]:
    pairs = list(combinations(range(j), 2))
    if j <= ALL_SUBSETS_UP_TO:
        return [tuple(s) for r in range(len(pairs) + 1) for s in combinations(pairs, r)]
    chosen: tuple[tuple[int, int], ...] = ()
    visited = [chosen]
    best = fitted(chosen)
    while True:
        trials = [(*chosen, p) for p in pairs if p not in chosen]
        visited.extend(trials)
        scored = [(fitted(m)[criterion], m) for m in trials if fitted(m) is not None]
        if not scored or best is None or min(scored)[0] >= best[criterion]:
            return visited
        _, chosen = min(scored)
        best = fitted(chosen)


def loglinear(
    histories: CaptureHistories,
    *,
    criterion: str = "aic",
    average: bool = True,
    stratum: str = "",
) -> MSEResult:
    """Fit the hierarchical log-linear models with two-way interactions; select by
    ``criterion`` ("aic" or "bic") or, with ``average``, average over them by its weights."""
    if criterion not in ("aic", "bic"):
        raise SerenoError("estimate.bad_choice", option="criterion", value=criterion,
                          choices="aic, bic")  # fmt: skip
    cache: dict[tuple, dict | None] = {}

    def fitted(model):
        if model not in cache:
            cache[model] = fit_model(histories, model)
        return cache[model]

    models = _candidates(len(histories.lists), fitted, criterion)
    rows = [
        {"model": _label(histories.lists, m), "interactions": len(m), **fitted(m)}
        for m in dict.fromkeys(models)
        if fitted(m) is not None
    ]
    if not rows:
        raise SerenoError("estimate.no_model", n=histories.observed)
    table = pd.DataFrame(rows)
    delta = table[criterion] - table[criterion].min()
    weight = np.exp(-delta / 2)
    table["weight"] = weight / weight.sum()
    table = table.sort_values(criterion, kind="stable").reset_index(drop=True)
    best = table.iloc[0]
    if average:
        w = table["weight"].to_numpy()
        estimate = float((w * table["N_hat"]).sum())
        se = float((w * np.sqrt(table["se"] ** 2 + (table["N_hat"] - estimate) ** 2)).sum())
        low, high = chao_interval(histories.observed, estimate - histories.observed, se**2)
    else:
        estimate, low, high = float(best["N_hat"]), float(best["N_lower"]), float(best["N_upper"])
        se = float(best["se"])
    top = table.head(5)
    return MSEResult(
        method="loglinear",
        lists=histories.lists,
        n_observed=histories.observed,
        N_hat=estimate,
        N_lower=float(low),
        N_upper=float(high),
        list_totals=histories.list_totals,
        diagnostics={
            "criterion": criterion,
            "averaged": average,
            "models_fitted": len(table),
            "best_model": str(best["model"]),
            "best_weight": round(float(best["weight"]), 4),
            "se": se,
        },
        sensitivity=dict(zip(top["model"], top["N_hat"], strict=True)),
        stratum=stratum,
        models=table,
    )
