"""What every evaluation shares: input checks, periods and the words of its sentences.

Intervals and JSON-able values are the result contract's (``sereno.result``), re-exported here.

Checks run at the boundary and raise ``SerenoError`` with an ``evaluate.*`` key, so a missing
column or a text value in a count column is one line for the user, never a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.i18n import format_number, has, t
from sereno.result import Z95, Interval, jsonable  # noqa: F401  (the contract's, re-exported)


def require_columns(frame: pd.DataFrame, columns: Iterable[str | None]) -> None:
    for column in columns:
        if column is not None and column not in frame.columns:
            raise SerenoError(
                "evaluate.missing_column",
                column=column,
                columns=", ".join(map(str, frame.columns)),
            )


def numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The column as floats; a cell that is not a number is refused, naming its row."""
    values = pd.to_numeric(frame[column], errors="coerce")
    missing = values.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise SerenoError(
            "evaluate.not_numeric", column=column, row=row + 1, value=frame[column].iloc[row]
        )
    return values.to_numpy(dtype=float)


def counts(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = numeric(frame, column)
    if (values < 0).any():
        row = int(np.flatnonzero(values < 0)[0])
        raise SerenoError("evaluate.negative", column=column, row=row + 1, value=values[row])
    return values


@dataclass(frozen=True)
class Periods:
    """Time values coded as consecutive integers: months (YYYY-MM or dates) or plain numbers."""

    kind: str  # "month" | "number"

    @staticmethod
    def detect(values: pd.Series) -> Periods:
        as_number = pd.to_numeric(values, errors="coerce")
        return Periods("number" if as_number.notna().all() else "month")

    def code(self, values: pd.Series | Sequence[Any], column: str = "time") -> np.ndarray:
        series = pd.Series(values)
        if self.kind == "number":
            out = pd.to_numeric(series, errors="coerce")
        else:
            dates = pd.to_datetime(series.astype(str), errors="coerce", format="mixed")
            out = dates.dt.year * 12 + (dates.dt.month - 1)
        if out.isna().any():
            row = int(np.flatnonzero(out.isna().to_numpy())[0])
            raise SerenoError("evaluate.bad_time", column=column, row=row + 1, value=series[row])
        return out.to_numpy(dtype=np.int64)

    def one(self, value: Any, option: str) -> int:
        try:
            return int(self.code([value], option)[0])
        except SerenoError:
            raise SerenoError("evaluate.bad_period", option=option, value=value) from None

    def label(self, code: int) -> str:
        if self.kind == "number":
            return str(int(code))
        return f"{int(code) // 12:04d}-{int(code) % 12 + 1:02d}"

    def labels(self, codes: Iterable[int]) -> list[str]:
        return [self.label(c) for c in codes]


def number(value: float, digits: int = 2, lang: str | None = None) -> str:
    """A number for a sentence in the user's language (1.234,5 es; 1,234.5 en), '—' when
    missing. Without ``lang``, the language of the session (``--lang``, SERENO_LANG)."""
    if value is None or not math.isfinite(value):
        return "—"
    return format_number(value, lang, digits)


def subject(outcome: str, place: str = "", lang: str | None = None) -> str:
    """What was measured, and where: 'homicidios (Colonia Centro)'. The outcomes the store
    evaluations name (a column such as ``homicides``) are said in ``lang``; a column of the
    user's own file is shown as the user named it."""
    key = f"evaluate.outcome.{outcome}"
    said = t(key, lang) if has(key) else outcome
    return f"{said} ({place})" if place else said
