"""Open data: aggregated tables (CSV, XLSX, Parquet), the units as GeoJSON and GeoPackage, a
record-level file when the privacy policy publishes one, and a Frictionless Data package
descriptor with HXL hashtags.

Every file is written by :mod:`sereno.io` (``write_table``, ``write_layer``), so JSON is strict
(no NaN), whole numbers are written as integers and each format is written one way.
``counts_wide`` has one row per unit, with each source's and offence's count, population and
rate per period in columns, ready for a join in QGIS; ``units.gpkg`` holds the same columns
on the polygons, ready to map.

The tables are cut from the same suppressed counts as the portal's pages
(:meth:`PortalData.cells`), so an export never shows a cell the portal hides; the record-level
file is made by :mod:`sereno.publish.microdata` against those same cells, and only when
``[privacy.records] publish = true``. Every CSV is safe to open in a spreadsheet
(:func:`sereno.publish.spreadsheet.formula_safe`). The
descriptor follows the Frictionless Data Package specification (v1, ``tabular-data-
package``); each field carries its HXL hashtag (``hxl``), and each CSV has a twin
``*_hxl.csv`` with the hashtag row under the header for humanitarian tools (HXL 1.1).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from sereno.errors import SerenoError
from sereno.io import write_layer, write_table
from sereno.publish.cube import ROOT
from sereno.publish.microdata import audit_records, release_records
from sereno.publish.rates import unit_rates
from sereno.publish.spreadsheet import formula_safe

VICTIM_COLUMNS = (
    "record_id", "source_id", "incident_key", "date", "date_precision", "year", "month", "time",
    "unit_code", "lat", "lon", "location_precision", "location_method", "offence_label",
    "iccs_code", "sex", "age", "weapon", "place", "name",
)  # fmt: skip
HXL = {
    "source_id": "#meta+source", "iccs_code": "#event+type+code", "counted": "#meta+counted",
    "unit_code": "#loc+code", "unit_name": "#loc+name", "level": "#loc+type",
    "period": "#date", "n": "#indicator+num", "suppressed": "#meta+suppressed",
    "record_id": "#meta+id", "incident_key": "#event+id", "date": "#date+occurred",
    "date_precision": "#date+precision", "year": "#date+year", "month": "#date+month",
    "time": "#date+time", "location_precision": "#loc+precision",
    "location_method": "#loc+method", "offence_label": "#event+type+name", "sex": "#affected+sex",
    "age": "#affected+age", "weapon": "#event+weapon", "place": "#loc+place",
    "parent_code": "#loc+parent+code", "population": "#population", "rate": "#indicator+rate",
}  # fmt: skip
TYPES = {"int64": "integer", "Int64": "integer", "float64": "number", "bool": "boolean",
         "boolean": "boolean"}  # fmt: skip
TABLES = ("counts_by_unit", "counts_by_month", "counts_wide")
RECORD_FILES = ("records.csv", "records.xlsx", "records.parquet", "records_hxl.csv")
FILES = (
    "datapackage.json",
    *(f"{t}{end}" for t in TABLES for end in (".csv", ".xlsx", ".parquet", "_hxl.csv")),
    *RECORD_FILES, "units.geojson", "units.gpkg",
)  # fmt: skip
MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "json": "application/json",
}


@dataclass(frozen=True)
class OpenDataExport:
    """What ``export_open_data`` wrote: the folder, its files and each table's rows."""

    directory: str
    files: list[str]
    rows: dict[str, int]
    suppressed: int
    threshold: int
    records: dict[str, object]

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def counts_by_unit(data: Any) -> pd.DataFrame:
    """source_id, iccs_code, counted, unit_code, unit_name, level, period, n, suppressed,
    population, rate (per 100,000; none where the count is suppressed)."""
    units = data.units().set_index("unit_code")
    frames = []
    for row in data.offences().itertuples():
        for source in row.sources:
            cells = unit_rates(data, source, row.iccs_code)
            frames.append(cells.assign(source_id=source, iccs_code=row.iccs_code,
                                       counted=row.counted))  # fmt: skip
    columns = ["source_id", "iccs_code", "counted", "unit_code", "unit_name", "level", "period",
               "n", "suppressed", "population", "rate"]  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    city = out["unit_code"] == ROOT
    out["unit_name"] = out["unit_code"].map(units["unit_name"])
    out["level"] = out["unit_code"].map(units["level"]).where(~city, "all")
    out["unit_code"] = out["unit_code"].where(~city, None)
    out["population"] = out["population"].astype("Int64")
    return out[columns]


