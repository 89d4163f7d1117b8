"""The result of an emerging hot spot analysis: per unit a category and a trend, per bin z and p.

Map colours follow ArcGIS's emerging hot spot legend in spirit: reds for the hot categories,
darker for the newer or stronger ones, blues for the cold ones in the same order, light grey
for no pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sereno.i18n import t
from sereno.result import Result, records
from sereno.spatial.emerging_rules import CATEGORIES, NOT_TESTED
from sereno.spatial.emerging_trend import MannKendall
from sereno.spatial.result import Title


@dataclass(frozen=True)
class EmergingHotSpots(Result):
    """Emerging hot spots: arrays over units (``unit_codes``) and units x steps (``steps``).

    ``z``, ``p`` (two-sided analytic), ``p_sim`` (conditional permutations, or None) and
    ``significant`` are per bin; ``bins`` from -3 (cold, 99 %) to 3 (hot, 99 %) as in the
    hot-spot maps; ``trend`` is the Mann-Kendall test of each unit's z series; ``category``
    one of ``emerging_rules.CATEGORIES`` (``not_tested`` for a unit without neighbours).
    """

    rules: str
    window: str
    weights: str
    lags: int
    value_name: str
    unit_codes: np.ndarray
    steps: list[str]
    status: np.ndarray
    values: np.ndarray
    z: np.ndarray
    p: np.ndarray
    p_sim: np.ndarray | None
    significant: np.ndarray
    bins: np.ndarray
    trend: MannKendall
    category: np.ndarray
    significance: str
    permutations: int
    seed: int
    alpha: float
    fdr: bool
    fdr_cutoff: float | None
    filled: int
    title: Title
    geometry: Any = field(default=None, repr=False, compare=False)

    @property
    def hot_steps(self) -> np.ndarray:
        return (self.significant & (self.z > 0)).sum(axis=1)

    @property
    def cold_steps(self) -> np.ndarray:
        return (self.significant & (self.z < 0)).sum(axis=1)

    def category_label(self, lang: str | None = None) -> list[str]:
        return [t(f"spatial.emerging_{c}", lang) for c in self.category]

    def counts(self) -> dict[str, int]:
        """Units per category, in the order of the categories (zeros included)."""
        found = pd.Series(self.category).value_counts()
        return {c: int(found.get(c, 0)) for c in (*CATEGORIES, NOT_TESTED)}

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """unit_code, category, category_label, tau, trend_s, trend_z, trend_p, hot_steps,
        cold_steps, final_z, final_bin, status: one row per unit."""
        return pd.DataFrame(
            {
                "unit_code": self.unit_codes,
                "category": self.category,
                "category_label": self.category_label(lang),
                "tau": self.trend.tau,
                "trend_s": self.trend.s,
                "trend_z": self.trend.z,
                "trend_p": self.trend.p,
                "hot_steps": self.hot_steps,
                "cold_steps": self.cold_steps,
                "final_z": self.z[:, -1],
                "final_bin": self.bins[:, -1],
                "status": self.status,
            }
        )

    def bins_frame(self) -> pd.DataFrame:
        """unit_code, step, value, z, p[, p_sim], significant, bin: one row per bin."""
        n, steps = self.z.shape
        frame = pd.DataFrame(
            {
                "unit_code": np.repeat(self.unit_codes, steps),
                "step": np.tile(np.asarray(self.steps, dtype=object), n),
                "value": self.values.ravel(),
                "z": self.z.ravel(),
                "p": self.p.ravel(),
            }
        )
        if self.p_sim is not None:
            frame["p_sim"] = self.p_sim.ravel()
        frame["significant"] = self.significant.ravel()
        frame["bin"] = self.bins.ravel()
        return frame

    def tidy(self) -> pd.DataFrame:
        """term, unit_code, step, estimate, se, low, high, p, method: each bin's Gi* z (p as
        used for significance) and each unit's Mann-Kendall tau. z is already standardised
        and Mann-Kendall gives no standard error of tau, so se, low and high are empty."""
        bins = self.bins_frame()
        p_used = bins["p_sim"] if self.significance == "permutation" else bins["p"]
        gi = pd.DataFrame(
            {
                "term": "gi_star_z",
                "unit_code": bins["unit_code"],
                "step": bins["step"],
                "estimate": bins["z"],
                "p": p_used,
                "method": f"space_time_gi_star:{self.window}:lags={self.lags}",
            }
        )
        mk = pd.DataFrame(
            {
                "term": "mann_kendall_tau",
                "unit_code": self.unit_codes,
                "step": None,
                "estimate": self.trend.tau,
                "p": self.trend.p,
                "method": "mann_kendall",
            }
        )
        out = pd.concat([gi, mk], ignore_index=True)
        for column in ("se", "low", "high"):
            out[column] = np.nan
        return out[["term", "unit_code", "step", "estimate", "se", "low", "high", "p", "method"]]

    def to_dict(self, lang: str | None = None) -> dict[str, object]:
        """The contract's ``to_dict`` and one row per unit (``results``, labels in ``lang``)."""
        return {**super().to_dict(), "results": records(self.to_frame(lang))}

    def content(self) -> dict[str, object]:
        return {
            "method": "emerging_hot_spots",
            "rules": self.rules,
            "window": self.window,
            "weights": self.weights,
            "lags": self.lags,
            "value": self.value_name,
            "title": self.title.__dict__,
            "units": len(self.unit_codes),
            "steps": self.steps,
            "significance": self.significance,
            "permutations": self.permutations,
            "seed": self.seed,
            "alpha": self.alpha,
            "fdr": self.fdr,
            "fdr_cutoff": self.fdr_cutoff,
            "filled_bins": self.filled,
            "categories": self.counts(),
        }

    def summary(self, lang: str | None = None) -> str:
        """A plain-language paragraph: what was analysed, how, and how many units fell where."""
        counts = {k: v for k, v in self.counts().items() if v}
        listing = "; ".join(f"{t(f'spatial.emerging_{k}', lang)}: {v}" for k, v in counts.items())
        where = ", ".join(x for x in (self.title.level, self.title.period) if x)
        how = t(f"spatial.inference_{self.significance}", lang)
        if self.fdr:
            how += t("spatial.title_fdr", lang)
        parts = [
            t(
                "spatial.emerging_summary",
                lang,
                indicator=self.title.indicator,
                where=where or "-",
                units=len(self.unit_codes),
                steps=len(self.steps),
                first=self.steps[0],
                last=self.steps[-1],
                listing=listing,
            ),
            t(
                "spatial.emerging_summary_method",
                lang,
                lags=self.lags,
                alpha=f"{self.alpha:g}",
                how=how,
                rules=t(f"spatial.emerging_rules_{self.rules}", lang),
            ),
        ]
        if self.filled:
            parts.append(t("spatial.emerging_summary_filled", lang, n=self.filled))
        return " ".join(parts)

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        """A map of the categories (with the units' geometry), else units per category."""
        from sereno.spatial.emerging_maps import category_chart, category_map

        if self.geometry is None:
            return category_chart(self, ax=ax, lang=lang)
        return category_map(self, ax=ax, lang=lang)

    def plot_series(self, units: int = 12, lang: str | None = None) -> Any:
        """Small multiples of the z series of the units with the strongest trends."""
        from sereno.spatial.emerging_maps import series_strip

        return series_strip(self, units=units, lang=lang)
