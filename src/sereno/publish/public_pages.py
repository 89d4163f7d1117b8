"""The public pages written from the store: overview, map, units, sources, alerts, open data.

Every count comes from :meth:`PortalData.cells`, the one suppressed table per source and
offence, so the same figure reads the same (or "<5") on every page and in every export.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import Query

from sereno.errors import SerenoError
from sereno.i18n import format_number
from sereno.publish.cube import ALL_YEARS, ROOT
from sereno.publish.data import HOMICIDE
from sereno.publish.labels import offence_name
from sereno.publish.pages import PortalContext, PortalPage, paged, register_page
from sereno.publish.rates import unit_rates
from sereno.publish.svg import choropleth, class_breaks, class_of
from sereno.result import records

Offence = Annotated[str, Query(pattern=r"^[0-9A-Z]{2,8}$", description="ICCS code")]
Source = Annotated[str | None, Query(max_length=60, pattern=r"^[\w.-]+$")]
Period = Annotated[str | None, Query(max_length=10, pattern=r"^(all|\d{4})$",
                                     description="YYYY or all")]  # fmt: skip
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def count_cell(row: Any, threshold: int) -> dict[str, Any]:
    hidden = bool(row.suppressed)
    return {"n": None if hidden else int(row.n), "suppressed": hidden,
            "display": f"<{threshold}" if hidden else None}  # fmt: skip


def _source_for(ctx: PortalContext, source: str | None, offence: str) -> str:
    known = ctx.data.sources_of(offence)
    if not known:
        raise SerenoError("publish.no_data", offence=offence)
    if source is None:
        return ctx.data.default_source(offence)
    if source not in known:
        raise SerenoError("publish.unknown_source", source=source, known=", ".join(known))
    return source


def _offences(ctx: PortalContext) -> list[dict[str, Any]]:
    found = ctx.data.offences()
    return [
        {
            "code": r.iccs_code,
            "label": offence_name(r.iccs_code, ctx.lang, ctx.data),
            "counted": r.counted,
        }
        for r in found.itertuples()
    ]


def change(now: int, before: int) -> dict[str, Any] | None:
    """Percentage change with a 95% interval from the Poisson rate ratio (log scale)."""
    if now <= 0 or before <= 0:
        return None
    ratio = now / before
    half = 1.96 * np.sqrt(1 / now + 1 / before)
    low, high = ratio * np.exp(-half), ratio * np.exp(half)
    return {"pct": round(100 * (ratio - 1), 1), "low": round(100 * (low - 1), 1),
            "high": round(100 * (high - 1), 1)}  # fmt: skip


def overview_data(
    ctx: PortalContext,
    offence: Offence = HOMICIDE,
    source: Source = None,
    period: Period = None,
    level: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """The headline figure with its basis, monthly counts per source, yearly totals, the
    last twelve months against the twelve before, and the units of ``level`` with the
    highest rates; ``source`` keeps one source, ``period`` one year."""
    threshold = ctx.data.policy.min_public_count
    known = ctx.data.sources_of(offence)
    if not known:
        raise SerenoError("publish.no_data", offence=offence)
    chosen = [_source_for(ctx, source, offence)] if source else known
    year = _period(ctx, chosen[0], period) if len(chosen) == 1 else _any_period(ctx, known, period)
    series = []
    for name in chosen:
        cells = ctx.data.cells(name, offence)
        months = cells[cells["kind"] == "month"]
        years = cells[(cells["kind"] == "unit") & (cells["unit_code"] == ROOT)]
        years = years[years["year"] != ALL_YEARS]
        covered = months.groupby("year").size()
        year_rows = [
            {"year": int(r.year), "months": int(covered.get(r.year, 0)), **count_cell(r, threshold)}
            for r in years.itertuples()
        ]
        for i, row in enumerate(year_rows):
            earlier = year_rows[i - 1] if i else None
            full = row["months"] == 12 and earlier is not None and earlier["months"] == 12
            row["change"] = (
                change(row["n"], earlier["n"]) if full and row["n"] and earlier["n"] else None
            )
        last = months.tail(24)
        recent = None
        if len(last) == 24 and not last["suppressed"].any():
            now, before = int(last["n"].iloc[12:].sum()), int(last["n"].iloc[:12].sum())
            recent = {"from": last["period"].iloc[12], "to": last["period"].iloc[-1],
                      "n": now, "previous": before, "change": change(now, before)}  # fmt: skip
        if year != ALL_YEARS:
            months = months[months["year"] == year]
        month_rows = [{"period": r.period, **count_cell(r, threshold)} for r in months.itertuples()]
        series.append({"source": name, "count_basis": "source", "months": month_rows,
                       "years": year_rows, "last_12_months": recent})  # fmt: skip
    return {
        "observatory": ctx.data.name,
        "synthetic": ctx.data.synthetic,
        "offence": offence,
        "offence_label": offence_name(offence, ctx.lang, ctx.data),
        "counted": _counted(ctx, offence),
        "source": source,
        "sources": known,
        "period": "all" if year == ALL_YEARS else str(year),
        "periods": ["all", *map(str, sorted({y for n in known for y in ctx.data.years(n)}))],
        "threshold": threshold,
        "headline": headline(ctx, offence, source, None if year == ALL_YEARS else year),
        "level": _level(ctx, level) if ctx.data.levels else None,
        "levels": ctx.data.levels,
        "top_units": _top_units(
            ctx, chosen[0] if source else ctx.data.default_source(offence), offence, year, level
        ),
        "series": series,
        "offences": _offences(ctx),
        "reconciliation": "/reconciliation",
    }


def _top_units(
    ctx: PortalContext,
    source: str | None,
    offence: str,
    year: int,
    level: str | None,
    n: int = 10,
) -> dict[str, Any] | None:
    """The ``n`` units of ``level`` with the highest published rates in ``year``."""
    if source is None or not ctx.data.levels:
        return None
    level = _level(ctx, level)
    if year != ALL_YEARS and year not in ctx.data.years(source):
        return None
    figures = _unit_figures(ctx, source, offence, year)
    figures = figures[(figures["level"] == level) & figures["rate"].notna()]
    top = figures.sort_values(["rate", "unit_code"], ascending=[False, True]).head(n)
    threshold = ctx.data.policy.min_public_count
    rows = [{"unit_code": r.unit_code, "unit_name": r.unit_name, **count_cell(r, threshold),
             "rate": float(r.rate)} for r in top.itertuples()]  # fmt: skip
    period = figures["period"].iloc[0] if len(figures) else ""
    return {"source": source, "level": level, "period": period, "units": rows}


def _any_period(ctx: PortalContext, sources: list[str], period: str | None) -> int:
    """``period`` as a year that at least one of ``sources`` covers (``ALL_YEARS``: all)."""
    found = [_try_period(ctx, s, period) for s in sources]
    good = [y for y in found if y is not None]
    if good:
        return good[0]
    return _period(ctx, sources[0], period)


def _try_period(ctx: PortalContext, source: str, period: str | None) -> int | None:
    try:
        return _period(ctx, source, period)
    except SerenoError:
        return None


def _counted(ctx: PortalContext, offence: str) -> str:
    found = ctx.data.offences()
    rows = found[found["iccs_code"] == offence]
    return str(rows["counted"].iloc[0]) if len(rows) else "victims"


def headline(
    ctx: PortalContext, offence: str, source: str | None, year: int | None
) -> dict[str, Any] | None:
    """The one figure a meeting starts from: a year's total (``year``, else the latest), on
    the best basis there is. The multiple systems estimate of the total when the sources of
    the offence were linked and estimated, else the linked events (each death once), else
    the largest source's own count (or the ``source`` asked for); the basis is said with it."""
    threshold = ctx.data.policy.min_public_count
    if source is None:
        from sereno.publish.reconciliation_page import reconciliation_data

        found = reconciliation_data(ctx)
        usable = found["available"] and found["iccs_code"] == offence
        rows = [y for y in found["years"] if usable and (year is None or y["year"] == year)]
        if rows:
            row = rows[-1]
            estimate = row["estimate"]
            if estimate and estimate["n_hat"] is not None:
                return {"basis": "estimated", "year": row["year"], "n": round(estimate["n_hat"]),
                        "low": round(estimate["n_lower"]), "high": round(estimate["n_upper"]),
                        "method": found["method"], "sources": found["sources"],
                        "linked": row["linked"]["n"]}  # fmt: skip
            if row["linked"]["n"] is not None:
                return {"basis": "linked", "year": row["year"], "n": row["linked"]["n"],
                        "sources": found["sources"]}  # fmt: skip
    name = source or ctx.data.default_source(offence)
    if name is None:
        return None
    cells = ctx.data.cells(name, offence)
    years = cells[(cells["kind"] == "unit") & (cells["unit_code"] == ROOT)]
    years = years[years["year"] != ALL_YEARS]
    if year is not None:
        years = years[years["year"] == year]
    if years.empty:
        return None
    last = years.iloc[-1]
    months = cells[(cells["kind"] == "month") & (cells["year"] == last["year"])]
    only = source is not None or len(ctx.data.sources_of(offence)) == 1
    return {"basis": "source" if only else "largest_source", "year": int(last["year"]),
            "source": name, "months": len(months), **count_cell(last, threshold)}  # fmt: skip


