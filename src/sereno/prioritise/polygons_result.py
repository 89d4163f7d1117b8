"""The result of a target-polygon run: one row per unit, one per polygon, a map."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from sereno.errors import SerenoError
from sereno.evaluate._common import number
from sereno.i18n import t
from sereno.result import Result

REASONS = ("island", "component_below_floor", "no_fit")


@dataclass(frozen=True)
class TargetPolygons(Result):
    """``polygon`` per unit (1 = the riskiest polygon, 0 = left out, with its ``reason``);
    ``polygons`` one row per polygon: polygon, population, units, risk (population-weighted
    mean of the units' risk), contiguous and within_bounds (checked on the weights, after
    the fact), members."""

    method: str
    floor: int
    ceiling: int | None
    weights: str
    seed: int
    unit_codes: np.ndarray
    population: np.ndarray = field(repr=False)
    risk: np.ndarray = field(repr=False)
    risk_name: str
    polygon: np.ndarray = field(repr=False)
    reason: np.ndarray = field(repr=False)
    polygons: pd.DataFrame = field(repr=False)
    geometry: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, *, labels, reasons, graph, population, risk, geometry, **facts):
        labels = np.asarray(labels)
        rows = []
        graph = graph.tocsr()
        for label in np.unique(labels[labels >= 0]):
            members = np.flatnonzero(labels == label)
            people = int(population[members].sum())
            pieces, _ = connected_components(graph[members][:, members], directed=False)
            weight = population[members] if people > 0 else np.ones(len(members))
            rows.append(
                {
                    "label": int(label),
                    "population": people,
                    "units": len(members),
                    "risk": float(np.average(risk[members], weights=weight)),
                    "contiguous": bool(pieces == 1),
                    "members": [str(c) for c in facts["unit_codes"][members]],
                }
            )
        table = pd.DataFrame(
            rows, columns=["label", "population", "units", "risk", "contiguous", "members"]
        )
        table = table.sort_values(["risk", "label"], ascending=[False, True], kind="stable")
        table.insert(0, "polygon", np.arange(1, len(table) + 1))
        high = facts["ceiling"] if facts["ceiling"] is not None else np.inf
        table.insert(
            table.columns.get_loc("contiguous") + 1,
            "within_bounds",
            (table["population"] >= facts["floor"]) & (table["population"] <= high),
        )
        number_of = dict(zip(table["label"], table["polygon"], strict=True))
        polygon = np.array([number_of.get(int(x), 0) for x in labels], dtype=np.int64)
        return cls(
            polygon=polygon,
            reason=np.asarray(reasons, dtype=object),
            polygons=table.drop(columns="label").reset_index(drop=True),
            population=population,
            risk=risk,
            geometry=geometry,
            **facts,
        )

    @property
    def left_out(self) -> int:
        return int((self.polygon == 0).sum())

    @property
    def out_of_bounds(self) -> int:
        return int((~self.polygons["within_bounds"]).sum())

    @property
    def not_contiguous(self) -> int:
        return int((~self.polygons["contiguous"]).sum())

    def to_frame(self) -> pd.DataFrame:
        """unit, polygon (missing for a unit left out), reason, population, risk."""
        return pd.DataFrame(
            {
                "unit": self.unit_codes,
                "polygon": pd.array(np.where(self.polygon > 0, self.polygon, None), "Int64"),
                "reason": self.reason,
                "population": self.population,
                "risk": self.risk,
            }
        )

    def tidy(self) -> pd.DataFrame:
        """term (polygon:N), estimate (its risk), low and high (its units' lowest and
        highest risk), method."""
        lookup = dict(zip(self.unit_codes, self.risk, strict=True))
        spans = [
            (min(lookup[m] for m in members), max(lookup[m] for m in members))
            for members in self.polygons["members"]
        ]
        return pd.DataFrame(
            {
                "term": "polygon:" + self.polygons["polygon"].astype(str),
                "estimate": self.polygons["risk"],
                "se": np.nan,
                "low": [s[0] for s in spans],
                "high": [s[1] for s in spans],
                "p": np.nan,
                "method": self.method,
            }
        )

    def reasons_count(self) -> dict[str, int]:
        return {r: int((self.reason == r).sum()) for r in REASONS if (self.reason == r).any()}

    def content(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "floor": self.floor,
            "ceiling": self.ceiling,
            "weights": self.weights,
            "seed": self.seed,
            "risk": self.risk_name,
            "units": len(self.unit_codes),
            "polygons_made": len(self.polygons),
            "left_out": self.left_out,
            "left_out_reasons": self.reasons_count(),
            "out_of_bounds": self.out_of_bounds,
            "not_contiguous": self.not_contiguous,
            "polygons": self.polygons,
            "units_table": self.to_frame().astype(object).where(self.to_frame().notna()),
        }

    def summary(self, lang: str | None = None) -> str:
        p = self.polygons
        bounds = (
            t(
                "prioritise.bounds_both",
                lang,
                floor=number(self.floor, 0, lang),
                ceiling=number(self.ceiling, 0, lang),
            )
            if self.ceiling is not None
            else t("prioritise.bounds_floor", lang, floor=number(self.floor, 0, lang))
        )
        parts = [
            t(
                "prioritise.polygons_head"
                if self.method == "bounded"
                else "prioritise.polygons_head_other",
                lang,
                n=len(p),
                bounds=bounds,
                units=len(self.unit_codes) - self.left_out,
                total=len(self.unit_codes),
                method=t(f"prioritise.method_{self.method}", lang),
            )
        ]
        if len(p):
            first = p.iloc[0]
            parts.append(
                t(
                    "prioritise.polygons_first",
                    lang,
                    people=number(first["population"], 0, lang),
                    units=first["units"],
                    risk=number(first["risk"], 2, lang),
                    what=self.risk_name or "-",
                )
            )
        parts.append(
            t(
                "prioritise.polygons_checked",
                lang,
                out=self.out_of_bounds,
                broken=self.not_contiguous,
            )
        )
        if self.left_out:
            reasons = ", ".join(
                f"{n} {t(f'prioritise.reason_{r}', lang)}" for r, n in self.reasons_count().items()
            )
            parts.append(t("prioritise.polygons_left_out", lang, n=self.left_out, why=reasons))
        return " ".join(parts)

    def plot(self, ax: Any = None, lang: str | None = None, top: int = 10) -> Any:
        """A map: the ``top`` riskiest polygons numbered and coloured, the rest grey, units
        left out hatched."""
        import geopandas as gpd
        import matplotlib.pyplot as plt

        if self.geometry is None:
            raise SerenoError("spatial.no_geometry")
        lang = lang or "es"
        units = gpd.GeoDataFrame({"polygon": self.polygon}, geometry=self.geometry)
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 7))
        else:
            fig = ax.figure
        dissolved = units[units["polygon"] > 0].dissolve("polygon").reset_index()
        rest = dissolved[dissolved["polygon"] > top]
        head = dissolved[dissolved["polygon"] <= top]
        if len(rest):
            rest.plot(ax=ax, color="#e0e0e0", edgecolor="white", linewidth=0.6)
        if len(head):
            head.plot(ax=ax, column="polygon", cmap="Reds_r", edgecolor="black", linewidth=0.8,
                      vmin=1, vmax=top * 1.6)  # fmt: skip
            for row in head.itertuples():
                spot = row.geometry.representative_point()
                ax.annotate(str(row.polygon), (spot.x, spot.y), ha="center", va="center",
                            fontsize=8, weight="bold")  # fmt: skip
        out = units[units["polygon"] == 0]
        if len(out):
            out.plot(ax=ax, facecolor="white", edgecolor="0.5", hatch="///", linewidth=0.4)
        ax.set_axis_off()
        ax.set_title(
            t("prioritise.polygons_title", lang, n=len(self.polygons), top=min(top, len(head))),
            loc="left",
            fontsize=10,
        )
        fig.tight_layout()
        return fig

    def write(self, path: Path) -> Path:
        """One row per unit with ``polygon`` (empty when left out) and ``reason``: CSV or
        Parquet, or a GeoJSON / GeoPackage with the units' geometry."""
        import geopandas as gpd

        from sereno.io import write_layer, write_table

        path = Path(path)
        frame = self.to_frame()
        if path.suffix.lower() not in (".csv", ".parquet", ".geojson", ".gpkg") or (
            path.suffix.lower() in (".geojson", ".gpkg") and self.geometry is None
        ):
            raise SerenoError("prioritise.bad_output", file=path)
        if path.suffix.lower() in (".csv", ".parquet"):
            return write_table(frame, path)
        layer = gpd.GeoDataFrame(frame, geometry=self.geometry.to_numpy(),
                                 crs=getattr(self.geometry, "crs", None))  # fmt: skip
        return write_layer(layer, path)
