"""Variance-based (Sobol') sensitivity indices through SALib.

Saltelli's sampling scheme (Saltelli 2002; Saltelli et al. 2010) draws N (D + 2) points of the
unit hypercube [scrambled Sobol' sequence, ``SALib.sample.sobol``]; the model is run on each
and ``SALib.analyze.sobol`` estimates each factor's first-order index S1 (the share of the
output's variance it explains alone) and total index ST (alone and in interaction), with
bootstrap confidence intervals. Discrete choices (a normalisation among three) enter as
"trigger" factors: a uniform cut into equal bins, as in Saisana, Saltelli and Tarantola (2005).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SobolIndices:
    """S1 and ST by factor, with SALib's 95% bootstrap half-widths (``*_conf``)."""

    names: tuple[str, ...]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    samples: int
    runs: int

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "factor": list(self.names),
                "S1": self.S1,
                "S1_conf": self.S1_conf,
                "ST": self.ST,
                "ST_conf": self.ST_conf,
            }
        )


def saltelli_points(
    names: Sequence[str], samples: int, seed: int, bounds: Sequence[Sequence[float]] | None = None
) -> np.ndarray:
    """The N (D + 2) input points of Saltelli's scheme (first and total order only)."""
    from SALib.sample import sobol as sobol_sample

    problem = _problem(names, bounds)
    return sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)


def sobol_indices(
    names: Sequence[str],
    outputs: np.ndarray,
    samples: int,
    seed: int,
    bounds: Sequence[Sequence[float]] | None = None,
) -> SobolIndices:
    """S1 and ST of each factor from the outputs of the runs on ``saltelli_points``."""
    from SALib.analyze import sobol

    outputs = np.asarray(outputs, dtype=float)
    if np.ptp(outputs) == 0:
        zero = np.zeros(len(names))
        return SobolIndices(tuple(names), zero, zero, zero, zero, samples, outputs.size)
    found = sobol.analyze(
        _problem(names, bounds), outputs, calc_second_order=False, seed=seed, num_resamples=200
    )
    return SobolIndices(
        tuple(names),
        np.asarray(found["S1"], dtype=float),
        np.asarray(found["S1_conf"], dtype=float),
        np.asarray(found["ST"], dtype=float),
        np.asarray(found["ST_conf"], dtype=float),
        samples,
        outputs.size,
    )


def sobol_of(
    model: Callable[[np.ndarray], np.ndarray],
    names: Sequence[str],
    samples: int,
    seed: int,
    bounds: Sequence[Sequence[float]] | None = None,
) -> SobolIndices:
    """Sample, run ``model`` on the (runs, factors) matrix, analyse: one call."""
    points = saltelli_points(names, samples, seed, bounds)
    return sobol_indices(names, model(points), samples, seed, bounds)


def trigger(u: np.ndarray, options: int) -> np.ndarray:
    """A uniform on [0, 1) as one of ``options`` equally likely choices."""
    return np.minimum((np.asarray(u) * options).astype(np.int64), options - 1)


def _problem(names: Sequence[str], bounds: Sequence[Sequence[float]] | None) -> dict:
    return {
        "num_vars": len(names),
        "names": list(names),
        "bounds": [list(b) for b in bounds] if bounds is not None else [[0.0, 1.0]] * len(names),
    }
