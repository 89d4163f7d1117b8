"""The harms the official counts miss, in public: tables, their export and the portal page.

What is public is decided here, once, for the page, its JSON twin and the export:

* displacement by **origin** unit and year, and by **destination** only as a kind (within
  the city, a shelter, unknown) or a municipality or country: never a colonia, a point or a
  shelter's name (a displaced family's destination is restricted by default);
* disappearances by unit and year and by status, never a name or a case id;
* extortion by victim type and year with the share reported, never a business or a point;
* every count through the privacy policy's small-cell rule with complementary suppression
  (``sereno.publish.privacy.suppress_small_cells``): each table's row and column totals
  are published, so no suppressed cell can be recovered from them by subtraction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.harms.extortion import wilson_interval
from sereno.harms.migrants import migrant_view
from sereno.harms.records import harm_records
from sereno.publish import svg
from sereno.publish.pages import PAGES, PortalContext, PortalPage, register_page
from sereno.publish.privacy import suppress_small_cells
from sereno.store import Observatory

TOTAL = "total"
DESTINATION_KINDS = {"unit": "within_city", "shelter": "shelter", "unknown": "unknown"}


def suppressed_grid(frame: pd.DataFrame, row: str, column: str, value: str,
                    threshold: int) -> pd.DataFrame:  # fmt: skip
    """``frame`` summed into ``row`` × ``column`` cells with row, column and grand totals,
    small cells suppressed (n missing, ``suppressed`` true) with their complements."""
    table = frame.pivot_table(index=row, columns=column, values=value, aggfunc="sum",
                              fill_value=0)  # fmt: skip
    table.columns = table.columns.astype(str)
    table.index = table.index.astype(str)
    table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum(axis=0)
    cells = table.stack().rename("n").reset_index()
    cells.columns = [row, column, "n"]
    index = pd.MultiIndex.from_frame(cells[[row, column]])
    relations = []
    rows, columns = list(table.index), list(table.columns)
    for i, r in enumerate(rows):
        relations += [(i, index.get_loc((r, c))) for c in columns]
    for j, c in enumerate(columns):
        relations += [(len(rows) + j, index.get_loc((r, c))) for r in rows]
    relations = pd.DataFrame(relations, columns=["relation", "cell"])
    out = suppress_small_cells(cells, relations, threshold).to_frame().drop(columns="primary")
    return out.astype({"n": "Int64"})


def public_harms(obs: Observatory) -> dict[str, pd.DataFrame]:
    """The public harm tables of the observatory (absent kinds give no table)."""
    threshold = obs.config.min_public_count
    tables: dict[str, pd.DataFrame] = {}
    for kind, build in (("displacement", _displacement), ("disappearance", _disappearances),
                        ("extortion", _extortion)):  # fmt: skip
        try:
            records = harm_records(obs, kind)
        except SerenoError as error:
            if error.key != "harms.no_records":
                raise
            continue
        tables.update(build(records, threshold))
    tables.update(_migrants(obs, threshold))
    return tables


def _migrants(obs: Observatory, threshold: int) -> dict[str, pd.DataFrame]:
    """Harms of migrants in transit by unit (suppressed), and the public shelters by unit:
    a shelter's point is never published, nor a shelter not marked public."""
    view = migrant_view(obs)
    if not (view.units[["extortion", "disappeared"]].to_numpy().any() or len(view.shelters)):
        return {}
    long = view.units.melt(id_vars="unit_code", value_vars=["extortion", "disappeared"],
                           var_name="harm", value_name="n")  # fmt: skip
    shown = view.shelters[view.shelters["public"]]
    return {
        "migrants_by_unit": suppressed_grid(long, "unit_code", "harm", "n", threshold),
        "shelters": shown[["shelter_id", "name", "kind", "unit_code", "capacity"]]
        .rename(columns={"name": "shelter"}).reset_index(drop=True),
    }  # fmt: skip


def _displacement(events: pd.DataFrame, threshold: int) -> dict[str, pd.DataFrame]:
    events = events.assign(year=events["year"].astype(str))
    # A destination is published at the municipality or above: a municipality's name or a
    # country; a colonia of the city or a shelter is only its kind.
    where = events["destination_kind"].map(DESTINATION_KINDS)
    named = events["destination_municipality"].where(
        events["destination_kind"] == "municipality", events["destination_country"]
    )
    destination = where.fillna(events["destination_kind"] + ":" + named.fillna("?"))
    return {
        "displacement_by_origin": suppressed_grid(events, "origin_unit", "year", "people",
                                                  threshold),
        "displacement_by_destination": suppressed_grid(
            events.assign(destination=destination), "destination", "year", "people", threshold),
        "displacement_by_cause": suppressed_grid(events, "cause", "year", "people", threshold),
    }  # fmt: skip


def _disappearances(persons: pd.DataFrame, threshold: int) -> dict[str, pd.DataFrame]:
    persons = persons.assign(
        year=persons["year"].astype(str),
        n=1,
        unit=persons["unit_code"].fillna(persons["state"]).fillna("?"),
    )
    return {
        "disappearances_by_unit": suppressed_grid(persons, "unit", "year", "n", threshold),
        "disappearances_by_status": suppressed_grid(persons, "status", "year", "n", threshold),
    }  # fmt: skip


