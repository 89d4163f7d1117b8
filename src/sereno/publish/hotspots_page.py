"""The hot-spots page: Gi* of the smoothed homicide rate by unit, as a map and a table.

The statistic is the spatial stage's (esda underneath); this page only chooses the defaults
an observatory's public page should show and draws the ArcGIS red-blue bins.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import Query

from sereno.errors import SerenoError
from sereno.publish.labels import offence_name
from sereno.publish.pages import PAGES, PortalContext, PortalPage, register_page
from sereno.publish.svg import choropleth

HOMICIDE = "0101"
# Bins -3..3 (cold 99 .. hot 99), the usual diverging red-blue, readable in greyscale.
DIVERGING = ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"]


def hotspots_data(
    ctx: PortalContext,
    level: Annotated[str | None, Query(max_length=40)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    source: Annotated[str | None, Query(max_length=60)] = None,
    offence: Annotated[str, Query(pattern=r"^[0-9A-Z]{2,8}$", description="ICCS code")] = HOMICIDE,
) -> dict[str, Any]:
    """Gi* bins of the empirical-Bayes rate of ``offence`` for one year (default: the
    latest); an unknown level, year, source or offence is refused, never replaced."""
    from sereno.publish.public_pages import _level, _offences, _source_for

    data = ctx.data
    level = _level(ctx, level) if level is not None else data.obs.config.smallest_level
    source = _source_for(ctx, source, offence)
    years = data.years(source) if source else []
    if year is not None and year not in years:
        raise SerenoError("publish.unknown_period", period=year,
                          periods=", ".join(map(str, years)))  # fmt: skip
    form = {"levels": data.levels, "sources": data.sources_of(offence), "years": years,
            "offence": offence, "offences": _offences(ctx),
            "offence_label": offence_name(offence, ctx.lang, data)}  # fmt: skip
    if not years:
        return {"level": level, "year": None, "source": source, "units": [], **form}
    year = year if year is not None else max(years)
    key = ("hotspots", ctx.lang, level, year, source, offence)
    found = data.response(key, lambda: _hot_spots(ctx, level, int(year), source, offence))
    return {**found, **form}


def _hot_spots(
    ctx: PortalContext, level: str, year: int, source: str, offence: str
) -> dict[str, Any]:
    from sereno.spatial.analyse import hotspots_from_store

    try:
        with ctx.data.lock:
            result = hotspots_from_store(
                ctx.data.obs, "eb", level=level, offence=offence, source=source,
                start=f"{year}-01", end=f"{year}-12",
            )  # fmt: skip
    except SerenoError as error:
        return {
            "level": level,
            "year": year,
            "source": source,
            "units": [],
            "error": error.message(ctx.lang),
        }
    frame = result.to_frame(ctx.lang)
    names = ctx.data.units().set_index("unit_code")["unit_name"]
    units = [
        {"unit_code": str(r.id), "unit_name": str(names.get(r.id, r.id)),
         "z": _finite(r.z), "p": _finite(r.p), "bin": int(r.bin), "bin_label": str(r.bin_label)}
        for r in frame.itertuples()
    ]  # fmt: skip
    return {
        "level": level,
        "year": year,
        "source": source,
        "units": units,
        "hot": sum(u["bin"] > 0 for u in units),
        "cold": sum(u["bin"] < 0 for u in units),
    }


def hotspots_map(ctx_data: Any, data: dict[str, Any], lang: str, title: str) -> str:
    """The bins as an SVG choropleth, each unit linked to its page and named where it fits."""
    from sereno.publish.public_pages import parent_outlines

    if not data["units"]:
        return ""
    shapes = ctx_data.geometry(data["level"]).set_index("unit_code")["geometry"]
    units = [u for u in data["units"] if u["unit_code"] in shapes.index]
    return choropleth(
        shapes.loc[[u["unit_code"] for u in units]].to_numpy(),
        np.array([u["bin"] + 3 for u in units]),
        np.zeros(len(units), dtype=bool),
        [f"{u['unit_name']}: {u['bin_label']}" for u in units],
        [f"/units/{u['unit_code']}?lang={lang}&offence={data['offence']}" for u in units],
        title,
        palette=DIVERGING,
        names=[u["unit_name"] for u in units],
        outlines=parent_outlines(ctx_data, data["level"]),
    )


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def register_hotspots_page() -> None:
    if "hotspots" in PAGES:
        return
    register_page(PortalPage(
        "hotspots", "/hotspots", "publish.hotspots.page", hotspots_data, "hotspots.html",
        order=25, table=lambda d: pd.DataFrame(d["units"]),
    ))  # fmt: skip
