"""Estimates for strata too small to estimate alone: months, districts, a unit's year.

A month of one municipality has too few people seen by several lists for multiple systems
estimation to say anything of its own (HRDAG pools strata rather than estimating on tiny
ones). The rule here: estimate the pooled stratum (the year, or the year of the whole area),
and give each of its fine strata the pooled stratum's coverage of the lists together,
c = n / N̂ (the share of people that at least one list saw). A fine stratum s with n_s people
seen then has

    N̂_s = n_s / c,      so that Σ_s N̂_s = N̂ (the totals add up by construction),

and its interval comes from the pooled estimate's uncertainty and the stratum's own: for each
draw N_d of the pooled total (LCMCR's posterior draws, or draws matched to the interval of
another method on the log scale) c_d = n / N_d, and the people no list saw in s are drawn as
the failures before n_s successes of chance c_d (negative binomial), the law of the unseen
when each person of s is seen with chance c_d. The assumption is stated with every result:
the lists saw the same share of the people in each fine stratum of a pool; where their
coverage differs (a month of headlines, a district that does not report), the fine estimates
inherit the pool's coverage and their error.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import stats

from sereno.estimate.result import MSEResult

DRAWS = 4000


def pooled_draws(pool: MSEResult, rng: np.random.Generator, size: int = DRAWS) -> np.ndarray:
    """Draws of the pooled total: the posterior's when the method has one, otherwise
    log-normal draws whose 2.5% and 97.5% points are the interval's ends."""
    if pool.draws is not None and len(pool.draws) >= 100:
        return rng.choice(np.asarray(pool.draws, dtype=float), size=size, replace=True)
    n = pool.n_observed
    # On the log scale of the unseen: an interval from n (nobody unseen) has no log, so a
    # fraction of a person stands in for zero.
    low, mid, high = (max(v - n, 0.5) for v in (pool.N_lower, pool.N_hat, pool.N_upper))
    z = stats.norm.ppf(1 - (1 - pool.level) / 2)
    sigma = max(np.log(high / low) / (2 * z), 1e-9)
    return n + np.exp(np.log(mid) + sigma * rng.standard_normal(size))


def allocate(
    pool: MSEResult,
    fine: dict[str, tuple[int, dict[str, int]]],
    *,
    pool_label: str,
    seed: int = 7,
) -> list[MSEResult]:
    """One estimate per fine stratum (``fine``: label → people seen, and by each list) from
    ``pool``."""
    rng = np.random.default_rng(seed)
    totals = pooled_draws(pool, rng)
    coverage_draws = np.clip(pool.n_observed / totals, 1e-6, 1.0)
    coverage = pool.n_observed / pool.N_hat
    tail = (1 - pool.level) / 2
    out = []
    for label, (seen, list_totals) in fine.items():
        unseen = rng.negative_binomial(seen, coverage_draws) if seen > 0 else np.zeros(1)
        low, high = np.quantile(seen + unseen, [tail, 1 - tail])
        diagnostics = {
            "pooled_from": pool_label,
            "pooled_N_hat": round(float(pool.N_hat), 2),
            "pooled_coverage": round(float(coverage), 4),
            "rule": "allocation",
        }
        out.append(
            dataclasses.replace(
                pool,
                stratum=label,
                n_observed=int(seen),
                N_hat=float(seen / coverage),
                N_lower=float(min(low, seen / coverage)),
                N_upper=float(max(high, seen / coverage)),
                list_totals=list_totals,
                diagnostics=diagnostics,
                sensitivity={},
                draws=None,
                models=None,
                linkage=None,
            )
        )
    return out