def _extortion(reports: pd.DataFrame, threshold: int) -> dict[str, pd.DataFrame]:
    reports = reports.assign(year=reports["year"].astype(str), n=1)
    said = reports[reports["reported_police"] != "unknown"]
    shares = said.groupby("victim_type").agg(
        answered=("n", "sum"), reported=("reported_police", lambda s: int((s == "yes").sum()))
    )
    low, high = wilson_interval(shares["reported"], shares["answered"])
    shares = shares.assign(
        share_reported=shares["reported"] / shares["answered"], share_low=low, share_high=high
    ).reset_index()
    # A share over fewer answers than the threshold would give small counts back.
    small = shares["answered"] < threshold
    shares.loc[small, ["reported", "share_reported", "share_low", "share_high"]] = np.nan
    return {
        "extortion_by_type": suppressed_grid(reports, "victim_type", "year", "n", threshold),
        "extortion_by_unit": suppressed_grid(reports, "unit_code", "year", "n", threshold),
        "extortion_share_reported": shares,
    }  # fmt: skip


def export_harms(obs: Observatory, out: str | Path) -> list[Path]:
    """Write every public harm table as ``harms_<table>.csv`` and ``harms.json`` in ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = public_harms(obs)
    files = []
    for name, table in tables.items():
        files.append(out / f"harms_{name}.csv")
        table.to_csv(files[-1], index=False)
    files.append(out / "harms.json")
    files[-1].write_text(json.dumps({
        "min_public_count": obs.config.min_public_count,
        "tables": {k: len(v) for k, v in tables.items()},
    }, ensure_ascii=False, indent=2), encoding="utf-8")  # fmt: skip
    return files


def harms_data(ctx: PortalContext) -> dict[str, Any]:
    """The public harm tables as JSON-able rows (NaN as null)."""

    def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")

    def build() -> dict[str, Any]:
        with ctx.data.lock:
            tables = public_harms(ctx.data.obs)
        threshold = ctx.data.obs.config.min_public_count
        grids = {k: _grid(v, threshold) for k, v in tables.items() if "suppressed" in v}
        names = ctx.data.obs.engine.frame("SELECT unit_code, name FROM units")
        names = dict(zip(names["unit_code"], names["name"], strict=True))
        return {"threshold": threshold, "tables": {k: rows(v) for k, v in tables.items()},
                "grids": grids, "names": names,
                "map_svg": _migrants_map(ctx, tables, names, threshold)}  # fmt: skip

    return ctx.data.response(("harms", ctx.lang), build)


def _migrants_map(ctx: PortalContext, tables: dict[str, pd.DataFrame], names: dict[str, str],
                  threshold: int) -> str:  # fmt: skip
    """The harms of migrants per unit as a choropleth (suppressed units hatched), each
    unit's title naming its public shelters."""
    if "migrants_by_unit" not in tables:
        return ""
    cells = tables["migrants_by_unit"]
    totals = cells[(cells["harm"] == TOTAL) & (cells["unit_code"] != TOTAL)]
    shapes = ctx.data.geometry(ctx.data.obs.config.smallest_level).set_index("unit_code")
    totals = totals[totals["unit_code"].isin(shapes.index)]
    n = totals["n"].fillna(0).to_numpy(dtype=float)
    classes = svg.class_of(n, svg.class_breaks(n[n > 0])) if (n > 0).any() else np.zeros(
        len(n), int)  # fmt: skip
    classes = np.where(n > 0, classes, -1)
    shelters = tables["shelters"].groupby("unit_code")["shelter"].agg(", ".join)
    labels = []
    for code, count, hidden in zip(totals["unit_code"], n, totals["suppressed"], strict=True):
        figure = f"<{threshold}" if hidden else f"{int(count)}"
        where = f" · {ctx.t('harms.page.shelters')}: {shelters[code]}" if code in shelters else ""
        labels.append(f"{names.get(code, code)}: {figure}{where}")
    return svg.choropleth(
        shapes.loc[totals["unit_code"], "geometry"].to_numpy(), classes,
        totals["suppressed"].to_numpy(dtype=bool), labels,
        [f"/units/{c}?lang={ctx.lang}" for c in totals["unit_code"]],
        ctx.t("harms.page.migrants_map"),
    )  # fmt: skip


def _grid(cells: pd.DataFrame, threshold: int) -> dict[str, Any]:
    """A suppressed table as the page shows it: row labels, columns, cells as text."""
    row, column = cells.columns[:2]
    text = np.where(cells["suppressed"], f"<{threshold}", cells["n"].astype(str))
    wide = cells.assign(text=text).pivot(index=row, columns=column, values="text")
    order = [c for c in wide.columns if c != TOTAL] + [TOTAL]
    labels = [r for r in wide.index if r != TOTAL] + [TOTAL]
    wide = wide.reindex(index=labels, columns=order)
    return {"columns": order, "rows": [{"label": r, "cells": list(wide.loc[r])} for r in labels]}


def register_harms_page() -> None:
    if "harms" in PAGES:
        return
    register_page(PortalPage(
        "harms", "/harms", "harms.page.title", harms_data, "harms.html", order=40,
        templates="sereno.harms",
        table=lambda d: pd.DataFrame(d["tables"].get("displacement_by_origin", [])),
    ))  # fmt: skip
