"""The open-data page and its downloads: the export, written once per state of the store."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sereno.publish.opendata import FILES, export_open_data
from sereno.publish.pages import PortalContext

DESCRIPTIONS = {
    "datapackage.json": "publish.file_datapackage",
    "counts_by_unit": "publish.file_counts_by_unit",
    "counts_by_month": "publish.file_counts_by_month",
    "counts_wide": "publish.file_counts_wide",
    "records": "publish.file_records",
    "units.geojson": "publish.file_units",
    "units.gpkg": "publish.file_units_gpkg",
}


def opendata_folder(data: Any) -> Path:
    """The open-data files for the store as it is now (rewritten after each change)."""
    with data.lock:
        key = ("opendata_folder",)
        if key not in data._cache:
            folder = Path(tempfile.mkdtemp(prefix="sereno-opendata-"))
            export_open_data(data, folder)
            data._cache[key] = folder
        return data._cache[key]


def opendata_data(ctx: PortalContext) -> dict[str, Any]:
    """Every downloadable file with its size, format and what it holds."""
    folder = opendata_folder(ctx.data)
    files = []
    for name in FILES:
        if not (folder / name).is_file():
            continue
        stem = name.split(".")[0].removesuffix("_hxl")
        about = DESCRIPTIONS.get(name) or DESCRIPTIONS[stem]
        files.append({
            "file": name, "url": f"/api/v1/opendata/{name}",
            "bytes": (folder / name).stat().st_size, "format": name.split(".")[-1],
            "hxl": name.endswith("_hxl.csv"), "description": ctx.t(about),
        })  # fmt: skip
    records = ctx.data.policy.records
    return {"files": files, "threshold": ctx.data.policy.min_public_count,
            "records_published": records.publish, "k": records.k}  # fmt: skip
