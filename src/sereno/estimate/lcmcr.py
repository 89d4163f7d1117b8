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
    patterns = np.ascontiguousarray(histories.patterns, dtype=np.int8)
    counts = np.ascontiguousarray(histories.counts, dtype=np.int64)
    draws, used = [], []
    for chain in range(chains):
        n, _, k = gibbs_chain(
            patterns, counts, classes, burn_in + iterations, a_alpha, b_alpha, seed + chain
        )
        draws.append(n[burn_in:])
        used.append(k[burn_in:])
    return np.array(draws), np.array(used)


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

    Chains that fail those checks are run again twice as long, up to ``max_iterations``
    (default four times ``iterations``): N mixes slowly when few people are seen by several
    lists, and a warning the user can only answer by re-running is worth less than the wait.
    """
    limit = 4 * iterations if max_iterations is None else max_iterations
    while True:
        options = dict(iterations=iterations, burn_in=burn_in, chains=chains, seed=seed)
        draws, used = posterior_population(
            histories, classes=classes, a_alpha=a_alpha, b_alpha=b_alpha, **options
        )
        rhat = split_rhat(draws)
        ess = effective_sample_size(draws)
        if (rhat <= RHAT_LIMIT and ess >= ESS_MINIMUM) or 2 * iterations > limit:
            break
        iterations *= 2
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
