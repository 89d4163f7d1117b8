"""Target polygons: contiguous groups of whole units with a population floor and ceiling.

PRONAPRED concentrated its money on "high-risk polygons, containing 10,000-15,000
inhabitants" chosen without public criteria (Crisis Group 2015, seed 002); this makes them by
a stated rule and ranks them by risk.

    result = target_polygons(colonias, id="code", population="pop", risk="score",
                             floor=10_000, ceiling=15_000)
    result.to_frame()   # one row per unit: polygon (None if left out) and reason
    result.polygons     # polygon, rank, population, risk, units, members, contiguous, ...

Methods: ``bounded`` (ours, floor and ceiling: ``regions.bounded_regions``); ``maxp``
(spopt's ``MaxPHeuristic``, floor only, Wei, Rey and Knaap 2020); ``skater`` (spopt's SKATER,
Assunção et al. 2006) and ``kmeans`` (spopt's ``RegionKMeansHeuristic``), the "grouping
analysis" of seed 000, with as many regions as the population over the mid-point of the
bounds. Only ``bounded`` holds the ceiling; for the others the result says which polygons
break the bounds.
"""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from sereno.errors import SerenoError
from sereno.prioritise.checks import numbers, require
from sereno.prioritise.polygons_result import TargetPolygons
from sereno.prioritise.regions import ISLAND, NO_FIT, SMALL_COMPONENT, bounded_regions

METHODS = ("bounded", "maxp", "skater", "kmeans")


def target_polygons(
    layer: gpd.GeoDataFrame,
    *,
    id: str,
    population: str,
    risk: str | None = None,
    floor: float = 10_000,
    ceiling: float | None = 15_000,
    method: str = "bounded",
    weights: str = "queen",
    seed: int = 12345,
    regions: int | None = None,
    maxp_iterations: tuple[int, int] = (10, 1),
) -> TargetPolygons:
    """Contiguous polygons of ``floor`` to ``ceiling`` people, ranked by population-weighted
    risk (1 = riskiest). ``maxp_iterations`` are spopt's construction and annealing
    iterations (its defaults, 99 and 10, take minutes past a few hundred units)."""
    from sereno.spatial.weights import spatial_weights

    if method not in METHODS:
        raise SerenoError(
            "prioritise.bad_choice", option="method", value=method, values=", ".join(METHODS)
        )
    frame = layer.reset_index(drop=True)
    codes = _codes(frame, id)
    pop = _people(frame, population, codes)
    values = numbers(frame, risk, codes) if risk else np.zeros(len(frame))
    floor_people, ceiling_people = _bounds(floor, ceiling, pop, codes, method)
    w = spatial_weights(frame, weights)
    graph = w.sparse.tocsr()
    if graph.nnz == 0 and len(frame) > 1:
        raise SerenoError("prioritise.no_contiguity", units=len(frame), weights=weights)
    reasons = np.full(len(frame), "", dtype=object)
    if method == "bounded":
        found = bounded_regions(graph, pop, floor_people, ceiling_people, values, seed=seed)
        labels, reasons = found.labels, found.reasons
    else:
        labels = _spopt(frame, w, pop, values, floor_people, method, seed, regions, maxp_iterations)
        k, comp = connected_components(graph, directed=False)
        totals = np.bincount(comp, weights=pop, minlength=k)
        small = (labels < 0) & (totals[comp] < floor_people)
        sizes = np.bincount(comp, minlength=k)[comp]
        reasons[small] = np.where(sizes[small] == 1, ISLAND, SMALL_COMPONENT)
        reasons[(labels < 0) & ~small] = NO_FIT
    return TargetPolygons.build(
        method=method,
        floor=floor_people,
        ceiling=ceiling_people,
        weights=weights,
        seed=seed,
        unit_codes=codes,
        population=pop,
        risk=values,
        risk_name=risk or "",
        labels=labels,
        reasons=reasons,
        graph=graph,
        geometry=frame.geometry if "geometry" in frame else None,
    )


