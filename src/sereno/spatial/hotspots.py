"""Hot spots and local clusters: Getis-Ord Gi*, Gi and local Moran's I, with esda.

``hot_spots`` takes one row per unit, a value column (or a count and a population column for
rates, see ``sereno.spatial.rates``), builds the spatial weights, and returns a ``HotSpots``
result: for each unit the statistic's z-score, its two-sided analytic p-value, optionally a
conditional-permutation pseudo p-value, and a bin from -3 to 3 (cold spot at 99, 95, 90%
confidence, not significant, hot spot at 90, 95, 99%), the convention of ArcGIS's Hot Spot
Analysis; with ``fdr`` the three confidence levels are Benjamini-Hochberg corrected as ArcGIS
does. Global Moran's I comes alongside.

Conventions:

- **Gi\\*** (Getis and Ord 1992; Ord and Getis 1995) uses binary weights with each unit in its
  own neighbourhood (self-weight 1), as ArcGIS does; ``transform="row"`` row-standardises them
  instead (self-weight 1 / (k + 1)). Bins come from the analytic p-value, as in ArcGIS.
- **Gi** leaves the unit out of its own neighbourhood (binary by default).
- **local Moran's I** (Anselin 1995) uses row-standardised weights by default. z and p use
  Anselin's total-randomisation moments (``EI``, ``VI``, as ArcGIS); with permutations, the
  significance of bins and quadrants comes from the pseudo p-value (folded, as GeoDa).
  Its bin is signed by the statistic: positive for clusters (HH, LL), negative for spatial
  outliers (HL, LH). The quadrant is HH, LL, HL, LH where significant at ``alpha``, else ns.
- The analytic p-value is two-sided, ``2 · (1 - Φ(|z|))``; esda's ``p_norm`` is one-sided.
- Gi and Gi* are defined for values that are not negative; values with negatives (the EB
  rate, excess counts) are shifted by their minimum first, which leaves z and p unchanged.
- **Left out, and said so:** units whose value is missing (or whose population is missing or
  zero, for rates) and units without neighbours (islands, after the missing ones are gone)
  are not tested; they stay in the output with bin 0, empty z and p, and ``status``
  ``missing`` or ``island``. Fewer than five units left, or all values equal, is an error.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from esda import Moran_Local, fdr
from libpysal.weights import W
from scipy import sparse, stats

from sereno.errors import SerenoError
from sereno.spatial.crand import G_STAR, MORAN, G, moran_numerators, pseudo_p_values
from sereno.spatial.rates import RATE_KINDS, rate_values
from sereno.spatial.result import GlobalMoran, HotSpots, Title
from sereno.spatial.weights import WeightsSpec, as_w, weights_matrix

METHODS = ("gi_star", "gi", "local_moran")
LEVELS = ((0.10, 1), (0.05, 2), (0.01, 3))
QUADRANTS = np.array(["ns", "HH", "LH", "LL", "HL"])
MIN_UNITS = 5


def numeric_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """``column`` as floats (NaN where empty); text that is not a number is a user error."""
    if column not in frame.columns:
        raise SerenoError(
            "spatial.missing_column",
            column=column,
            columns=", ".join(str(c) for c in frame.columns if c != "geometry"),
        )
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw):
        return raw.to_numpy(dtype=float, na_value=np.nan)
    text = raw.astype("string").str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna() & (text != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SerenoError("spatial.not_numeric", column=column, row=row + 1, value=raw.iloc[row])
    return numbers.to_numpy(dtype=float, na_value=np.nan)


def test_values(
    frame: pd.DataFrame, value: str | None, rate: tuple[str, str] | None, rate_kind: str
) -> tuple[np.ndarray, str]:
    """The values to test (NaN where they cannot be computed) and their name."""
    if rate is None:
        if value is None:
            raise SerenoError("spatial.no_value")
        return numeric_column(frame, value), value
    if rate_kind not in RATE_KINDS:
        raise SerenoError("spatial.bad_rate_kind", value=rate_kind, kinds=", ".join(RATE_KINDS))
    counts, population = (numeric_column(frame, c) for c in rate)
    usable = np.isfinite(counts) & np.isfinite(population) & (population > 0)
    values = np.full(len(frame), np.nan)
    values[usable] = rate_values(rate_kind, counts[usable], population[usable])
    return values, f"{rate_kind}:{rate[0]}/{rate[1]}"


def hot_spots(
    units: pd.DataFrame,
    value: str | None = None,
    *,
    id_column: str | None = None,
    rate: tuple[str, str] | None = None,
    rate_kind: str = "eb",
    method: str = "gi_star",
    weights: str | W = "queen",
    transform: str | None = None,
    permutations: int = 0,
    seed: int = 12345,
    fdr_alpha: float | None = None,
    title: Title | None = None,
    engine=None,
) -> HotSpots:
    """Local hot-spot statistics of ``value`` (or of a rate) over the rows of ``units``.

    ``units`` is a GeoDataFrame (weights built from its geometry by ``weights``, a spec such
    as ``queen`` or ``knn:6``) or any DataFrame with ``weights`` a libpysal ``W`` in row order.
    ``transform`` is ``binary`` or ``row`` (default binary for Gi*/Gi, row for local Moran).
    ``engine``: the store's engine; a distributed one (Spark) runs the permutations of the
    units in parallel groups, with the same draws and the same results.
    """
    if method not in METHODS:
        raise SerenoError("spatial.bad_method", value=method, methods=", ".join(METHODS))
    transform = transform or ("row" if method == "local_moran" else "binary")
    if transform not in ("binary", "row"):
        raise SerenoError("spatial.bad_transform", value=transform)
    if permutations < 0:
        raise SerenoError("spatial.bad_permutations", value=permutations)
    if fdr_alpha is not None and not 0 < fdr_alpha < 1:
        raise SerenoError("spatial.bad_alpha", value=fdr_alpha)
    units = units.reset_index(drop=True)
    ids = (units[id_column] if id_column else pd.Series(units.index)).astype(str).to_numpy()
    if id_column and pd.Series(ids).duplicated().any():
        raise SerenoError(
            "spatial.duplicate_id",
            column=id_column,
            id=pd.Series(ids)[pd.Series(ids).duplicated()].iloc[0],
        )
    y_all, value_name = test_values(units, value, rate, rate_kind)
    if isinstance(weights, W):
        a_all, spec = binary_matrix(weights.sparse), "custom"
    else:
        if not isinstance(units, gpd.GeoDataFrame):
            raise SerenoError("spatial.no_geometry")
        spec = str(WeightsSpec.parse(weights))
        a_all = weights_matrix(units, spec)
    status = np.where(np.isfinite(y_all), "ok", "missing").astype(object)
    a = a_all if (status == "ok").all() else a_all[status == "ok"][:, status == "ok"]
    cardinality = np.diff(a.indptr)
    if (cardinality == 0).any():
        tested = np.flatnonzero(status == "ok")
        status[tested[cardinality == 0]] = "island"
        a = a[cardinality > 0][:, cardinality > 0]
    keep = status == "ok"
    y = y_all[keep]
    if keep.sum() < MIN_UNITS:
        raise SerenoError("spatial.too_few_units", n=int(keep.sum()), minimum=MIN_UNITS)
    if np.ptp(y) == 0:
        raise SerenoError("spatial.constant_values", value=value_name)
    local = _local_statistic(method, y, a, transform, permutations, seed, engine)
    moran = global_moran(y, a, permutations, seed)
    significance = "permutation" if method == "local_moran" and permutations else "analytic"
    p_used = local["p_sim"] if significance == "permutation" else local["p"]
    levels = np.zeros(len(y), dtype=np.int64)
    for alpha, level in LEVELS:
        cutoff = fdr(p_used, alpha) if fdr_alpha else alpha
        levels[p_used < cutoff] = level
    sign = np.sign(local["statistic_sign"]).astype(np.int64)
    alpha = fdr_alpha or 0.05
    cutoff = fdr(p_used, alpha) if fdr_alpha else alpha
    quadrant = None
    if method == "local_moran":
        quadrant = np.where(p_used < cutoff, QUADRANTS[local["q"]], "ns")
    return HotSpots(
        method=method,
        weights=spec,
        transform=transform,
        value_name=value_name,
        unit_codes=ids,
        status=status,
        value=y_all,
        statistic=_expand(local["statistic"], keep),
        z=_expand(local["z"], keep),
        p=_expand(local["p"], keep),
        p_sim=_expand(local["p_sim"], keep) if permutations else None,
        bins=_expand(sign * levels, keep, fill=0).astype(np.int64),
        quadrant=None if quadrant is None else _expand(quadrant, keep, fill="ns"),
        significance=significance,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        fdr=fdr_alpha is not None,
        n_significant=int((p_used < alpha).sum()),
        n_significant_fdr=int((p_used < cutoff).sum()) if fdr_alpha else None,
        moran=moran,
        title=title or Title(indicator=value_name),
        geometry=units.geometry if isinstance(units, gpd.GeoDataFrame) else None,
    )


def binary_matrix(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    """Weights as binary CSR without diagonal (sorted indices): what esda's ``transform="B"``
    makes of a libpysal ``W``."""
    out = sparse.csr_matrix(matrix, dtype=np.float64, copy=True)
    out.setdiag(0)
    out.eliminate_zeros()
    out.data[:] = 1.0
    out.sort_indices()
    return out


def _row_standardised(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    out = sparse.diags(1.0 / sums) @ matrix
    out = sparse.csr_matrix(out)
    out.sort_indices()
    return out


def gi_local(y: np.ndarray, a: sparse.csr_matrix, star: bool, transform: str) -> dict:
    """Getis-Ord Gi (``star=False``) or Gi* of ``y`` with binary contiguity ``a`` (no
    diagonal), ``transform`` binary or row (Getis and Ord 1992; Ord and Getis 1995).

    esda's ``G_Local.calc`` line for line, on a SciPy matrix instead of a libpysal ``W``:
    Gi* puts each unit in its own neighbourhood with weight 1 before the transform, as
    esda's ``fill_diagonal(w, 1)``; Gi leaves it out and draws on the other n - 1 units.
    ``G = Σ_j w_ij y_j / (Σ y - y_i [Gi])``, ``E[G] = W_i / N``,
    ``V[G] = W_i (N - W_i) / (N - 1) / N² · s² / ȳ²`` with ``N``, ``ȳ`` and ``s²`` over the
    units that count (the others than i for Gi). Tested equal to esda within 1e-9
    (tests/spatial/test_reference.py).
    """
    m = (a + sparse.identity(a.shape[0], format="csr")).tocsr() if star else a
    m.sort_indices()
    if transform == "row":
        m = _row_standardised(m)
    remove_self = 0 if star else 1
    n = len(y) - remove_self
    total = y.sum() - y * remove_self
    statistic = (m @ y) / total
    mean = total / n
    mean_of_squares = ((y**2).sum() - (y**2) * remove_self) / n
    variance = mean_of_squares - mean**2
    cardinality = np.asarray(m.sum(axis=1)).ravel()
    expected = cardinality / n
    spread = cardinality * (n - cardinality)
    spread = spread / (n - 1)
    spread = spread * (1 / n**2)
    spread = spread * (variance / (mean**2))
    return {"G": statistic, "Z": (statistic - expected) / np.sqrt(spread), "w": m}


def _local_statistic(
    method: str, y: np.ndarray, a: sparse.csr_matrix, transform: str, permutations: int,
    seed: int, engine=None,
) -> dict[str, np.ndarray]:  # fmt: skip
    code = "B" if transform == "binary" else "R"
    if method in ("gi_star", "gi"):
        star = method == "gi_star"
        shifted = y - y.min() if y.min() < 0 else y
        g = gi_local(shifted, a, star, transform)
        out = {"statistic": g["G"], "z": g["Z"], "statistic_sign": g["Z"]}
        kind, z, scaling, w_used = (G_STAR if star else G), shifted, shifted.sum(), g["w"]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = Moran_Local(y, as_w(a), transformation=code.lower(), permutations=0)
        z_i = (m.Is - m.EI) / np.sqrt(m.VI)
        out = {"statistic": m.Is, "z": z_i, "statistic_sign": m.Is, "q": m.q}
        kind, z, scaling, w_used = MORAN, m.z, (len(y) - 1) / (m.z * m.z).sum(), m.w.sparse
    out["p"] = 2 * stats.norm.sf(np.abs(out["z"]))
    out["p_sim"] = (
        pseudo_p_values(
            kind,
            z,
            w_used,
            scaling,
            permutations,
            seed,
            engine=engine if getattr(engine, "distributed", False) else None,
        )[0]
        if permutations
        else np.full(len(y), np.nan)
    )
    return out


def global_moran(y: np.ndarray, a: sparse.csr_matrix, permutations: int, seed: int) -> GlobalMoran:
    """Global Moran's I (Moran 1950; Cliff and Ord 1981) of ``y`` with the row-standardised
    weights of ``a``: esda's ``Moran`` (normal-approximation moments, two-tailed p_norm) on a
    SciPy matrix, its permutations drawn as esda draws them (``np.random.permutation`` of
    the deviations, NumPy's global generator seeded with ``seed`` and restored afterwards)
    but evaluated 64 at a time in a compiled kernel (``crand.moran_numerators``), so that
    p_sim is esda's for the same seed (tests/spatial/test_reference.py)."""
    w = _row_standardised(a)
    n = len(y)
    z = y - y.mean()
    z2ss = (z * z).sum()
    s0 = w.sum()
    both = w + w.T
    s1 = both.multiply(both).sum() / 2.0
    s2 = (np.asarray(w.sum(1) + w.sum(0).T) ** 2).sum()
    ei = -1.0 / (n - 1)
    vi = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n - 1) * (n + 1) * s0 * s0) - ei**2
    moran_i = n / s0 * (z * (w @ z)).sum() / z2ss
    z_norm = (moran_i - ei) / vi**0.5
    p_norm = 2.0 * (stats.norm.sf(z_norm) if z_norm > 0 else stats.norm.cdf(z_norm))
    p_sim = None
    if permutations:
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            larger = 0
            drawn = np.empty((min(64, permutations), n))
            arrays = (w.indptr.astype(np.int64), w.indices.astype(np.int64), w.data)
            for first in range(0, permutations, 64):
                rows = drawn[: min(64, permutations - first)]
                for row in rows:
                    # np.random.permutation(z) is a copy of z shuffled: the same draws
                    row[:] = z
                    np.random.shuffle(row)
                numerators = moran_numerators(rows, *arrays)
                larger += int((n / s0 * numerators / z2ss >= moran_i).sum())
        finally:
            np.random.set_state(state)
        larger = min(larger, permutations - larger)
        p_sim = (larger + 1.0) / (permutations + 1.0)
    return GlobalMoran(I=float(moran_i), EI=float(ei), z_norm=float(z_norm),
                       p_norm=float(p_norm), p_sim=p_sim)  # fmt: skip


def _expand(values: np.ndarray, keep: np.ndarray, fill: object = np.nan) -> np.ndarray:
    out = np.full(len(keep), fill, dtype=values.dtype if fill is not np.nan else float)
    out[keep] = values
    return out
