"""Calibration of multiple systems estimates: coverage of the 95% interval and relative bias.

Populations from ``sereno.estimate.simulate`` (known size N) over a grid: lists (3, 4, 5),
latent classes (one, or two with 30% of people in a hard class), the capture ratio between
the classes (1, 4, 8; the easy class is on each list with probability 0.5), dependence
between lists 1 and 2 (0 or 0.3) and N (1,000 or 3,000); ``--reps`` populations per cell.
Methods, each as ``sereno`` runs it:

- ``loglinear_bic``: the BIC-selected hierarchical model (log n penalty) and its profile
  interval, the reference packages' default;
- ``loglinear_window``: log-linear, AIC with heterogeneity terms, the envelope of the
  intervals of the models within ΔAIC ≤ 6 (``model_uncertainty.combine_models``);
- ``lcmcr``: LCMCR's posterior interval alone (2 chains × ``--iterations``);
- ``sereno``: the default answer, LCMCR checked by the log-linear window
  (``cross_check.cross_check``), and how often it warns that the estimate depends on
  the model or that the lists show a class they rarely see (``hidden_class``: the two-class
  mixture ``mixture.mth2`` fits better than one class, and the upper end reaches its
  profile-likelihood upper end).

    PYTHONPATH=src python benchmarks/mse_calibration.py [--reps 10] [--quick]

``--quick`` runs only N = 1,000, no dependence, and the lists given by ``--lists`` (4).
The reference run is the reference packages' default (``loglinear_bic``), whose time is
printed beside ours.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

from sereno.estimate import lcmcr
from sereno.estimate.cross_check import cross_check
from sereno.estimate.loglinear import loglinear
from sereno.estimate.model_uncertainty import CHECK_OPTIONS
from sereno.estimate.simulate import latent_class_population, two_classes

EASY = 0.5
HARD_SHARE = 0.3


def run_cell(rng, lists, classes, ratio, dependence, size, reps, iterations):
    shares, capture = (
        ([1.0], [[EASY] * lists]) if classes == 1 else two_classes(lists, HARD_SHARE, EASY, ratio)
    )
    out: dict[str, list] = {}
    seconds = {"reference": 0.0, "sereno": 0.0}
    for r in range(reps):
        h = latent_class_population(rng, size, shares, capture, dependence=dependence)
        t0 = time.perf_counter()
        bic = loglinear(h, model_averaging=False)
        seconds["reference"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        lc = lcmcr(h, iterations=iterations, max_iterations=iterations, burn_in=1000, chains=2,
                   seed=r, sensitivity=False)  # fmt: skip
        ours = cross_check(lc, h)
        seconds["sereno"] += time.perf_counter() - t0
        window = loglinear(h, **CHECK_OPTIONS)
        for name, e in (("loglinear_bic", bic), ("loglinear_window", window), ("lcmcr", lc),
                        ("sereno", ours)):  # fmt: skip
            out.setdefault(name, []).append(
                (e.N_lower <= size <= e.N_upper, e.N_hat / size - 1,
                 bool({"model_dependent", "hidden_class"}
                      & set(e.diagnostics.get("warnings") or [])))
            )  # fmt: skip
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--lists", type=int, nargs="*", default=[4],
                        help="with --quick: the numbers of lists")  # fmt: skip
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    grid = (
        [(j, c, r, 0.0, 1000) for j in args.lists for c, r in ((1, 1), (2, 4), (2, 8))]
        if args.quick
        else [
            (j, c, r, d, n)
            for j, (c, r), d, n in itertools.product(
                (3, 4, 5), ((1, 1), (2, 4), (2, 8)), (0.0, 0.3), (1000, 3000)
            )
        ]
    )
    print("| lists | classes | ratio | dependence | N | method | coverage | bias | warned |")
    print("|---|---|---|---|---|---|---|---|---|")
    total = {"reference": 0.0, "sereno": 0.0}
    for cell in grid:
        out, seconds = run_cell(rng, *cell, args.reps, args.iterations)
        for k in total:
            total[k] += seconds[k]
        for name, rows in out.items():
            a = np.array(rows, dtype=float)
            print(f"| {cell[0]} | {cell[1]} | {cell[2]} | {cell[3]} | {cell[4]:,} | {name} | "
                  f"{a[:, 0].mean():.2f} | {a[:, 1].mean():+.3f} | {a[:, 2].mean():.2f} |",
                  flush=True)  # fmt: skip
    print(f"time: reference (BIC-selected log-linear) {total['reference']:.1f} s, "
          f"sereno default {total['sereno']:.1f} s, "
          f"ratio {total['sereno'] / max(total['reference'], 1e-9):.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
