"""Linkage uncertainty propagated into LCMCR, validated by simulation with a known total.

Simulation design (``simulate``):

- N = 1000 victims, four lists capturing independently given the victim, with heterogeneous
  probabilities as in ``test_lcmcr``: 40% hard to see (p_j ~ U(0.15, 0.30)), 60% easy
  (p_j ~ U(0.5, 0.8)); each capture is one record.
- Scored pairs, as Splink would give them: every true pair (two records of one victim), 80%
  of them clear (p ~ U(0.995, 1)) and 20% ambiguous; as many false pairs (records of two
  victims in two lists, drawn at random) as ambiguous true ones. Ambiguous true pairs have
  p with density ∝ p and false ones ∝ 1 − p on [0.05, 0.95], so that the probabilities are
  calibrated: among pairs scored p, a share p is true. At the threshold 0.5 about 27% of the
  ambiguous true pairs are missed and 27% of the false ones pass (before mutual best).
- 25 repetitions with fixed seeds; each estimates N with the linkage at 0.5 taken as certain
  and with 10 linkage configurations pooled; LCMCR runs two chains of 2,000 draws after 500
  of burn-in (each configuration 500 draws per chain).

Pass: the propagated 95% interval covers N in at least 90% of the repetitions and is on
average at least as wide as the fixed-linkage one, and every repetition's configurations
differ in how many victims they see.

Measured (25 repetitions each; coverage with / without propagation, mean width ratio, mean
relative bias of N̂ with / without):

- 20% ambiguous (this test): 1.00 / 1.00, 1.30 (92% of repetitions wider), +2.0% / −0.1%;
- 30% ambiguous: 0.92 / 1.00, 1.32, +5.5% / +2.6%;
- 40% ambiguous: 1.00 / 0.88, 1.22, +6.3% / +4.1%.

Propagation widens the interval and keeps coverage, but pushes N̂ up as ambiguity grows:
sampling pairs independently splits two-record victims more often than the threshold does
(a false pair drawn is often dropped by mutual best, a true pair not drawn is not replaced),
and the extra single-list records raise N̂ — the approximation the module's docstring states.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sereno.errors import SerenoError
from sereno.estimate.linkage_uncertainty import (
    estimate_strata_over_linkages,
    linkage_configurations,
    rubin_log_interval,
)
from sereno.estimate.result import MSEResult

N = 1000
LISTS = "ABCD"
AMBIGUOUS = 0.2


def calibrated(rng: np.random.Generator, size: int, low: float = 0.05, high: float = 0.95):
    """Draws with density ∝ p on [low, high] (inverse of the CDF (p² − low²)/(high² − low²))."""
    return np.sqrt(low**2 + rng.uniform(size=size) * (high**2 - low**2))


def simulate(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Records, scored pairs and how many victims some list saw (module docstring)."""
    hard = rng.uniform(size=N) < 0.4
    p = np.where(hard[:, None], rng.uniform(0.15, 0.30, len(LISTS)),
                 rng.uniform(0.5, 0.8, len(LISTS)))  # fmt: skip
    seen = rng.uniform(size=p.shape) < p
    victim, source = np.nonzero(seen)
    records = pd.DataFrame(
        {"record_id": np.arange(len(victim)), "source_id": np.array(list(LISTS))[source]}
    )
    same = pd.DataFrame({"r": records["record_id"], "victim": victim})
    true = same.merge(same, on="victim").query("r_x < r_y")
    ambiguous = rng.uniform(size=len(true)) < AMBIGUOUS
    p_true = np.where(ambiguous, calibrated(rng, len(true)), rng.uniform(0.995, 1.0, len(true)))
    a, b = rng.integers(0, len(records), (2, 3 * ambiguous.sum()))
    other = (victim[a] != victim[b]) & (source[a] != source[b])
    a, b = a[other][: ambiguous.sum()], b[other][: ambiguous.sum()]
    pairs = pd.DataFrame(
        {
            "record_id_l": np.concatenate([true["r_x"], np.minimum(a, b)]),
            "record_id_r": np.concatenate([true["r_y"], np.maximum(a, b)]),
            "match_probability": np.concatenate([p_true, 1 - calibrated(rng, len(a))]),
        }
    ).drop_duplicates(["record_id_l", "record_id_r"], ignore_index=True)
    pairs["match_weight"] = 0.0
    pairs["decision"] = pd.Series([None] * len(pairs), dtype="object")
    return records, pairs, int(seen.any(axis=1).sum())


