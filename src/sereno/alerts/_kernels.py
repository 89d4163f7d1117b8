"""Compiled kernels of the space-time scan: likelihood over all cylinders, Monte Carlo replicates.

Everything here works on integer-coded locations (``0..L-1``) and periods (``0..T-1``) in a
canonical order fixed by the caller, so results never depend on the input's row order. The
random numbers come from SplitMix64 streams keyed by ``(seed, replicate)``: a replicate's data
set is the same whichever thread draws it, so a seed gives the same p-values on any machine.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

PERMUTATION = 0
POISSON = 1

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TWO53 = 1.0 / 9007199254740992.0


@njit(cache=True)
def _next(state: np.uint64) -> tuple[np.uint64, float]:
    """SplitMix64 (Steele, Lea and Flood 2014): new state and a uniform number in [0, 1)."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    return state, float(z >> np.uint64(11)) * _TWO53


@njit(cache=True)
def _stream(seed: int, replicate: int) -> np.uint64:
    state = np.uint64(seed) * np.uint64(2654435761) + np.uint64(replicate + 1) * _MIX2
    state, _ = _next(state)
    return state


@njit(cache=True)
def llr(c: float, mu: float, total: float) -> float:
    """Kulldorff's log-likelihood ratio for a cylinder with ``c`` cases of ``mu`` expected, out
    of ``total``: c ln(c/mu) + (C-c) ln((C-c)/(C-mu)) when c > mu, else 0."""
    if c <= mu or c <= 0.0:
        return 0.0
    value = c * np.log(c / mu)
    rest = total - c
    if rest > 0.0:
        value += rest * np.log(rest / (total - mu))
    return value


@njit(cache=True)
def window_counts(x: np.ndarray, win_start: np.ndarray, win_end: np.ndarray) -> np.ndarray:
    """Cases of each location in each time window (inclusive periods), shape (L, W)."""
    n_loc, n_time = x.shape
    prefix = np.zeros(n_time + 1)
    out = np.empty((n_loc, win_start.size))
    for j in range(n_loc):
        for t in range(n_time):
            prefix[t + 1] = prefix[t] + x[j, t]
        for w in range(win_start.size):
            out[j, w] = prefix[win_end[w] + 1] - prefix[win_start[w]]
    return out


@njit(cache=True)
def max_llr(wc, mu, nbr, nk, evaluate, total) -> float:
    """The scan statistic: the largest LLR over every cylinder (centre, radius, window)."""
    n_windows = wc.shape[1]
    acc_c = np.empty(n_windows)
    acc_mu = np.empty(n_windows)
    best = 0.0
    for i in range(nbr.shape[0]):
        acc_c[:] = 0.0
        acc_mu[:] = 0.0
        for k in range(nk[i]):
            j = nbr[i, k]
            for w in range(n_windows):
                acc_c[w] += wc[j, w]
                acc_mu[w] += mu[j, w]
            if evaluate[i, k]:
                for w in range(n_windows):
                    if acc_c[w] > acc_mu[w]:
                        value = llr(acc_c[w], acc_mu[w], total)
                        if value > best:
                            best = value
    return best


@njit(cache=True)
def best_cylinders(wc, mu, nbr, nk, evaluate, total):
    """For each centre and radius, the best window's LLR, index, cases and expected cases."""
    n_centres, k_max = nbr.shape
    n_windows = wc.shape[1]
    best = np.zeros((n_centres, k_max))
    best_w = np.full((n_centres, k_max), -1, dtype=np.int64)
    cases = np.zeros((n_centres, k_max))
    expected = np.zeros((n_centres, k_max))
    acc_c = np.empty(n_windows)
    acc_mu = np.empty(n_windows)
    for i in range(n_centres):
        acc_c[:] = 0.0
        acc_mu[:] = 0.0
        for k in range(nk[i]):
            j = nbr[i, k]
            for w in range(n_windows):
                acc_c[w] += wc[j, w]
                acc_mu[w] += mu[j, w]
            if evaluate[i, k]:
                for w in range(n_windows):
                    value = llr(acc_c[w], acc_mu[w], total)
                    if value > best[i, k]:
                        best[i, k] = value
                        best_w[i, k] = w
                        cases[i, k] = acc_c[w]
                        expected[i, k] = acc_mu[w]
    return best, best_w, cases, expected


@njit(cache=True)
def _permuted(case_loc, case_time, n_loc, n_time, seed, replicate):
    """Kulldorff (2005): dates shuffled among cases, locations kept; both margins fixed."""
    times = case_time.copy()
    state = _stream(seed, replicate)
    for c in range(times.size - 1, 0, -1):
        state, u = _next(state)
        j = int(u * (c + 1))
        times[c], times[j] = times[j], times[c]
    x = np.zeros((n_loc, n_time))
    for c in range(times.size):
        x[case_loc[c], times[c]] += 1.0
    return x


@njit(cache=True)
def _multinomial(cumulative, total, n_loc, n_time, seed, replicate):
    """Poisson model under the null, conditioned on the total: each case falls in cell (z, t)
    with probability mu_zt / C."""
    state = _stream(seed, replicate)
    x = np.zeros((n_loc, n_time))
    for _ in range(total):
        state, u = _next(state)
        cell = np.searchsorted(cumulative, u * cumulative[-1], side="right")
        if cell >= cumulative.size:
            cell = cumulative.size - 1
        x[cell // n_time, cell % n_time] += 1.0
    return x


@njit(parallel=True, cache=True)
def replicate_maxima(
    model,
    case_loc,
    case_time,
    cumulative,
    n_loc,
    n_time,
    win_start,
    win_end,
    mu,
    nbr,
    nk,
    evaluate,
    total,
    replications,
    seed,
):
    """The scan statistic of ``replications`` data sets drawn under the null hypothesis."""
    out = np.empty(replications)
    for r in prange(replications):
        if model == PERMUTATION:
            x = _permuted(case_loc, case_time, n_loc, n_time, seed, r)
        else:
            x = _multinomial(cumulative, int(total), n_loc, n_time, seed, r)
        wc = window_counts(x, win_start, win_end)
        out[r] = max_llr(wc, mu, nbr, nk, evaluate, total)
    return out


@njit(cache=True)
def non_overlapping(order, flat_llr, nbr, n_loc, max_clusters):
    """Most likely cluster, then each next-best cylinder sharing no location with those
    already taken (SaTScan's default for secondary clusters). Returns flat indices."""
    k_max = nbr.shape[1]
    used = np.zeros(n_loc, dtype=np.bool_)
    chosen = np.full(max_clusters, -1, dtype=np.int64)
    n = 0
    for idx in order:
        if n >= max_clusters or flat_llr[idx] <= 0.0:
            break
        i, k = idx // k_max, idx % k_max
        free = True
        for m in range(k + 1):
            if used[nbr[i, m]]:
                free = False
                break
        if free:
            for m in range(k + 1):
                used[nbr[i, m]] = True
            chosen[n] = idx
            n += 1
    return chosen[:n]
