"""Input checks shared by the prioritise stage: one-line typed errors naming the unit."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sereno.errors import SerenoError


def require(frame: pd.DataFrame, columns: Iterable[str | None]) -> None:
    """Every named column is in ``frame``; else the error lists the columns there are."""
    for column in columns:
        if column is not None and column not in frame.columns:
            raise SerenoError(
                "prioritise.missing_column", column=column, columns=", ".join(map(str, frame))
            )


def numbers(
    frame: pd.DataFrame, column: str, units: pd.Series | np.ndarray, nonnegative: bool = False
) -> np.ndarray:
    """The column as floats; a blank, text, infinite (or negative) cell is refused, naming
    its unit (``units`` aligned with the rows)."""
    require(frame, [column])
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if nonnegative:
        bad |= values < 0
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SerenoError(
            "prioritise.bad_value",
            column=column,
            unit=np.asarray(units)[row],
            value=frame[column].iloc[row],
        )
    return values
