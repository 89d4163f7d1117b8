"""Hierarchical log-linear models of J lists: their terms, names, designs and catalogue.

A term is a set of lists, held as a bit mask (bit j for list j + 1); a hierarchical model
holds every main effect and a set of interaction terms closed downwards (each subset of two
or more lists of a term is a term). Models are named by their maximal terms as in Rcapture
(Baillargeon & Rivest 2007) and MultipleSystemsEstimation (Silverman 2020): ``[12,3,4]`` has
the interaction of lists 1 and 2, ``[123,4]`` the three-list interaction of 1, 2 and 3 and
everything below it.

For four lists up to three-list interactions there are 113 such models; for five lists, 1,024
up to two-list interactions and 6,084 up to three-list ones (the counts of Rcapture's
``getAllModels`` and MultipleSystemsEstimation's catalogue).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import numpy as np

from sereno.estimate.histories import full_design

Model = tuple[int, ...]  # interaction terms (bit masks of two lists or more), sorted


def size(term: int) -> int:
    return term.bit_count()


def interactions(j: int, maxorder: int) -> list[int]:
    """Every term of 2..maxorder lists, by order then by lists (12, 13, ..., 123, ...)."""
    return [
        sum(1 << i for i in chosen)
        for order in range(2, maxorder + 1)
        for chosen in combinations(range(j), order)
    ]


def _faces(term: int) -> list[int]:
    """The terms one list smaller than ``term`` that are interactions (two lists or more)."""
    if size(term) <= 2:
        return []
    return [term & ~(1 << i) for i in range(term.bit_length()) if term >> i & 1]


def is_hierarchical(model: Model) -> bool:
    present = set(model)
    return all(face in present for term in model for face in _faces(term))


def all_models(j: int, maxorder: int) -> Iterator[Model]:
    """Every hierarchical model with main effects and interactions of at most ``maxorder``
    lists, by depth-first choice of terms in ``interactions`` order (a term may join only
    when its faces have)."""
    terms = interactions(j, maxorder)

    def extend(start: int, chosen: list[int], present: set[int]) -> Iterator[Model]:
        yield tuple(chosen)
        for index in range(start, len(terms)):
            term = terms[index]
            if all(face in present for face in _faces(term)):
                chosen.append(term)
                present.add(term)
                yield from extend(index + 1, chosen, present)
                present.discard(term)
                chosen.pop()

    yield from extend(0, [], set())


def count_models(j: int, maxorder: int, stop: int | None = None) -> int:
    """How many hierarchical models ``all_models`` yields (counting stops at ``stop``)."""
    count = 0
    for _ in all_models(j, maxorder):
        count += 1
        if stop is not None and count >= stop:
            break
    return count


def neighbours(model: Model, j: int, maxorder: int) -> list[Model]:
    """Hierarchical models one term away: a term added whose faces are all present, or a
    maximal term removed (the moves of a stepwise search)."""
    present = set(model)
    out = []
    for term in interactions(j, maxorder):
        if term not in present and all(face in present for face in _faces(term)):
            out.append(tuple(sorted((*model, term), key=_order)))
    for term in model:
        if not any(other != term and other & term == term for other in model):
            out.append(tuple(t for t in model if t != term))
    return out


def _order(term: int) -> tuple[int, int]:
    return size(term), _lists_key(term)


def _lists_key(term: int) -> int:
    # Sorts 12 < 13 < 14 < 23 ...: the lists read as digits from the lowest bit.
    return int("".join(str(i + 1) for i in range(term.bit_length()) if term >> i & 1))


def maximal_terms(model: Model, j: int) -> list[int]:
    """Terms no other term contains, main effects included (the model's generators)."""
    terms = list(model) + [1 << i for i in range(j)]
    return [t for t in terms if not any(o != t and o & t == t for o in terms)]


def model_name(model: Model, j: int) -> str:
    """Rcapture's name of the model: maximal terms, highest order first, ``[12,13,4]``."""
    generators = sorted(maximal_terms(model, j), key=lambda t: (-size(t), _lists_key(t)))
    return "[" + ",".join(str(_lists_key(t)) for t in generators) + "]"


def parse_model(name: str, j: int) -> Model:
    """The model of a Rcapture/MultipleSystemsEstimation name such as ``[123,14,34]``."""
    generators = [g for g in name.strip().strip("[]").split(",") if g]
    chosen: set[int] = set()
    for g in generators:
        lists = [int(c) - 1 for c in g]
        if any(not 0 <= i < j for i in lists) or len(set(lists)) != len(lists):
            raise ValueError(name)
        for order in range(2, len(lists) + 1):
            for sub in combinations(lists, order):
                chosen.add(sum(1 << i for i in sub))
    return tuple(sorted(chosen, key=_order))


# Heterogeneity terms of the number of lists k a cell is on (Darroch, Fienberg, Glonek &
# Junker 1993; Rcapture's ``h`` with its default θ): a random capture propensity shared by
# every list, added to the interactions.
HETEROGENEITY = {
    "darroch": lambda k: k**2 / 2,
    "poisson": lambda k: 2.0**k - 1,
    "gamma": lambda k: -np.log(3.5 + k) + np.log(3.5),
}


def design(model: Model, j: int, heterogeneity: str = "") -> np.ndarray:
    """Design of the 2^J − 1 observable cells (``full_design`` order): intercept, main
    effects, one column per interaction (1 where the cell holds every list of it), then the
    ``heterogeneity`` term ("darroch", "poisson", "gamma"), if any, last."""
    x = full_design(j)
    codes = cell_masks(j)
    columns = [np.ones(len(x)), *x.T.astype(float)]
    columns += [((codes & term) == term).astype(float) for term in model]
    if heterogeneity:
        columns.append(HETEROGENEITY[heterogeneity](x.sum(axis=1).astype(float)))
    return np.column_stack(columns)


def cell_masks(j: int) -> np.ndarray:
    """Each observable cell's lists as a bit mask (bit i ↔ list i + 1)."""
    return full_design(j).astype(np.int64) @ (1 << np.arange(j))
