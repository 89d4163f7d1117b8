"""The result contract every estimate follows, and the one way to make values JSON-able.

As pyfixest gives every model ``tidy()`` and ``confint(alpha)`` from one base, every Sereno
result object (a frozen dataclass) mixes in ``Result``:

- ``to_frame()``: its figures as a table (one row per unit, period or coefficient);
- ``tidy()``: its estimates in the columns ``term, estimate, se, low, high, p, method``
  (``TIDY_COLUMNS``); a figure without a standard error, interval or p-value leaves it empty;
- ``summary(lang)``: a plain-language paragraph in ``es`` or ``en`` (default: the user's);
- ``to_dict()``: the figures for ``--json``, the portal and the bulletin, strict JSON (no NaN),
  with the summary in both languages under ``"summary"``;
- ``plot(ax=None, lang=None)``: a matplotlib figure (drawn on ``ax`` when given).

A class writes ``content()`` (its figures, without the summary); ``to_dict`` adds the
summaries and passes everything through ``jsonable``. An ``Interval`` knows its level.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from sereno.i18n import LANGUAGES

TIDY_COLUMNS = ("term", "estimate", "se", "low", "high", "p", "method")
Z95 = 1.959963984540054


def _z(alpha: float) -> float:
    from scipy.stats import norm

    return Z95 if alpha == 0.05 else float(norm.ppf(1 - alpha / 2))


@dataclass(frozen=True)
class Interval:
    """An estimate with its standard error and its ``1 - alpha`` interval (default 95 %)."""

    estimate: float
    se: float
    low: float
    high: float
    alpha: float = 0.05

    @property
    def level(self) -> float:
        """The interval's coverage: 0.95 for ``alpha`` 0.05."""
        return 1 - self.alpha

    @classmethod
    def normal(cls, estimate: float, se: float, alpha: float = 0.05) -> Interval:
        """estimate ± z(1 - alpha/2) se."""
        estimate, se = float(estimate), float(se)
        z = _z(alpha)
        return cls(estimate, se, estimate - z * se, estimate + z * se, alpha)

    @classmethod
    def log_normal(cls, log_estimate: float, se: float, alpha: float = 0.05) -> Interval:
        """A ratio estimated on the log scale: exp(b) with the interval exp(b ± z se)."""
        z = _z(alpha)
        return cls(
            math.exp(log_estimate),
            float(se),
            math.exp(log_estimate - z * se),
            math.exp(log_estimate + z * se),
            alpha,
        )

    def at(self, alpha: float) -> Interval:
        """The same estimate with a ``1 - alpha`` normal interval (as pyfixest's
        ``confint(alpha)``); an interval without a standard error cannot be rescaled."""
        if not self.se > 0:
            raise ValueError("an interval without a standard error keeps its own level")
        return Interval.normal(self.estimate, self.se, alpha)

    @property
    def p(self) -> float:
        """Two-sided normal p-value of estimate / se (for ratios, use the log scale)."""
        from scipy.stats import norm

        if not self.se > 0:
            return float("nan")
        return float(2 * norm.sf(abs(self.estimate / self.se)))

    def row(self, term: str, method: str, p: float | None = None) -> dict[str, Any]:
        """One row of a tidy table."""
        return {
            "term": term,
            "estimate": self.estimate,
            "se": self.se,
            "low": self.low,
            "high": self.high,
            "p": self.p if p is None else p,
            "method": method,
        }


def tidy_frame(
    term: Any,
    estimate: Any,
    method: Any,
    *,
    se: Any = np.nan,
    low: Any = np.nan,
    high: Any = np.nan,
    p: Any = np.nan,
    **extra: Any,
) -> pd.DataFrame:
    """A tidy table with the contract's columns first (``extra`` columns, such as unit_code
    or period, after ``term``)."""
    frame = pd.DataFrame(
        {
            "term": term,
            **extra,
            "estimate": estimate,
            "se": se,
            "low": low,
            "high": high,
            "p": p,
            "method": method,
        }
    )
    return frame.astype({c: float for c in ("estimate", "se", "low", "high", "p")})


