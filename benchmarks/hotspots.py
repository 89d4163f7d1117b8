"""Gi* with 999 conditional permutations: Sereno's engine next to esda's G_Local.

A synthetic square lattice (rook contiguity from libpysal's lat2W, binary weights, each cell
in its own neighbourhood) with Poisson counts; both run in this process with the same seed and
the same weights. Each side is timed on the whole call (analytic part plus permutations);
esda with its defaults (joblib over all cores) and keep_simulations=False so that 100,000
units fit in memory. Run: .venv/bin/python benchmarks/hotspots.py [sizes...]
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd
from esda import G_Local
from libpysal.weights import lat2W

from sereno.spatial import hot_spots
from sereno.spatial.crand import G_STAR, pseudo_p_values

PERMUTATIONS = 999
SEED = 12345
FULL_ESDA_UP_TO = 20_000
CHUNK = 2_000


def run(side: int) -> None:
    n = side * side
    rng = np.random.default_rng(1)
    y = rng.poisson(3.0, n).astype(float)
    w = lat2W(side, side, rook=True)
    warnings.simplefilter("ignore")
    hot_spots(
        pd.DataFrame({"v": y[:100]}), "v", weights=lat2W(10, 10), permutations=9
    )  # compile once, outside the timing
    start = time.perf_counter()
    ours = hot_spots(
        pd.DataFrame({"v": y}),
        "v",
        weights=w,
        permutations=PERMUTATIONS,
        seed=SEED,
    )
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    g = G_Local(y, lat2W(side, side, rook=True), transform="B", star=True, permutations=0)
    t_analytic = time.perf_counter() - start
    start = time.perf_counter()
    pseudo_p_values(G_STAR, y, g.w, y.sum(), PERMUTATIONS, SEED)
    t_kernel = time.perf_counter() - start
    if n <= FULL_ESDA_UP_TO:
        start = time.perf_counter()
        G_Local(
            y,
            lat2W(side, side, rook=True),
            transform="B",
            star=True,
            permutations=PERMUTATIONS,
            seed=SEED,
            keep_simulations=False,
        )
        t_esda, how = time.perf_counter() - start, "full run"
    else:
        t_esda, how = t_analytic + esda_chunk_time(y, g.w, n), f"chunk of {CHUNK:,} scaled"
    print(
        f"n={n:>7,}  sereno {t_ours:7.2f} s  (of which esda analytic part {t_analytic:5.2f} s, "
        f"our permutation kernel {t_kernel:5.2f} s)  esda G_Local {t_esda:8.2f} s ({how})  "
        f"ratio esda/sereno local Gi* {t_esda / (t_analytic + t_kernel):6.1f}x, "
        f"esda/sereno whole hot_spots (with global Moran, 999 perms) {t_esda / t_ours:6.1f}x  "
        f"max |z - esda z| "
        f"{np.abs(ours.z - g.Zs).max():.1e}",
        flush=True,
    )


def esda_chunk_time(y, w, n: int) -> float:
    """esda's own permutation loop (``esda.crand.compute_chunk``, as its serial path calls
    it) timed on the first CHUNK units of the full problem and scaled to n units: its cost
    per unit is O(n) (it copies the value vector without unit i), so units are alike."""
    from esda.crand import compute_chunk, vec_permutations
    from esda.getisord import _g_local_star_crand

    from sereno.spatial.crand import weights_arrays

    indptr, _, other, self_w = weights_arrays(w)
    card = np.diff(indptr)
    start = time.perf_counter()
    ids = vec_permutations(card.max(), n, PERMUTATIONS, SEED)
    t_ids = time.perf_counter() - start
    args = (
        y,
        y,
        np.zeros(n),
        card,
        self_w,
        other,
        ids,
        y.sum(),
        False,
        _g_local_star_crand,
        0.0,
        "directed",
    )
    compute_chunk(0, y[:10], *args[1:3], card[:10], self_w[:10], *args[5:])  # compile
    start = time.perf_counter()
    compute_chunk(
        0,
        y[:CHUNK],
        y,
        np.zeros(CHUNK),
        card[:CHUNK],
        self_w[:CHUNK],
        other,
        ids,
        y.sum(),
        False,
        _g_local_star_crand,
        0.0,
        "directed",
    )
    return t_ids + (time.perf_counter() - start) * n / CHUNK


if __name__ == "__main__":
    sides = [int(s) for s in sys.argv[1:]] or [100, 317]
    for s in sides:
        run(s)
