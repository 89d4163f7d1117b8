"""Exact Poisson intervals, tests of two rates, and empirical-Bayes smoothing.

All functions are vectorised over NumPy arrays: one call serves every unit and period.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def poisson_interval(n: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood 1936) two-sided interval for a Poisson mean, given ``n`` events.

    lower = χ²(α/2; 2n) / 2 and upper = χ²(1 − α/2; 2n + 2) / 2, with lower = 0 when n = 0.
    Dividing by the exposure (person-years) and multiplying by 100,000 gives the interval of a
    rate. This is statsmodels' ``confint_poisson(method="exact-c")``.
    """
    n = np.asarray(n, dtype=float)
    values, inverse = np.unique(n, return_inverse=True)  # counts repeat: invert each once
    # χ²(q; 2n) / 2 is the q-quantile of Gamma(n, 1): scipy.special.gammaincinv(n, q)
    with np.errstate(invalid="ignore"):
        lower = np.where(
            values > 0, special.gammaincinv(np.maximum(values, 1e-300), alpha / 2), 0.0
        )
        upper = special.gammaincinv(values + 1, 1 - alpha / 2)
    return lower[inverse].reshape(n.shape), upper[inverse].reshape(n.shape)


def compare_rates(
    n1: np.ndarray,
    e1: np.ndarray,
    n0: np.ndarray,
    e0: np.ndarray,
    alpha: float = 0.05,
) -> dict[str, np.ndarray]:
    """Rate ratio of period 1 against period 0 and the conditional exact test of equal rates.

    Given the total n1 + n0, under equal rates n1 is Binomial(n1 + n0, π) with
    π = e1 / (e1 + e0) (Przyborowski and Wilenski 1940). The two-sided p-value is twice the
    smaller tail, capped at 1 (the "central" exact test). The interval of the ratio maps the
    Clopper-Pearson interval (pL, pU) of π̂ = n1 / (n1 + n0) to
    RR = p / (1 − p) × e0 / e1. A rise from 2 to 3 events has p = 1: it is not news.
    """
    n1 = np.asarray(n1, dtype=float)
    n0 = np.asarray(n0, dtype=float)
    e1 = np.asarray(e1, dtype=float)
    e0 = np.asarray(e0, dtype=float)
    total = n1 + n0
    valid = (e1 > 0) & (e0 > 0) & np.isfinite(total)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(valid, e1 / (e1 + e0), np.nan)
        totals = np.where(valid, total, 0)
        k = np.where(valid, n1, 0)
        # P(X ≤ k) = I_{1-π}(N − k, k + 1) and P(X ≥ k) = I_π(k, N − k + 1) (incomplete beta)
        rest = totals - k
        lower_tail = np.where(
            rest > 0, special.betainc(np.maximum(rest, 1e-300), k + 1, 1 - share), 1.0
        )
        upper_tail = np.where(k > 0, special.betainc(np.maximum(k, 1e-300), rest + 1, share), 1.0)
        p = np.minimum(1.0, 2 * np.minimum(lower_tail, upper_tail))
        p = np.where(valid & (total > 0), p, np.where(valid, 1.0, np.nan))
        ratio = (n1 / e1) / (n0 / e0)
        p_lo = np.where(n1 > 0, special.betaincinv(np.maximum(n1, 1e-300), n0 + 1, alpha / 2), 0.0)
        p_hi = np.where(
            n0 > 0, special.betaincinv(n1 + 1, np.maximum(n0, 1e-300), 1 - alpha / 2), 1.0
        )
        ratio_lower = p_lo / (1 - p_lo) * e0 / e1
        ratio_upper = np.where(p_hi < 1, p_hi / (1 - p_hi) * e0 / e1, np.inf)
    ratio = np.where(valid, ratio, np.nan)
    return {
        "rate_ratio": ratio,
        "rate_ratio_lower": np.where(valid & (total > 0), ratio_lower, np.nan),
        "rate_ratio_upper": np.where(valid & (total > 0), ratio_upper, np.nan),
        "p_value": p,
    }


def empirical_bayes(n: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Global empirical-Bayes smoothed rates (Marshall 1991), as esda's ``Empirical_Bayes``.

    With raw rates r_i = n_i / e_i, the global rate b = Σn / Σe and the moment estimate of
    the between-unit variance a = s² − b / ē (s² = Σ e_i (r_i − b)² / Σe, ē = mean exposure,
    a set to 0 if negative), the smoothed rate is w_i r_i + (1 − w_i) b with
    w_i = a / (a + b / e_i): small populations lean on the global rate, large ones keep
    their own. Units run along axis 0; a 2-D input smooths each column (period) on its own.
    Returns events per unit of exposure (multiply by 100,000 for a rate); NaN where e ≤ 0.
    """
    n = np.asarray(n, dtype=float)
    e = np.asarray(exposure, dtype=float)
    one = n.ndim == 1
    if one:
        n, e = n[:, None], e[:, None]
    ok = e > 0
    n0 = np.where(ok, n, 0.0)
    e0 = np.where(ok, e, 0.0)
    units = ok.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = n0.sum(axis=0) / e0.sum(axis=0)
        r = np.where(ok, n0 / e, np.nan)
        s2 = np.nansum(e0 * (r - b) ** 2, axis=0) / e0.sum(axis=0)
        a = np.maximum(s2 - b / (e0.sum(axis=0) / units), 0.0)
        w = np.where(a + b / e > 0, a / (a + b / e), 1.0)
        out = np.where(ok, w * r + (1 - w) * b, np.nan)
    return out[:, 0] if one else out


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg (1995) q-values; NaN p-values stay NaN and are not counted."""
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m == 0:
        return q
    order = np.argsort(p[ok])
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    values = np.empty(m)
    values[order] = np.minimum(ranked, 1.0)
    q[ok] = values
    return q