def overview_table(data: dict[str, Any]) -> pd.DataFrame:
    rows = [{"source": s["source"], **m} for s in data["series"] for m in s["months"]]
    return pd.DataFrame(rows).drop(columns=["display"])


def _level(ctx: PortalContext, level: str | None) -> str:
    levels = ctx.data.levels
    if level is None:
        if not levels:
            raise SerenoError("publish.no_units")
        return levels[-1]
    if level not in levels:
        raise SerenoError("publish.unknown_level", level=level, levels=", ".join(levels))
    return level


def _unit_figures(ctx: PortalContext, source: str, offence: str, year: int) -> pd.DataFrame:
    """Every unit's cell for ``year`` (``ALL_YEARS``: the span) with population and rate."""
    figures = unit_rates(ctx.data, source, offence)
    figures = figures[figures["year"] == year].drop(columns="year")
    return ctx.data.units().merge(figures, on="unit_code")


def _period(ctx: PortalContext, source: str, period: str | None) -> int:
    years = ctx.data.years(source)
    if period in (None, "", "all"):
        return ALL_YEARS
    if not period.isdigit() or int(period) not in years:
        raise SerenoError("publish.unknown_period", period=period,
                          periods=", ".join(map(str, years)))  # fmt: skip
    return int(period)


def map_data(
    ctx: PortalContext,
    level: Annotated[str | None, Query(max_length=40)] = None,
    period: Annotated[str | None, Query(max_length=10, description="YYYY or all")] = None,
    source: Annotated[str | None, Query(max_length=60)] = None,
    offence: Offence = HOMICIDE,
) -> dict[str, Any]:
    """Counts and rates per 100,000 of every unit of a level, for a year or the whole span."""
    level = _level(ctx, level)
    source = _source_for(ctx, source, offence)
    year = _period(ctx, source, period)
    units = _unit_figures(ctx, source, offence, year)
    units = units[units["level"] == level]
    breaks = class_breaks(units["rate"].to_numpy(dtype=float))
    units = units.assign(rate_class=class_of(units["rate"].to_numpy(dtype=float), breaks))
    units = units.sort_values(["rate", "unit_code"], ascending=[False, True], na_position="last")
    threshold = ctx.data.policy.min_public_count
    rows = [
        {"unit_code": r.unit_code, "unit_name": r.unit_name, **count_cell(r, threshold),
         "population": None if pd.isna(r.population) else int(r.population),
         "rate": None if pd.isna(r.rate) else float(r.rate), "rate_class": int(r.rate_class)}
        for r in units.itertuples()
    ]  # fmt: skip
    return {
        "level": level, "levels": ctx.data.levels, "source": source,
        "sources": ctx.data.sources_of(offence), "offence": offence,
        "offence_label": offence_name(offence, ctx.lang, ctx.data), "offences": _offences(ctx),
        "period": units["period"].iloc[0] if len(units) else "",
        "periods": ["all", *map(str, ctx.data.years(source))], "breaks": breaks,
        "threshold": threshold, "units": rows,
    }  # fmt: skip


