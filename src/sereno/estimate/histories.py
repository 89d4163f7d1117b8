"""Capture histories: which lists (sources) saw each individual, as pattern counts.

Multiple systems estimation works on the incomplete 2^J contingency table of J lists: one cell
per pattern of presence (``"101"``: seen by lists 1 and 3), the cell ``"00…0"`` unobserved
(Fienberg 1972, "The multiple recapture census for closed populations and incomplete 2^k
contingency tables", *Biometrika* 59(3)). A ``CaptureHistories`` holds the observed cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sereno.errors import SerenoError

MIN_LISTS = 3
MAX_LISTS = 10
# Below this many observed individuals a stratum has too few overlaps to say anything about
# the uncounted; HRDAG's practice is to pool strata rather than estimate on tiny ones.
MIN_OBSERVED = 30


@dataclass(frozen=True)
class CaptureHistories:
    """Observed cells of the incomplete 2^J table: ``patterns`` (cells × lists, 0/1) and
    their ``counts``; ``lists`` names the columns."""

    lists: tuple[str, ...]
    patterns: np.ndarray
    counts: np.ndarray

    @property
    def observed(self) -> int:
        """n: individuals seen by at least one list."""
        return int(self.counts.sum())

    @property
    def list_totals(self) -> dict[str, int]:
        """How many individuals each list saw."""
        totals = (self.patterns * self.counts[:, None]).sum(axis=0)
        return {name: int(x) for name, x in zip(self.lists, totals, strict=True)}

    def labels(self) -> list[str]:
        return ["".join(map(str, row)) for row in self.patterns]

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.patterns, columns=list(self.lists))
        frame["count"] = self.counts
        return frame


def capture_histories(
    frame: pd.DataFrame,
    lists: Sequence[str],
    count: str | None = None,
    *,
    min_observed: int = MIN_OBSERVED,
) -> CaptureHistories:
    """Validate a table of presence indicators (one row per individual, or per pattern with
    a ``count`` column) and aggregate it into pattern counts.

    Refuses (``SerenoError``) fewer than three lists, missing columns, values other than 0/1,
    negative or non-numeric counts, a pattern seen by no list, and fewer than
    ``min_observed`` individuals.
    """
    lists = tuple(lists)
    if len(lists) < MIN_LISTS:
        raise SerenoError("estimate.too_few_lists", n=len(lists), lists=", ".join(lists))
    if len(lists) > MAX_LISTS or len(set(lists)) != len(lists):
        raise SerenoError("estimate.bad_lists", lists=", ".join(lists), most=MAX_LISTS)
    for column in (*lists, *([count] if count else [])):
        if column not in frame.columns:
            raise SerenoError(
                "estimate.missing_column", column=column, columns=", ".join(map(str, frame))
            )
    presence = frame[list(lists)].apply(pd.to_numeric, errors="coerce")
    bad = ~presence.isin([0, 1])
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        raise SerenoError(
            "estimate.not_binary",
            column=lists[column],
            row=int(row) + 2,
            value=frame[lists[column]].iloc[row],
        )
    if count:
        weights = pd.to_numeric(frame[count], errors="coerce")
        wrong = weights.isna() | (weights < 0) | (weights % 1 != 0)
        if wrong.any():
            row = int(np.flatnonzero(wrong.to_numpy())[0])
            raise SerenoError(
                "estimate.bad_count", column=count, row=row + 2, value=frame[count].iloc[row]
            )
        weights = weights.to_numpy(dtype=np.int64)
    else:
        weights = np.ones(len(frame), dtype=np.int64)
    patterns = presence.to_numpy(dtype=np.int8)
    unseen = (patterns.sum(axis=1) == 0) & (weights > 0)
    if unseen.any():
        raise SerenoError("estimate.unobservable_row", row=int(np.flatnonzero(unseen)[0]) + 2)
    return from_patterns(lists, patterns, weights, min_observed=min_observed)


def from_patterns(
    lists: Sequence[str],
    patterns: np.ndarray,
    counts: np.ndarray,
    *,
    min_observed: int = MIN_OBSERVED,
) -> CaptureHistories:
    """Aggregate identical patterns, drop empty cells and check the stratum's size."""
    lists = tuple(lists)
    if len(lists) < MIN_LISTS:
        raise SerenoError("estimate.too_few_lists", n=len(lists), lists=", ".join(lists))
    j = len(lists)
    codes = patterns.astype(np.int64) @ (1 << np.arange(j - 1, -1, -1))
    totals = np.bincount(codes, weights=counts, minlength=1 << j).astype(np.int64)
    cells = np.flatnonzero(totals[1:] > 0) + 1
    bits = ((cells[:, None] >> np.arange(j - 1, -1, -1)) & 1).astype(np.int8)
    histories = CaptureHistories(lists, bits, totals[cells])
    if histories.observed < min_observed:
        raise SerenoError("estimate.too_small", n=histories.observed, minimum=min_observed)
    return histories


def full_design(j: int) -> np.ndarray:
    """Every pattern of J lists except all zeros, as rows (2^J − 1 × J)."""
    cells = np.arange(1, 1 << j)
    return ((cells[:, None] >> np.arange(j - 1, -1, -1)) & 1).astype(np.int8)


def cell_counts(histories: CaptureHistories) -> np.ndarray:
    """Counts over ``full_design`` order (zeros for unseen patterns)."""
    j = len(histories.lists)
    codes = histories.patterns.astype(np.int64) @ (1 << np.arange(j - 1, -1, -1))
    out = np.zeros(1 << j, dtype=np.int64)
    out[codes] = histories.counts
    return out[1:]
