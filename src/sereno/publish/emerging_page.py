"""The emerging hot spots page: how each unit's homicide hot-spot status changed month to month.

The analysis is the spatial stage's (``spatial.emerging``, ArcGIS rules: space-time Gi*
with one previous month, FDR over the cube, a Mann-Kendall trend per unit); this page only
chooses the public defaults (the last ``months`` months of a source's coverage, the level's
units) and draws the categories. It publishes per unit the category, the trend (tau and its
p) and how many months were significantly hot or cold: no count and no month's z, so it
shows nothing finer than the public hot-spot page and the small-cell rule has nothing to
hide here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.publish.pages import PAGES, PortalContext, PortalPage, register_page
from sereno.publish.svg import choropleth
from sereno.spatial.emerging_maps import COLOURS
from sereno.spatial.emerging_rules import NOT_TESTED

HOMICIDE = "0101"
MONTHS = 24
PALETTE = [*COLOURS.values(), "#ffffff"]
CLASS = {c: k for k, c in enumerate([*COLOURS, NOT_TESTED])}


def emerging_data(
    ctx: PortalContext, level: str | None = None, source: str | None = None,
    months: int = MONTHS,
) -> dict[str, Any]:  # fmt: skip
    """Emerging hot spots of homicides by unit over the last ``months`` months (12 to 120)
    of the source's coverage."""
    data = ctx.data
    level = level if level in data.levels else data.obs.config.smallest_level
    source = source if source in data.sources_of(HOMICIDE) else data.default_source(HOMICIDE)
    months = int(min(max(months, 12), 120))
    span = data.coverage_months(source)[-months:] if source else []
    if not span:
        return {"level": level, "source": source, "start": None, "end": None, "units": []}
    key = ("emerging", ctx.lang, level, source, span[0], span[-1])
    return data.response(key, lambda: _emerging(ctx, level, source, span[0], span[-1]))


def _emerging(ctx: PortalContext, level: str, source: str, start: str, end: str) -> dict:
    from sereno.spatial.emerging import emerging_from_store

    out: dict[str, Any] = {"level": level, "source": source, "start": start, "end": end}
    try:
        with ctx.data.lock:
            result = emerging_from_store(
                ctx.data.obs, offence=HOMICIDE, level=level, source=source, start=start, end=end
            )
    except SerenoError as error:
        return {**out, "units": [], "error": error.message(ctx.lang)}
    frame = result.to_frame(ctx.lang)
    names = ctx.data.units().set_index("unit_code")["unit_name"]
    units = [
        {"unit_code": str(r.unit_code), "unit_name": str(names.get(r.unit_code, r.unit_code)),
         "category": str(r.category), "category_label": str(r.category_label),
         "tau": _finite(r.tau), "trend_p": _finite(r.trend_p), "hot_steps": int(r.hot_steps),
         "cold_steps": int(r.cold_steps)}
        for r in frame.itertuples()
    ]  # fmt: skip
    counts = {k: v for k, v in result.counts().items() if v}
    legend = [
        {"category": k, "label": ctx.t(f"spatial.emerging_{k}"), "n": v,
         "colour": PALETTE[CLASS[k]]}
        for k, v in counts.items()
    ]  # fmt: skip
    return {**out, "steps": len(result.steps), "units": units, "legend": legend,
            "summary": result.summary(ctx.lang)}  # fmt: skip


def emerging_map(ctx_data: Any, data: dict[str, Any], lang: str, title: str) -> str:
    """The categories as an SVG choropleth, each unit linked to its page."""
    if not data["units"]:
        return ""
    shapes = ctx_data.geometry(data["level"]).set_index("unit_code")["geometry"]
    units = [u for u in data["units"] if u["unit_code"] in shapes.index]
    return choropleth(
        shapes.loc[[u["unit_code"] for u in units]].to_numpy(),
        np.array([CLASS[u["category"]] for u in units]),
        np.zeros(len(units), dtype=bool),
        [f"{u['unit_name']}: {u['category_label']}" for u in units],
        [f"/units/{u['unit_code']}?lang={lang}" for u in units],
        title,
        palette=PALETTE,
    )


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def register_emerging_page() -> None:
    if "emerging" in PAGES:
        return
    register_page(PortalPage(
        "emerging", "/emerging", "publish.emerging.page", emerging_data, "emerging.html",
        order=26, table=lambda d: pd.DataFrame(d["units"]),
    ))  # fmt: skip
