"""What every evaluation shares: input checks, periods, intervals and JSON-able values.

Checks run at the boundary and raise ``SerenoError`` with an ``evaluate.*`` key, so a missing
column or a text value in a count column is one line for the user, never a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.i18n import format_number, has, t

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    """An estimate with its standard error and 95% interval."""

    estimate: float
    se: float
    low: float
    high: float

    @classmethod
    def normal(cls, estimate: float, se: float) -> Interval:
        estimate, se = float(estimate), float(se)
        return cls(estimate, se, estimate - Z95 * se, estimate + Z95 * se)

    @classmethod
    def log_normal(cls, log_estimate: float, se: float) -> Interval:
        """A ratio estimated on the log scale: exp(b) with the interval exp(b ± 1.96 se)."""
        return cls(
            math.exp(log_estimate),
            float(se),
            math.exp(log_estimate - Z95 * se),
            math.exp(log_estimate + Z95 * se),
        )

    @property
    def p(self) -> float:
        """Two-sided normal p-value of estimate / se (for ratios, use the log scale)."""
        from scipy.stats import norm

        if not self.se > 0:
            return float("nan")
        return float(2 * norm.sf(abs(self.estimate / self.se)))


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


def jsonable(value: Any) -> Any:
    """Plain Python values for ``json.dumps``: dataclasses, arrays, frames, NaN as None."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, pd.DataFrame):
        return jsonable(value.to_dict(orient="records"))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
