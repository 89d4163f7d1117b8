"""Unit-level anomalies: counts above what each unit's own trend and season predict, and
persistent shifts (CUSUM).

For every unit, a negative binomial (NB2) log-linear model with a linear trend and one annual
harmonic is fitted to the periods before the one assessed (log mu_t = b0 + b1 t + b2 sin(2 pi
m_t / 12) + b3 cos(2 pi m_t / 12), Var Y = mu + alpha mu^2), in the spirit of Farrington et al.
(1996) and Noufaily et al. (2013). The fit is iteratively reweighted least squares, vectorised
over units (McCullagh and Nelder 1989), with alpha re-estimated between rounds by the moment
estimator of Cameron and Trivedi (1990), alpha = sum((y - mu)^2 - y) / sum(mu^2). The prediction
for the assessed period carries the fit's uncertainty as extra dispersion: Var Y ~ mu + (alpha
+ Var eta) mu^2. An alert is raised when the count exceeds the upper (1 - a) prediction bound
and is at least ``min_count``; under the model, each unit and period gives a false alarm with
probability at most ``a``.

CUSUM (Page 1954) on the monitoring periods' residuals z_t (normal scores of the mid-p
probability integral transform of each count under the model), S_t = max(0, S_{t-1} + z_t
- k), signals a persistent shift when S_t > h. Its in-control average run length, by
Siegmund's (1985) approximation for normal residuals, is ARL0 = (exp(2 k b) - 2 k b - 1) /
(2 k^2) with b = h + 1.166: 336 periods for k = 0.5, h = 4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sereno.alerts.anomaly_result import AnomalyResult
from sereno.alerts.periods import (
    check_period,
    parse_dates,
    parse_numbers,
    period_bounds,
    period_index,
    require_columns,
    study_periods,
)
from sereno.errors import SerenoError

SEASON = {"month": 12.0, "week": 52.1775}
MAX_ALPHA = 10.0


def fit_negative_binomial(
    design: np.ndarray,
    y: np.ndarray,
    alpha: np.ndarray | float | None = None,
    rounds: int = 6,
    iterations: int = 30,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NB2 GLM (log link) of each row of ``y`` (units, n) on the shared ``design`` (n, p).

    With ``alpha`` given, it is held fixed (the GLM of statsmodels' ``NegativeBinomial``
    family); otherwise it is estimated per unit by the moment estimator. Returns coefficients
    (units, p), alpha (units,) and the coefficients' covariance (units, p, p).
    """
    y = np.asarray(y, dtype=float)
    fixed = alpha is not None
    a = np.broadcast_to(np.asarray(0.0 if alpha is None else alpha, float), y.shape[:1]).copy()
    mu = (y + y.mean(axis=1, keepdims=True)) / 2 + 0.1
    eta = np.log(mu)
    for _ in range(1 if fixed else rounds):
        for _ in range(iterations):
            weight = mu / (1 + a[:, None] * mu)
            z = eta + (y - mu) / mu
            xtwx = np.einsum("np,un,nq->upq", design, weight, design)
            xtwz = np.einsum("np,un->up", design, weight * z)
            beta = np.linalg.solve(xtwx + 1e-10 * np.eye(design.shape[1]), xtwz[..., None])[..., 0]
            new_eta = np.clip(beta @ design.T, -30, 30)
            done = np.max(np.abs(new_eta - eta)) < 1e-10
            eta, mu = new_eta, np.exp(new_eta)
            if done:
                break
        if not fixed:
            a = np.full_like(a, _moment_alpha(y, mu, design.shape[1]))
    weight = mu / (1 + a[:, None] * mu)
    xtwx = np.einsum("np,un,nq->upq", design, weight, design)
    cov = np.linalg.pinv(xtwx)
    return beta, a, cov


def _moment_alpha(y: np.ndarray, mu: np.ndarray, k: int) -> float:
    """Cameron and Trivedi's moment estimator, pooled over units (one alpha per indicator:
    per-unit estimates from a few years of months are too noisy and give false alarms), with
    a degrees-of-freedom correction."""
    n = y.shape[1]
    excess = ((y - mu) ** 2 - y).sum() * n / (n - k)
    return float(np.clip(excess / max((mu**2).sum(), 1e-12), 0.0, MAX_ALPHA))


def design_matrix(t: np.ndarray, season: np.ndarray | None, origin: float) -> np.ndarray:
    """Intercept, trend (per year of periods, from ``origin``) and the annual harmonic."""
    columns = [np.ones(t.size), (t - origin)]
    if season is not None:
        columns += [np.sin(season), np.cos(season)]
    return np.column_stack(columns)


def arl0(k: float, h: float) -> float:
    """Siegmund's approximation of the in-control average run length of a one-sided CUSUM."""
    b = h + 1.166
    return float((np.exp(2 * k * b) - 2 * k * b - 1) / (2 * k**2))


