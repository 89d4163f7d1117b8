"""Pictures of emerging hot spots: the map of categories, a chart of units per category when
there is no geometry, and small multiples of the units' z series."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sereno.i18n import t
from sereno.spatial.emerging_rules import CATEGORIES, NOT_TESTED

COLOURS = dict(
    zip(
        CATEGORIES,
        [
            "#67000d",
            "#a50f15",
            "#d7301f",
            "#ef6548",
            "#fc8d59",
            "#fdbb84",
            "#fdd49e",
            "#fee8c8",
            "#08306b",
            "#08519c",
            "#2171b5",
            "#4292c6",
            "#6baed6",
            "#9ecae1",
            "#c6dbef",
            "#deebf7",
            "#eeeeee",
        ],
        strict=True,
    )
)

HATCH = {"new_hot": "xx", "new_cold": "xx", "consecutive_hot": "..", "consecutive_cold": ".."}


def _axes(ax: Any, size: tuple[float, float]) -> tuple[Figure, Any]:
    if ax is None:
        fig = Figure(figsize=size)
        return fig, fig.add_subplot()
    return ax.figure, ax


def _title(result: Any, lang: str | None) -> str:
    where = ", ".join(x for x in (result.title.level, result.title.period) if x)
    return t(
        "spatial.emerging_title",
        lang,
        indicator=result.title.indicator,
        where=where or "-",
        first=result.steps[0],
        last=result.steps[-1],
    )


def category_map(result: Any, ax: Any = None, lang: str | None = None) -> Any:
    """Choropleth of the categories; the legend lists the categories present."""
    fig, ax = _axes(ax, (8, 8))
    frame = gpd.GeoDataFrame({"category": result.category}, geometry=list(result.geometry))
    handles = []
    for category, colour in (*COLOURS.items(), (NOT_TESTED, "white")):
        part = frame[frame["category"] == category]
        if part.empty:
            continue
        hatch = HATCH.get(category, "//" if category == NOT_TESTED else None)
        part.plot(ax=ax, color=colour, edgecolor="#555555", linewidth=0.3, hatch=hatch)
        label = f"{t(f'spatial.emerging_{category}', lang)} ({len(part)})"
        handles.append(Patch(facecolor=colour, edgecolor="#555555", hatch=hatch, label=label))
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=True
    )
    ax.set_axis_off()
    ax.set_title(_title(result, lang), fontsize=10)
    return fig


def category_chart(result: Any, ax: Any = None, lang: str | None = None) -> Any:
    """Horizontal bars: units per category, in the order of the categories."""
    fig, ax = _axes(ax, (7, 5))
    counts = {k: v for k, v in result.counts().items() if v}
    labels = [t(f"spatial.emerging_{k}", lang) for k in counts]
    colours = [COLOURS.get(k, "white") for k in counts]
    ax.barh(labels[::-1], list(counts.values())[::-1], color=colours[::-1], edgecolor="#555555")
    ax.set_xlabel(t("spatial.emerging_units", lang))
    ax.set_title(_title(result, lang), fontsize=10)
    return fig


def series_strip(result: Any, units: int = 12, lang: str | None = None) -> Any:
    """The z series of the ``units`` units with the largest |Mann-Kendall z| (significant
    bins marked), one small panel each, sharing the axes."""
    order = np.argsort(-np.nan_to_num(np.abs(result.trend.z), nan=-1.0))[:units]
    cols = min(4, len(order))
    rows = int(np.ceil(len(order) / cols))
    fig = Figure(figsize=(3 * cols, 2.2 * rows))
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    steps = np.arange(len(result.steps))
    for panel, i in zip(axes.ravel(), order, strict=False):
        z = result.z[i]
        panel.axhline(0, color="#999999", linewidth=0.5)
        panel.plot(steps, z, color="#333333", linewidth=0.8)
        sig = result.significant[i]
        panel.scatter(
            steps[sig & (z > 0)], z[sig & (z > 0)], s=8, color=COLOURS["intensifying_hot"]
        )
        panel.scatter(
            steps[sig & (z < 0)], z[sig & (z < 0)], s=8, color=COLOURS["intensifying_cold"]
        )
        label = t(f"spatial.emerging_{result.category[i]}", lang)
        panel.set_title(f"{result.unit_codes[i]}: {label}", fontsize=7)
    for panel in axes.ravel()[len(order) :]:
        panel.set_axis_off()
    ticks = steps[:: max(1, len(steps) // 4)]
    for panel in axes[-1]:
        panel.set_xticks(ticks, [result.steps[k] for k in ticks], fontsize=6, rotation=30)
    fig.suptitle(_title(result, lang), fontsize=9)
    fig.supylabel("Gi* z", fontsize=8)
    return fig
