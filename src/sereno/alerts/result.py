"""What a space-time scan returns: its clusters, with the numbers SaTScan reports."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sereno.i18n import format_number, t
from sereno.result import Result, plot_arguments, tidy_frame

CLUSTER_COLUMNS = [
    "rank",
    "centre",
    "centre_x",
    "centre_y",
    "centre_lon",
    "centre_lat",
    "radius",
    "unit_codes",
    "start",
    "end",
    "observed",
    "expected",
    "relative_risk",
    "llr",
    "p_value",
    "recurrence_days",
]


@dataclass(frozen=True)
class Cluster:
    """One cylinder: centre, radius (metres), member locations, window, cases and evidence."""

    rank: int
    centre: str
    centre_x: float
    centre_y: float
    centre_lon: float | None
    centre_lat: float | None
    radius: float
    unit_codes: tuple[str, ...]
    start: str
    end: str
    observed: float
    expected: float
    relative_risk: float
    llr: float
    p_value: float
    recurrence_days: float | None
    member_index: tuple[int, ...] = field(repr=False, default=())
    window: tuple[int, int] = field(repr=False, default=(0, 0))

    def to_dict(self) -> dict[str, object]:
        out = {c: getattr(self, c) for c in CLUSTER_COLUMNS}
        out["unit_codes"] = list(self.unit_codes)
        if not np.isfinite(self.relative_risk):
            out["relative_risk"] = None
        return out


@dataclass(frozen=True, eq=False)
class ScanResult(Result):
    """Result of ``space_time_scan``: ``clusters`` ordered by LLR, most likely first.

    ``llr_replicates`` holds the scan statistic of every Monte Carlo data set; ``cases`` and
    ``expected`` are (location, period) matrices aligned with ``location_ids`` and
    ``period_starts``.
    """

    model: str
    prospective: bool
    period: str
    study_start: str
    study_end: str
    total_cases: int
    n_locations: int
    n_periods: int
    replications: int
    seed: int
    max_share: float
    max_radius: float | None
    max_periods: int
    n_cylinders: int
    alpha: float
    place: str
    clusters: tuple[Cluster, ...]
    location_ids: tuple[str, ...] = field(repr=False)
    xy: np.ndarray = field(repr=False)
    lonlat: np.ndarray | None = field(repr=False)
    cases: np.ndarray = field(repr=False)
    expected: np.ndarray = field(repr=False)
    period_starts: np.ndarray = field(repr=False)
    llr_replicates: np.ndarray = field(repr=False)

    @property
    def significant(self) -> tuple[Cluster, ...]:
        return tuple(c for c in self.clusters if c.p_value <= self.alpha)

    def to_frame(self) -> pd.DataFrame:
        rows = [c.to_dict() for c in self.clusters]
        frame = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
        frame["unit_codes"] = frame["unit_codes"].map(lambda v: ";".join(v))
        return frame

    def tidy(self) -> pd.DataFrame:
        """Each cluster's relative risk (term ``cluster:RANK``) with its Monte Carlo p-value;
        the scan gives no interval of the relative risk."""
        frame = self.to_frame()
        return tidy_frame(
            "cluster:" + frame["rank"].astype(str),
            frame["relative_risk"],
            f"space_time_scan_{self.model}",
            p=frame["p_value"],
            centre=frame["centre"],
            start=frame["start"],
            end=frame["end"],
        )

    def content(self) -> dict[str, object]:
        settings = (
            "model",
            "prospective",
            "period",
            "study_start",
            "study_end",
            "total_cases",
            "n_locations",
            "n_periods",
            "replications",
            "seed",
            "max_share",
            "max_radius",
            "max_periods",
            "n_cylinders",
            "alpha",
            "place",
        )
        out: dict[str, object] = {s: getattr(self, s) for s in settings}
        out["clusters"] = [c.to_dict() for c in self.clusters]
        out["significant"] = len(self.significant)
        return out

    def series(self, cluster: Cluster) -> pd.DataFrame:
        """Observed and expected cases of the cluster's locations, period by period."""
        members = list(cluster.member_index)
        return pd.DataFrame(
            {
                "period": self.period_starts.astype(str),
                "observed": self.cases[members].sum(0),
                "expected": self.expected[members].sum(0),
            }
        )

    def summary(self, lang: str | None = None) -> str:
        kind = t(f"alerts.kind_{'prospective' if self.prospective else 'retrospective'}", lang)
        head = t(
            "alerts.scan_head",
            lang,
            kind=kind,
            model=t(f"alerts.model_{self.model}", lang),
            cases=format_number(self.total_cases, lang),
            units=self.n_locations,
            start=self.study_start,
            end=self.study_end,
            replications=format_number(self.replications, lang),
        )
        found = self.significant
        if not found:
            return (
                head
                + " "
                + t("alerts.scan_none", lang, alpha=format_number(self.alpha, lang, significant=3))
            )
        top = found[0]
        body = t(
            "alerts.scan_top",
            lang,
            n=len(found),
            alpha=format_number(self.alpha, lang, significant=3),
            observed=format_number(top.observed, lang),
            expected=format_number(top.expected, lang, 1),
            units=len(top.unit_codes),
            centre=top.centre,
            radius=format_number(top.radius, lang),
            start=top.start,
            end=top.end,
            llr=format_number(top.llr, lang, 2),
            p=format_number(top.p_value, lang, significant=3),
        )
        if top.recurrence_days is not None:
            body += " " + recurrence_sentence(top.recurrence_days, lang)
        return f"{head} {body}"

    def plot(self, ax=None, lang: str | None = None, cluster: int = 1):
        """Map of the locations (the cluster's circled) and its observed vs expected series
        (``ax``: two axes)."""
        import matplotlib.pyplot as plt

        if isinstance(ax, int) and not isinstance(ax, bool):  # the old plot(cluster)
            ax, cluster = plot_arguments("", None)[0], ax
        ax, lang = plot_arguments(ax, lang)
        if ax is None:
            fig, ax = plt.subplots(1, 2, figsize=(11, 4.5), width_ratios=[1, 1.4])
        fig = ax[0].figure
        found = [c for c in self.clusters if c.rank == cluster]
        size = 4 + 60 * self.cases.sum(1) / max(self.cases.sum(1).max(), 1)
        ax[0].scatter(*self.xy.T, s=size, c="0.7", edgecolors="0.4", linewidths=0.3)
        ax[0].set_aspect("equal")
        ax[0].set_xticks([])
        ax[0].set_yticks([])
        title = f"{self.place} {self.study_start} – {self.study_end}".strip()
        if found:
            c = found[0]
            members = list(c.member_index)
            ax[0].scatter(*self.xy[members].T, s=size[members], c="black", marker="s")
            ring = plt.Circle(
                (c.centre_x, c.centre_y), max(c.radius, 1.0), fill=False, ls="--", color="black"
            )
            ax[0].add_patch(ring)
            s = self.series(c)
            x = pd.to_datetime(s["period"])
            ax[1].plot(
                x, s["observed"], color="black", marker="o", ms=3, label=t("alerts.observed", lang)
            )
            ax[1].plot(x, s["expected"], color="0.5", ls="--", label=t("alerts.expected", lang))
            ax[1].axvspan(pd.Timestamp(c.start), pd.Timestamp(c.end), color="0.85")
            ax[1].legend(frameon=False)
            title = t("alerts.plot_title", lang, centre=c.centre, units=len(members), where=title)
        ax[1].set_ylabel(t("alerts.cases", lang))
        fig.suptitle(title)
        fig.tight_layout()
        return fig


def recurrence_sentence(days: float, lang: str = "es") -> str:
    """'Once in 3.2 years' or 'once in 150 days' (how NYC's health department reads clusters)."""
    if days >= 365.25:
        return t("alerts.recurrence_years", lang, years=format_number(days / 365.25, lang, 1))
    return t("alerts.recurrence_days", lang, days=format_number(days, lang))
