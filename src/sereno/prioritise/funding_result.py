"""The result of money against need: per unit, per quadrant, the concentration curve."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sereno.evaluate._common import number
from sereno.i18n import t
from sereno.result import Result

QUADRANTS = (
    "high_violence_low_funds",
    "high_violence_high_funds",
    "low_violence_high_funds",
    "low_violence_low_funds",
)


@dataclass(frozen=True)
class FundingResult(Result):
    """``table`` one row per unit: unit, homicides, population, funds, rate, funds_per_capita,
    funds_per_homicide, quadrant; ``curve_x``, ``curve_y`` the concentration curve (units in
    ``curve_units`` order) and its ``concentration_index``."""

    table: pd.DataFrame = field(repr=False)
    violence_threshold: float
    funds_threshold: float
    threshold_rule: str
    funds_rule: str
    curve_x: np.ndarray = field(repr=False)
    curve_y: np.ndarray = field(repr=False)
    curve_units: np.ndarray = field(repr=False)
    concentration_index: float
    per: float = 100_000

    def to_frame(self) -> pd.DataFrame:
        return self.table.sort_values("rate", ascending=False, kind="stable").reset_index(drop=True)

    def quadrants(self) -> pd.DataFrame:
        """Per quadrant: units, homicides, population, funds, their shares, funds per
        homicide (all the quadrant's funds over all its homicides)."""
        g = self.table.groupby("quadrant")
        out = pd.DataFrame(
            {
                "units": g.size(),
                "homicides": g["homicides"].sum(),
                "population": g["population"].sum(),
                "funds": g["funds"].sum(),
            }
        ).reindex(list(QUADRANTS), fill_value=0)
        out["homicide_share"] = out["homicides"] / out["homicides"].sum()
        out["funds_share"] = out["funds"] / out["funds"].sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["funds_per_homicide"] = np.where(
                out["homicides"] > 0, out["funds"] / out["homicides"], np.nan
            )
        return out.rename_axis("quadrant").reset_index()

    def unfunded(self) -> pd.DataFrame:
        """High-violence units (rate above the threshold) that received nothing."""
        frame = self.to_frame()
        return frame[(frame["rate"] > self.violence_threshold) & (frame["funds"] <= 0)]

    def tidy(self) -> pd.DataFrame:
        q = self.quadrants()
        rows = [
            {"term": "concentration_index", "estimate": self.concentration_index,
             "method": "concentration_curve_trapezoid"},
            *({"term": f"funds_share:{r.quadrant}", "estimate": r.funds_share,
               "method": "quadrant"} for r in q.itertuples()),
            *({"term": f"homicide_share:{r.quadrant}", "estimate": r.homicide_share,
               "method": "quadrant"} for r in q.itertuples()),
        ]  # fmt: skip
        frame = pd.DataFrame(rows)
        for column in ("se", "low", "high", "p"):
            frame.insert(frame.columns.get_loc("method"), column, np.nan)
        return frame

    def content(self) -> dict[str, Any]:
        return {
            "concentration_index": self.concentration_index,
            "violence_threshold": self.violence_threshold,
            "funds_threshold": self.funds_threshold,
            "threshold_rule": {"violence": self.threshold_rule, "funds": self.funds_rule},
            "per": self.per,
            "quadrants": self.quadrants(),
            "unfunded_high_violence": self.unfunded()["unit"].tolist(),
            "curve": {"x": self.curve_x, "y": self.curve_y, "units": self.curve_units},
            "units": self.to_frame(),
        }

    def summary(self, lang: str | None = None) -> str:
        q = self.quadrants().set_index("quadrant")
        need, rich = q.loc["high_violence_low_funds"], q.loc["low_violence_high_funds"]
        c = self.concentration_index
        lean = "favours" if c > 0.05 else "against" if c < -0.05 else "neutral"
        parts = [
            t(
                "prioritise.funding_head",
                lang,
                units=len(self.table),
                funds=number(self.table["funds"].sum(), 0, lang),
                homicides=number(self.table["homicides"].sum(), 0, lang),
            ),
            t(f"prioritise.funding_{lean}", lang, C=number(c, 2, lang)),
            t(
                "prioritise.funding_quadrants",
                lang,
                rate=number(self.violence_threshold, 1, lang),
                fpc=number(self.funds_threshold, 2, lang),
                rule=t(f"prioritise.rule_{self.threshold_rule}", lang),
                n_need=int(need["units"]),
                share_h=number(100 * need["homicide_share"], 0, lang),
                share_f=number(100 * need["funds_share"], 0, lang),
                n_rich=int(rich["units"]),
                per_h_need=number(need["funds_per_homicide"], 0, lang),
                per_h_rich=number(rich["funds_per_homicide"], 0, lang),
            ),
        ]
        unfunded = self.unfunded()
        if len(unfunded):
            parts.append(
                t(
                    "prioritise.funding_unfunded",
                    lang,
                    n=len(unfunded),
                    units=", ".join(map(str, unfunded["unit"].head(8))),
                )
            )
        return " ".join(parts)

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        """Quadrant chart (rate against funds per inhabitant, thresholds drawn) and the
        concentration curve beside it (when no ``ax`` is given)."""
        import matplotlib.pyplot as plt

        lang = lang or "es"
        if ax is None:
            fig, (ax, cax) = plt.subplots(1, 2, figsize=(11, 4.8))
        else:
            fig, cax = ax.figure, None
        colours = dict(zip(QUADRANTS, ("#b2182b", "#ef8a62", "#67a9cf", "#999999"), strict=True))
        for quadrant, rows in self.table.groupby("quadrant"):
            ax.scatter(rows["rate"], rows["funds_per_capita"], s=18, color=colours[quadrant],
                       label=t(f"prioritise.quadrant_{quadrant}", lang))  # fmt: skip
        ax.axvline(self.violence_threshold, color="0.4", ls="--", lw=0.8)
        ax.axhline(self.funds_threshold, color="0.4", ls="--", lw=0.8)
        ax.set_xlabel(t("prioritise.axis_rate", lang, per=number(self.per, 0, lang)))
        ax.set_ylabel(t("prioritise.axis_funds_per_capita", lang))
        ax.legend(frameon=False, fontsize=7)
        ax.set_title(t("prioritise.funding_chart", lang), loc="left", fontsize=10)
        if cax is not None:
            cax.plot(self.curve_x, self.curve_y, "-", color="#b2182b", lw=1.5)
            cax.plot([0, 1], [0, 1], ":", color="0.4")
            cax.set_xlabel(t("prioritise.axis_homicide_share", lang))
            cax.set_ylabel(t("prioritise.axis_funds_share", lang))
            cax.set_title(
                t("prioritise.curve_title", lang, C=number(self.concentration_index, 2, lang)),
                loc="left",
                fontsize=10,
            )
            cax.set_xlim(0, 1)
            cax.set_ylim(0, 1)
        fig.tight_layout()
        return fig
