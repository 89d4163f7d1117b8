"""Maps for the bulletin and the command line: hot-spot bins and density surfaces.

The bin map uses the red-blue scale of ArcGIS's hot-spot maps. So that it reads in greyscale
too, the lightness of the colours grows with the confidence level and cold spots are hatched.
Units are named where their names fit (``spatial.labels``), the larger units they belong to
are outlined, the legend sits beside the drawing, never over it, and the title names the
offence in words, not by its code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke

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


def bin_map(
    result: Any,
    ax: Any = None,
    lang: str | None = None,
    names: Sequence[str] | None = None,
    outlines: Any = None,
) -> Any:
    """Choropleth of ``result.bins`` with the standard legend beside it; ``names`` (aligned
    with ``result.unit_codes``) written where they fit, ``outlines`` (the parent units'
    polygons) drawn over the units. Returns the figure."""
    if result.geometry is None:
        raise SerenoError("spatial.no_geometry")
    frame = gpd.GeoDataFrame({"bin": result.bins}, geometry=result.geometry.values)
    if ax is None:
        fig = Figure(figsize=(10, 7.5))
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
    if outlines is not None and len(outlines):
        gpd.GeoSeries(outlines).boundary.plot(ax=ax, color="#111111", linewidth=1.4)
    ax.set_axis_off()
    if names is not None:
        _write_names(ax, frame.geometry.to_numpy(), names)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
              frameon=False)  # fmt: skip
    ax.set_title(map_title(result, lang), fontsize=10, loc="left")
    fig.tight_layout()
    return fig


LABEL_POINTS = 6.0  # font size of the units' names on printed maps


def _write_names(ax: Any, geometries: np.ndarray, names: Sequence[str]) -> None:
    """Write each unit's name inside it where it fits at ``LABEL_POINTS``."""
    from sereno.spatial.labels import fitting_labels

    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    points_wide = ax.get_window_extent().width * 72 / ax.figure.dpi
    size = LABEL_POINTS * (x1 - x0) / max(points_wide, 1.0)  # the font in map units
    for label in fitting_labels(geometries, names, size):
        if label is not None:
            ax.text(label.x, label.y, label.text, fontsize=LABEL_POINTS, ha="center",
                    va="center", color="#111111",
                    path_effects=[withStroke(linewidth=1.6, foreground="white")])  # fmt: skip


def store_map_context(obs: Any, result: Any) -> dict[str, Any]:
    """``names`` and ``outlines`` for ``bin_map`` of a result computed on the store's units:
    the units' names, and the polygons of the level above theirs."""
    from sereno.geo.units import unit_polygons

    units = obs.engine.frame("SELECT unit_code, name, level FROM units")
    known = units.set_index("unit_code")
    codes = [str(c) for c in result.unit_codes]
    names = [str(known["name"].get(c, c)) for c in codes]
    levels = obs.config.levels
    found = known["level"].reindex(codes).dropna()
    outlines = None
    if len(found) and found.iloc[0] in levels and levels.index(found.iloc[0]) > 0:
        parent = levels[levels.index(found.iloc[0]) - 1]
        outlines = unit_polygons(obs, parent).geometry.to_numpy()
    return {"names": names, "outlines": outlines}


def map_title(result: Any, lang: str | None = None) -> str:
    """The map's title, with an ICCS code in the indicator written as the offence's name."""
    c = result.counts()
    where = ", ".join(x for x in (result.title.level, result.title.period) if x)
    return t(
        f"spatial.title_{result.method}",
        lang,
        indicator=offence_words(result.title.indicator, lang),
        where=where or "-",
        significant=c["hot"] + c["cold"],
        tested=result.n_tested,
        fdr=t("spatial.title_fdr", lang) if result.fdr else "",
    )


def offence_words(indicator: str, lang: str | None = None) -> str:
    """``indicator`` with a leading ICCS code ("0101 (forense)") written as the offence's
    name ("Homicidio intencional (forense)"); other indicators as they are."""
    from sereno.harmonise.iccs import iccs_codes
    from sereno.i18n import default_language

    code, _, rest = str(indicator).partition(" ")
    table = iccs_codes().set_index("code")
    if code not in table.index:
        return str(indicator)
    name = str(table.loc[code, f"label_{lang or default_language()}"])
    return f"{name} {rest}".strip()


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
