"""What ``unit_anomalies`` returns: the assessed unit-periods and the CUSUM of every unit."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sereno.i18n import format_number, t
from sereno.result import Result, plot_arguments, tidy_frame


@dataclass(frozen=True, eq=False)
class AnomalyResult(Result):
    """``assessed``: unit_code, period, observed, expected, upper (prediction bound), p_tail
    (P(Y >= observed) under the model), dispersion, alert. ``cusum``: unit_code, cusum, since,
    observed, expected, alarm. ``series``: counts by unit (rows) and period (columns)."""

    period: str
    study_start: str
    study_end: str
    n_units: int
    alpha: float
    min_count: int
    cusum_k: float
    cusum_h: float
    arl0: float
    indicator: str
    place: str
    assessed: pd.DataFrame = field(repr=False)
    cusum: pd.DataFrame = field(repr=False)
    series: pd.DataFrame = field(repr=False)

    @property
    def alerts(self) -> pd.DataFrame:
        return self.assessed[self.assessed["alert"]].sort_values("p_tail", kind="stable")

    @property
    def shifts(self) -> pd.DataFrame:
        return self.cusum[self.cusum["alarm"]].sort_values("cusum", ascending=False)

    @property
    def expected_false_alarms(self) -> float:
        """At most this many alerts per run are expected by chance (a x unit-periods)."""
        return self.alpha * len(self.assessed)

    def to_frame(self) -> pd.DataFrame:
        return self.assessed.copy()

    def tidy(self) -> pd.DataFrame:
        """Each assessed unit-period: the observed count (term ``observed``), with the
        expected count and its upper prediction bound as low and high, and its tail p."""
        a = self.assessed
        return tidy_frame(
            "observed",
            a["observed"],
            "negative_binomial_prediction",
            low=a["expected"],
            high=a["upper"],
            p=a["p_tail"],
            unit_code=a["unit_code"],
            period=a["period"],
        )

    def content(self) -> dict[str, object]:
        settings = (
            "period",
            "study_start",
            "study_end",
            "n_units",
            "alpha",
            "min_count",
            "cusum_k",
            "cusum_h",
            "arl0",
            "indicator",
            "place",
            "expected_false_alarms",
        )
        out: dict[str, object] = {s: getattr(self, s) for s in settings}
        out["alerts"] = self.alerts
        out["shifts"] = self.shifts
        return out

    def summary(self, lang: str | None = None) -> str:
        text = t(
            "alerts.anomaly_summary",
            lang,
            units=self.n_units,
            periods=self.assessed["period"].nunique(),
            alerts=len(self.alerts),
            alpha=format_number(self.alpha, lang, significant=3),
            false_alarms=format_number(self.expected_false_alarms, lang, 1),
            shifts=len(self.shifts),
            arl0=format_number(self.arl0, lang),
        )
        if len(self.alerts):
            top = self.alerts.iloc[0]
            text += " " + t(
                "alerts.anomaly_top",
                lang,
                unit=top["unit_code"],
                period=top["period"],
                observed=format_number(top["observed"], lang),
                expected=format_number(top["expected"], lang, 1),
                upper=format_number(top["upper"], lang),
            )
        return text

    def plot(self, ax=None, lang: str | None = None, unit: str | None = None):
        """A unit's series (default: the strongest alert) with its expected count and bound."""
        import matplotlib.pyplot as plt

        if isinstance(ax, str) and ax in self.series.index:  # the old plot(unit)
            ax, unit = plot_arguments("", None)[0], ax
        ax, lang = plot_arguments(ax, lang)

        if unit is None:
            unit = self.alerts["unit_code"].iloc[0] if len(self.alerts) else self.series.index[0]
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3.5))
        row = self.series.loc[unit]
        ax.plot(
            pd.to_datetime(row.index),
            row.to_numpy(),
            color="black",
            marker="o",
            ms=3,
            label=t("alerts.observed", lang),
        )
        mine = self.assessed[self.assessed["unit_code"] == unit]
        x = pd.to_datetime(mine["period"])
        ax.scatter(x, mine["expected"], color="0.5", marker="s", label=t("alerts.expected", lang))
        ax.scatter(x, mine["upper"], color="0.3", marker="_", s=200, label=t("alerts.upper", lang))
        ax.legend(frameon=False)
        ax.set_ylabel(t("alerts.cases", lang))
        where = f"{self.place} {self.study_start} – {self.study_end}".strip()
        ax.set_title(
            t("alerts.anomaly_title", lang, unit=unit, indicator=self.indicator, where=where)
        )
        ax.figure.tight_layout()
        return ax.figure
