"""Profile-likelihood interval for N under a log-linear model (Cormack 1992).

Cormack, R. M. (1992). "Interval estimation for mark-recapture studies of closed
populations", *Biometrics* 48(2), 567–576; as Rcapture's ``closedpCI.t`` computes it
(Baillargeon & Rivest 2007). For a trial N the table is completed with n0 = N − n in the
unobserved cell and the model is fitted to all 2^J cells as a Poisson GLM; the multinomial
profile log-likelihood is

    ℓ(N) = −D(N)/2 + n0 log n0 + log N! − N log N − log n0!

with D(N) the deviance of that fit (the last four terms are Cormack's correction from the
Poisson to the multinomial likelihood; Rcapture uses Stirling's formula for them above 100
individuals, we use log Γ exactly). The interval holds every N with
ℓ(N) ≥ max ℓ − χ²₁(level)/2. Its ends are found by Brent's method; an upper end beyond
``upper_factor`` × N̂ is reported as infinite.
"""

from __future__ import annotations

import warnings

import numpy as np
import statsmodels.api as sm
from scipy import optimize, stats
from scipy.special import gammaln, xlogy


def _loglik_factory(y: np.ndarray, x: np.ndarray, n: float):
    completed = np.vstack([x, np.eye(1, x.shape[1])])
    last: dict[str, object] = {}

    def fitted(counts: np.ndarray, start: np.ndarray | None):
        model = sm.GLM(counts, completed, family=sm.families.Poisson())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = model.fit(start_params=start, tol=1e-10, maxiter=200)
            except ValueError:
                return None
        return fit if fit.converged and np.isfinite(fit.deviance) else None

    def loglik(big_n: float) -> float:
        n0 = max(big_n - n, 0.0)
        counts = np.append(y, n0)
        # Start from the last fit only when it was for a nearby N: from far away IRLS can
        # stop short of the optimum or diverge.
        near = "n" in last and abs(float(last["n"]) - big_n) < 0.1 * big_n
        fit = fitted(counts, last["params"] if near else None)  # type: ignore[arg-type]
        if fit is None and near:
            fit = fitted(counts, None)
        if fit is None:
            return -np.inf
        last.update(n=big_n, params=fit.params)
        correction = xlogy(n0, n0) + gammaln(big_n + 1) - big_n * np.log(big_n) - gammaln(n0 + 1)
        return float(-fit.deviance / 2 + correction)

    return loglik


def profile_interval(
    y: np.ndarray,
    x: np.ndarray,
    n_hat: float,
    *,
    level: float = 0.95,
    upper_factor: float = 3.0,
) -> tuple[float, float, float]:
    """(N̂ multinomial, lower, upper) for the model of design ``x`` (observable cells kept in
    the fit, intercept first) and counts ``y``; ``n_hat`` is the Poisson estimate."""
    n = float(y.sum())
    loglik = _loglik_factory(y, x, n)
    floor = n + 1e-6  # n0 = 0 sends the intercept to −∞; a millionth of a person does not
    best = optimize.minimize_scalar(
        lambda v: -loglik(v), bounds=(floor, max(1.5 * n_hat, n + 1.0)), method="bounded",
        options={"xatol": 1e-6 * n_hat},
    )  # fmt: skip
    n_max, l_max = float(best.x), -float(best.fun)
    target = l_max - stats.chi2.ppf(level, 1) / 2

    def gap(v: float) -> float:
        return loglik(v) - target

    tol = 1e-7 * n_hat
    low = n if gap(floor) > 0 else optimize.brentq(gap, floor, n_max, xtol=tol)
    top = upper_factor * n_hat
    high = float("inf") if gap(top) > 0 else optimize.brentq(gap, n_max, top, xtol=tol)
    return n_max, float(low), float(high)
