"""The two-class mixture Mth2 (``sereno.estimate.mixture``): its likelihood, its one-class
edge against the log-linear independence model on published tables, planted truth, and the
widening it brings to the answer Sereno shows.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from sereno.estimate import estimate_population
from sereno.estimate.histories import from_patterns
from sereno.estimate.loglinear import fit_model
from sereno.estimate.mixture import THRESHOLD, _Model, mth2
from sereno.estimate.simulate import latent_class_population, two_classes
from tests.estimate.reference_tables import HIV, HIV_LISTS, KOSOVO, KOSOVO_LISTS


def table(cells: np.ndarray, lists: tuple[str, ...]):
    return from_patterns(lists, cells[:, :-1], cells[:, -1])


@pytest.mark.parametrize("classes", [1, 2])
@pytest.mark.parametrize("big_n", [None, 5200.0])
def test_gradient_is_the_likelihood_s(classes: int, big_n: float | None) -> None:
    model = _Model(table(KOSOVO, KOSOVO_LISTS), classes)
    theta = np.random.default_rng(1).normal(scale=0.5, size=model.k + 2 * (classes - 1))
    numeric = approx_fprime(theta, lambda x: model.value_and_gradient(x, big_n)[0], 1e-6)
    analytic = model.value_and_gradient(theta, big_n)[1]
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-2)


@pytest.mark.parametrize(("cells", "lists"), [(KOSOVO, KOSOVO_LISTS), (HIV, HIV_LISTS)])
def test_one_class_is_the_independence_log_linear_model(cells, lists) -> None:
    """Mt's conditional MLE equals the Poisson log-linear independence model's N̂ (the two
    are the same model, Sanathanan 1972), to 1e-5 relative, on Kosovo and Rome's HIV lists."""
    histories = table(cells, lists)
    fit = mth2(histories)
    reference = fit_model(histories, ())["N_hat"]
    assert fit.N_one_class == pytest.approx(reference, rel=1e-5)


def test_planted_classes_are_recovered() -> None:
    """20,000 people, 30% seen by each of five lists with probability 0.125, the rest 0.5:
    the classes are identifiable at this size, and Mth2 finds them (share within 0.05,
    probabilities within 0.03, N within 5%) and says the lists are heterogeneous."""
    rng = np.random.default_rng(11)
    h = latent_class_population(rng, 20_000, *two_classes(5, 0.3, 0.5, 4))
    fit = mth2(h)
    assert fit.heterogeneous and fit.lr > 10 * THRESHOLD
    assert fit.share_hard == pytest.approx(0.3, abs=0.05)
    assert np.allclose(fit.capture_hard, 0.125, atol=0.03)
    assert np.allclose(fit.capture_easy, 0.5, atol=0.03)
    assert fit.N_hat == pytest.approx(20_000, rel=0.05)
    assert fit.N_upper >= 20_000 and not fit.upper_open
    assert fit.N_one_class < 0.9 * 20_000  # one class misses the hard one


def test_one_class_populations_are_seldom_called_heterogeneous() -> None:
    """Eight homogeneous populations (3,000 people, four lists at 0.4): at most one beyond
    the threshold (its nominal level is 5%)."""
    rng = np.random.default_rng(3)
    flagged = [
        mth2(latent_class_population(rng, 3000, [1.0], [[0.4] * 4])).heterogeneous for _ in range(8)
    ]
    assert sum(flagged) <= 1, flagged


@pytest.mark.slow
def test_the_answer_shown_reaches_the_hidden_class() -> None:
    """Five lists, 30% of 1,000 people seen eight times less often: LCMCR and the log-linear
    window stop near 830 (planted 1,000); the mixture flags the hidden class, the interval
    shown reaches past the truth, and the summary says why in both languages."""
    rng = np.random.default_rng(5)
    h = latent_class_population(rng, 1000, *two_classes(5, 0.3, 0.5, 8))
    result = estimate_population(h, iterations=2000, max_iterations=2000, burn_in=500,
                                 chains=2, seed=1, sensitivity=False)  # fmt: skip
    _, high = result.diagnostics["lcmcr_interval"]
    assert high < 1000 <= result.N_upper
    assert "hidden_class" in result.diagnostics["warnings"]
    assert "Mth2" in result.summary("es") and "rara vez" in result.summary("es")
    assert "rarely record" in result.summary("en")
