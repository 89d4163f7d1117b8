"""Bayesian non-parametric latent class capture-recapture (LCMCR).

Manrique-Vallier, D. (2016). "Bayesian population size estimation using Dirichlet process
mixtures", *Biometrics* 72(4), 1246–1254; the model of R package ``LCMCR``.

Each individual i belongs to a latent class z_i; within a class, lists capture independently:

    x_ij | z_i = k  ~ Bernoulli(λ_jk),          λ_jk ~ Beta(1, 1)
    z_i             ~ Categorical(π),           π ~ SB(α)  (stick-breaking, truncated at K*)
    α               ~ Gamma(a, b),              p(N) ∝ 1/N

so the capture probability varies freely across individuals (heterogeneity) and lists are
dependent marginally. The Gibbs sampler (``_lcmcr_kernel``) augments the unobserved
n0 = N − n with n0 | · ~ NegBin(n, 1 − p0), p0 = Σ_k π_k Π_j (1 − λ_jk). N̂ is the posterior
median, the interval its 2.5% and 97.5% quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sereno.estimate._lcmcr_kernel import gibbs_chain
from sereno.estimate.diagnostics import effective_sample_size, split_rhat
from sereno.estimate.histories import CaptureHistories
from sereno.estimate.result import MSEResult

# Defaults of Manrique-Vallier's LCMCR package: K* = 10 classes, α ~ Gamma(0.25, 0.25).
CLASSES = 10
A_ALPHA = 0.25
B_ALPHA = 0.25
RHAT_LIMIT = 1.05
ESS_MINIMUM = 400


@dataclass
class Chains:
    """Markov chains of the LCMCR sampler that can be run on: each chain's state (capture
    probabilities, class weights, α), its draws of N and of the occupied classes so far, and
    how many sweeps it has made (seeds of later segments follow from it)."""

    histories: CaptureHistories
    classes: int
    a_alpha: float
    b_alpha: float
    seed: int
    lam: list[np.ndarray]
    pi: list[np.ndarray]
    alpha: list[float]
    draws: list[np.ndarray]
    used: list[np.ndarray]
    sweeps: int = 0

    @classmethod
    def start(cls, histories: CaptureHistories, *, chains: int, classes: int, a_alpha: float,
              b_alpha: float, seed: int) -> Chains:  # fmt: skip
        """Chains at dispersed starts: capture probabilities from the Beta(1, 1) prior."""
        rng = np.random.default_rng(seed)
        j = len(histories.lists)
        return cls(histories, classes, a_alpha, b_alpha, seed,
                   lam=[rng.beta(1.0, 1.0, (j, classes)) for _ in range(chains)],
                   pi=[np.full(classes, 1.0 / classes) for _ in range(chains)],
                   alpha=[1.0] * chains,
                   draws=[np.empty(0, dtype=np.int64) for _ in range(chains)],
                   used=[np.empty(0, dtype=np.int64) for _ in range(chains)])  # fmt: skip

    def run(self, sweeps: int, *, keep: bool = True) -> None:
        """``sweeps`` more sweeps of every chain from where it stopped; ``keep`` False
        discards them (burn-in)."""
        patterns = np.ascontiguousarray(self.histories.patterns, dtype=np.int8)
        counts = np.ascontiguousarray(self.histories.counts, dtype=np.int64)
        for c in range(len(self.lam)):
            # One seed per chain and segment: a continued chain does not repeat its draws.
            seed = (self.seed + 1009 * c + 7919 * self.sweeps) % (2**31 - 1)
            n, _, k, self.alpha[c] = gibbs_chain(
                patterns, counts, self.classes, sweeps, self.a_alpha, self.b_alpha, seed,
                self.lam[c], self.pi[c], self.alpha[c],
            )  # fmt: skip
            if keep:
                self.draws[c] = np.concatenate([self.draws[c], n])
                self.used[c] = np.concatenate([self.used[c], k])
        self.sweeps += sweeps

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.draws), np.array(self.used)


def posterior_population(
    histories: CaptureHistories,
    *,
    classes: int = CLASSES,
    iterations: int = 10_000,
    burn_in: int = 2_000,
    chains: int = 4,
    seed: int = 7,
    a_alpha: float = A_ALPHA,
    b_alpha: float = B_ALPHA,
) -> tuple[np.ndarray, np.ndarray]:
    """Draws of N after burn-in, per chain (chains × iterations), and of the used classes."""
    state = Chains.start(histories, chains=chains, classes=classes, a_alpha=a_alpha,
                         b_alpha=b_alpha, seed=seed)  # fmt: skip
    state.run(burn_in, keep=False)
    state.run(iterations)
    return state.matrix()


def iterations_needed(iterations: int, ess: float, target: float = ESS_MINIMUM) -> int:
    """Draws per chain that would reach ``target`` effective draws at the rate seen so far
    (ESS grows in proportion to the draws once the chains mix), rounded up to thousands."""
    if ess <= 0:
        return 0
    return int(np.ceil(iterations * target / ess / 1000) * 1000)


def lcmcr(
    histories: CaptureHistories,
    *,
    classes: int = CLASSES,
    iterations: int = 10_000,
    max_iterations: int | None = None,
    burn_in: int = 2_000,
    chains: int = 4,
    seed: int = 7,
    a_alpha: float = A_ALPHA,
    b_alpha: float = B_ALPHA,
    sensitivity: bool = True,
    stratum: str = "",
) -> MSEResult:
    """Estimate the population size with LCMCR (Manrique-Vallier 2016).

    Diagnostics: split R̂ and effective sample size of N across ``chains`` (Vehtari et al.
    2021; R̂ > 1.05 or ESS < 400 raise a warning), the mean number of occupied classes, and,
    with ``sensitivity``, the estimate under K* = 5 and 20 and under α ~ Gamma(1, 1).

    Chains that fail those checks run on, continuing from their last state, until they have
    twice as many draws, up to ``max_iterations`` per chain (default eight times
    ``iterations``): N mixes slowly when many people are unseen, and a warning the user can
    only answer by re-running is worth less than the wait. When even that fails the warning
    says how many draws per chain would reach the ESS at the rate observed
    (``iterations_needed``).
    """
    limit = 8 * iterations if max_iterations is None else max(max_iterations, iterations)
    state = Chains.start(histories, chains=chains, classes=classes, a_alpha=a_alpha,
                         b_alpha=b_alpha, seed=seed)  # fmt: skip
    state.run(burn_in, keep=False)
    state.run(iterations)
    while True:
        draws, used = state.matrix()
        rhat = split_rhat(draws)
        ess = effective_sample_size(draws)
        kept = draws.shape[1]
        if (rhat <= RHAT_LIMIT and ess >= ESS_MINIMUM) or kept >= limit:
            break
        state.run(min(kept, limit - kept))
    iterations = kept
    flat = draws.ravel()
    diagnostics: dict[str, object] = {
        "rhat": round(rhat, 4),
        "ess": round(ess, 1),
        "chains": chains,
        "iterations": iterations,
        "burn_in": burn_in,
        "classes": classes,
        "occupied_classes": round(float(used.mean()), 2),
        "posterior_mean": round(float(flat.mean()), 2),
        "posterior_sd": round(float(flat.std()), 2),
    }
    if not (rhat <= RHAT_LIMIT and ess >= ESS_MINIMUM):
        diagnostics["warning"] = "not_converged"
        diagnostics["iterations_needed"] = iterations_needed(iterations, ess)
    alternatives: dict[str, float] = {}
    if sensitivity:
        quick = dict(iterations=max(iterations // 2, 1000), burn_in=burn_in, chains=2, seed=seed)
        for label, k, a, b in (("K=5", 5, a_alpha, b_alpha), ("K=20", 20, a_alpha, b_alpha),
                               ("alpha~Gamma(1,1)", classes, 1.0, 1.0)):  # fmt: skip
            other, _ = posterior_population(histories, classes=k, a_alpha=a, b_alpha=b, **quick)
            alternatives[label] = float(np.median(other))
    low, median, high = np.quantile(flat, [0.025, 0.5, 0.975])
    return MSEResult(
        method="lcmcr",
        lists=histories.lists,
        n_observed=histories.observed,
        N_hat=float(median),
        N_lower=float(low),
        N_upper=float(high),
        list_totals=histories.list_totals,
        diagnostics=diagnostics,
        sensitivity=alternatives,
        stratum=stratum,
        draws=flat,
    )
