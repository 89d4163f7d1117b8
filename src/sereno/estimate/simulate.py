"""Populations with known size for checking multiple systems estimates.

A population of ``size`` people falls into latent classes of given ``shares``; a person of
class c is on list j with probability ``capture[c][j]``, independently across lists given the
class (the data-generating model of LCMCR, Manrique-Vallier 2016, which makes the lists
dependent marginally); ``dependence`` > 0 adds, on top, a positive dependence between lists
1 and 2 (a person on list 1 is on list 2 with that probability more, as when one source
copies another). The capture histories of the people seen are returned.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sereno.estimate.histories import CaptureHistories, from_patterns


def latent_class_population(
    rng: np.random.Generator,
    size: int,
    shares: Sequence[float],
    capture: Sequence[Sequence[float]],
    *,
    dependence: float = 0.0,
    min_observed: int = 0,
) -> CaptureHistories:
    """The capture histories of those seen, out of ``size`` people (module docstring)."""
    p = np.asarray(capture, dtype=float)
    classes = rng.choice(len(shares), size=size, p=np.asarray(shares) / np.sum(shares))
    x = (rng.uniform(size=(size, p.shape[1])) < p[classes]).astype(np.int8)
    if dependence > 0:
        copied = (x[:, 0] == 1) & (rng.uniform(size=size) < dependence)
        x[copied, 1] = 1
    seen = x[x.sum(axis=1) > 0]
    names = [f"L{j + 1}" for j in range(p.shape[1])]
    return from_patterns(names, seen, np.ones(len(seen), dtype=np.int64),
                         min_observed=min_observed)  # fmt: skip


def two_classes(
    lists: int, hard_share: float, easy: float, ratio: float
) -> tuple[list[float], list[list[float]]]:
    """Shares and capture probabilities of a hard class seen ``ratio`` times less often than
    the easy one (``easy`` on every list)."""
    return [hard_share, 1 - hard_share], [[easy / ratio] * lists, [easy] * lists]
