"""Which value to test: counts, crude rates, smoothed rates, excess counts, densities.

Homicide rates of small units are noisy: one death in a colonia of 800 people is a rate of
125 per 100,000. Three ways to test rates without chasing that noise:

- ``eb``: the empirical-Bayes standardised rate of Assunção and Reis (1999),
  ``(r_i - b) / sqrt(a + b / P_i)`` with ``r_i = O_i / P_i``, ``b = ΣO / ΣP`` and the
  method-of-moments prior variance ``a = Σ P_i (r_i - b)² / ΣP - b / (ΣP / n)`` (``b / P_i``
  alone where that is negative). Small units are pulled towards the city rate. Use it when
  populations differ a lot and the question is where the *risk* is high (esda's
  ``assuncao_rate``).
- ``excess``: Gi* on counts with population as the expected-count baseline, the Poisson
  residual ``(O_i - E_i) / sqrt(E_i)`` with ``E_i = P_i · ΣO / ΣP``. Use it when the question
  is where there are *more deaths than the population explains*, for where to send people.
- ``crude``: ``O_i / P_i · 100,000``, the published rate; fine when every unit is large.

``density`` (counts per km², as the Honduras study mapped) and ``count`` need no population.
Count and density (or rate) often tell different stories (seed 000, Appendix 2): a dense
central colonia with many deaths is a count hot spot, a sparse periphery with few people may
be a rate hot spot.
"""

from __future__ import annotations

import numpy as np
from esda.smoothing import assuncao_rate

RATE_KINDS = ("eb", "excess", "crude")
PER = 100_000


def crude_rate(counts: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Counts per 100,000 people."""
    return counts / population * PER


def eb_rate(counts: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Assunção-Reis (1999) empirical-Bayes standardised rate."""
    return np.asarray(assuncao_rate(counts.astype(float), population.astype(float)), dtype=float)


def excess_counts(counts: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Poisson residuals ``(O - E) / sqrt(E)`` against the city-wide rate."""
    expected = population * counts.sum() / population.sum()
    return (counts - expected) / np.sqrt(expected)


def rate_values(kind: str, counts: np.ndarray, population: np.ndarray) -> np.ndarray:
    """The value to test for rate ``kind`` (eb, excess or crude)."""
    return {"eb": eb_rate, "excess": excess_counts, "crude": crude_rate}[kind](counts, population)
