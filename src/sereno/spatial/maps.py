"""Maps for the bulletin and the portal: hot-spot bins and density surfaces.

The bin map uses the red-blue scale of ArcGIS's hot-spot maps. So that it reads in greyscale
too, the lightness of the colours grows with the confidence level and cold spots are hatched.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sereno.errors import SerenoError
from sereno.i18n import t
from sereno.spatial.bins import BIN_KEYS

COLOURS = {
    -3: "#2166ac",
    -2: "#67a9cf",
    -1: "#d1e5f0",
    0: "#f7f7f7",
    1: "#fddbc7",
    2: "#ef8a62",
    3: "#b2182b",
}
HATCH = {-3: "////", -2: "///", -1: "//"}


def bin_map(result: Any, ax: Any = None, lang: str | None = None) -> Any:
    """Choropleth of ``result.bins`` with the standard legend; returns the figure."""
    if result.geometry is None:
        raise SerenoError("spatial.no_geometry")
    frame = gpd.GeoDataFrame({"bin": result.bins}, geometry=result.geometry.values)
    if ax is None:
        fig = Figure(figsize=(8, 8))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    for value, colour in COLOURS.items():
        part = frame[frame["bin"] == value]
        if not part.empty:
            part.plot(
                ax=ax, color=colour, edgecolor="#555555", linewidth=0.3, hatch=HATCH.get(value)
            )
    missing = result.status != "ok"
    if missing.any():
        frame[missing].plot(ax=ax, color="white", edgecolor="#999999", linewidth=0.3, hatch="..")
    handles = [
        Patch(
            facecolor=COLOURS[b],
            edgecolor="#555555",
            hatch=HATCH.get(b),
            label=t(BIN_KEYS[b], lang),
        )
        for b in sorted(COLOURS, reverse=True)
    ]
    if missing.any():
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="#999999",
                hatch="..",
                label=t("spatial.legend_left_out", lang),
            )
        )
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=True)
    ax.set_axis_off()
    ax.set_title(map_title(result, lang), fontsize=10)
    return fig


def map_title(result: Any, lang: str | None = None) -> str:
    c = result.counts()
    where = ", ".join(x for x in (result.title.level, result.title.period) if x)
    return t(
        f"spatial.title_{result.method}",
        lang,
        indicator=result.title.indicator,
        where=where or "-",
        significant=c["hot"] + c["cold"],
        tested=result.n_tested,
        fdr=t("spatial.title_fdr", lang) if result.fdr else "",
    )


def density_map(surface: gpd.GeoDataFrame, title: str, ax: Any = None) -> Any:
    """A kernel density surface (grid cells coloured by ``density``) in greys."""
    if ax is None:
        fig = Figure(figsize=(8, 8))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    surface.plot(column="density", cmap="Greys", ax=ax, legend=True, linewidth=0)
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    return fig
