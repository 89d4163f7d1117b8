"""Convergence diagnostics of Markov chains: split R̂ and effective sample size.

Gelman & Rubin (1992) potential scale reduction on split chains, and the effective sample
size with Geyer's (1992) initial positive sequence, as in Vehtari, Gelman, Simpson, Carpenter
& Bürkner (2021), "Rank-normalization, folding, and localization", *Bayesian Analysis* 16(2).
"""

from __future__ import annotations

import numpy as np


def _split(chains: np.ndarray) -> np.ndarray:
    half = chains.shape[1] // 2
    return np.concatenate([chains[:, :half], chains[:, half : 2 * half]], axis=0)


def split_rhat(chains: np.ndarray) -> float:
    """R̂ of ``chains`` (chains × draws): √((W(n−1)/n + B/n) / W) over split halves."""
    x = _split(np.asarray(chains, dtype=float))
    _m, n = x.shape
    within = x.var(axis=1, ddof=1).mean()
    between = n * x.mean(axis=1).var(ddof=1)
    if within == 0:
        return 1.0 if between == 0 else float("inf")
    return float(np.sqrt(((n - 1) / n * within + between / n) / within))


def effective_sample_size(chains: np.ndarray) -> float:
    """ESS = m·n / (1 + 2 Σ ρ_t), the sum over Geyer's initial positive pairs."""
    x = _split(np.asarray(chains, dtype=float))
    m, n = x.shape
    centred = x - x.mean(axis=1, keepdims=True)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(centred, size, axis=1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size, axis=1)[:, :n] / n
    within = x.var(axis=1, ddof=1).mean()
    if within == 0:
        return float(m * n)
    var_plus = within * (n - 1) / n + x.mean(axis=1).var(ddof=1)
    rho = 1.0 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    pairs = rho[: 2 * (n // 2)].reshape(-1, 2).sum(axis=1)
    negative = np.flatnonzero(pairs < 0)
    pairs = pairs[: negative[0]] if negative.size else pairs
    pairs = np.minimum.accumulate(pairs)
    tau = -1.0 + 2.0 * pairs.sum()
    return float(m * n / max(tau, 1.0 / np.log10(m * n)))
