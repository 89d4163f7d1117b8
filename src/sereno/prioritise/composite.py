"""Normalisation and aggregation of a composite indicator (OECD/JRC Handbook, 2008, ch. 5-6).

Every function works on a matrix ``x`` of shape (units, indicators), column by column, and
already knows each indicator's direction (+1: more is more risk; -1: more is less risk), so a
higher composite always means higher risk. NaN never enters: inputs are checked before.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

NORMALISATIONS = ("zscore", "minmax", "rank", "distance")
AGGREGATIONS = ("arithmetic", "geometric")


def normalise(
    x: np.ndarray, method: str, direction: np.ndarray, reference: np.ndarray | None = None
) -> np.ndarray:
    """Indicators on a common scale, oriented so that higher is riskier.

    - ``zscore``: d (x - mean) / sd, the sample sd (ddof 1);
    - ``minmax``: (x - min) / (max - min), or (max - x) / (max - min) when d = -1;
    - ``rank``: the rank of d x among the units (ties take their mean rank), 1 the lowest;
    - ``distance``: distance to a reference, d (x - ref) / |ref| (ref defaults to the mean;
      a national rate or a target is the usual choice).

    A constant column normalises to 0 (z, min-max, distance) or to the mean rank: it cannot
    separate units, so it must not blow up the others.
    """
    x = np.asarray(x, dtype=float)
    d = np.asarray(direction, dtype=float)
    if method == "zscore":
        sd = x.std(axis=0, ddof=1)
        z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        return d * np.where(sd > 0, z, 0.0)
    if method == "minmax":
        low, high = x.min(axis=0), x.max(axis=0)
        span = high - low
        scaled = (x - low) / np.where(span > 0, span, 1.0)
        scaled = np.where(d > 0, scaled, 1.0 - scaled)
        return np.where(span > 0, scaled, 0.0)
    if method == "rank":
        return rankdata(d * x, axis=0)
    if method == "distance":
        ref = x.mean(axis=0) if reference is None else np.asarray(reference, dtype=float)
        ref = np.where(np.isnan(ref), x.mean(axis=0), ref)
        scale = np.abs(ref)
        return d * (x - ref) / np.where(scale > 0, scale, 1.0)
    raise ValueError(method)


def aggregate(v: np.ndarray, weights: np.ndarray, method: str) -> np.ndarray:
    """The composite of normalised indicators ``v`` with weights summing to one.

    Arithmetic: Σ w_j v_j. Geometric: Π v'_j^w_j, which needs positive values: a column with
    a value ≤ 0 (z-scores, min-max, distances) is first shifted to start at 1,
    v' = v - min(v) + 1, so that no unit's composite is zero whatever its other indicators
    (the geometric mean's point: poor performance on one indicator is not fully offset by
    another, Handbook section 6.1).
    """
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    if method == "arithmetic":
        return v @ w
    if method == "geometric":
        low = v.min(axis=0)
        shifted = np.where(low <= 0, v - low + 1.0, v)
        return np.exp(np.log(shifted) @ w)
    raise ValueError(method)


def composite(
    x: np.ndarray,
    weights: np.ndarray,
    direction: np.ndarray,
    normalisation: str,
    aggregation: str,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Normalise then aggregate: one score per unit, higher is riskier."""
    return aggregate(normalise(x, normalisation, direction, reference), weights, aggregation)


def risk_rank(score: np.ndarray) -> np.ndarray:
    """Rank 1 for the highest score; ties share the best (smallest) rank ("min" method)."""
    return rankdata(-np.asarray(score), method="min", axis=-1).astype(np.int64)
