"""Record linkage uncertainty propagated into multiple systems estimates.

Sadinle, M. (2018). "Bayesian propagation of record linkage uncertainty into population size
estimation of human rights violations", *Annals of Applied Statistics* 12(2), 1013–1038,
proposes *linkage-averaging*: draw coreference partitions of the records from the posterior of
a Bayesian record linkage model, estimate the population size on each, and mix the posteriors
of N; under some conditions this equals a joint Bayesian model of linkage and population
size. We follow the same two stages, as a multiple imputation of the linkage (Rubin 1987,
*Multiple Imputation for Nonresponse in Surveys*), but our linkages are not draws from a
posterior over partitions: they are links sampled independently from Splink's pairwise
match probabilities, then clustered.

1. ``draws`` linkage configurations are sampled: in each, every pair not decided by a person
   links independently with its Splink match probability p (u < p, u ~ U(0, 1): pairs at
   p = 1 always link, pairs below the stored floor never), clerical decisions stay as
   decided, and the drawn links are clustered with the rules of ``cluster_events`` (mutual
   best links; a clerical non-match is a cannot-link constraint).
2. Each stratum is estimated on each configuration.
3. The estimates are pooled per stratum.

   - LCMCR: as many posterior draws of N from every configuration are concatenated. The
     mixture is the posterior of N integrated over the linkage,
     p(N | x) = Σ_L p(N | L, x) p(L | x), with p(L | x) replaced by the independent pair
     draws.
   - Log-linear: Rubin's rules on log N̂, where the estimate is closer to normal: with
     Q_m = log N̂_m and U_m = (se_m / N̂_m)² (delta method), Q̄ their mean, Ū the mean within
     variance, B the variance of Q_m across configurations, T = Ū + (1 + 1/M) B, the interval
     is exp(Q̄ ± t_ν √T) with Rubin's ν = (M − 1)(1 + Ū / ((1 + 1/M) B))², its lower end no
     lower than the fewest victims any configuration saw.

What is approximated: Splink's probabilities are pairwise marginals of a Fellegi-Sunter model,
not a joint posterior over partitions. Drawing pairs independently ignores that links depend
on each other (transitivity, one record per victim and source: mutual best links and the
cannot-link rule restore this only in part), so the sampled linkages are noisier than a
partition posterior would be; in our simulation (``tests/estimate/test_linkage_uncertainty``)
this pushes N̂ up by a few percent when many true links are ambiguous. The result keeps,
beside the propagated interval, the estimate with the linkage taken as certain at the run's
threshold and the estimates at the review band's two thresholds (a sensitivity check).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sereno.errors import SerenoError
from sereno.estimate.histories import MIN_OBSERVED
from sereno.estimate.result import MSEResult
from sereno.estimate.strata import StrataEstimates, estimate_strata
from sereno.link.linkage import (
    REVIEW,
    cluster_events,
    consolidate_events,
    decided_probability,
    event_components,
)

DRAWS = 20
MIN_ITERATIONS = 500  # posterior draws per chain and configuration, at the least
STRATUM_FIELDS = ("record_id", "source_id", "date", "precise_date", "unit_code")


def linkage_configurations(
    records: pd.DataFrame, pairs: pd.DataFrame, *, draws: int = DRAWS, seed: int = 7
) -> Iterator[pd.DataFrame]:
    """Events of ``draws`` linkage configurations sampled from the pairs' match probabilities
    (step 1 above): ``sources`` and the fields strata are cut by (date, year, month,
    unit_code)."""
    ids = records["record_id"].to_numpy()
    index = pd.Index(ids)
    left = index.get_indexer(pairs["record_id_l"])
    right = index.get_indexer(pairs["record_id_r"])
    probability = decided_probability(pairs)
    undecided = pairs["decision"].isna().to_numpy()
    sources = records["source_id"].to_numpy()
    # Only what the strata need, with dates as datetime64 so the earliest date is vectorised.
    fields = records[[c for c in STRATUM_FIELDS if c in records.columns]].copy()
    if "date" in fields.columns:
        fields["date"] = pd.to_datetime(fields["date"])
    rng = np.random.default_rng(seed)
    for _ in range(draws):
        drawn = undecided & (rng.uniform(size=len(pairs)) < probability)
        component, _ = event_components(ids, left, right, probability, drawn, pairs["decision"],
                                        sources)  # fmt: skip
        # A configuration is taken as certain: its members' link probability is 1.
        membership = pd.DataFrame(
            {"record_id": ids, "source_id": sources, "event_id": component, "probability": 1.0}
        )
        yield consolidate_events(fields, membership)


def estimate_strata_over_linkages(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    threshold: float,
    review: tuple[float, float] = REVIEW,
    draws: int = DRAWS,
    by: tuple[str, ...] = ("year",),
    method: str = "lcmcr",
    min_observed: int = MIN_OBSERVED,
    seed: int = 7,
    **options: Any,
) -> StrataEstimates:
    """Estimate each stratum with the linkage's uncertainty propagated (module docstring).

    ``records`` and ``pairs`` are a linkage run's (``sereno.link.store.run_linkage``). The
    strata and refusals are those of the linkage at ``threshold``; each estimate's ``N_hat``
    and interval are pooled over ``draws`` configurations, and its ``linkage`` holds the
    fixed-linkage estimate and the estimates at the ``review`` thresholds. A stratum that no
    configuration could estimate keeps its fixed-linkage estimate, without ``linkage``.
    """
    if draws < 2:
        raise SerenoError("estimate.linkage.bad_draws", value=draws)
    lcmcr = method == "lcmcr"
    # Each configuration's LCMCR keeps iterations // draws draws per chain, so the pooled
    # posterior is as long as the fixed-linkage one; the prior sensitivity runs only there.
    quick = options
    if lcmcr:
        iterations = max(options.get("iterations", 10_000) // draws, MIN_ITERATIONS)
        # Short chains by design: the pooled posterior is the long one, so no doubling here.
        # The log-linear cross-check runs once, on the fixed linkage (see ``_pooled``).
        quick = options | {"iterations": iterations, "max_iterations": iterations,
                           "sensitivity": False, "cross_check": False}  # fmt: skip

    def estimated(events: pd.DataFrame, chain_seed: int, **settings: Any) -> StrataEstimates:
        seeded = {"seed": chain_seed} if lcmcr else {}
        return estimate_strata(events, by=by, method=method, min_observed=min_observed,
                               **seeded, **settings)  # fmt: skip

    def linked_at(level: float) -> pd.DataFrame:
        return cluster_events(records, pairs, level, review).events

    fixed = estimated(linked_at(threshold), seed, **options)
    per_stratum: dict[str, list[MSEResult]] = defaultdict(list)
    configurations = linkage_configurations(records, pairs, draws=draws, seed=seed)
    for m, events in enumerate(configurations, start=1):
        for e in estimated(events, seed + 1000 * m, **quick).estimates:
            per_stratum[e.stratum].append(e)
    at_level = {
        level: {e.stratum: e.N_hat for e in estimated(linked_at(level), seed, **quick).estimates}
        for level in review
    }
    pooled = []
    for e in fixed.estimates:
        results = per_stratum.get(e.stratum)
        if not results:
            pooled.append(e)
            continue
        sensitivity = {f"{level:g}": at_level[level].get(e.stratum) for level in review}
        pooled.append(_pooled(e, results, draws, threshold, sensitivity))
    return StrataEstimates(method, tuple(by), tuple(pooled), fixed.refused)


def _pooled(
    fixed: MSEResult,
    results: list[MSEResult],
    draws: int,
    threshold: float,
    at_thresholds: dict[str, float | None],
) -> MSEResult:
    observed = [r.n_observed for r in results]
    linkage: dict[str, Any] = {
        "draws": draws,
        "estimated_in": len(results),
        "threshold": threshold,
        "fixed": {
            key: round(float(getattr(fixed, key)), 2) for key in ("N_hat", "N_lower", "N_upper")
        },
        "n_observed_range": [min(observed), max(observed)],
        "thresholds": {
            k: None if v is None else round(float(v), 2) for k, v in at_thresholds.items()
        },
    }
    if fixed.method == "lcmcr":
        n_hat, low, high, posterior = pool_posteriors(results)
        linkage["pooling"] = "posterior mixture"
        linkage["rhat_max"] = round(max(r.diagnostics["rhat"] for r in results), 4)
        check = fixed.diagnostics.get("cross_check")
        if check:
            # The same widening as the fixed estimate's (cross_check.cross_check): the
            # interval also covers the log-linear models that fit about as well.
            low, high = min(low, check["N_lower"]), max(high, check["N_upper"])
    else:
        n_hat, low, high = rubin_log_interval(results)
        posterior = fixed.draws
        linkage["pooling"] = "Rubin's rules on log N"
    return dataclasses.replace(
        fixed, N_hat=n_hat, N_lower=low, N_upper=high, draws=posterior, linkage=linkage
    )


def pool_posteriors(results: list[MSEResult]) -> tuple[float, float, float, np.ndarray]:
    """Median and 95% interval of the concatenated posterior draws of N, the same number
    from each configuration; and the draws."""
    size = min(len(r.draws) for r in results)
    mixture = np.concatenate([r.draws[:size] for r in results])
    low, median, high = np.quantile(mixture, [0.025, 0.5, 0.975])
    return float(median), float(low), float(high), mixture


def rubin_log_interval(results: list[MSEResult]) -> tuple[float, float, float]:
    """Rubin's rules on log N̂ (module docstring): exp(Q̄) and exp(Q̄ ± t_ν √T)."""
    n_hat = np.array([r.N_hat for r in results])
    se = np.array([r.diagnostics["se"] for r in results])
    q = np.log(n_hat)
    m = len(q)
    within = float(np.mean((se / n_hat) ** 2))
    between = float(q.var(ddof=1)) if m > 1 else 0.0
    total = within + (1 + 1 / m) * between
    if between > 0:
        nu = (m - 1) * (1 + within / ((1 + 1 / m) * between)) ** 2
        quantile = float(stats.t.ppf(0.975, nu))
    else:
        quantile = float(stats.norm.ppf(0.975))
    centre = float(q.mean())
    floor = min(r.n_observed for r in results)
    low = max(float(np.exp(centre - quantile * np.sqrt(total))), floor)
    return float(np.exp(centre)), low, float(np.exp(centre + quantile * np.sqrt(total)))
