"""What a space-time scan returns: its clusters, with the numbers SaTScan reports."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sereno.i18n import t

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
class ScanResult:
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

    def to_dict(self) -> dict[str, object]:
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

    def summary(self, lang: str = "es") -> str:
        kind = t(f"alerts.kind_{'prospective' if self.prospective else 'retrospective'}", lang)
        head = t(
            "alerts.scan_head",
            lang,
            kind=kind,
            model=t(f"alerts.model_{self.model}", lang),
            cases=self.total_cases,
            units=self.n_locations,
            start=self.study_start,
            end=self.study_end,
            replications=self.replications,
        )
        found = self.significant
        if not found:
            return head + " " + t("alerts.scan_none", lang, alpha=self.alpha)
        top = found[0]
        body = t(
            "alerts.scan_top",
            lang,
            n=len(found),
            alpha=self.alpha,
            observed=f"{top.observed:.0f}",
            expected=f"{top.expected:.1f}",
            units=len(top.unit_codes),
            centre=top.centre,
            radius=f"{top.radius:,.0f}",
            start=top.start,
            end=top.end,
            llr=f"{top.llr:.2f}",
            p=f"{top.p_value:.3g}",
        )
        if top.recurrence_days is not None:
            body += " " + recurrence_sentence(top.recurrence_days, lang)
        return f"{head} {body}"

    def plot(self, cluster: int = 1, ax=None):
        """Map of the locations (the cluster's circled) and its observed vs expected series."""
        import matplotlib.pyplot as plt

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
                x, s["observed"], color="black", marker="o", ms=3, label=t("alerts.observed")
            )
            ax[1].plot(x, s["expected"], color="0.5", ls="--", label=t("alerts.expected"))
            ax[1].axvspan(pd.Timestamp(c.start), pd.Timestamp(c.end), color="0.85")
            ax[1].legend(frameon=False)
            title = t("alerts.plot_title", centre=c.centre, units=len(members), where=title)
        ax[1].set_ylabel(t("alerts.cases"))
        fig.suptitle(title)
        fig.tight_layout()
        return fig


def recurrence_sentence(days: float, lang: str = "es") -> str:
    """'Once in 3.2 years' or 'once in 150 days' (how NYC's health department reads clusters)."""
    if days >= 365.25:
        return t("alerts.recurrence_years", lang, years=f"{days / 365.25:,.1f}")
    return t("alerts.recurrence_days", lang, days=f"{days:,.0f}")
