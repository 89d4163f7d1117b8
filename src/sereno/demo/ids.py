"""Record identifiers as sources write them: a prefix and a zero-padded serial number."""

from __future__ import annotations

import numpy as np
import pandas as pd


def serial(prefix: str | pd.Series, numbers: np.ndarray, width: int) -> pd.Series:
    """``prefix`` followed by each number zero-padded to ``width`` digits ("V" + 7 -> "V00007")."""
    return prefix + pd.Series(np.asarray(numbers)).astype(str).str.zfill(width)


def serial_by_year(prefix: str, dates: pd.Series, width: int) -> pd.Series:
    """Folios numbered from 1 each year in date order ("PM-2021-00001"), as registries do.

    ``dates`` must already be in the order the folios are given.
    """
    year = pd.Series(dates).dt.year.reset_index(drop=True)
    number = year.groupby(year).cumcount().to_numpy() + 1
    return serial(prefix + "-" + year.astype(str) + "-", number, width)