@pytest.mark.slow
def test_propagated_interval_covers_true_total_and_is_wider() -> None:
    rng = np.random.default_rng(2018)
    repetitions, covered, ratio = 25, 0, []
    for r in range(repetitions):
        records, pairs, _ = simulate(rng)
        # LCMCR's own posterior, without the log-linear cross-check: this measures what the
        # linkage adds (the cross-check can leave both intervals unbounded above).
        result = estimate_strata_over_linkages(
            records, pairs, threshold=0.5, draws=10, by=(), seed=r, iterations=2000,
            burn_in=500, chains=2, sensitivity=False, cross_check=False,
        ).estimates[0]  # fmt: skip
        fixed = result.linkage["fixed"]
        covered += result.N_lower <= N <= result.N_upper
        ratio.append((result.N_upper - result.N_lower) / (fixed["N_upper"] - fixed["N_lower"]))
        low, high = result.linkage["n_observed_range"]
        assert low < high, result.linkage
    assert covered / repetitions >= 0.90, (covered, ratio)
    assert np.mean(ratio) >= 1.0, ratio


def two_records(p: float, decision: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    records = pd.DataFrame({"record_id": [1, 2], "source_id": ["a", "b"]})
    pairs = pd.DataFrame({"record_id_l": [1], "record_id_r": [2], "match_probability": [p],
                          "match_weight": [0.0], "decision": [decision]})  # fmt: skip
    return records, pairs


def test_each_pair_links_with_its_probability() -> None:
    """A pair at p = 0.3 links in 30% of 200 configurations (±3 binomial SE, 0.1); a
    clerical decision and a pair at p = 1 do not vary."""
    linked = [len(e) == 1 for e in linkage_configurations(*two_records(0.3), draws=200)]
    assert np.mean(linked) == pytest.approx(0.3, abs=0.1)
    for p, decision, events in ((0.9, "non_match", 2), (0.1, "match", 1), (1.0, None, 1)):
        sizes = {len(e) for e in linkage_configurations(*two_records(p, decision), draws=50)}
        assert sizes == {events}


def test_configurations_respect_cannot_link_and_mutual_best() -> None:
    """A(1)–B(2) and B(2)–C(3) at 0.9 with non_match(A, C): no configuration puts the three
    together, though each link is drawn 90% of the time. D(4), a second record of A's source,
    scores 0.8 with B: no event ever holds two records of one source."""
    records = pd.DataFrame({"record_id": [1, 2, 3, 4], "source_id": ["a", "b", "c", "a"]})
    pairs = pd.DataFrame(
        {
            "record_id_l": [1, 2, 1],
            "record_id_r": [2, 3, 3],
            "match_probability": [0.9, 0.9, 0.0],
            "match_weight": 0.0,
            "decision": [None, None, "non_match"],
        }
    )
    for events in linkage_configurations(records.head(3), pairs, draws=100, seed=3):
        assert events["n_records"].max() <= 2
    with_d = pd.concat(
        [
            pairs.head(2),
            pd.DataFrame(
                {
                    "record_id_l": [2],
                    "record_id_r": [4],
                    "match_probability": [0.8],
                    "match_weight": 0.0,
                    "decision": [None],
                }
            ),
        ]
    )
    sizes = []
    for events in linkage_configurations(records, with_d, draws=100, seed=3):
        assert (events["n_records"] == events["sources"].str.count(",") + 1).all()
        sizes.append(events["n_records"].max())
    assert max(sizes) == 3  # A, B and C do meet without the non-match


def result(n_hat: float, se: float, n: int = 80) -> MSEResult:
    return MSEResult("loglinear", ("a", "b", "c"), n, n_hat, 0.0, 0.0, {}, {"se": se}, {})


def test_rubin_rules_on_log_n() -> None:
    """Equal configurations: exp(log N ± z se/N). Two configurations, N̂ 100 and 121 with se
    10 and 12.1: Q̄ = log 110, Ū = 0.01, B = (log 1.21)²/2, T = Ū + 1.5 B, ν = (1 + Ū/1.5B)²."""
    n_hat, low, high = rubin_log_interval([result(100, 10), result(100, 10)])
    z = stats.norm.ppf(0.975)
    assert (n_hat, low, high) == pytest.approx((100, 100 * np.exp(-0.1 * z), 100 * np.exp(0.1 * z)))
    n_hat, low, high = rubin_log_interval([result(100, 10), result(121, 12.1)])
    between = np.log(1.21) ** 2 / 2
    total = 0.01 + 1.5 * between
    t = stats.t.ppf(0.975, (1 + 0.01 / (1.5 * between)) ** 2)
    assert n_hat == pytest.approx(110)
    assert high == pytest.approx(110 * np.exp(t * np.sqrt(total)))
    assert low == 80  # the fewest victims seen bounds the interval below


def test_too_few_draws_are_refused() -> None:
    records, pairs = two_records(0.5)
    with pytest.raises(SerenoError) as error:
        estimate_strata_over_linkages(records, pairs, threshold=0.5, draws=1)
    assert error.value.key == "estimate.linkage.bad_draws"
