"""The Gibbs sampler of the LCMCR model, compiled with numba.

Works on pattern counts, not individuals: each sweep costs O(cells × classes × lists), so
10,000 sweeps on five lists take a fraction of a second. The chain's state (capture
probabilities ``lam``, class weights ``pi``, concentration α) comes in and goes out, so a
chain that needs more draws continues where it stopped instead of starting again.
"""

from __future__ import annotations

import numba
import numpy as np

_TINY = 1e-300


@numba.njit(cache=True)
def _multinomial(n: int, weights: np.ndarray, out: np.ndarray) -> None:
    """``out`` ← Multinomial(n, weights / sum(weights)): one categorical draw per individual
    when n is small (cheaper than K binomials), conditional binomials otherwise."""
    if n < 4 * weights.size:
        out[:] = 0
        total = weights.sum()
        for _ in range(n):
            u = np.random.random() * total
            k = 0
            acc = weights[0]
            while acc < u and k < weights.size - 1:
                k += 1
                acc += weights[k]
            out[k] += 1
        return
    total = weights.sum()
    remaining = n
    for k in range(weights.size):
        if remaining == 0 or total <= 0.0:
            out[k] = 0
            continue
        if k == weights.size - 1:
            out[k] = remaining
        else:
            p = min(1.0, max(0.0, weights[k] / total))
            out[k] = np.random.binomial(remaining, p)
        remaining -= out[k]
        total -= weights[k]


@numba.njit(cache=True)
def gibbs_chain(
    patterns: np.ndarray,
    counts: np.ndarray,
    classes: int,
    iterations: int,
    a_alpha: float,
    b_alpha: float,
    seed: int,
    lam: np.ndarray,
    pi: np.ndarray,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``iterations`` sweeps of one chain of the LCMCR sampler (Manrique-Vallier 2016,
    section 3) from the state ``lam`` (lists × classes) and ``pi``, updated in place, and α.

    Returns, per iteration, the population size N, the concentration α and the number of
    classes holding at least one individual; and the last α.
    """
    np.random.seed(seed)
    cells, lists = patterns.shape
    n = counts.sum()
    v = np.empty(classes)
    weights = np.empty(classes)
    split = np.empty(classes, dtype=np.int64)
    size = np.empty(classes)
    seen = np.empty((lists, classes))
    out_n = np.empty(iterations, dtype=np.int64)
    out_alpha = np.empty(iterations)
    out_used = np.empty(iterations, dtype=np.int64)
    for it in range(iterations):
        size[:] = 0.0
        seen[:, :] = 0.0
        # Latent classes of the observed individuals, one multinomial per pattern.
        for c in range(cells):
            for k in range(classes):
                w = pi[k]
                for j in range(lists):
                    w *= lam[j, k] if patterns[c, j] == 1 else 1.0 - lam[j, k]
                weights[k] = w
            _multinomial(counts[c], weights, split)
            for k in range(classes):
                size[k] += split[k]
                for j in range(lists):
                    if patterns[c, j] == 1:
                        seen[j, k] += split[k]
        # The unobserved: n0 | rest ~ NegBin(n, 1 − p0) under the prior p(N) ∝ 1/N.
        p0 = 0.0
        for k in range(classes):
            w = pi[k]
            for j in range(lists):
                w *= 1.0 - lam[j, k]
            weights[k] = w
            p0 += w
        p0 = min(max(p0, _TINY), 1.0 - 1e-12)
        n0 = np.random.negative_binomial(n, 1.0 - p0)
        _multinomial(n0, weights, split)
        used = 0
        for k in range(classes):
            size[k] += split[k]
            if size[k] > 0:
                used += 1
        # Capture probabilities within classes: Beta(1, 1) prior.
        for j in range(lists):
            for k in range(classes):
                lam[j, k] = np.random.beta(1.0 + seen[j, k], 1.0 + size[k] - seen[j, k])
                lam[j, k] = min(max(lam[j, k], 1e-10), 1.0 - 1e-10)
        # Stick-breaking weights, truncated at `classes` (Ishwaran & James 2001).
        tail = size.sum()
        log_rest = 0.0
        remainder = 1.0
        for k in range(classes):
            tail -= size[k]
            if k == classes - 1:
                v[k] = 1.0
            else:
                v[k] = np.random.beta(1.0 + size[k], alpha + tail)
                v[k] = min(max(v[k], 1e-12), 1.0 - 1e-12)
                log_rest += np.log(1.0 - v[k])
            pi[k] = v[k] * remainder
            remainder *= 1.0 - v[k]
        alpha = np.random.gamma(a_alpha + classes - 1.0, 1.0 / (b_alpha - log_rest))
        out_n[it] = n + n0
        out_alpha[it] = alpha
        out_used[it] = used
    return out_n, out_alpha, out_used, alpha