def map_geojson(data: dict[str, Any], ctx: PortalContext) -> dict[str, Any]:
    shapes = ctx.data.geometry(data["level"]).set_index("unit_code")["geometry"]
    features = []
    for row in data["units"]:
        if row["unit_code"] not in shapes.index:
            continue
        geometry = _rounded(shapes[row["unit_code"]])
        features.append({"type": "Feature", "geometry": geometry, "properties": row})
    meta = {k: v for k, v in data.items() if k != "units"}
    return {"type": "FeatureCollection", "properties": meta, "features": features}


def map_picture(store: Any, data: dict[str, Any], lang: str) -> str:
    """The SVG choropleth of ``map_data``'s result, each unit linked to its page."""
    shapes = store.geometry(data["level"]).set_index("unit_code")["geometry"]
    units = [u for u in data["units"] if u["unit_code"] in shapes.index]
    if not units:
        return ""
    threshold = data["threshold"]
    labels = [
        f"{u['unit_name']}: "
        + (f"<{threshold}" if u["suppressed"] else format_number(u["n"], lang))
        + ("" if u["rate"] is None else f" ({format_number(u['rate'], lang, 1)} / 100 000)")
        for u in units
    ]
    return choropleth(
        shapes.loc[[u["unit_code"] for u in units]].to_numpy(),
        np.array([u["rate_class"] for u in units]),
        np.array([u["suppressed"] for u in units]),
        labels,
        [f"/units/{u['unit_code']}?lang={lang}&source={data['source']}&offence={data['offence']}"
         for u in units],
        data["offence_label"],
        names=[u["unit_name"] for u in units],
        outlines=parent_outlines(store, data["level"]),
    )  # fmt: skip


