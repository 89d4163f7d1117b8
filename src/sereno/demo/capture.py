"""Which sources record which true victims: heterogeneous, dependent capture.

Each source's capture probability is logistic in the victim's covariates plus a shared latent
"visibility" ``z ~ N(0, 1)`` (a death that draws a crowd is seen by everyone), so captures are
positively dependent and heterogeneous, the situation that multiple systems estimation must
handle (Lum, Price & Banks 2013, "Applications of multiple systems estimation in human rights
research", *The American Statistician* 67(4)). Intercepts are solved so that each source's
overall coverage is its ``TARGET``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sereno.demo.people import PUBLIC_PLACES

SOURCES = ("policia", "forense", "prensa")
TARGET = {"policia": 0.75, "forense": 0.85, "prensa": 0.50}


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _intercept(slope: np.ndarray, target: float, gate: np.ndarray) -> float:
    """The intercept a such that mean(gate · logistic(a + slope)) = target (bisection)."""
    low, high = -15.0, 15.0
    for _ in range(60):
        middle = (low + high) / 2
        if np.mean(gate * _logistic(middle + slope)) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def capture_probabilities(rng: np.random.Generator, victims: pd.DataFrame) -> pd.DataFrame:
    """Each victim's probability of appearing in each source (columns ``SOURCES``).

    - policia: misses more in gang-held colonias (witnesses do not call) and when no body
      was found (only a missing-person report);
    - forense: sees only bodies that were found, a little less in gang territory;
    - prensa: favours young men, public places, firearms and the flare-up's headlines.
    """
    z = rng.normal(size=len(victims))
    armed = victims["armed_territory"].to_numpy()
    found = victims["body_found"].to_numpy()
    public = victims["place"].isin(PUBLIC_PLACES).to_numpy()
    young_man = ((victims["sex"] == "male") & victims["age"].between(15, 29)).to_numpy()
    firearm = (victims["weapon"] == "firearm").to_numpy()
    flare = victims["in_flare_up"].to_numpy()
    slopes = {
        "policia": -1.1 * armed + 0.4 * public - 1.2 * ~found + 0.5 * z,
        "forense": -0.3 * armed + 0.3 * z,
        "prensa": (
            0.9 * young_man + 0.8 * public + 0.3 * firearm + 0.7 * flare - 1.5 * ~found + 0.8 * z
        ),
    }
    gates = {
        "policia": np.ones(len(victims)),
        "forense": found.astype(float),
        "prensa": np.ones(len(victims)),
    }
    return pd.DataFrame(
        {
            source: gates[source]
            * _logistic(_intercept(slopes[source], TARGET[source], gates[source]) + slopes[source])
            for source in SOURCES
        },
        index=victims.index,
    )


def draw_captures(rng: np.random.Generator, victims: pd.DataFrame) -> pd.DataFrame:
    """Boolean capture indicators per victim and source, drawn from the probabilities."""
    probability = capture_probabilities(rng, victims)
    drawn = rng.uniform(size=probability.shape) < probability.to_numpy()
    return pd.DataFrame(drawn, columns=list(SOURCES), index=victims.index)


def capture_pattern(captures: pd.DataFrame) -> pd.Series:
    """Each victim's capture pattern as in the multiple systems literature: one digit per
    source in ``SOURCES`` order, 1 if recorded ("110": policia and forense, not prensa)."""
    digits = captures[list(SOURCES)].astype(int).astype(str)
    return digits.iloc[:, 0] + digits.iloc[:, 1] + digits.iloc[:, 2]