def _spopt(frame, w, pop, risk, floor, method, seed, regions, iterations) -> np.ndarray:
    """Labels from spopt (-1 for a unit it leaves out), seeded as spopt is: NumPy's global
    generator."""
    from spopt.region import MaxPHeuristic, RegionKMeansHeuristic, Skater

    data = gpd.GeoDataFrame(
        {"population": pop, "risk": risk}, geometry=frame.geometry.to_numpy(), crs=frame.crs
    )
    n_regions = regions or max(1, round(pop.sum() / floor / 1.25))
    np.random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "maxp":
            model = MaxPHeuristic(
                data,
                w,
                ["risk"],
                "population",
                floor,
                top_n=2,
                max_iterations_construction=iterations[0],
                max_iterations_sa=iterations[1],
                policy="keep" if not w.islands and w.n_components == 1 else "drop",
            )
        elif method == "skater":
            model = Skater(data, w, ["risk"], n_clusters=n_regions, islands="increase")
        else:
            model = RegionKMeansHeuristic(data[["risk"]].to_numpy(), n_regions, w, seed=seed)
        model.solve()
    labels = np.asarray(model.labels_)
    if method == "maxp" and len(labels) < len(frame):  # policy "drop" solved the rest only
        return _undrop(w, pop, floor, labels)
    out = np.full(len(frame), -1, dtype=np.int64)
    _, out[:] = np.unique(labels, return_inverse=True)
    if method == "maxp":
        out[np.asarray(labels) <= 0] = -1
    return out


def _undrop(w, pop, floor, labels) -> np.ndarray:
    comp = np.asarray(w.component_labels)
    totals = np.bincount(comp, weights=pop)
    keep = np.flatnonzero(totals[comp] >= floor)
    out = np.full(len(pop), -1, dtype=np.int64)
    _, out[keep] = np.unique(labels, return_inverse=True)
    return out


def _codes(frame: pd.DataFrame, column: str) -> np.ndarray:
    require(frame, [column])
    codes = frame[column].astype(str).to_numpy()
    repeated = pd.Series(codes).duplicated()
    if repeated.any():
        raise SerenoError("prioritise.duplicate_unit", what=column, unit=codes[repeated][0])
    return codes


def _people(frame: pd.DataFrame, column: str, codes: np.ndarray) -> np.ndarray:
    """Whole people: the bounds are checked on the rounded populations."""
    values = numbers(frame, column, codes)
    if (values < 0).any():
        row = int(np.flatnonzero(values < 0)[0])
        raise SerenoError("prioritise.bad_value", column=column, unit=codes[row], value=values[row])
    return np.rint(values).astype(np.int64)


def _bounds(
    floor: float, ceiling: float | None, pop: np.ndarray, codes: np.ndarray, method: str
) -> tuple[int, int | None]:
    low = int(np.ceil(floor))
    if low <= 0:
        raise SerenoError("prioritise.bad_floor", floor=floor)
    if method == "bounded" and ceiling is None:
        raise SerenoError("prioritise.needs_ceiling")
    high = None if ceiling is None else int(np.floor(ceiling))
    if high is not None and high < low:
        raise SerenoError("prioritise.ceiling_below_floor", floor=low, ceiling=high)
    if high is not None and method == "bounded" and pop.max() > high:
        biggest = int(np.argmax(pop))
        raise SerenoError(
            "prioritise.ceiling_below_unit", ceiling=high, unit=codes[biggest], people=pop.max()
        )
    if pop.sum() < low:
        raise SerenoError("prioritise.bounds_unmet", total=int(pop.sum()), floor=low)
    return low, high


def check_polygons(graph: Any, pop: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Per polygon: population, units and whether its units form one contiguous piece in
    ``graph`` (the libpysal weights' sparse matrix), independently of how it was made."""
    rows = []
    graph = graph.tocsr()
    for p in np.unique(labels[labels >= 0]):
        members = np.flatnonzero(labels == p)
        pieces, _ = connected_components(graph[members][:, members], directed=False)
        rows.append((int(p), int(pop[members].sum()), len(members), pieces == 1))
    return pd.DataFrame(rows, columns=["label", "population", "units", "contiguous"])