def parent_outlines(store: Any, level: str) -> np.ndarray | None:
    """The polygons of the level above ``level`` (None at the top), to outline on a map."""
    levels = store.levels
    if level not in levels or levels.index(level) == 0:
        return None
    return store.geometry(levels[levels.index(level) - 1])["geometry"].to_numpy()


def _rounded(geometry: Any) -> dict[str, Any]:
    import shapely

    rounded = shapely.set_precision(geometry, 1e-4)
    return shapely.geometry.mapping(rounded)


def unit_data(
    ctx: PortalContext,
    unit_code: str,
    source: Annotated[str | None, Query(max_length=60)] = None,
    offence: Offence = HOMICIDE,
) -> dict[str, Any]:
    """A unit's yearly series, its rank by rate in its level, its rate beside the city's and
    its neighbours', its parent and children; for signed-in staff also its monthly series
    (unsuppressed, so never on the public page: see ``unit_months``)."""
    units = ctx.data.units().set_index("unit_code")
    if unit_code not in units.index:
        raise SerenoError("publish.unknown_unit", unit=unit_code)
    source = _source_for(ctx, source, offence)
    unit = units.loc[unit_code]
    threshold = ctx.data.policy.min_public_count
    series = []
    for year in [*ctx.data.years(source), ALL_YEARS]:
        figures = _unit_figures(ctx, source, offence, year)
        peers = figures[figures["level"] == unit["level"]]
        ranked = peers.dropna(subset=["rate"]).sort_values("rate", ascending=False)
        me = figures.set_index("unit_code").loc[unit_code]
        rank = (
            int(np.flatnonzero(ranked["unit_code"].to_numpy() == unit_code)[0]) + 1
            if unit_code in set(ranked["unit_code"])
            else None
        )
        series.append({
            "period": me["period"], **count_cell(me, threshold),
            "population": None if pd.isna(me["population"]) else int(me["population"]),
            "rate": None if pd.isna(me["rate"]) else float(me["rate"]),
            "rank": rank, "ranked": len(ranked),
        })  # fmt: skip
    children = units[units["parent_code"] == unit_code].reset_index()
    parent = unit["parent_code"]
    programs = ctx.data.interventions()
    programs = programs[[unit_code in (u if u is not None else []) for u in programs["unit_codes"]]]
    return {
        "unit_code": unit_code, "unit_name": unit["unit_name"], "level": unit["level"],
        "area_km2": None if pd.isna(unit["area_km2"]) else round(float(unit["area_km2"]), 2),
        "parent": None if parent is None or parent not in units.index
        else {"unit_code": parent, "unit_name": units.loc[parent, "unit_name"]},
        "children": records(children[["unit_code", "unit_name", "level"]]),
        "source": source, "sources": ctx.data.sources_of(offence), "offence": offence,
        "offence_label": offence_name(offence, ctx.lang, ctx.data), "threshold": threshold,
        "offences": _offences(ctx), "series": series,
        "comparison": comparison(ctx, source, offence, unit_code, unit["level"]),
        "months": None if ctx.user is None else unit_months(ctx, source, offence, unit_code,
                                                            unit["level"]),
        "interventions": records(programs.drop(columns=["unit_codes", "cost_usd", "funder"])),
    }  # fmt: skip


