"""JSON records and GeoJSON features into a ``RawTable``.

A JSON file is a list of objects (or an object holding one such list); a GeoJSON file is a
FeatureCollection (RFC 7946) whose features become rows: their properties, plus ``lat`` and
``lon`` of the point (a polygon's centroid). Features are validated one by one: a feature
that is not an object, or whose geometry is not a GeoJSON geometry (given as a string, a
list, an unknown type, bad coordinates), becomes a row marked with its reason, to be
quarantined, instead of refusing the file. A null or empty geometry is a feature without a
location, as RFC 7946 section 3.2 allows; the row may still be located by a unit column.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from sereno.errors import InputFileError
from sereno.io.limits import Deadline, FileLimitError, Limits, check_columns
from sereno.io.raw import RawTable, text_table, unique_names

GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}
# Python refuses to turn more than 4,300 digits into an int (CVE-2020-10735); a longer
# number is kept as the text it was written as.
MAX_DIGITS = 4_000
SNIPPET = 200


def read_json(path: Path, data: bytes, digest: str, limits: Limits) -> RawTable:
    document = load_json(path, data, limits)
    if isinstance(document, dict):
        if document.get("type") == "FeatureCollection":
            return _geojson_table(path, document, digest, limits)
        lists = [v for v in document.values() if isinstance(v, list)]
        document = lists[0] if len(lists) == 1 else [document]
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise InputFileError(
            "error.file_unreadable", file=path, detail="expected a list of objects"
        )
    return _records_table(path, document, "json", digest, limits)


def read_geojson(path: Path, data: bytes, digest: str, limits: Limits) -> RawTable:
    document = load_json(path, data, limits)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InputFileError("error.file_unreadable", file=path, detail="not a FeatureCollection")
    return _geojson_table(path, document, digest, limits)


def load_json(path: Path, data: bytes, limits: Limits) -> object:
    """The parsed document; nesting past the interpreter's recursion is refused by name."""
    try:
        return json.loads(data.decode("utf-8-sig"), parse_int=_integer)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError("error.file_truncated", file=path, detail=str(exc)) from None
    except RecursionError:
        raise FileLimitError("io.too_deep", file=path, limit=limits.max_depth) from None


def _integer(text: str) -> int | str:
    return int(text) if len(text) <= MAX_DIGITS else text


def _geojson_table(path: Path, document: dict, digest: str, limits: Limits) -> RawTable:
    """Feature properties plus the point's ``lat`` and ``lon``, and each feature's issue."""
    features = document.get("features")
    if not isinstance(features, list):
        raise InputFileError("error.file_unreadable", file=path, detail="features is not a list")
    deadline = Deadline(path, limits)
    records, issues = [], []
    for number, feature in enumerate(features):
        if number % 1000 == 0:
            deadline.check()
        properties, issue = _feature_record(feature)
        records.append(properties)
        issues.append(issue)
    return _records_table(path, records, "geojson", digest, limits, issues)


def _feature_record(feature: object) -> tuple[dict, tuple[str, str] | None]:
    """A feature's properties with its point, and its issue (reason code, value) if any."""
    import shapely.geometry

    if not isinstance(feature, dict) or not isinstance(feature.get("properties") or {}, dict):
        return {}, ("bad_feature", _snippet(feature))
    properties = dict(feature.get("properties") or {})
    geometry = feature.get("geometry")
    if geometry is None:
        return properties, None
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        return properties, ("bad_geometry", _snippet(geometry))
    try:
        shape = shapely.geometry.shape(geometry)
        point = None if shape.is_empty else shape
        if point is not None and point.geom_type != "Point":
            point = point.centroid
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.ShapelyError,
    ):
        return properties, ("bad_geometry", _snippet(geometry))
    if point is None or point.is_empty:
        return properties, None
    if not (math.isfinite(point.x) and math.isfinite(point.y)):
        return properties, ("bad_geometry", _snippet(geometry))
    properties.setdefault("lat", repr(point.y))
    properties.setdefault("lon", repr(point.x))
    return properties, None


def _records_table(
    path: Path,
    records: list[dict],
    file_format: str,
    digest: str,
    limits: Limits,
    issues: list[tuple[str, str] | None] | None = None,
) -> RawTable:
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
        if len(keys) > limits.max_columns:
            check_columns(path, len(keys), limits)
    deadline = Deadline(path, limits)
    columns = []
    for key in keys:
        deadline.check()
        columns.append([_json_text(path, r.get(key), limits) for r in records])
    return text_table(path, unique_names(list(keys)), columns, file_format, digest, limits, issues)


def _json_text(path: Path, value: object, limits: Limits) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        if _depth(value) > limits.max_depth:
            raise FileLimitError("io.too_deep", file=path, limit=limits.max_depth)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _depth(value: object) -> int:
    """How deeply lists and objects nest in ``value``, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest


def _snippet(value: object) -> str:
    """The offending value as JSON (a string keeps its quotes), cut to a readable length."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        text = type(value).__name__
    return text[:SNIPPET]
