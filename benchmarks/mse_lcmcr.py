"""LCMCR convergence on four lists of 4,400 people (Kosovo 1999, Ball et al. 2002).

Prints, for the default settings (4 chains of 10,000 draws after 2,000 of burn-in, run on
until split R̂ ≤ 1.05 and ESS ≥ 400, up to eight times), the time, R̂, ESS and the draws per
chain it took, next to the reference run of the same sampler as Sereno ran it before chains
kept their state (restarted at twice the length, up to four times); then a fixed long run
(``--long`` draws per chain) for the issue's target, R̂ ≤ 1.01 and ESS ≥ 1,000.

    PYTHONPATH=src python benchmarks/mse_lcmcr.py [--long 200000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sereno.estimate import from_patterns, lcmcr
from sereno.estimate.diagnostics import effective_sample_size, split_rhat
from sereno.estimate.lcmcr import Chains, posterior_population

KOSOVO = np.array([
    [1, 0, 0, 0, 1131], [0, 1, 0, 0, 845], [0, 0, 1, 0, 936], [0, 0, 0, 1, 306],
    [1, 1, 0, 0, 177], [1, 0, 1, 0, 228], [1, 0, 0, 1, 106], [0, 1, 1, 0, 217],
    [0, 1, 0, 1, 31], [0, 0, 1, 1, 123], [1, 1, 1, 0, 181], [1, 1, 0, 1, 18],
    [1, 0, 1, 1, 42], [0, 1, 1, 1, 32], [1, 1, 1, 1, 27],
])  # fmt: skip


def restarted(histories, iterations=10_000, limit=40_000):
    """The sampler as it ran before: each failed check restarts the chains at twice the
    length (burn-in again), up to four times the start."""
    while True:
        draws, _ = posterior_population(histories, iterations=iterations, burn_in=2000)
        rhat, ess = split_rhat(draws), effective_sample_size(draws)
        if (rhat <= 1.05 and ess >= 400) or 2 * iterations > limit:
            return draws, rhat, ess, iterations
        iterations *= 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--long", type=int, default=200_000)
    args = parser.parse_args()
    h = from_patterns(["EXH", "ABA", "OSCE", "HRW"], KOSOVO[:, :4], KOSOVO[:, 4])
    lcmcr(h, iterations=500, burn_in=100, chains=1, sensitivity=False)  # compile once

    t0 = time.perf_counter()
    draws, rhat, ess, iterations = restarted(h)
    reference = time.perf_counter() - t0
    low, mid, high = np.quantile(draws, [0.025, 0.5, 0.975])
    print(f"reference (restart): {reference:6.1f} s  R-hat {rhat:.3f}  ESS {ess:7.1f}  "
          f"draws/chain {iterations:>7,}  N {mid:,.0f} [{low:,.0f}, {high:,.0f}]")  # fmt: skip

    t0 = time.perf_counter()
    result = lcmcr(h, sensitivity=False)
    ours = time.perf_counter() - t0
    d = result.diagnostics
    print(f"sereno (run on):     {ours:6.1f} s  R-hat {d['rhat']:.3f}  ESS {d['ess']:7.1f}  "
          f"draws/chain {d['iterations']:>7,}  N {result.N_hat:,.0f} "
          f"[{result.N_lower:,.0f}, {result.N_upper:,.0f}]  "
          f"ratio {ours / reference:.2f}")  # fmt: skip

    t0 = time.perf_counter()
    state = Chains.start(h, chains=4, classes=10, a_alpha=0.25, b_alpha=0.25, seed=7)
    state.run(2000, keep=False)
    state.run(args.long)
    draws, _ = state.matrix()
    elapsed = time.perf_counter() - t0
    rhat, ess = split_rhat(draws), effective_sample_size(draws)
    low, mid, high = np.quantile(draws, [0.025, 0.5, 0.975])
    print(f"long run:            {elapsed:6.1f} s  R-hat {rhat:.3f}  ESS {ess:7.1f}  "
          f"draws/chain {args.long:>7,}  N {mid:,.0f} [{low:,.0f}, {high:,.0f}]  "
          f"{elapsed / (4 * (args.long + 2000)) * 1e6:.1f} µs/sweep")  # fmt: skip


if __name__ == "__main__":
    main()
