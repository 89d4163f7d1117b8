"""Geographic sequencing: intervene first where violence is highest, then move on.

Seed 004 asks for "a strategy of geographic sequencing that starts with the most affected
areas"; seed 002 describes money spread over polygons chosen without public criteria. Here the
order and the cut of each phase are stated: units (colonias or target polygons) are taken from
the highest priority down (an index score, a rate; ties by homicides); a phase closes when it
has used its budget (with a cost per unit) or covered its share of the homicides, then the
next phase starts. Each phase reports the share of homicides and of population it covers
(observed homicides as the expectation for the coming period, under persistence). A total
budget is split over the units of the plan by a stated formula:

- ``need``: in proportion to homicides;
- ``index``: in proportion to the priority score (shifted to start at zero if negative);
- ``need_cost``: in proportion to homicides x cost (an intervention that costs more per
  place where it is dearer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.evaluate._common import number
from sereno.i18n import t
from sereno.prioritise.checks import numbers, require
from sereno.result import Result

SPLITS = ("need", "index", "need_cost")


@dataclass(frozen=True)
class Sequencing(Result):
    """``units`` one row per unit in priority order with its ``phase`` (0: not in the plan)
    and ``allocation``; ``phases`` one row per phase with its shares."""

    units: pd.DataFrame = field(repr=False)
    rule: str  # budget | share
    step: float
    split: str | None
    total_budget: float | None
    geometry: Any = field(default=None, repr=False, compare=False)  # aligned with ``units``

    @property
    def phases(self) -> pd.DataFrame:
        u = self.units
        total_h, total_p = u["homicides"].sum(), u["population"].sum()
        planned = u[u["phase"] > 0]
        g = planned.groupby("phase")
        out = pd.DataFrame(
            {
                "units": g.size(),
                "homicides": g["homicides"].sum(),
                "population": g["population"].sum(),
                "cost": g["cost"].sum(),
                "allocation": g["allocation"].sum(),
            }
        ).reset_index()
        out["homicide_share"] = out["homicides"] / total_h if total_h else np.nan
        out["population_share"] = out["population"] / total_p
        out["cumulative_homicide_share"] = out["homicide_share"].cumsum()
        out["cumulative_population_share"] = out["population_share"].cumsum()
        return out

    def to_frame(self) -> pd.DataFrame:
        return self.units.copy()

    def tidy(self) -> pd.DataFrame:
        p = self.phases
        return pd.DataFrame(
            {
                "term": "homicide_share:phase_" + p["phase"].astype(str),
                "estimate": p["homicide_share"],
                "se": np.nan,
                "low": np.nan,
                "high": np.nan,
                "p": np.nan,
                "method": f"sequencing_{self.rule}",
            }
        )

    def content(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "step": self.step,
            "split": self.split,
            "total_budget": self.total_budget,
            "phases": self.phases,
            "units": self.units,
        }

    def summary(self, lang: str | None = None) -> str:
        p = self.phases
        parts = [
            t(
                f"prioritise.sequence_{self.rule}",
                lang,
                n=len(p),
                step=number(100 * self.step, 0, lang)
                if self.rule == "share"
                else number(self.step, 0, lang),
            )
        ]
        for row in p.itertuples():
            parts.append(
                t(
                    "prioritise.sequence_phase",
                    lang,
                    phase=row.phase,
                    units=row.units,
                    h=number(100 * row.homicide_share, 0, lang),
                    pop=number(100 * row.population_share, 0, lang),
                )
            )
        if self.split:
            parts.append(
                t(
                    "prioritise.sequence_split",
                    lang,
                    total=number(self.total_budget, 0, lang),
                    formula=t(f"prioritise.split_{self.split}", lang),
                )
            )
        left = int((self.units["phase"] == 0).sum())
        if left:
            parts.append(t("prioritise.sequence_rest", lang, n=left))
        return " ".join(parts)

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        """Cumulative share of homicides against cumulative share of population, in priority
        order, the phases shaded; beside it a map of the phases when the units have
        geometry (and no ``ax`` is given)."""
        import matplotlib.pyplot as plt

        lang = lang or "es"
        mapped = None
        if ax is None and self.geometry is not None:
            fig, (ax, mapped) = plt.subplots(1, 2, figsize=(12, 5))
        elif ax is None:
            fig, ax = plt.subplots(figsize=(6.5, 4.5))
        else:
            fig = ax.figure
        u = self.units
        x = np.concatenate([[0], np.cumsum(u["population"]) / u["population"].sum()])
        y = np.concatenate([[0], np.cumsum(u["homicides"]) / max(u["homicides"].sum(), 1)])
        ax.plot(x, y, color="black", lw=1.2)
        ax.plot([0, 1], [0, 1], ":", color="0.5")
        shades = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf"]
        start = 0.0
        for row in self.phases.itertuples():
            end = row.cumulative_population_share
            ax.axvspan(start, end, color=shades[(row.phase - 1) % len(shades)], alpha=0.5,
                       label=t("prioritise.phase_label", lang, phase=row.phase))  # fmt: skip
            start = end
        ax.set_xlabel(t("prioritise.axis_population_share", lang))
        ax.set_ylabel(t("prioritise.axis_homicides_covered", lang))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        ax.set_title(t("prioritise.sequence_title", lang), loc="left", fontsize=10)
        if mapped is not None:
            self._map(mapped, shades, lang)
        fig.tight_layout()
        return fig

    def _map(self, ax: Any, shades: list[str], lang: str) -> None:
        import geopandas as gpd

        layer = gpd.GeoDataFrame({"phase": self.units["phase"]}, geometry=self.geometry)
        if (layer["phase"] == 0).any():
            layer[layer["phase"] == 0].plot(ax=ax, color="#f0f0f0", edgecolor="white", lw=0.4)
        for phase in sorted(p for p in layer["phase"].unique() if p > 0):
            layer[layer["phase"] == phase].plot(
                ax=ax, color=shades[(phase - 1) % len(shades)], edgecolor="0.3", lw=0.4
            )
        ax.set_axis_off()
        ax.set_title(t("prioritise.sequence_map", lang), loc="left", fontsize=10)


def sequence_phases(
    frame: pd.DataFrame,
    *,
    unit: str = "unit",
    priority: str = "score",
    homicides: str = "homicides",
    population: str = "population",
    cost: str | None = None,
    budget: float | None = None,
    share: float | None = 0.5,
    phases: int = 3,
    total_budget: float | None = None,
    split: str = "need",
) -> Sequencing:
    """Phases in priority order. With ``budget`` (and a ``cost`` column) each phase spends up
    to ``budget``; otherwise each phase covers a further ``share`` of all homicides (the last
    unit that reaches it included). At most ``phases`` phases; the rest are phase 0."""
    require(frame, (unit, priority, homicides, population, cost))
    ids = frame[unit].astype(str).to_numpy()
    if split not in SPLITS:
        raise SerenoError(
            "prioritise.bad_choice", option="split", value=split, values=", ".join(SPLITS)
        )
    if budget is not None and cost is None:
        raise SerenoError("prioritise.budget_needs_cost")
    if split == "need_cost" and total_budget is not None and cost is None:
        raise SerenoError("prioritise.budget_needs_cost")
    if phases < 1:
        raise SerenoError("prioritise.bad_number", option="phases", value=phases, low=1,
                          high="∞")  # fmt: skip
    units = pd.DataFrame(
        {
            "unit": frame[unit].astype(str).to_numpy(),
            "priority": numbers(frame, priority, ids),
            "homicides": numbers(frame, homicides, ids, nonnegative=True),
            "population": numbers(frame, population, ids, nonnegative=True),
            "cost": numbers(frame, cost, ids, nonnegative=True) if cost else 0.0,
        }
    )
    order = units.sort_values(
        ["priority", "homicides", "unit"], ascending=[False, False, True], kind="stable"
    ).index.to_numpy()
    units = units.loc[order].reset_index(drop=True)
    geometry = None
    if "geometry" in frame and hasattr(frame, "crs"):
        geometry = frame.geometry.iloc[order].reset_index(drop=True)
    if budget is not None:
        if budget <= 0:
            raise SerenoError("prioritise.bad_number", option="budget", value=budget, low=0,
                              high="∞")  # fmt: skip
        too_dear = units[units["cost"] > budget]
        if len(too_dear):
            raise SerenoError(
                "prioritise.unit_over_budget",
                unit=too_dear["unit"].iloc[0],
                cost=too_dear["cost"].iloc[0],
                budget=budget,
            )
        phase = _budget_phases(units["cost"].to_numpy(), budget, phases)
        rule, step = "budget", float(budget)
    else:
        if share is None or not 0 < share <= 1:
            raise SerenoError("prioritise.bad_number", option="share", value=share, low=0,
                              high=1)  # fmt: skip
        phase = _share_phases(units["homicides"].to_numpy(), share, phases)
        rule, step = "share", float(share)
    units["phase"] = phase
    units["allocation"] = 0.0
    if total_budget is not None:
        units["allocation"] = _split(units, total_budget, split)
    units.insert(0, "order", np.arange(1, len(units) + 1))
    return Sequencing(
        units=units,
        rule=rule,
        step=step,
        split=split if total_budget is not None else None,
        total_budget=total_budget,
        geometry=geometry,
    )


def _budget_phases(cost: np.ndarray, budget: float, phases: int) -> np.ndarray:
    out = np.zeros(len(cost), dtype=np.int64)
    phase, spent = 1, 0.0
    for i, c in enumerate(cost):
        if spent + c > budget:
            phase, spent = phase + 1, 0.0
        if phase > phases:
            break
        out[i] = phase
        spent += c
    return out


def _share_phases(homicides: np.ndarray, share: float, phases: int) -> np.ndarray:
    """Phase k holds the units up to the one that takes cumulative homicides to k x share."""
    total = homicides.sum()
    if total <= 0:
        raise SerenoError("prioritise.no_homicides")
    before = np.concatenate([[0.0], np.cumsum(homicides)[:-1]]) / total
    # a unit starts phase k + 1 once the units before it have covered k x share
    phase = np.floor(before / share + 1e-12).astype(np.int64) + 1
    phase = np.minimum(phase, int(np.ceil(1 / share - 1e-12)))
    return np.where(phase <= phases, phase, 0)


def _split(units: pd.DataFrame, total: float, split: str) -> np.ndarray:
    planned = (units["phase"] > 0).to_numpy()
    if split == "need":
        basis = units["homicides"].to_numpy(dtype=float)
    elif split == "index":
        score = units["priority"].to_numpy(dtype=float)
        basis = score - min(0.0, score[planned].min())
    else:
        basis = (units["homicides"] * units["cost"]).to_numpy(dtype=float)
    basis = np.where(planned, basis, 0.0)
    if basis.sum() <= 0:
        raise SerenoError("prioritise.nothing_to_split", formula=split)
    return total * basis / basis.sum()
