"""Target polygons of 10,000-15,000 people: Sereno's bounded regions next to spopt's max-p.

A synthetic lattice of square blocks (queen contiguity) with log-normal populations (median
1,500, spread 0.6, so a polygon needs about six blocks) and a uniform risk. Both run in this
process on the same layer and weights: ours with the floor and the ceiling, spopt's
``MaxPHeuristic`` with the floor (it has no ceiling) at its defaults (99 construction, 10
annealing iterations) where that finishes in reasonable time, and with the reduced settings
our ``--method maxp`` uses (10 and 1) otherwise. For each: time, regions, share of regions
outside 10,000-15,000, units left out; bounds and contiguity checked on libpysal weights.
Run: .venv/bin/python benchmarks/prioritise.py [sides...]  (default 32 50 100)
"""

from __future__ import annotations

import sys
import time
import warnings

import geopandas as gpd
import numpy as np
from libpysal.weights import Queen
from shapely.geometry import box

from sereno.prioritise.polygons import check_polygons, target_polygons

FLOOR, CEILING = 10_000, 15_000
SPOPT_DEFAULTS_UP_TO = 1_100
SPOPT_UP_TO = 2_600


def layer(side: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(side)
    n = side * side
    pop = np.minimum(rng.lognormal(np.log(1500), 0.6, n).astype(int) + 1, CEILING)
    return gpd.GeoDataFrame(
        {"code": [f"B{i:05d}" for i in range(n)], "pop": pop, "risk": rng.random(n)},
        geometry=[box(i % side, i // side, i % side + 1, i // side + 1) for i in range(n)],
    )


def spopt_maxp(frame, w, iterations):
    from spopt.region import MaxPHeuristic

    np.random.seed(1)
    model = MaxPHeuristic(
        frame, w, ["risk"], "pop", FLOOR, top_n=2,
        max_iterations_construction=iterations[0], max_iterations_sa=iterations[1],
        policy="keep",
    )  # fmt: skip
    start = time.perf_counter()
    model.solve()
    return time.perf_counter() - start, np.asarray(model.labels_)


def report(name: str, seconds: float, labels: np.ndarray, w, pop) -> None:
    checked = check_polygons(w.sparse, pop, labels)
    out = ~checked["population"].between(FLOOR, CEILING)
    print(
        f"  {name:<34} {seconds:8.2f} s  regions {len(checked):5d}  "
        f"out of bounds {out.mean():6.1%} (above {(checked['population'] > CEILING).mean():5.1%})"
        f"  not contiguous {(~checked['contiguous']).sum()}  left out {(labels < 0).sum()}"
    )


def run(side: int) -> None:
    frame = layer(side)
    n = len(frame)
    warnings.simplefilter("ignore")
    w = Queen.from_dataframe(frame, use_index=False)
    print(f"{n:,} units, {frame['pop'].sum():,} people")
    start = time.perf_counter()
    ours = target_polygons(frame, id="code", population="pop", risk="risk",
                           floor=FLOOR, ceiling=CEILING, seed=1)  # fmt: skip
    t_ours = time.perf_counter() - start
    report("sereno bounded (floor + ceiling)", t_ours, ours.polygon - 1, w, frame["pop"].values)
    if n <= SPOPT_UP_TO:
        runs = [("spopt max-p (10, 1)", (10, 1))]
        if n <= SPOPT_DEFAULTS_UP_TO:
            runs.append(("spopt max-p defaults (99, 10)", (99, 10)))
        for name, iterations in runs:
            seconds, labels = spopt_maxp(frame, w, iterations)
            report(name, seconds, labels - labels.min(), w, frame["pop"].values)
            print(f"  ratio spopt / sereno: {seconds / t_ours:.1f}x")


if __name__ == "__main__":
    for side in [int(a) for a in sys.argv[1:]] or [32, 50, 100]:
        run(side)
