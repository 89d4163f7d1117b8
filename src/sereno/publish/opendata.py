"""Open data: aggregated tables (CSV, Parquet, GeoJSON), a record-level file when the privacy
policy publishes one, and a Frictionless Data package descriptor with HXL hashtags.

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
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from sereno.errors import SerenoError
from sereno.publish.cube import ROOT
from sereno.publish.microdata import audit_records, release_records
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
    "parent_code": "#loc+parent+code", "population": "#population",
}  # fmt: skip
TYPES = {"int64": "integer", "Int64": "integer", "float64": "number", "bool": "boolean",
         "boolean": "boolean"}  # fmt: skip
RECORD_FILES = ("records.csv", "records.parquet", "records_hxl.csv")
FILES = (
    "datapackage.json", "counts_by_unit.csv", "counts_by_unit.parquet", "counts_by_unit_hxl.csv",
    "counts_by_month.csv", "counts_by_month.parquet", "counts_by_month_hxl.csv",
    *RECORD_FILES, "units.geojson",
)  # fmt: skip


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
    """source_id, iccs_code, counted, unit_code, unit_name, level, period, n, suppressed."""
    units = data.units().set_index("unit_code")
    frames = []
    for row in data.offences().itertuples():
        for source in row.sources:
            cells = data.cells(source, row.iccs_code)
            cells = cells[cells["kind"] == "unit"]
            frames.append(cells.assign(source_id=source, iccs_code=row.iccs_code,
                                       counted=row.counted))  # fmt: skip
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            columns=["unit_code", "period", "n", "suppressed", "source_id", "iccs_code", "counted"]
        )
    )
    city = out["unit_code"] == ROOT
    out["unit_name"] = out["unit_code"].map(units["unit_name"])
    out["level"] = out["unit_code"].map(units["level"]).where(~city, "all")
    out["unit_code"] = out["unit_code"].where(~city, None)
    columns = ["source_id", "iccs_code", "counted", "unit_code", "unit_name", "level", "period",
               "n", "suppressed"]  # fmt: skip
    return out[columns]


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


def units_geojson(data: Any) -> dict[str, Any]:
    """Every unit with a polygon, simplified to about 40 m and rounded to 4 decimals."""
    units = data.units()
    features = []
    for level in data.levels:
        shapes = data.geometry(level)
        shapes = shapes.assign(geometry=shapely.set_precision(shapes["geometry"].to_numpy(), 1e-4))
        info = units.set_index("unit_code")
        for row in shapes.itertuples():
            props = {"unit_code": row.unit_code, "unit_name": row.unit_name, "level": level,
                     "parent_code": info.loc[row.unit_code, "parent_code"]}  # fmt: skip
            features.append({"type": "Feature", "properties": props,
                             "geometry": shapely.geometry.mapping(row.geometry)})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def export_open_data(data: Any, out: Path) -> OpenDataExport:
    """Write every open-data file of ``FILES`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "counts_by_unit": counts_by_unit(data),
        "counts_by_month": counts_by_month(data),
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
        safe.to_csv(out / f"{name}.csv", index=False)
        table.to_parquet(out / f"{name}.parquet", index=False)
        hxl = pd.DataFrame([[HXL.get(c, "") for c in table.columns]], columns=table.columns)
        pd.concat([hxl, safe.astype(object)]).to_csv(out / f"{name}_hxl.csv", index=False)
        schema = _schema(table)
        resources += [
            {"name": name, "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv",
             "profile": "tabular-data-resource", "schema": schema},
            {"name": f"{name}-hxl", "path": f"{name}_hxl.csv", "format": "csv",
             "mediatype": "text/csv", "profile": "tabular-data-resource",
             "dialect": {"commentRows": [2]}, "schema": schema},
            {"name": f"{name}-parquet", "path": f"{name}.parquet", "format": "parquet",
             "mediatype": "application/vnd.apache.parquet", "schema": schema},
        ]  # fmt: skip
    (out / "units.geojson").write_text(json.dumps(units_geojson(data)), encoding="utf-8")
    resources.append({"name": "units", "path": "units.geojson", "format": "geojson",
                      "mediatype": "application/geo+json"})  # fmt: skip
    suppressed = int(tables["counts_by_unit"]["suppressed"].sum())
    threshold = data.policy.min_public_count
    descriptor = {
        "profile": "tabular-data-package",
        "name": _slug(data.name),
        "title": data.name,
        "created": date.today().isoformat(),
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
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    files = [f for f in FILES if (out / f).is_file()]
    return OpenDataExport(str(out), files, {k: len(v) for k, v in tables.items()},
                          suppressed, threshold, records)  # fmt: skip


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
        fields.append({"name": column, "type": kind, "hxl": HXL.get(column, "")})
    return {"fields": fields, "missingValues": [""]}
