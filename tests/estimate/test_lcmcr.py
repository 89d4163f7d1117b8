"""LCMCR validated by simulation with known totals, and its convergence diagnostics.

Simulation design (documented for the reader of the estimates):

- N = 2000 individuals; lists capture independently *given* the individual, with
  heterogeneous probabilities from
  (a) latent classes: 40% of people hard to see (p_j ~ U(0.15, 0.30) per list) and 60% easy
      (p_j ~ U(0.5, 0.8)), on four and on five lists;
  (b) an individual covariate: logit p_ij = a_j + 0.7 z_i, z_i ~ N(0, 1), a_j ~ U(−0.8, 0),
      on three lists;
- each design is repeated 25 times with fixed seeds; LCMCR runs two chains of 3,000 draws
  after 1,000 of burn-in (K* = 10, α ~ Gamma(0.25, 0.25)).

Pass: the 95% interval covers N in at least 90% of repetitions, the mean relative bias of the
posterior median is below 10%, and the naive union count is biased downward by more than
10% (so the estimator is doing real work).
"""

from __future__ import annotations

import numpy as np
import pytest

from sereno.estimate import from_patterns, lcmcr
from sereno.estimate.diagnostics import effective_sample_size, split_rhat
from sereno.estimate.lcmcr import Chains, iterations_needed

N = 2000


def latent_classes(rng: np.random.Generator, lists: int) -> np.ndarray:
    hard = rng.uniform(size=N) < 0.4
    p = np.where(hard[:, None], rng.uniform(0.15, 0.30, lists), rng.uniform(0.5, 0.8, lists))
    return (rng.uniform(size=(N, lists)) < p).astype(np.int8)


def covariate(rng: np.random.Generator, lists: int) -> np.ndarray:
    z = rng.normal(size=N)
    logit = rng.uniform(-0.8, 0.0, lists) + 0.7 * z[:, None]
    return (rng.uniform(size=(N, lists)) < 1 / (1 + np.exp(-logit))).astype(np.int8)


def histories(x: np.ndarray):
    seen = x[x.sum(axis=1) > 0]
    names = [f"L{j}" for j in range(x.shape[1])]
    return from_patterns(names, seen, np.ones(len(seen), dtype=np.int64))


@pytest.mark.slow
@pytest.mark.parametrize(("design", "lists"), [(latent_classes, 4), (latent_classes, 5),
                                                (covariate, 3)])  # fmt: skip
def test_lcmcr_covers_true_total_in_simulation(design, lists) -> None:
    rng = np.random.default_rng(100 + lists)
    covered, bias, naive = 0, [], []
    repetitions = 25
    for r in range(repetitions):
        h = histories(design(rng, lists))
        result = lcmcr(
            h,
            iterations=3000,
            max_iterations=3000,
            burn_in=1000,
            chains=2,
            seed=r,
            sensitivity=False,
        )
        covered += result.N_lower <= N <= result.N_upper
        bias.append(result.N_hat / N - 1)
        naive.append(h.observed / N - 1)
    assert covered / repetitions >= 0.90, (covered, np.mean(bias))
    assert abs(np.mean(bias)) < 0.10
    assert np.mean(naive) < -0.10


def test_lcmcr_homogeneous_population_converges_and_covers() -> None:
    """Homogeneous capture (p = 0.4 on three lists): the interval covers N = 2000 and split R̂
    is below 1.1 with the default chains (4 × 10,000 draws)."""
    rng = np.random.default_rng(5)
    x = (rng.uniform(size=(N, 3)) < 0.4).astype(np.int8)
    result = lcmcr(histories(x), seed=1)
    assert result.N_lower <= N <= result.N_upper
    assert result.diagnostics["rhat"] < 1.1
    assert set(result.sensitivity) == {"K=5", "K=20", "alpha~Gamma(1,1)"}
    assert abs(result.sensitivity["K=5"] / result.N_hat - 1) < 0.1
    assert result.n_observed < N
    assert f"{result.n_observed:,}".replace(",", ".") in result.summary("es")


def test_diagnostics_on_known_chains() -> None:
    """Independent draws: R̂ ≈ 1 and ESS ≈ draws (±15%); an AR(1) chain with ρ = 0.9 has
    ESS ≈ n (1 − ρ)/(1 + ρ) (±30%); chains stuck at different values have R̂ ≫ 1."""
    rng = np.random.default_rng(0)
    iid = rng.normal(size=(4, 2000))
    assert split_rhat(iid) == pytest.approx(1.0, abs=0.01)
    assert effective_sample_size(iid) == pytest.approx(8000, rel=0.15)
    rho, n = 0.9, 20000
    ar = np.empty((4, n))
    ar[:, 0] = rng.normal(size=4)
    noise = rng.normal(size=(4, n)) * np.sqrt(1 - rho**2)
    for t in range(1, n):
        ar[:, t] = rho * ar[:, t - 1] + noise[:, t]
    assert effective_sample_size(ar) == pytest.approx(4 * n * (1 - rho) / (1 + rho), rel=0.3)
    stuck = iid + np.arange(4)[:, None] * 5
    assert split_rhat(stuck) > 2


def test_chains_that_fail_the_checks_run_on_up_to_the_limit() -> None:
    """500 draws of two chains mix badly on latent classes (ESS about 7): the chains run on,
    from where they stopped, to 1,000, 2,000 and 4,000 draws (eight times the start), and the
    warning stays when even that fails, with the draws per chain that would reach ESS 400 at
    the rate seen; with max_iterations equal to iterations nothing runs on."""
    rng = np.random.default_rng(3)
    h = histories(latent_classes(rng, 4))
    options = dict(iterations=500, burn_in=200, chains=2, seed=1, sensitivity=False)
    fixed = lcmcr(h, max_iterations=500, **options)
    longer = lcmcr(h, **options)
    assert fixed.diagnostics["iterations"] == 500 and fixed.diagnostics["ess"] < 400
    assert longer.diagnostics["iterations"] == 4000
    assert longer.diagnostics["ess"] > fixed.diagnostics["ess"]
    assert longer.diagnostics.get("warning") == "not_converged"
    needed = longer.diagnostics["iterations_needed"]
    assert needed == iterations_needed(4000, longer.diagnostics["ess"]) > 4000
    assert f"{needed:,}" in longer.summary("en")


def test_a_continued_chain_is_the_same_chain() -> None:
    """Running on keeps each chain's state: 500 + 500 sweeps give 1,000 draws whose second
    half starts where the first ended (the jump between them is an ordinary step, not a
    restart from the prior), and the first 500 are those of a 500-sweep run."""
    rng = np.random.default_rng(4)
    h = histories(latent_classes(rng, 4))
    once = Chains.start(h, chains=2, classes=10, a_alpha=0.25, b_alpha=0.25, seed=3)
    once.run(500)
    twice = Chains.start(h, chains=2, classes=10, a_alpha=0.25, b_alpha=0.25, seed=3)
    twice.run(500)
    first, _ = twice.matrix()
    twice.run(500)
    draws, _ = twice.matrix()
    assert draws.shape == (2, 1000)
    assert np.array_equal(draws[:, :500], once.matrix()[0])
    assert np.array_equal(draws[:, :500], first)
    steps = np.abs(np.diff(draws[:, :500], axis=1))
    assert (np.abs(draws[:, 500] - draws[:, 499]) <= np.quantile(steps, 0.999)).all()
    assert iterations_needed(1000, 100.0, 400) == 4000
