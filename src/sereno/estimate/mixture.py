"""A class that the lists rarely see: the two-class mixture model Mth2 and its profile interval.

When some people are much less likely than others to be on any list (victims far from the
services that record, families that do not report), log-linear models and a latent-class
sampler that settles on the classes it can see give intervals that miss the truth (see
``benchmarks/mse_calibration.py``). The number of such people never recorded is, past a
point, not identified by the lists at all (Link 2003, "Nonidentifiability of population size
from capture-recapture data with heterogeneous detection probabilities", *Biometrics*
59(4)): models that fit the observed table equally well give very different totals.

Pledger's (2000, *Biometrics* 56(2)) model Mth2 says so in its likelihood: each person is in
one of two classes (shares π and 1 − π); the chance that list l records a person of class c
is expit(α_c + β_l) (a class effect and a list effect on the logit scale, β_1 = 0). With n
people observed in cells ω and N − n in the unobserved cell, the multinomial likelihood is

    ℓ(N, θ) = log N! − log (N − n)! + (N − n) log q₀(θ) + Σ_ω n_ω log q_ω(θ) + const,

q_ω = Σ_c π_c Π_l p_cl^ω_l (1 − p_cl)^(1 − ω_l). Its profile over N is flat toward large N
exactly when the data cannot bound the hidden class, so the profile-likelihood interval
(Cormack 1992) widens by itself; the search stops at ``CAP`` × n and then says that the upper
end is open.

The mixture is used when the lists show heterogeneity: when it improves the conditional
likelihood over the one-class model Mt (``heterogeneous``: twice the gain above
``THRESHOLD``). One class is the mixture at the edge of its space (a share of 0 or 1), where
the likelihood-ratio statistic is not χ²: its 5% point for one such parameter is 2.71, the
95% point of the 50:50 mixture of χ²₀ and χ²₁ (Self & Liang 1987, *JASA* 82(398)). In
simulations the statistic's 90th percentile on one-class populations of 1,000 over 3-5 lists
was 0.8-2.4. With one class the model is Mt, the
log-linear independence model, and its N̂ equals that model's (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats
from scipy.special import expit, gammaln, log_expit

from sereno.estimate.histories import CaptureHistories

CAP = 5.0
THRESHOLD = 2.71
GRID = 24


@dataclass(frozen=True)
class MixtureFit:
    """Mth2's estimate and the upper end of its profile interval, beside the one-class fit.

    ``upper_open``: the likelihood does not fall by the interval's amount before ``cap`` × n,
    so ``N_upper`` is that search limit and the data set no upper end."""

    N_hat: float
    N_upper: float
    upper_open: bool
    share_hard: float
    capture_easy: tuple[float, ...]
    capture_hard: tuple[float, ...]
    lr: float
    heterogeneous: bool
    N_one_class: float
    cap: float
    level: float

    def to_dict(self) -> dict:
        return {
            "model": "Mth2",
            "N_hat": round(self.N_hat, 2),
            "N_upper": round(self.N_upper, 2),
            "upper_open": self.upper_open,
            "share_hard": round(self.share_hard, 4),
            "capture_easy": [round(p, 4) for p in self.capture_easy],
            "capture_hard": [round(p, 4) for p in self.capture_hard],
            "lr": round(self.lr, 3),
            "threshold": THRESHOLD,
            "heterogeneous": self.heterogeneous,
            "N_one_class": round(self.N_one_class, 2),
            "cap": self.cap,
        }


def _logsumexp(rows: np.ndarray) -> np.ndarray:
    """log Σ_c exp(rows[c]) over one or two classes (scipy's general one costs more than the
    whole likelihood here)."""
    return rows[0] if len(rows) == 1 else np.logaddexp(rows[0], rows[1])


class _Model:
    """Log-probabilities of the observed cells and of the unobserved one, for 1 or 2 classes."""

    def __init__(self, histories: CaptureHistories, classes: int):
        self.patterns = histories.patterns.astype(float)
        self.counts = histories.counts.astype(float)
        self.n = float(self.counts.sum())
        self.k = self.patterns.shape[1]
        self.classes = classes

    def unpack(self, theta: np.ndarray):
        """(log shares, logits per class × list): class 2 is the harder one by construction
        (α₂ = α₁ − e^g), so the two classes cannot swap labels."""
        beta = np.concatenate([[0.0], theta[1 : self.k]])
        if self.classes == 1:
            return np.zeros(1), (theta[0] + beta)[None, :]
        alpha = np.array([theta[0], theta[0] - np.exp(theta[self.k])])
        log_share = np.array([log_expit(theta[self.k + 1]), log_expit(-theta[self.k + 1])])
        return log_share, alpha[:, None] + beta[None, :]

    def _terms(self, theta: np.ndarray):
        log_share, logits = self.unpack(theta)
        seen, unseen = log_expit(logits), log_expit(-logits)  # classes × lists
        per_class = self.patterns @ seen.T + (1 - self.patterns) @ unseen.T + log_share
        log_q = _logsumexp(per_class.T)
        unseen_class = unseen.sum(axis=1) + log_share
        log_q0 = float(_logsumexp(unseen_class))
        return logits, per_class, log_q, unseen_class, log_q0

    def cells(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        return self._terms(theta)[2::2]

    def value_and_gradient(self, theta: np.ndarray, big_n: float | None):
        """The conditional log-likelihood (``big_n`` None) or the full one at N, and its
        gradient. Both are Σ n_ω log q_ω + w₀ log q₀ + c: w₀ = N − n for the full one, and
        for the conditional one −n log(1 − q₀), whose derivative is n q₀ / (1 − q₀) d log q₀."""
        logits, per_class, log_q, unseen_class, log_q0 = self._terms(theta)
        if log_q0 > -1e-12:
            return -np.inf, np.zeros_like(theta)
        if big_n is None:
            value = float(self.counts @ log_q - self.n * np.log(-np.expm1(log_q0)))
            w0 = self.n * np.exp(log_q0) / -np.expm1(log_q0)
        else:
            w0 = big_n - self.n
            value = float(gammaln(big_n + 1) - gammaln(w0 + 1) + w0 * log_q0
                          + self.counts @ log_q)  # fmt: skip
        p = expit(logits)
        weights = self.counts[:, None] * np.exp(per_class - log_q[:, None])  # cells × classes
        weights0 = w0 * np.exp(unseen_class - log_q0)  # classes
        # d/dη_cl (η the logit of class c on list l), then d/d log share_c.
        g_eta = weights.T @ self.patterns - (weights.sum(axis=0) + weights0)[:, None] * p
        g_share = weights.sum(axis=0) + weights0
        grad = np.empty_like(theta)
        grad[1 : self.k] = g_eta[:, 1:].sum(axis=0)
        if self.classes == 1:
            grad[0] = g_eta[0].sum()
            return value, grad
        grad[0] = g_eta.sum()
        grad[self.k] = -np.exp(theta[self.k]) * g_eta[1].sum()
        s = theta[self.k + 1]
        grad[self.k + 1] = g_share[0] * expit(-s) - g_share[1] * expit(s)
        return value, grad

    def conditional(self, theta: np.ndarray) -> float:
        """Log-likelihood of the observed table given that each person was seen."""
        return self.value_and_gradient(theta, None)[0]

    def full(self, theta: np.ndarray, big_n: float) -> float:
        return self.value_and_gradient(theta, big_n)[0]

    def starts(self) -> list[np.ndarray]:
        totals = (self.patterns * self.counts[:, None]).sum(axis=0) / self.n
        logits = np.log(np.clip(totals, 1e-3, 1 - 1e-3) / np.clip(1 - totals, 1e-3, 1))
        beta = logits[1:] - logits[0]
        if self.classes == 1:
            return [np.concatenate([[logits[0]], beta])]
        return [
            np.concatenate([[logits[0] + lift], beta, [np.log(gap)], [logit_share]])
            for lift, gap, logit_share in ((0.5, 2.0, 1.0), (1.0, 3.0, 0.0), (0.2, 1.0, 2.0))
        ]


def _maximise(model: _Model, big_n: float | None, starts: list[np.ndarray]):
    """The best of the fits from ``starts``: (θ̂, maximum)."""

    def negative(x: np.ndarray):
        value, grad = model.value_and_gradient(x, big_n)
        return (np.inf, np.zeros_like(x)) if not np.isfinite(value) else (-value, -grad)

    best_x, best = starts[0], -np.inf
    for x0 in starts:
        with np.errstate(all="ignore"):
            out = optimize.minimize(negative, x0, jac=True, method="BFGS",
                                    options={"maxiter": 400, "gtol": 1e-3})  # fmt: skip
        if np.isfinite(out.fun) and -out.fun > best:
            best_x, best = out.x, -float(out.fun)
    return best_x, best


def mth2(histories: CaptureHistories, *, level: float = 0.95, cap: float = CAP) -> MixtureFit:
    """Fit Mt and Mth2 to ``histories``; Mth2's N̂ and profile-likelihood interval."""
    one, two = _Model(histories, 1), _Model(histories, 2)
    theta_one, l_one = _maximise(one, None, one.starts())
    theta, l_two = _maximise(two, None, [*two.starts(), _lift(theta_one)])
    n = two.n
    lr = max(2 * (l_two - l_one), 0.0)
    n_hat = n / -np.expm1(two.cells(theta)[1])
    top = cap * n
    n_hat = min(n_hat, top)

    # The profile is walked upward from N̂ on a geometric grid, each fit started from its
    # neighbour's, so that it stays on one branch of a likelihood that can have several.
    # Only the upper end is needed: the mixture widens an interval upward, toward the people
    # the lists did not see; its lower end is no better than the other models'.
    peak = _maximise(two, n_hat, [theta])[1]
    target = peak - stats.chi2.ppf(level, 1) / 2
    x, upper, open_ = theta, top, n_hat >= top
    previous_n = n_hat
    for big_n in np.geomspace(n_hat, top, GRID)[1:] if not open_ else ():
        x, value = _maximise(two, float(big_n), [x])
        if value < target:
            upper = optimize.brentq(
                lambda v, x=x: _maximise(two, v, [x])[1] - target,
                previous_n,
                float(big_n),
                xtol=1e-4 * n,
            )
            break
        previous_n = big_n
    else:
        open_ = True
    log_share, logits = two.unpack(theta)
    return MixtureFit(
        N_hat=float(n_hat),
        N_upper=upper,
        upper_open=bool(open_),
        share_hard=float(np.exp(log_share[1])),
        capture_easy=tuple(float(p) for p in expit(logits[0])),
        capture_hard=tuple(float(p) for p in expit(logits[1])),
        lr=float(lr),
        heterogeneous=bool(lr > THRESHOLD),
        N_one_class=float(n / -np.expm1(one.cells(theta_one)[1])),
        cap=cap,
        level=level,
    )


def _lift(theta_one: np.ndarray) -> np.ndarray:
    """A two-class start from the one-class fit: a small, much harder second class."""
    return np.concatenate([theta_one + np.eye(1, len(theta_one))[0] * 0.3, [1.5], [2.0]])