def neighbours(ctx: PortalContext, level: str) -> dict[str, list[str]]:
    """Each unit of ``level`` with the units of its level it touches (within about 11 m,
    since the screen's polygons are simplified)."""
    import shapely

    def make() -> dict[str, list[str]]:
        shapes = ctx.data.geometry(level)
        geoms = shapes["geometry"].to_numpy()
        codes = shapes["unit_code"].to_numpy()
        tree = shapely.STRtree(geoms)
        mine, theirs = tree.query(geoms, predicate="dwithin", distance=1e-4)
        keep = mine != theirs
        found: dict[str, list[str]] = {str(c): [] for c in codes}
        for a, b in zip(codes[mine[keep]], codes[theirs[keep]], strict=True):
            found[str(a)].append(str(b))
        return found

    return ctx.data.response(("neighbours", level), make)


def comparison(
    ctx: PortalContext, source: str, offence: str, unit_code: str, level: str
) -> list[dict[str, Any]]:
    """The unit, the city and each neighbour, with their published count and rate over the
    whole span and in the last year: rates of units side by side, never a sum of cells."""
    figures = unit_rates(ctx.data, source, offence)
    years = ctx.data.years(source)
    if not years:
        return []
    names = ctx.data.units().set_index("unit_code")["unit_name"]
    threshold = ctx.data.policy.min_public_count
    near = neighbours(ctx, level).get(unit_code, [])
    rows = []
    for code, role in [(unit_code, "unit"), (ROOT, "city"), *((c, "neighbour") for c in near)]:
        mine = figures[figures["unit_code"] == code].set_index("year")
        row: dict[str, Any] = {
            "unit_code": None if code == ROOT else code, "role": role,
            "unit_name": ctx.data.name if code == ROOT else str(names.get(code, code)),
        }  # fmt: skip
        for key, year in (("span", ALL_YEARS), ("last", max(years))):
            if year in mine.index:
                cell = mine.loc[year]
                rate = None if pd.isna(cell["rate"]) else float(cell["rate"])
                row[key] = {"period": cell["period"], **count_cell(cell, threshold), "rate": rate}
            else:
                row[key] = None
        rows.append(row)
    return rows


def unit_months(
    ctx: PortalContext, source: str, offence: str, unit_code: str, level: str
) -> list[dict[str, Any]]:
    """The unit's month-by-month counts from the counts cube (records of the unit and the
    units below it), zero in months of the source's coverage without a record. Unit months
    are not among the public cells, which are suppressed together so that no sum gives a
    hidden one back; so these are shown to signed-in staff only."""
    from sereno.indicators.cube import counts_cube

    with ctx.data.lock:
        found = counts_cube(ctx.data.obs, offence, source=source, level=level,
                            period="month").counts  # fmt: skip
    found = found[found["unit_code"] == unit_code]
    n = found.groupby("period")["n"].sum()
    months = ctx.data.coverage_months(source)
    coded = [int(m[:4]) * 12 + int(m[5:7]) - 1 for m in months]
    return [{"period": m, "n": int(n.get(c, 0))} for m, c in zip(months, coded, strict=True)]


