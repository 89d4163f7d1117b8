"""Writing the demo's files byte for byte reproducibly.

The same seed must give identical files, so nothing may carry the time of writing: GeoJSON is
written by ``json`` in a fixed key order, and the XLSX package's zip timestamps and document
dates (which openpyxl sets to now) are pinned.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

PINNED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
PINNED_DOC_TIME = "2024-01-01T00:00:00Z"


def _plain(value: Any) -> Any:
    """JSON-ready Python values: numpy scalars unwrapped, NaN and NA as null."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def write_geojson(path: Path, geometries: np.ndarray, properties: pd.DataFrame, name: str) -> Path:
    """A FeatureCollection in EPSG:4326 (the GeoJSON default, RFC 7946) from shapely
    geometries and one row of properties per feature."""
    records = properties.astype(object).to_dict(orient="records")
    features = [
        {
            "type": "Feature",
            "properties": {k: _plain(v) for k, v in record.items()},
            "geometry": shapely.geometry.mapping(geometry),
        }
        for record, geometry in zip(records, geometries, strict=True)
    ]
    document = {"type": "FeatureCollection", "name": name, "features": features}
    path.write_text(json.dumps(document, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_json(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(
        json.dumps(document, ensure_ascii=False, indent=2, default=_plain) + "\n", encoding="utf-8"
    )
    return path


def write_csv(
    path: Path,
    frame: pd.DataFrame,
    *,
    sep: str = ",",
    encoding: str = "utf-8",
    extra_header: list[str] | None = None,
) -> Path:
    """A CSV with ``\\n`` line ends; ``extra_header`` is a second header row (HXL hashtags)."""
    text = frame.to_csv(sep=sep, index=False, lineterminator="\n")
    if extra_header is not None:
        first, rest = text.split("\n", 1)
        text = f"{first}\n{sep.join(extra_header)}\n{rest}"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, frame: pd.DataFrame, sheet: str) -> Path:
    """One sheet with a header row; cells keep their Python types (text, whole numbers)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    worksheet = book.create_sheet(sheet)
    worksheet.append(list(frame.columns))
    for row in frame.astype(object).itertuples(index=False, name=None):
        worksheet.append([_plain(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_pinned_zip(buffer.getvalue()))
    return path


def _pinned_zip(data: bytes) -> bytes:
    """The same zip with fixed entry timestamps and fixed document dates."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + PINNED_DOC_TIME.encode(),
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=PINNED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return target_buffer.getvalue()
