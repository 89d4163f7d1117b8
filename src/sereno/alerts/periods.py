"""Time periods (day, week, month) and the checks every alert analysis makes on its input."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sereno.errors import SerenoError

PERIODS = ("day", "week", "month")
# Days per period: the unit of the recurrence interval (SaTScan reports 1/p analyses, one
# analysis per period).
PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375}
_MONDAY = np.datetime64("1970-01-05", "D")


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise SerenoError("error.bad_option", option="--period", detail=" | ".join(PERIODS))
    return period


def require_columns(frame: pd.DataFrame, *columns: str | None) -> None:
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise SerenoError(
            "alerts.missing_column", column=missing[0], columns=", ".join(map(str, frame.columns))
        )


def parse_dates(values: pd.Series, column: str) -> np.ndarray:
    """Dates (YYYY-MM-DD, YYYY-MM, or datetimes) as datetime64[D]; a bad one is a user error."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values)
    else:
        text = values.astype("string").str.strip()
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SerenoError("alerts.bad_time", column=column, row=row + 1, value=values.iloc[row])
    return parsed.to_numpy().astype("datetime64[D]")


def parse_numbers(values: pd.Series, column: str, integer: bool = True) -> np.ndarray:
    """Non-negative numbers (whole if ``integer``); a bad one is a user error."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers) | (numbers < 0)
    if integer:
        bad |= np.isfinite(numbers) & (numbers % 1 != 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SerenoError("alerts.bad_number", column=column, row=row + 1, value=values.iloc[row])
    return numbers


def period_index(dates: np.ndarray, period: str) -> np.ndarray:
    """An absolute, gap-free number for each date's period."""
    days = dates.astype("datetime64[D]")
    if period == "month":
        return days.astype("datetime64[M]").astype(np.int64)
    if period == "week":
        return (days - _MONDAY).astype(np.int64) // 7
    return days.astype(np.int64)


def period_bounds(index: np.ndarray, period: str) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each absolute period."""
    index = np.asarray(index, dtype=np.int64)
    if period == "month":
        months = index.astype("datetime64[M]")
        return months.astype("datetime64[D]"), (months + 1).astype("datetime64[D]") - 1
    if period == "week":
        first = _MONDAY + index * 7
        return first, first + 6
    first = index.astype("datetime64[D]")
    return first, first


def study_periods(
    absolute: np.ndarray, period: str, start: object = None, end: object = None
) -> tuple[int, int]:
    """First and last absolute period of the study: the data's, unless given."""
    first = int(absolute.min()) if start is None else int(period_index(_day(start), period)[0])
    last = int(absolute.max()) if end is None else int(period_index(_day(end), period)[0])
    if last < first:
        raise SerenoError("alerts.empty_period", start=str(start), end=str(end))
    return first, last


def _day(value: object) -> np.ndarray:
    try:
        return np.array([pd.Timestamp(str(value)).to_datetime64()]).astype("datetime64[D]")
    except ValueError:
        raise SerenoError("alerts.bad_date_option", value=str(value)) from None


def max_periods(max_days: float, period: str) -> int:
    """The longest time window, in periods (at least one)."""
    if max_days <= 0:
        raise SerenoError("error.bad_option", option="--max-days", detail="> 0")
    return max(1, round(max_days / PERIOD_DAYS[period]))