def tidy_rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A tidy table from ``Interval.row`` dicts (an empty one keeps the columns)."""
    return pd.DataFrame(rows, columns=list(TIDY_COLUMNS))


class Result:
    """The contract's shared half: ``to_dict`` and ``confint`` written once.

    A class mixing it in writes ``to_frame``, ``tidy``, ``summary``, ``content`` and, where a
    picture helps, ``plot``."""

    def content(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_frame(self) -> pd.DataFrame:
        raise NotImplementedError

    def tidy(self) -> pd.DataFrame:
        raise NotImplementedError

    def summary(self, lang: str | None = None) -> str:
        raise NotImplementedError

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no picture")

    def summaries(self) -> dict[str, str]:
        return {lang: self.summary(lang) for lang in LANGUAGES}

    def to_dict(self) -> dict[str, Any]:
        """The figures as strict JSON values, with the summary in both languages."""
        return jsonable({**self.content(), "summary": self.summaries()})

    def confint(self) -> pd.DataFrame:
        """term, low, high of every estimate (as pyfixest's ``confint``)."""
        return self.tidy()[["term", "low", "high"]]


def deprecated(old: str, new: str, function: Any) -> Any:
    """``function`` under its old name ``old``, warning that ``new`` replaces it."""

    def warned(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"{old} is deprecated: use {new}", DeprecationWarning, stacklevel=2)
        return function(*args, **kwargs)

    warned.__name__ = old.rsplit(".", 1)[-1]
    warned.__doc__ = f"Deprecated: use ``{new}``."
    return warned


def plot_arguments(ax: Any, lang: str | None) -> tuple[Any, str | None]:
    """``(ax, lang)`` of a ``plot(ax=None, lang=None)`` call; a language passed first, as the
    old ``plot(lang)`` took it, still works with a DeprecationWarning."""
    if isinstance(ax, str):
        warnings.warn(
            "plot(lang) is deprecated: call plot(lang=...) (the first argument is ax)",
            DeprecationWarning,
            stacklevel=3,
        )
        return None, ax
    return ax, lang


def figure_axes(ax: Any, lang: str | None, **subplots: Any) -> tuple[Any, Any, str | None]:
    """The figure and axes to draw on (new ones of ``subplots`` when ``ax`` is None) and the
    language, for a ``plot(ax=None, lang=None)``."""
    import matplotlib.pyplot as plt

    ax, lang = plot_arguments(ax, lang)
    if ax is None:
        fig, ax = plt.subplots(**subplots)
        return fig, ax, lang
    return figure_of(ax), ax, lang


def figure_of(ax: Any) -> Any:
    """The figure an axes (or an array of axes) belongs to."""
    first = ax.flat[0] if isinstance(ax, np.ndarray) else ax
    return first.figure


def jsonable(value: Any) -> Any:
    """Plain Python values for a strict JSON parser: dataclasses, frames (rows as dicts),
    series, arrays, NumPy scalars, decimals, dates (ISO text) and paths; NaN, infinities,
    NaT and pd.NA as None. The one cleaner of the CLI's ``--json``, the portal's API, the
    bulletin and the open data."""
    if isinstance(value, Result):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, pd.DataFrame):
        return records(value)
    if isinstance(value, pd.Series):
        return jsonable(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-able dicts: missing values as None, dates as ISO text (a
    date-only column as YYYY-MM-DD), integers kept integers."""
    out = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns[[pd.api.types.is_datetime64_any_dtype(d) for d in frame.dtypes]]:
        out[column] = [None if v is None else _timestamp_text(v) for v in out[column]]
    return [{str(k): jsonable(v) for k, v in row.items()} for row in out.to_dict(orient="records")]


def _timestamp_text(value: Any) -> str:
    stamp = pd.Timestamp(value)
    return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