def counts_wide(data: Any, by_unit: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit (unit_code, unit_name, level, parent_code, population_YYYY) and, for
    each offence, source and period, ``n_<offence>_<source>_<period>`` and ``rate_...``:
    the table to join to a layer on ``unit_code``. An empty count is a suppressed one."""
    long = counts_by_unit(data) if by_unit is None else by_unit
    long = long[long["unit_code"].notna()]
    units = data.units()[["unit_code", "unit_name", "level", "parent_code"]]
    years = long[long["period"].str.fullmatch(r"\d{4}")]
    pops = years.drop_duplicates(["unit_code", "period"]).pivot(
        index="unit_code", columns="period", values="population"
    )
    pops.columns = [f"population_{p}" for p in pops.columns]
    key = long["iccs_code"] + "_" + long["source_id"] + "_" + long["period"]
    wide = long.assign(key=key).pivot(index="unit_code", columns="key", values=["n", "rate"])
    order = sorted(wide.columns, key=lambda c: (c[1], c[0] != "n"))
    wide = wide[order]
    wide.columns = [f"{kind}_{name}" for kind, name in wide.columns]
    out = units.merge(pops.reset_index(), on="unit_code", how="left")
    out = out.merge(wide.reset_index(), on="unit_code", how="left")
    for column in out.columns:
        if column.startswith(("n_", "population_")):
            out[column] = out[column].astype("Int64")
        elif column.startswith("rate_"):
            out[column] = out[column].astype(float)
    return out


def counts_by_month(data: Any) -> pd.DataFrame:
    """source_id, iccs_code, counted, period, n, suppressed: the city's months."""
    frames = []
    for row in data.offences().itertuples():
        for source in row.sources:
            cells = data.cells(source, row.iccs_code)
            cells = cells[cells["kind"] == "month"]
            frames.append(cells.assign(source_id=source, iccs_code=row.iccs_code,
                                       counted=row.counted))  # fmt: skip
    columns = ["source_id", "iccs_code", "counted", "period", "n", "suppressed"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(
        columns=columns)  # fmt: skip


def victim_records(data: Any, audience: str) -> pd.DataFrame:
    """Victim records with only the fields ``audience`` may see (never the raw row).

    Record by record, with dates and units as stored: for signed-in staff only. The public
    gets :func:`sereno.publish.microdata.release_records` instead.
    """
    columns = data.policy.columns(VICTIM_COLUMNS, audience)
    quoted = ", ".join(f'v."{c}"' for c in columns)
    return data.frame(
        f"SELECT {quoted} FROM victims v JOIN current_records USING (record_id) "
        "ORDER BY v.source_id, v.record_id"
    )


def units_layer(data: Any) -> gpd.GeoDataFrame:
    """Every unit with a polygon (unit_code, unit_name, level, parent_code), simplified to
    about 40 m and rounded to 4 decimals (11 m): no published point is finer."""
    units = data.units().set_index("unit_code")
    frames = []
    for level in data.levels:
        shapes = data.geometry(level)
        frames.append(pd.DataFrame({
            "unit_code": shapes["unit_code"], "unit_name": shapes["unit_name"], "level": level,
            "parent_code": shapes["unit_code"].map(units["parent_code"]),
            "geometry": shapely.set_precision(shapes["geometry"].to_numpy(), 1e-4),
        }))  # fmt: skip
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["unit_code", "unit_name", "level", "parent_code", "geometry"])  # fmt: skip
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def export_open_data(data: Any, out: Path) -> OpenDataExport:
    """Write every open-data file of ``FILES`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    by_unit = counts_by_unit(data)
    tables = {
        "counts_by_unit": by_unit,
        "counts_by_month": counts_by_month(data),
        "counts_wide": counts_wide(data, by_unit),
    }
    policy = data.policy.records
    records: dict[str, object] = {"published": False}
    for stale in RECORD_FILES:
        (out / stale).unlink(missing_ok=True)
    if policy.publish:
        release = release_records(data)
        found = audit_records(release.records, data, policy)
        if any(found.values()):
            raise DisclosureRefused(**found)
        tables["records"] = data.policy.frame(release.records)
        records = {"published": True, **release.to_dict()}
    resources = []
    for name, table in tables.items():
        safe = formula_safe(table)
        write_table(safe, out / f"{name}.csv")
        write_table(safe, out / f"{name}.xlsx")
        write_table(table, out / f"{name}.parquet")
        hxl = pd.DataFrame([[HXL.get(_stem(c), "") for c in table.columns]], columns=table.columns)
        write_table(pd.concat([hxl, _texts(safe)]), out / f"{name}_hxl.csv")
        schema = _schema(table)
        resources += [
            _resource(name, f"{name}.csv", schema=schema),
            _resource(f"{name}-hxl", f"{name}_hxl.csv", schema=schema,
                      dialect={"commentRows": [2]}),
            _resource(f"{name}-xlsx", f"{name}.xlsx", schema=schema),
            _resource(f"{name}-parquet", f"{name}.parquet", schema=schema),
        ]  # fmt: skip
    layer = units_layer(data)
    write_layer(layer, out / "units.geojson")
    figures = tables["counts_wide"].drop(columns=["unit_name", "level", "parent_code"])
    write_layer(layer.merge(figures, on="unit_code", how="left"), out / "units.gpkg")
    resources += [_resource("units", "units.geojson"), _resource("units-gpkg", "units.gpkg")]
    suppressed = int(tables["counts_by_unit"]["suppressed"].sum())
    threshold = data.policy.min_public_count
    descriptor = {
        "profile": "data-package",
        "name": _slug(data.name),
        "title": data.name,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "sereno": {
            "min_public_count": threshold,
            "suppressed_cells": suppressed,
            "synthetic": data.synthetic,
            "records": records,
        },
        "resources": resources,
    }
    (out / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2, allow_nan=False), encoding="utf-8"
    )
    files = [f for f in FILES if (out / f).is_file()]
    return OpenDataExport(str(out), files, {k: len(v) for k, v in tables.items()},
                          suppressed, threshold, records)  # fmt: skip


def _resource(name: str, path: str, **extra: Any) -> dict[str, Any]:
    """A Data Package resource: tables (with a schema) as ``tabular-data-resource``, the
    layers as plain ``data-resource``, each with its format and media type."""
    fmt = path.rsplit(".", 1)[-1]
    profile = "tabular-data-resource" if "schema" in extra else "data-resource"
    return {"name": name, "path": path, "profile": profile, "format": fmt,
            "mediatype": MEDIA[fmt], **extra}  # fmt: skip


def _texts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as text columns (so the HXL row can sit above the figures), whole numbers
    written as integers."""
    from sereno.io.tables import integers_as_integers

    typed = integers_as_integers(frame)
    return typed.astype(object).where(typed.notna(), None)


def _stem(column: str) -> str:
    """The column's name without the wide table's offence, source and period."""
    for kind in ("n", "rate", "population"):
        if column.startswith(kind + "_"):
            return kind
    return column


class DisclosureRefused(SerenoError):
    """The record-level file failed its own audit: it is not written (a bug, never data)."""

    key = "publish.records_refused"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "sereno"


def _schema(table: pd.DataFrame) -> dict[str, Any]:
    fields = []
    for column in table.columns:
        kind = TYPES.get(str(table[column].dtype), "string")
        if column == "date":
            kind = "date"
        fields.append({"name": column, "type": kind, "hxl": HXL.get(_stem(column), "")})
    return {"fields": fields, "missingValues": [""]}
