"""Source mappings: which column is which canonical field, and how to read it.

The format is documented in docs/mapping.md (the mapping reference). A mapping is validated
when loaded, so a misspelt key, layout or policy is a one-line error before any row is read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sereno.errors import MappingError
from sereno.ingest.kinds import record_kind

FIELDS = (
    "source_record_id", "incident_id", "date", "year", "month", "day", "date_precision",
    "time", "unit_code", "unit_name", "lat", "lon", "offence", "sex", "age", "weapon",
    "place", "name", "count",
)  # fmt: skip
VOCABULARY_FIELDS = ("sex", "weapon", "place")
LAYOUTS = ("rows", "counts", "wide_months")
COUNTS = ("victims", "incidents")
KINDS = ("police", "forensic", "hospital", "press", "ngo", "survey", "registry", "other")
DECODERS = ("inegi_age",)
KEYS = {
    "source",
    "layout",
    "counts",
    "encoding",
    "delimiter",
    "sheet",
    "date_format",
    "decimal",
    "thousands",
    "unit_level",
    "missing",
    "fields",
    "offences",
    "builtin_offences",
    "values",
    "months",
    "scope",
    "offence_prefix",
    "optional",
    "counted_as",
    "on_invalid",
}
ON_INVALID = ("quarantine", "empty")
# Fields whose bad value may be dropped (stored empty and flagged) instead of quarantining the
# row: describing fields, never what the row is (offence, date, count) or who says it (ids).
EMPTIABLE = ("age", "sex", "weapon", "place", "time", "unit_code", "unit_name", "lat", "lon")
DEFAULT_DATE_FORMATS = [
    "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%y",
]  # fmt: skip
DEFAULT_MISSING = [
    "", "NA", "N/A", "N/D", "ND", "S/D", "SD", "NE", "-", "--", "SIN DATO", "SIN DATOS",
    "NULL", "null", "None", "nan",
]  # fmt: skip


@dataclass(frozen=True)
class FieldSpec:
    """How one canonical field is read: from columns, padded or joined, decoded, or constant."""

    columns: tuple[str, ...] = ()
    pad: tuple[int, ...] = ()
    join: str = ""
    decode: str | None = None
    value: str | None = None
    unspecified: tuple[str, ...] = ()  # codes meaning "not specified": the code stops before
    on_invalid: str = "quarantine"  # or "empty": a bad value is dropped, the row stored, flagged


@dataclass(frozen=True)
class Mapping:
    """A validated source mapping."""

    name: str
    layout: str
    counts: str
    fields: dict[str, FieldSpec]
    source: dict[str, str] = field(default_factory=dict)
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str | None = None
    date_formats: tuple[str, ...] = tuple(DEFAULT_DATE_FORMATS)
    decimal: str = "."
    thousands: str = ","
    unit_level: str | None = None
    missing: tuple[str, ...] = tuple(DEFAULT_MISSING)
    offences: dict[str, str] = field(default_factory=dict)
    builtin_offences: bool = True
    offence_prefix: int | None = None
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    months: dict[str, int] = field(default_factory=dict)
    scope: dict[str, Any] | None = None
    optional: tuple[str, ...] = ()
    counted_as: dict[str, str] = field(default_factory=dict)  # {es, en}: what one count is
    text: str = ""

    def on_invalid(self, field_name: str) -> str:
        spec = self.fields.get(field_name)
        return spec.on_invalid if spec is not None else "quarantine"

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]


def builtin_names() -> list[str]:
    folder = resources.files(__package__).joinpath("mappings")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_mapping(ref: str | Path) -> Mapping:
    """A mapping from a YAML file, or a built-in one by name."""
    text, name = _mapping_text(ref)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(mapping=name, detail=str(exc).splitlines()[0]) from None
    return parse_mapping(document, name, text)


def _mapping_text(ref: str | Path) -> tuple[str, str]:
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise MappingError("error.file_missing", file=path)
        return path.read_text(encoding="utf-8"), path.name
    if str(ref) not in builtin_names():
        raise MappingError(
            mapping=ref, detail=f"not a file nor a built-in mapping ({', '.join(builtin_names())})"
        )
    folder = resources.files(__package__).joinpath("mappings")
    return folder.joinpath(f"{ref}.yaml").read_text(encoding="utf-8"), str(ref)


def parse_mapping(document: Any, name: str, text: str = "") -> Mapping:
    def fail(detail: str) -> MappingError:
        return MappingError(mapping=name, detail=detail)

    if not isinstance(document, dict):
        raise fail("the file must be a YAML mapping of keys / debe ser un mapeo YAML")
    kind = record_kind(document.get("layout"))
    if kind is not None:
        return kind.parse(document, name, text)
    unknown = set(document) - KEYS
    if unknown:
        raise fail(f"unknown keys / claves desconocidas: {sorted(unknown)}")
    layout = document.get("layout", "rows")
    counts = document.get("counts", "victims")
    if layout not in LAYOUTS:
        raise fail(f"layout '{layout}' ∉ {LAYOUTS}")
    if counts not in COUNTS:
        raise fail(f"counts '{counts}' ∉ {COUNTS}")
    raw_fields = document.get("fields") or {}
    if not isinstance(raw_fields, dict):
        raise fail("fields: must map canonical fields to columns")
    bad = set(raw_fields) - set(FIELDS)
    if bad:
        raise fail(f"unknown fields / campos desconocidos: {sorted(bad)}; valid: {FIELDS}")
    fields = {k: _field_spec(k, v, fail) for k, v in raw_fields.items() if v is not None}
    if "offence" not in fields:
        raise fail("fields: offence is required / el campo offence es obligatorio")
    if "date" not in fields and "year" not in fields:
        raise fail("fields: date, or year (+ month), is required")
    if layout in ("counts",) and "count" not in fields:
        raise fail("layout counts needs fields: count")
    months = {str(k): int(v) for k, v in (document.get("months") or {}).items()}
    if layout == "wide_months" and sorted(months.values()) != list(range(1, 13)):
        raise fail("layout wide_months needs months: {column: 1..12} for the twelve months")
    values = {
        f: {str(k): str(v) for k, v in (m or {}).items()}
        for f, m in (document.get("values") or {}).items()
    }
    if set(values) - set(VOCABULARY_FIELDS):
        raise fail(f"values: only for {VOCABULARY_FIELDS}")
    scope = document.get("scope")
    if scope is not None and not (
        isinstance(scope, dict)
        and "column" in scope
        and ("in" in scope or "prefix_between" in scope)
    ):
        raise fail("scope: needs column and either in: [...] or prefix_between: [low, high]")
    formats = document.get("date_format") or DEFAULT_DATE_FORMATS
    source = {str(k): str(v) for k, v in (document.get("source") or {}).items()}
    if source.get("kind", "other") not in KINDS:
        raise fail(f"source kind '{source['kind']}' ∉ {KINDS}")
    missing = document.get("missing")
    counted_as = document.get("counted_as") or {}
    if not (isinstance(counted_as, dict) and set(counted_as) <= {"es", "en"}):
        raise fail("counted_as: {es: ..., en: ...}, what one counted row or count is")
    if counted_as and set(counted_as) != {"es", "en"}:
        raise fail("counted_as: needs both es and en / necesita es y en")
    _apply_on_invalid(document.get("on_invalid"), fields, fail)
    return Mapping(
        name=name,
        layout=layout,
        counts=counts,
        fields=fields,
        source=source,
        encoding=str(document.get("encoding", "auto")),
        delimiter=str(document.get("delimiter", "auto")),
        sheet=document.get("sheet"),
        date_formats=tuple([formats] if isinstance(formats, str) else formats),
        decimal=str(document.get("decimal", ".")),
        thousands=str(document.get("thousands", ",")),
        unit_level=document.get("unit_level"),
        missing=tuple(str(m) for m in missing) if missing is not None else tuple(DEFAULT_MISSING),
        offences={str(k): str(v) for k, v in (document.get("offences") or {}).items()},
        builtin_offences=bool(document.get("builtin_offences", True)),
        offence_prefix=document.get("offence_prefix"),
        values=values,
        months=months,
        scope=scope,
        optional=tuple(document.get("optional") or ()),
        counted_as={str(k): str(v) for k, v in counted_as.items()},
        text=text or yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
    )


def _apply_on_invalid(policy: Any, fields: dict[str, FieldSpec], fail) -> None:
    """``on_invalid: {age: empty, ...}`` (or a field spec's own ``on_invalid``) on fields."""
    if policy is None:
        return
    if not isinstance(policy, dict):
        raise fail("on_invalid: maps fields to quarantine | empty")
    for name, value in policy.items():
        if value not in ON_INVALID:
            raise fail(f"on_invalid: {name}: '{value}' ∉ {ON_INVALID}")
        if name not in EMPTIABLE:
            raise fail(f"on_invalid: {name}: only for {EMPTIABLE}")
        if name in fields:
            fields[name] = replace(fields[name], on_invalid=str(value))


def _field_spec(name: str, spec: Any, fail) -> FieldSpec:
    if isinstance(spec, dict) and "on_invalid" in spec:
        policy = spec["on_invalid"]
        if policy not in ON_INVALID or name not in EMPTIABLE:
            raise fail(f"field {name}: on_invalid '{policy}' ∉ {ON_INVALID} or not for {name}")
        rest = {k: v for k, v in spec.items() if k != "on_invalid"}
        inner = rest.get("column", rest) if set(rest) == {"column"} else rest
        return replace(_field_spec(name, inner, fail), on_invalid=str(policy))
    if isinstance(spec, str | int):
        return FieldSpec(columns=(str(spec),))
    if isinstance(spec, list):
        return FieldSpec(columns=tuple(str(c) for c in spec), join=" / ")
    if not isinstance(spec, dict):
        raise fail(f"field {name}: a column name, a list of columns or a spec")
    if "value" in spec:
        return FieldSpec(value=str(spec["value"]))
    columns = spec.get("columns") or ([spec["column"]] if "column" in spec else None)
    if not columns:
        raise fail(f"field {name}: needs column, columns or value")
    pad = tuple(int(p) for p in spec.get("pad", ()))
    if pad and len(pad) != len(columns):
        raise fail(f"field {name}: pad needs one width per column")
    decode = spec.get("decode")
    if decode is not None and decode not in DECODERS:
        raise fail(f"field {name}: decoder '{decode}' ∉ {DECODERS}")
    return FieldSpec(
        columns=tuple(str(c) for c in columns),
        pad=pad,
        join=str(spec.get("join", "" if pad else " / ")),
        decode=decode,
        unspecified=tuple(str(u) for u in spec.get("unspecified", ())),
    )
