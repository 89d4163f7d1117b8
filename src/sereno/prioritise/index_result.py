"""The result of a risk index: scores, ranks with their intervals, Sobol' indices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sereno.evaluate._common import number
from sereno.i18n import default_language, t
from sereno.prioritise.sensitivity import SobolIndices
from sereno.prioritise.spec import IndexIndicator, Uncertainty
from sereno.result import Result


@dataclass(frozen=True)
class RiskIndex(Result):
    """Per unit (aligned with ``unit_codes``): ``values`` of the components, ``score`` and
    ``rank`` (1 = highest risk) under the chosen normalisation, aggregation and weights;
    ``rank_median``, ``rank_low``, ``rank_high`` (the ``uncertainty.level`` interval) and
    ``top_share`` (share of runs in the top ``uncertainty.top``) over the Monte Carlo runs;
    ``rank_shift`` R̄_S of every run; ``sobol`` the Sobol' indices of R̄_S by factor."""

    name: str
    title_es: str
    title_en: str
    indicators: tuple[IndexIndicator, ...]
    normalisation: str
    aggregation: str
    uncertainty: Uncertainty
    normalisations: tuple[str, ...]
    aggregations: tuple[str, ...]
    unit_codes: np.ndarray
    unit_names: np.ndarray
    values: np.ndarray = field(repr=False)
    score: np.ndarray = field(repr=False)
    rank: np.ndarray = field(repr=False)
    rank_median: np.ndarray = field(repr=False)
    rank_low: np.ndarray = field(repr=False)
    rank_high: np.ndarray = field(repr=False)
    top_share: np.ndarray = field(repr=False)
    rank_shift: np.ndarray = field(repr=False)
    sobol: SobolIndices = field(repr=False)

    @property
    def runs(self) -> int:
        return len(self.rank_shift)

    @property
    def stable_top(self) -> np.ndarray:
        """Units whose whole rank interval lies in the top k."""
        return self.rank_high <= self.uncertainty.top

    def title(self, lang: str | None = None) -> str:
        return self.title_en if (lang or default_language()) == "en" else self.title_es

    def to_frame(self) -> pd.DataFrame:
        """One row per unit, highest risk first."""
        frame = pd.DataFrame({"unit": self.unit_codes, "name": self.unit_names})
        for j, ind in enumerate(self.indicators):
            frame[ind.key] = self.values[:, j]
        frame = frame.assign(
            score=self.score,
            rank=self.rank,
            rank_median=self.rank_median,
            rank_low=self.rank_low,
            rank_high=self.rank_high,
            top_share=self.top_share,
            stable_top=self.stable_top,
        )
        return frame.sort_values(["rank", "unit"], kind="stable").reset_index(drop=True)

    def tidy(self) -> pd.DataFrame:
        """term, estimate, se, low, high, p, method: each unit's rank (with its Monte Carlo
        interval and spread) and each factor's Sobol' indices (SALib's 95% bootstrap)."""
        frame = self.to_frame()
        level = f"{self.uncertainty.level:g}"
        units = pd.DataFrame(
            {
                "term": "rank:" + frame["unit"].astype(str),
                "estimate": frame["rank"].astype(float),
                "se": np.nan,
                "low": frame["rank_low"].astype(float),
                "high": frame["rank_high"].astype(float),
                "p": np.nan,
                "method": f"monte_carlo_{self.runs}_runs_{level}",
            }
        )
        s = self.sobol.to_frame()
        rows = [units]
        for order in ("S1", "ST"):
            conf = s[f"{order}_conf"].to_numpy()
            rows.append(
                pd.DataFrame(
                    {
                        "term": f"{order}:" + s["factor"],
                        "estimate": s[order],
                        "se": conf / 1.959963984540054,
                        "low": s[order] - conf,
                        "high": s[order] + conf,
                        "p": np.nan,
                        "method": "sobol_saltelli_salib",
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)

    def content(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": {"es": self.title_es, "en": self.title_en},
            "normalisation": self.normalisation,
            "aggregation": self.aggregation,
            "weights": {i.key: i.weight for i in self.indicators},
            "uncertainty": {
                **self.uncertainty.__dict__,
                "normalisations": list(self.normalisations),
                "aggregations": list(self.aggregations),
                "runs": self.runs,
            },
            "rank_shift": {
                "mean": float(self.rank_shift.mean()),
                "high": float(np.quantile(self.rank_shift, self.uncertainty.level)),
            },
            "sobol": self.sobol.to_frame(),
            "stable_top": self.unit_codes[self.stable_top].tolist(),
            "units": self.to_frame(),
        }

    def summary(self, lang: str | None = None) -> str:
        u = self.uncertainty
        frame = self.to_frame()
        top = frame.head(min(3, len(frame)))
        parts = [
            t(
                "prioritise.index_head",
                lang,
                title=self.title(lang),
                units=len(self.unit_codes),
                components=", ".join(i.name(lang) for i in self.indicators),
                normalisation=t(f"prioritise.normalisation_{self.normalisation}", lang),
                aggregation=t(f"prioritise.aggregation_{self.aggregation}", lang),
            ),
            t(
                "prioritise.index_top",
                lang,
                units="; ".join(
                    t(
                        "prioritise.rank_of",
                        lang,
                        name=r.name,
                        rank=r.rank,
                        low=r.rank_low,
                        high=r.rank_high,
                    )
                    for r in top.itertuples()
                ),
                level=number(100 * u.level, 0, lang),
            ),
        ]
        if self.runs > 1:
            stable = frame[frame["stable_top"]]
            parts.append(
                t(
                    "prioritise.index_stable",
                    lang,
                    n=len(stable),
                    top=u.top,
                    runs=self.runs,
                    units=", ".join(map(str, stable["name"].head(10))) or "—",
                )
            )
        if len(self.sobol.names):
            s = self.sobol.to_frame().sort_values("ST", ascending=False).iloc[0]
            parts.append(
                t(
                    "prioritise.index_sobol",
                    lang,
                    factor=factor_label(s["factor"], self.indicators, lang),
                    ST=number(s["ST"], 2, lang),
                    S1=number(s["S1"], 2, lang),
                    shift=number(float(self.rank_shift.mean()), 1, lang),
                )
            )
        else:
            parts.append(t("prioritise.index_no_uncertainty", lang))
        return " ".join(parts)

    def plot(self, ax: Any = None, lang: str | None = None, top: int = 30) -> Any:
        """Rank intervals of the ``top`` highest-ranked units (and the Sobol' indices)."""
        import matplotlib.pyplot as plt

        lang = lang or "es"
        frame = self.to_frame().head(top).iloc[::-1]
        with_sobol = ax is None and len(self.sobol.names) > 0
        if ax is None:
            fig, axes = plt.subplots(
                1,
                2 if with_sobol else 1,
                figsize=(11 if with_sobol else 7, max(3.0, 0.22 * len(frame) + 1.2)),
                gridspec_kw={"width_ratios": [3, 2]} if with_sobol else None,
                squeeze=False,
            )
            ax = axes[0, 0]
        else:
            fig = ax.figure
        y = np.arange(len(frame))
        colour = np.where(frame["stable_top"], "#b2182b", "#555555")
        ax.hlines(y, frame["rank_low"], frame["rank_high"], color=colour, lw=2)
        ax.plot(frame["rank_median"], y, "|", color="black", ms=8)
        ax.plot(frame["rank"], y, "o", color="black", ms=3)
        ax.axvline(self.uncertainty.top + 0.5, color="0.6", ls=":", lw=1)
        ax.set_yticks(y, frame["name"].astype(str))
        ax.set_xlabel(t("prioritise.rank_axis", lang, level=f"{100 * self.uncertainty.level:g}"))
        ax.set_title(self.title(lang), loc="left", fontsize=10)
        ax.set_xlim(0.5, max(frame["rank_high"].max(), self.uncertainty.top) + 1)
        if with_sobol:
            sax = axes[0, 1]
            s = self.sobol.to_frame()
            labels = [factor_label(f, self.indicators, lang) for f in s["factor"]]
            yy = np.arange(len(s))
            sax.barh(yy + 0.2, s["ST"], 0.4, color="#2166ac", label="ST")
            sax.barh(yy - 0.2, s["S1"], 0.4, color="#92c5de", label="S1")
            sax.set_yticks(yy, labels)
            sax.set_xlim(0, 1)
            sax.set_title(t("prioritise.sobol_title", lang), loc="left", fontsize=10)
            sax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        return fig


def factor_label(factor: str, indicators: tuple[IndexIndicator, ...], lang: str | None) -> str:
    """A Sobol' factor in words: 'normalisation', 'weight of the homicide rate', ..."""
    if factor.startswith("weight:"):
        key = factor.split(":", 1)[1]
        name = next((i.name(lang) for i in indicators if i.key == key), key)
        return t("prioritise.factor_weight", lang, name=name)
    return t(f"prioritise.factor_{factor}", lang)
