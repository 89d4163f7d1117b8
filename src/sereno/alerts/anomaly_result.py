"""What ``unit_anomalies`` returns: the assessed unit-periods and the CUSUM of every unit."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sereno.i18n import t


@dataclass(frozen=True, eq=False)
class AnomalyResult:
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

    def to_dict(self) -> dict[str, object]:
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
        out["alerts"] = self.alerts.to_dict(orient="records")
        out["shifts"] = self.shifts.to_dict(orient="records")
        return out

    def summary(self, lang: str = "es") -> str:
        text = t(
            "alerts.anomaly_summary",
            lang,
            units=self.n_units,
            periods=self.assessed["period"].nunique(),
            alerts=len(self.alerts),
            alpha=self.alpha,
            false_alarms=f"{self.expected_false_alarms:.1f}",
            shifts=len(self.shifts),
            arl0=f"{self.arl0:.0f}",
        )
        if len(self.alerts):
            top = self.alerts.iloc[0]
            text += " " + t(
                "alerts.anomaly_top",
                lang,
                unit=top["unit_code"],
                period=top["period"],
                observed=f"{top['observed']:.0f}",
                expected=f"{top['expected']:.1f}",
                upper=f"{top['upper']:.0f}",
            )
        return text

    def plot(self, unit: str | None = None, ax=None):
        """A unit's series (default: the strongest alert) with its expected count and bound."""
        import matplotlib.pyplot as plt

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
            label=t("alerts.observed"),
        )
        mine = self.assessed[self.assessed["unit_code"] == unit]
        x = pd.to_datetime(mine["period"])
        ax.scatter(x, mine["expected"], color="0.5", marker="s", label=t("alerts.expected"))
        ax.scatter(x, mine["upper"], color="0.3", marker="_", s=200, label=t("alerts.upper"))
        ax.legend(frameon=False)
        ax.set_ylabel(t("alerts.cases"))
        where = f"{self.place} {self.study_start} – {self.study_end}".strip()
        ax.set_title(t("alerts.anomaly_title", unit=unit, indicator=self.indicator, where=where))
        ax.figure.tight_layout()
        return ax.figure
