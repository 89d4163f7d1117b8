"""Extortion reports by victim type and unit, the share reported to the police, the dark figure.

A hotline, a chamber of commerce or a victimisation survey hears of extortion whether or
not the victim went to the police; each report says whether it did. Among such reports the
share reported estimates the reporting rate, and the police's own count divided by it
estimates all extortion (the "dark figure" is the difference; the ratio estimator of crime
surveys, e.g. UNODC-UNECE 2010, *Manual on Victimization Surveys*, ch. 4). The rate's
interval is Wilson's score interval (Wilson 1927); the total's interval divides the police
count by its bounds, so it states the uncertainty of the rate, the dominant one when the
police count is a census of its own files. It holds when the reports are heard independently
of going to the police; reports that do not say count in neither share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sereno.errors import SerenoError
from sereno.harms.records import harm_records, roll_up
from sereno.i18n import format_number, t
from sereno.indicators.cube import counts_cube
from sereno.indicators.periods import month_index, month_label
from sereno.store import Observatory

EXTORTION_ICCS = "02051"
Z95 = float(stats.norm.ppf(0.975))


def wilson_interval(k: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval for a proportion k/n (NaN where n is 0)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _shares(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Reports, those saying yes / no to the police, the share reported and its interval."""
    said = frame["reported_police"] != "unknown"
    grouped = frame.assign(
        yes=frame["reported_police"] == "yes", said=said, paid_yes=frame["paid"] == "yes",
        refused=frame["paid"] == "no",
        harmed=(frame["paid"] == "no") & frame["outcome"].isin(["violence", "homicide"]),
    ).groupby(by, as_index=False).agg(
        reports=("record_id", "size"), reported_police=("yes", "sum"), answered=("said", "sum"),
        paid=("paid_yes", "sum"), refused=("refused", "sum"), harmed=("harmed", "sum"),
    )  # fmt: skip
    low, high = wilson_interval(grouped["reported_police"], grouped["answered"])
    with np.errstate(divide="ignore", invalid="ignore"):
        grouped["share_reported"] = grouped["reported_police"] / grouped["answered"]
        grouped["violence_after_refusal"] = grouped["harmed"] / grouped["refused"]
    grouped["share_low"], grouped["share_high"] = low, high
    return grouped


@dataclass(frozen=True)
class DarkFigure:
    """All extortion estimated from the police count and the share reported.

    ``police``: extortion incidents in the police's files over the same months (through the
    counts cube); ``share``: reports saying they went to the police / reports saying either;
    ``total`` = police / share with ``total_low``, ``total_high`` from the share's interval;
    ``dark`` = total − police.
    """

    police: int
    police_source: str
    answered: int
    reported: int
    share: float
    share_low: float
    share_high: float
    first: str
    last: str

    @property
    def total(self) -> float:
        return self.police / self.share

    @property
    def total_low(self) -> float:
        return self.police / self.share_high

    @property
    def total_high(self) -> float:
        return self.police / self.share_low

    @property
    def dark(self) -> float:
        return self.total - self.police

    def to_dict(self) -> dict[str, object]:
        return {**self.__dict__, "total": self.total, "total_low": self.total_low,
                "total_high": self.total_high, "dark": self.dark,
                "summary": {lang: self.summary(lang) for lang in ("es", "en")}}  # fmt: skip

    def summary(self, lang: str = "es") -> str:
        def pct(v: float) -> str:
            return format_number(100 * v, lang, 0)

        return t("harms.extortion.dark_figure", lang, first=self.first, last=self.last,
                 police=format_number(self.police, lang), share=pct(self.share),
                 low=pct(self.share_low), high=pct(self.share_high),
                 total=format_number(round(self.total), lang),
                 total_low=format_number(round(self.total_low), lang),
                 total_high=format_number(round(self.total_high), lang))  # fmt: skip


@dataclass(frozen=True)
class ExtortionFigures:
    """Extortion reports of one source: ``by_type`` (victim_type, reports, reported_police,
    answered, share_reported with share_low/share_high, paid, refused, harmed,
    violence_after_refusal), ``by_unit`` (the same by unit of ``level``), ``dark_figure``."""

    by_type: pd.DataFrame
    by_unit: pd.DataFrame
    dark_figure: DarkFigure | None
    source: str
    level: str | None

    def to_dict(self) -> dict[str, object]:
        dark = self.dark_figure.to_dict() if self.dark_figure else None
        return {"source": self.source, "level": self.level,
                "by_type": self.by_type.to_dict(orient="records"), "dark_figure": dark}  # fmt: skip


def extortion_figures(
    obs: Observatory,
    level: str | None = None,
    source: str | None = None,
    police_source: str | None = None,
) -> ExtortionFigures:
    """Extortion by victim type and by unit, and the dark figure against the police's count
    of ICCS 02051 (``police_source``, default the cube's largest source of it)."""
    reports = harm_records(obs, "extortion", source)
    chosen = source or str(reports["source_id"].iloc[0])
    by_type = _shares(reports, ["victim_type"])
    by_unit = _shares(reports.assign(unit=roll_up(obs, reports, "unit_code", level)).dropna(
        subset=["unit"]), ["unit"]).rename(columns={"unit": "unit_code"})  # fmt: skip
    return ExtortionFigures(by_type, by_unit, dark_figure(obs, reports, police_source), chosen,
                            level)  # fmt: skip


def dark_figure(
    obs: Observatory, reports: pd.DataFrame, police_source: str | None = None
) -> DarkFigure | None:
    """The police count of extortion over the reports' months, and all extortion estimated
    from it (None when the store has no police extortion or no report says either way)."""
    months = month_index(reports["year"], reports["month"])
    first, last = int(months.min()), int(months.max())
    said = reports["reported_police"] != "unknown"
    if not said.any():
        return None
    try:
        cube = counts_cube(obs, EXTORTION_ICCS, source=police_source, counted="incidents",
                           start=first, end=last)  # fmt: skip
    except SerenoError as error:
        if error.key == "cube.no_source" and police_source is None:
            return None  # no police count of extortion: no dark figure to estimate
        raise
    yes = int((reports["reported_police"] == "yes").sum())
    answered = int(said.sum())
    if yes == 0:
        return None  # no report went to the police: the ratio has no finite estimate
    low, high = wilson_interval(np.array([yes]), np.array([answered]))
    return DarkFigure(cube.total(), cube.source, answered, yes, yes / answered, float(low[0]),
                      float(high[0]), month_label(first), month_label(last))  # fmt: skip
