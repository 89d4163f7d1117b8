"""Months as integers and the periods built from them.

A month is ``year * 12 + month - 1``; a period is a window of months [start, end]. Month,
quarter and year periods tile the calendar; year-to-date (``ytd``) takes January to the
reference month of every year; rolling twelve months (``r12``) ends at every month. Each kind
says how far back its previous period lies (``None`` when the previous window would overlap
or equal the year-before one).
"""

from __future__ import annotations

import re

import numpy as np

from sereno.errors import SerenoError

PERIODS = ("month", "quarter", "year", "ytd", "r12")
PREVIOUS_SHIFT: dict[str, int | None] = {
    "month": 1,
    "quarter": 3,
    "year": None,
    "ytd": None,
    "r12": None,
}
YEAR_SHIFT = 12


def month_index(year: np.ndarray | int, month: np.ndarray | int) -> np.ndarray:
    return np.asarray(year, dtype=np.int64) * 12 + np.asarray(month, dtype=np.int64) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_month(text: str) -> int:
    """'2024-08' (or '2024-8', '2024/08') as a month index; a user error otherwise."""
    match = re.fullmatch(r"\s*(\d{4})[-/](\d{1,2})\s*", str(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise SerenoError("indicators.bad_month", value=text)
    return int(month_index(int(match.group(1)), int(match.group(2))))


def check_kind(kind: str) -> str:
    if kind not in PERIODS:
        raise SerenoError("indicators.bad_period_kind", value=kind, kinds=", ".join(PERIODS))
    return kind


def windows(kind: str, start: int, end: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Labels, first and last month of the ``kind`` periods that meet [start, end].

    ``ytd`` windows run from January to the month of ``end`` in every year from ``start``'s
    year to ``end``'s; ``r12`` windows end at every month from ``start`` to ``end``.
    """
    check_kind(kind)
    if kind == "month":
        firsts = np.arange(start, end + 1)
        lasts = firsts
        labels = [month_label(m) for m in firsts]
    elif kind == "quarter":
        q0, q1 = start // 3, end // 3
        firsts = np.arange(q0, q1 + 1) * 3
        lasts = firsts + 2
        labels = [f"{m // 12:04d}-Q{m % 12 // 3 + 1}" for m in firsts]
    elif kind == "year":
        years = np.arange(start // 12, end // 12 + 1)
        firsts, lasts = years * 12, years * 12 + 11
        labels = [str(y) for y in years]
    elif kind == "ytd":
        years = np.arange(start // 12, end // 12 + 1)
        firsts, lasts = years * 12, years * 12 + end % 12
        labels = [f"{month_label(a)}/{month_label(b)}" for a, b in zip(firsts, lasts, strict=True)]
    else:
        lasts = np.arange(start, end + 1)
        firsts = lasts - 11
        labels = [f"{month_label(a)}/{month_label(b)}" for a, b in zip(firsts, lasts, strict=True)]
    return labels, np.asarray(firsts, dtype=np.int64), np.asarray(lasts, dtype=np.int64)


def parse_period_label(text: str) -> tuple[int, int] | None:
    """First and last month of a period label (2024, 2024-Q3, 2024-08, 2024-01/2024-08)."""
    text = str(text).strip()
    if m := re.fullmatch(r"(\d{4})", text):
        y = int(m.group(1))
        return y * 12, y * 12 + 11
    if m := re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text):
        first = int(m.group(1)) * 12 + (int(m.group(2)) - 1) * 3
        return first, first + 2
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})", text)
    if m and 1 <= int(m.group(2)) <= 12:
        first = int(month_index(int(m.group(1)), int(m.group(2))))
        return first, first
    if m := re.fullmatch(r"(\d{4}-\d{1,2})/(\d{4}-\d{1,2})", text):
        return parse_month(m.group(1)), parse_month(m.group(2))
    return None