def units_data(
    ctx: PortalContext,
    level: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=80, description="name or code")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The geographic units, a page at a time; ``q`` keeps those whose name or code holds
    it, whatever the case and accents."""
    units = ctx.data.units()
    if level:
        units = units[units["level"] == _level(ctx, level)]
    if q and q.strip():
        wanted = folded(pd.Series([q.strip()])).iloc[0]
        found = folded(units["unit_name"]).str.contains(wanted, regex=False) | folded(
            units["unit_code"]
        ).str.contains(wanted, regex=False)
        units = units[found]
    return {**paged(units.drop(columns=["area_km2"]), limit, offset), "q": q or "",
            "level": level or "", "levels": ctx.data.levels}  # fmt: skip


def folded(text: pd.Series) -> pd.Series:
    """``text`` in lower case without accents ("Cristóbal" -> "cristobal"), for search."""
    return (
        text.fillna("").astype(str).str.normalize("NFKD")
        .str.encode("ascii", "ignore").str.decode("ascii").str.lower()
    )  # fmt: skip


def sources_data(ctx: PortalContext) -> dict[str, Any]:
    """Coverage, records, quarantine and yearly homicide totals of each source."""
    threshold = ctx.data.policy.min_public_count
    sources = ctx.data.sources()
    years: dict[str, dict[str, Any]] = {}
    for source in ctx.data.sources_of(HOMICIDE):
        cells = ctx.data.cells(source, HOMICIDE)
        root = cells[(cells["kind"] == "unit") & (cells["unit_code"] == ROOT)]
        years[source] = {r.period: count_cell(r, threshold) for r in root.itertuples()}
    reasons = ctx.data.quarantine_reasons()
    return {
        "sources": records(sources), "homicides_by_year": years,
        "quarantine": records(reasons), "threshold": threshold,
    }  # fmt: skip


PUBLIC_ALERTS = {"confirmed": ("confirmed",), "reviewed": ("seen", "confirmed"),
                 "all": ("new", "seen", "confirmed")}  # fmt: skip


def public_alerts(data: Any) -> str:
    """``[privacy] public_alerts``: which alerts the public sees; by default only those an
    analyst has confirmed (an unknown setting is read as that, the safest)."""
    setting = str(data.obs.config.document.get("privacy", {}).get("public_alerts", "confirmed"))
    return setting if setting in PUBLIC_ALERTS else "confirmed"


def alerts_data(
    ctx: PortalContext,
    status: Annotated[str | None, Query(pattern="^(new|seen|confirmed)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Alerts newest first, with their units' names; the public sees only those reviewed as
    ``[privacy] public_alerts`` says, staff every alert not dismissed. Small observed counts
    are suppressed."""
    alerts = ctx.data.alerts()
    alerts = alerts[alerts["status"] != "dismissed"]
    setting = public_alerts(ctx.data) if ctx.user is None else "all"
    shown = PUBLIC_ALERTS[setting]
    waiting = int((~alerts["status"].isin(shown)).sum())
    alerts = alerts[alerts["status"].isin(shown)]
    if status is not None:
        alerts = alerts[alerts["status"] == status]
    threshold = ctx.data.policy.min_public_count
    names = ctx.data.units().set_index("unit_code")["unit_name"]
    codes = [list(u) for u in alerts["unit_codes"]]
    alerts = alerts.assign(
        observed=alerts["observed"].where(alerts["observed"] >= threshold).round().astype("Int64"),
        expected=alerts["expected"].round(1),
        unit_codes=codes,
        unit_names=[[str(names.get(c, c)) for c in u] for u in codes],
        offence_label=[offence_name(str(c), ctx.lang, ctx.data) for c in alerts["iccs_code"]],
    )
    return {**paged(alerts, limit, offset), "threshold": threshold, "awaiting_review": waiting,
            "shown": setting}  # fmt: skip


def register_public_pages() -> None:
    """Register the pages of this module (once)."""
    from sereno.publish.opendata_page import opendata_data
    from sereno.publish.pages import PAGES

    if "overview" in PAGES:
        return
    for page in (
        PortalPage("overview", "/", "publish.page_overview", overview_data, "overview.html",
                   order=10, table=overview_table),
        PortalPage("map", "/map", "publish.page_map", map_data, "map.html", order=20,
                   table=lambda d: pd.DataFrame(d["units"]).drop(columns=["display"]),
                   geojson=map_geojson),
        PortalPage("units", "/units", "publish.page_units", units_data, "units.html", order=30,
                   table=lambda d: pd.DataFrame(d["items"])),
        PortalPage("unit", "/units/{unit_code}", "publish.page_unit", unit_data, "unit.html",
                   nav=False, table=lambda d: pd.DataFrame(d["series"]).drop(columns=["display"])),
        PortalPage("alerts", "/alerts", "publish.page_alerts", alerts_data, "alerts.html",
                   order=40, table=lambda d: pd.DataFrame(d["items"])),
        PortalPage("sources", "/sources", "publish.page_sources", sources_data, "sources.html",
                   order=50, table=lambda d: pd.DataFrame(d["sources"])),
        PortalPage("opendata", "/data", "publish.page_opendata", opendata_data, "opendata.html",
                   order=60),
    ):  # fmt: skip
        register_page(page)
