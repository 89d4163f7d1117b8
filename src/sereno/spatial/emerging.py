"""Emerging hot spots: how each place's hot spot status changes from one time step to the next.

Emerging Hot Spot Analysis (ArcGIS Pro's tool of that name; Parry's sfdep
``emerging_hotspot_analysis()`` in R) in three steps:

1. the space-time Getis-Ord Gi* of every bin of a units x time-steps cube, neighbours in
   space and in the ``lags`` previous steps (``emerging_gistar``), with the analytic p or a
   conditional-permutation p, and the false discovery rate over the cube's bins when asked;
2. the Mann-Kendall trend of each unit's series of z (``emerging_trend``);
3. one of 17 categories per unit (``emerging_rules``): new, consecutive, intensifying,
   persistent, diminishing, sporadic, oscillating or historical hot spot, the same eight
   cold, or no pattern.

``rules="arcgis"`` (default) follows ArcGIS: binary weights, the neighbourhood-time-step
global window, analytic p, Benjamini-Hochberg FDR, alpha 0.05, ArcGIS's category rules.
``rules="sfdep"`` follows sfdep's source: row-standardised weights repeated at each lag, the
time slice as global window, 199 permutations drawn from the whole cube without holding the
bin's own value, no FDR, threshold 0.01 (``p_sim <= 0.01``), sfdep's category rules. Each
choice can be overridden (``window``, ``permutations``, ``alpha``, ``fdr``).
Known difference from sfdep that remains: a tied draw counts toward the upper tail only in
our folded p (esda's rule), toward both tails in sfdep's ``pmin(l, g)``, so on counts with
many ties sfdep's p_sim can be slightly larger.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from esda import fdr as fdr_cutoff
from libpysal.weights import W

from sereno.errors import SerenoError
from sereno.spatial.emerging_cube import Cube, build_cube
from sereno.spatial.emerging_gistar import (
    WINDOWS,
    analytic_p,
    gi_star_z,
    pseudo_p,
    space_time_weights,
)
from sereno.spatial.emerging_result import NOT_TESTED, EmergingHotSpots
from sereno.spatial.emerging_rules import RULES, classify
from sereno.spatial.emerging_trend import mann_kendall
from sereno.spatial.hotspots import LEVELS
from sereno.spatial.result import Title
from sereno.spatial.weights import WeightsSpec, spatial_weights, subset_weights

MIN_STEPS = 4
MIN_UNITS = 5
DEFAULTS = {
    "arcgis": {
        "window": "neighbourhood",
        "transform": "binary",
        "permutations": 0,
        "alpha": 0.05,
        "fdr": True,
        "pool": "neighbourhood",
        "keep_self": True,
    },
    "sfdep": {
        "window": "slice",
        "transform": "row",
        "permutations": 199,
        "alpha": 0.01,
        "fdr": False,
        "pool": "cube",
        "keep_self": False,
    },
}


def emerging_hot_spots(
    table: pd.DataFrame,
    units: gpd.GeoDataFrame | None = None,
    *,
    unit: str = "unit_code",
    time: str = "month",
    value: str = "count",
    unit_id: str | None = None,
    weights: str | W = "queen",
    lags: int = 1,
    rules: str = "arcgis",
    window: str | None = None,
    permutations: int | None = None,
    seed: int = 12345,
    alpha: float | None = None,
    fdr: bool | None = None,
    fill_missing: bool = True,
    title: Title | None = None,
) -> EmergingHotSpots:
    """Emerging hot spots of ``value`` in a tidy ``table`` (one row per unit and time step).

    ``units`` is the layer of units (its ``unit_id`` column, default ``unit``, holds the
    codes of the table's ``unit`` column); the spatial weights (``queen``, ``rook``,
    ``knn:K``, ``distance:METRES``) come from its geometry, or ``weights`` is a libpysal
    ``W`` over the units in the order of ``units`` (or of the table's sorted codes).
    """
    if isinstance(weights, W):
        codes = None if units is None else _layer_codes(units, unit_id or unit)
        cube = build_cube(table, unit, time, value, codes, fill_missing)
        w, spec = weights, "custom"
    else:
        if units is None:
            raise SerenoError("spatial.no_geometry")
        spec = str(WeightsSpec.parse(weights))
        codes = _layer_codes(units, unit_id or unit)
        cube = build_cube(table, unit, time, value, codes, fill_missing)
        w = spatial_weights(units, spec)
    return emerging_from_cube(
        cube,
        w,
        weights_name=spec,
        lags=lags,
        rules=rules,
        window=window,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        fdr=fdr,
        title=title or Title(indicator=value),
        geometry=None if units is None else units.geometry.reset_index(drop=True),
    )


def emerging_from_cube(
    cube: Cube,
    w: W,
    *,
    weights_name: str = "custom",
    lags: int = 1,
    rules: str = "arcgis",
    window: str | None = None,
    permutations: int | None = None,
    seed: int = 12345,
    alpha: float | None = None,
    fdr: bool | None = None,
    title: Title | None = None,
    geometry: object = None,
) -> EmergingHotSpots:
    """Emerging hot spots of a dense ``cube`` (units x steps) with spatial weights ``w``."""
    if rules not in RULES:
        raise SerenoError("spatial.emerging_bad_rules", value=rules, rules=", ".join(RULES))
    settings = dict(DEFAULTS[rules])
    window = window or settings["window"]
    if window not in WINDOWS:
        raise SerenoError("spatial.emerging_bad_window", value=window, windows=", ".join(WINDOWS))
    permutations = settings["permutations"] if permutations is None else int(permutations)
    alpha = settings["alpha"] if alpha is None else float(alpha)
    use_fdr = settings["fdr"] if fdr is None else bool(fdr)
    if permutations < 0:
        raise SerenoError("spatial.bad_permutations", value=permutations)
    if not 0 < alpha < 1:
        raise SerenoError("spatial.bad_alpha", value=alpha)
    if lags < 0:
        raise SerenoError("spatial.emerging_bad_lags", value=lags)
    steps = cube.values.shape[1]
    if steps < MIN_STEPS:
        raise SerenoError("spatial.emerging_too_few_steps", n=steps, minimum=MIN_STEPS)
    if w.n != len(cube.unit_codes):
        raise SerenoError("spatial.emerging_weights_size", n=w.n, units=len(cube.unit_codes))
    cardinality = np.diff(w.sparse.tocsr().indptr)
    tested = cardinality > 0
    if tested.sum() < MIN_UNITS:
        raise SerenoError("spatial.too_few_units", n=int(tested.sum()), minimum=MIN_UNITS)
    if not tested.all():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = subset_weights(w, tested)
    x = cube.values[tested].T.copy()  # steps x units, time-major like the bins
    if np.ptp(x) == 0:
        raise SerenoError("spatial.constant_values", value=title.indicator if title else "")
    st = space_time_weights(w, steps, lags, settings["transform"])
    z = gi_star_z(x, st, lags, window)
    p = analytic_p(z)
    p_sim = None
    if permutations:
        p_sim = pseudo_p(x, st, lags, permutations, seed, settings["pool"], settings["keep_self"])
    p_used = p_sim if p_sim is not None else p
    cutoff = float(fdr_cutoff(p_used.ravel(), alpha)) if use_fdr else alpha
    significant = p_used <= cutoff if rules == "sfdep" else p_used < cutoff
    levels = np.zeros(z.shape, dtype=np.int64)
    for level_alpha, level in LEVELS:
        level_cut = float(fdr_cutoff(p_used.ravel(), level_alpha)) if use_fdr else level_alpha
        levels[p_used < level_cut] = level
    bins = (np.sign(z).astype(np.int64) * levels).T
    trend = mann_kendall(z.T)
    category = classify(z.T, significant.T, trend.tau, trend.p, alpha, rules)
    return EmergingHotSpots(
        rules=rules,
        window=window,
        weights=weights_name,
        lags=lags,
        value_name=title.indicator if title else "",
        unit_codes=cube.unit_codes,
        steps=list(cube.labels),
        status=np.where(tested, "ok", "island").astype(object),
        values=cube.values,
        z=_expand(z.T, tested, np.nan),
        p=_expand(p.T, tested, np.nan),
        p_sim=None if p_sim is None else _expand(p_sim.T, tested, np.nan),
        significant=_expand(significant.T, tested, False).astype(bool),
        bins=_expand(bins, tested, 0).astype(np.int64),
        trend=type(trend)(**{k: _expand(v, tested, np.nan) for k, v in trend.__dict__.items()}),
        category=_expand(category, tested, NOT_TESTED).astype(object),
        significance="permutation" if p_sim is not None else "analytic",
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        fdr=use_fdr,
        fdr_cutoff=cutoff if use_fdr else None,
        filled=cube.filled,
        title=title or Title(indicator=""),
        geometry=geometry,
    )


def _layer_codes(units: pd.DataFrame, column: str) -> np.ndarray:
    if column not in units.columns:
        raise SerenoError(
            "spatial.missing_column",
            column=column,
            columns=", ".join(str(c) for c in units.columns if c != "geometry"),
        )
    codes = units[column].astype("string").str.strip()
    if codes.duplicated().any():
        raise SerenoError(
            "spatial.duplicate_id", column=column, id=codes[codes.duplicated()].iloc[0]
        )
    return codes.to_numpy(dtype=object)


def _expand(values: np.ndarray, keep: np.ndarray, fill: object) -> np.ndarray:
    dtype = object if values.dtype == object else (float if fill is np.nan else values.dtype)
    out = np.full((len(keep), *values.shape[1:]), fill, dtype=dtype)
    out[keep] = values
    return out


def emerging_from_file(
    table_path: Path,
    layer_path: Path,
    *,
    unit: str = "unit_code",
    time: str = "month",
    value: str = "count",
    unit_id: str | None = None,
    **options: object,
) -> EmergingHotSpots:
    """``emerging_hot_spots`` on a table file (CSV, XLSX, Parquet, JSON) and a layer file."""
    from sereno.io import read_table
    from sereno.spatial.analyse import read_layer

    table = read_table(Path(table_path))
    layer = read_layer(Path(layer_path))
    title = Title(indicator=value, level=Path(layer_path).stem)
    return emerging_hot_spots(
        table, layer, unit=unit, time=time, value=value, unit_id=unit_id, title=title, **options
    )


def emerging_from_store(
    obs: object,
    *,
    offence: str = "0101",
    value: str = "count",
    level: str | None = None,
    source: str | None = None,
    start: str | None = None,
    end: str | None = None,
    count_basis: str | None = None,
    weights: str = "queen",
    **options: object,
) -> EmergingHotSpots:
    """``emerging_hot_spots`` on the observatory's unit x month counts (or rates) of
    ``offence``, as the counts cube of the indicators stage gives them (one source, or
    ``count_basis`` linked events or the estimated total)."""
    from sereno.spatial.emerging_store import store_cube

    cube, layer, source_name = store_cube(
        obs, offence, value, level, source, start, end, count_basis
    )
    spec = str(WeightsSpec.parse(weights))
    w = spatial_weights(layer, spec)
    period = f"{cube.labels[0]} – {cube.labels[-1]}" if cube.labels else ""
    title = Title(indicator=f"{offence} ({source_name})", level=level or "", period=period)
    return emerging_from_cube(
        cube, w, weights_name=spec, title=title, geometry=layer.geometry, **options
    )