def unit_anomalies(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    count: str | None = None,
    period: str = "month",
    assess: int = 1,
    baseline: int = 60,
    min_baseline: int = 12,
    alpha: float = 0.01,
    min_count: int = 3,
    cusum_k: float = 0.5,
    cusum_h: float = 4.0,
    monitor: int = 6,
    start: object = None,
    end: object = None,
    indicator: str = "",
    place: str = "",
) -> AnomalyResult:
    """Assess the last ``assess`` periods of every unit's series (one row per case, or per unit
    and period with ``count``) against a model of its previous ``baseline`` periods, and run a
    CUSUM over the last ``monitor`` periods. Returns an ``AnomalyResult``."""
    check_period(period)
    if period == "day":
        raise SerenoError("error.bad_option", option="--period", detail="week | month")
    if not 0 < alpha < 0.5:
        raise SerenoError("error.bad_option", option="--alpha", detail="0 < alpha < 0.5")
    require_columns(data, unit, time, count)
    absolute = period_index(parse_dates(data[time], time), period)
    first, last = study_periods(absolute, period, start, end)
    keep = (absolute >= first) & (absolute <= last)
    n_time = last - first + 1
    if n_time - max(assess, monitor) < min_baseline:
        raise SerenoError("alerts.short_series", periods=n_time, needed=min_baseline + assess)
    codes = data.loc[keep, unit].astype("string").str.strip().fillna("")
    units, position = np.unique(codes.to_numpy(dtype=str), return_inverse=True)
    weights = parse_numbers(data.loc[keep, count], count) if count else np.ones(len(codes))
    y = np.zeros((len(units), n_time))
    np.add.at(y, (position, absolute[keep] - first), weights)

    t = np.arange(n_time, dtype=float)
    cycle = SEASON[period]
    phase = 2 * np.pi * (np.arange(first, last + 1) % cycle if period == "month" else t) / cycle
    rows = []
    for e in range(n_time - assess, n_time):
        lo = max(0, e - baseline)
        fitted = _predict(y[:, lo:e], t[lo:e], phase[lo:e], t[e : e + 1], phase[e : e + 1], cycle)
        mean, var_eta, a = fitted
        disp = np.maximum(a + var_eta[:, 0], 1e-8)
        n_nb, p_nb = 1 / disp, 1 / (1 + disp * mean[:, 0])
        upper = stats.nbinom.ppf(1 - alpha, n_nb, p_nb)
        observed = y[:, e]
        p_tail = stats.nbinom.sf(observed - 1, n_nb, p_nb)
        rows.append(
            pd.DataFrame(
                {
                    "unit_code": units,
                    "period": str(period_bounds(np.array([first + e]), period)[0][0]),
                    "observed": observed,
                    "expected": mean[:, 0],
                    "upper": upper,
                    "p_tail": p_tail,
                    "dispersion": a,
                    "alert": (observed > upper) & (observed >= min_count),
                }
            )
        )
    lo = max(0, n_time - monitor - baseline)
    cut = n_time - monitor
    mean, var_eta, a = _predict(y[:, lo:cut], t[lo:cut], phase[lo:cut], t[cut:], phase[cut:], cycle)
    z = _pit_residuals(y[:, cut:], mean, np.maximum(a[:, None] + var_eta, 1e-8))
    s, run_start = np.zeros(len(units)), np.full(len(units), cut)
    for step in range(monitor):
        s = np.maximum(0.0, s + z[:, step] - cusum_k)
        run_start = np.where(s == 0, cut + step + 1, run_start)
    starts, _ = period_bounds(first + np.minimum(run_start, n_time - 1), period)
    cusum = pd.DataFrame(
        {
            "unit_code": units,
            "cusum": s,
            "since": starts.astype(str),
            "observed": y[:, cut:].sum(1),
            "expected": mean.sum(1),
            "alarm": (s > cusum_h) & (y[:, cut:].sum(1) >= min_count),
        }
    )
    return AnomalyResult(
        period=period,
        study_start=str(period_bounds(np.array([first]), period)[0][0]),
        study_end=str(period_bounds(np.array([last]), period)[1][0]),
        n_units=len(units),
        alpha=alpha,
        min_count=min_count,
        cusum_k=cusum_k,
        cusum_h=cusum_h,
        arl0=arl0(cusum_k, cusum_h),
        indicator=indicator,
        place=place,
        assessed=pd.concat(rows, ignore_index=True),
        cusum=cusum,
        series=pd.DataFrame(
            y, index=units, columns=period_bounds(np.arange(first, last + 1), period)[0]
        ),
    )


def _pit_residuals(y: np.ndarray, mean: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    """Normal scores of the mid-p probability integral transform of NB counts: close to
    N(0, 1) in control even for small counts, unlike Pearson residuals."""
    n, p = 1 / dispersion, 1 / (1 + dispersion * mean)
    u = stats.nbinom.cdf(y - 1, n, p) + 0.5 * stats.nbinom.pmf(y, n, p)
    return stats.norm.ppf(np.clip(u, 1e-12, 1 - 1e-12))


def _predict(y, t, phase, t_new, phase_new, cycle):
    """Fit on (t, y) and predict at ``t_new``: means (units, m), Var eta (units, m), alpha."""
    seasonal = t.size >= 2 * cycle
    origin = t_new[0]
    design = design_matrix(t / cycle, phase if seasonal else None, origin / cycle)
    new = design_matrix(t_new / cycle, phase_new if seasonal else None, origin / cycle)
    beta, a, cov = fit_negative_binomial(design, y)
    eta = beta @ new.T
    var_eta = np.einsum("mp,upq,mq->um", new, cov, new)
    return np.exp(np.clip(eta, -30, 30)), var_eta, a
