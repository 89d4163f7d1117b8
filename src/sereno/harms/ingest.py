"""Harm records through ingestion: a mapping's parsing, its rows' harmonisation, their table.

Ingestion reads the file, decides duplicates and versions, keeps the verbatim row, writes
the batch and the quarantine (``sereno.ingest``); this module is the record kind's part
(``sereno.ingest.kinds``): which canonical fields a harm mapping may name, the SQL that
reads them (the same parsing pass as ingestion's rows: missing markers, HXL hashtags, dates,
whole numbers, points located in unit polygons), the reasons a row is quarantined, and the
insert of the harmonised fields into the kind's table.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pandas as pd
import pyarrow as pa
import yaml

from sereno.errors import MappingError
from sereno.harmonise.keys import text_key
from sereno.harmonise.vocabularies import vocabulary_lookup
from sereno.harms.kinds import KINDS, VOCABULARIES, HarmKind
from sereno.ingest.checks import AGE, BAD_AGE, DATE_MIN, READER_ISSUES, Check
from sereno.ingest.expressions import FieldReader, literal, whole_number
from sereno.ingest.harmonise_rows import (
    _locate_points,
    _parse_sql,
    _split,
    _unit_level,
)  # fmt: skip
from sereno.ingest.kinds import RecordKind, register_kind
from sereno.ingest.mapping import DEFAULT_DATE_FORMATS, DEFAULT_MISSING, Mapping, _field_spec
from sereno.io import RawTable
from sereno.store import Observatory

KEYS = {
    "source", "layout", "encoding", "delimiter", "sheet", "date_format", "decimal",
    "thousands", "unit_level", "missing", "fields", "values", "optional",
}  # fmt: skip
KIND_SOURCES = ("police", "forensic", "hospital", "press", "ngo", "survey", "registry", "other")
# Fields the parsing pass reads whether a mapping names them or not (as NULL when not).
PARSED = {
    "date", "year", "month", "day", "date_precision", "count", "lat", "lon", "age", "time",
    "unit_code", "unit_name", "offence", "source_record_id", "incident_id", "name", "sex",
    "weapon", "place",
}  # fmt: skip
# Colombia's definition of a mass displacement (Decreto 2569 de 2000, art. 12): ten or more
# households or fifty or more people at once. An observatory sets its own in [harms].
MASS_HOUSEHOLDS = 10
MASS_PEOPLE = 50
# People per household when a source gives households only (DTM multiplies by a country's
# average household size the same way); the observatory sets its own in [harms].
HOUSEHOLD_SIZE = 4.0


def harms_settings(observatory: Observatory) -> dict[str, float]:
    """The observatory's ``[harms]`` settings: mass thresholds and household size."""
    given = observatory.config.document.get("harms", {})
    return {
        "mass_households": float(given.get("mass_households", MASS_HOUSEHOLDS)),
        "mass_people": float(given.get("mass_people", MASS_PEOPLE)),
        "household_size": float(given.get("household_size", HOUSEHOLD_SIZE)),
    }


def parse_harm_mapping(document: dict[str, Any], name: str, text: str = "") -> Mapping:
    """A validated harm mapping (``layout`` a harm kind), as an ingestion ``Mapping``."""
    kind = KINDS[str(document["layout"])]

    def fail(detail: str) -> MappingError:
        return MappingError(mapping=name, detail=detail)

    unknown = set(document) - KEYS
    if unknown:
        raise fail(f"unknown keys / claves desconocidas: {sorted(unknown)}")
    raw_fields = document.get("fields") or {}
    if not isinstance(raw_fields, dict):
        raise fail("fields: must map canonical fields to columns")
    bad = set(raw_fields) - set(kind.names)
    if bad:
        raise fail(f"unknown fields / campos desconocidos: {sorted(bad)}; valid: {kind.names}")
    fields = {k: _field_spec(k, v, fail) for k, v in raw_fields.items() if v is not None}
    if "date" not in fields:
        raise fail("fields: date is required / el campo date es obligatorio")
    place = f"{kind.place}_" if kind.place else ""
    located = {f"{place}unit_code", f"{place}unit_name", "lat"} & set(fields)
    if kind.place_required and not located:
        raise fail(f"fields: {place}unit_code, {place}unit_name or lat/lon is required")
    if kind.name == "displacement" and not {"households", "people"} & set(fields):
        raise fail("fields: households or people is required / hogares o personas")
    if kind.name == "extortion" and "victim_type" not in fields:
        raise fail("fields: victim_type is required / el tipo de víctima es obligatorio")
    values = {
        str(f): {str(k): str(v) for k, v in (m or {}).items()}
        for f, m in (document.get("values") or {}).items()
    }
    for f, labels in values.items():
        if f not in kind.names or kind.field(f).kind not in ("code", "sex"):
            raise fail(f"values: only for coded fields, not {f}")
        if kind.field(f).kind == "code":
            codes = VOCABULARIES[str(kind.field(f).vocabulary)]
            wrong = sorted(set(labels.values()) - set(codes))
            if wrong:
                raise fail(f"values: {f}: {wrong} ∉ {sorted(codes)}")
    source = {str(k): str(v) for k, v in (document.get("source") or {}).items()}
    if source.get("kind", "other") not in KIND_SOURCES:
        raise fail(f"source kind '{source['kind']}' ∉ {KIND_SOURCES}")
    formats = document.get("date_format") or DEFAULT_DATE_FORMATS
    missing = document.get("missing")
    return Mapping(
        name=name,
        layout=kind.name,
        counts=kind.counts,
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
        values=values,
        optional=tuple(document.get("optional") or ()),
        text=text or yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
    )


def _labels(kind: HarmKind, mapping: Mapping) -> pa.Table:
    """field, label, code: the built-in labels, the codes themselves and the mapping's own
    labels (which win) of every coded field."""
    rows = []
    for f in kind.fields:
        if f.kind != "code":
            continue
        for code, labels in VOCABULARIES[str(f.vocabulary)].items():
            rows += [(f.name, label, code, 2) for label in (code, *labels)]
        rows += [(f.name, label, code, 1) for label, code in mapping.values.get(f.name, {}).items()]
    sex = vocabulary_lookup({"sex": mapping.values["sex"]} if "sex" in mapping.values else {})
    sex = sex.to_pandas()
    sex = sex[sex["field"] == "sex"]
    rows += [("sex", r.label, r.value, int(r.priority)) for r in sex.itertuples()]
    frame = pd.DataFrame(rows, columns=["field", "label", "code", "priority"])
    return pa.Table.from_pandas(frame.astype({"priority": "int32"}), preserve_index=False)


def harmonise_harms(
    observatory: Observatory, raw: RawTable, mapping: Mapping, source: str, file_name: str
):
    """Every row of a harm file harmonised, with its quarantine reason or NULL, in the
    temporary table ``harmonised_rows`` (the record kind's ``harmonise``)."""
    kind = KINDS[mapping.layout]
    engine = observatory.engine
    reader = FieldReader(mapping, raw, file_name, engine.dialect)
    with engine.registered("raw_rows", raw.table):
        engine.execute(f"CREATE OR REPLACE TEMP TABLE parsed_rows AS {_parse_sql(reader, source)}")
    level = _unit_level(observatory, mapping)
    with (
        engine.registered("point_units", _locate_points(observatory, level)),
        engine.registered("harm_labels", _labels(kind, mapping)),
    ):
        engine.execute(
            "CREATE OR REPLACE TEMP TABLE harmonised_rows AS "
            + _resolve_sql(kind, reader, observatory, level)
        )
    engine.execute("DROP TABLE parsed_rows")
    split = _split(observatory, [])  # harm files have no fields that may be emptied
    return dataclasses.replace(split, quarantined=_reasons_column(split.quarantined))


def _reasons_column(failed: pa.Table) -> pa.Table:
    """``failed`` with ingestion's ``reasons`` (a JSON list of every failing check; a harm
    row keeps its one reason), so that the dry run and the quarantine group it as theirs."""
    if "reasons" in failed.column_names:
        return failed
    columns = {k: failed.column(f"reason_{k}").to_pylist()
               for k in ("code", "field", "column", "value", "expected")}  # fmt: skip
    reasons = [
        json.dumps([{k: columns[k][i] for k in columns}], default=str)
        if columns["code"][i] is not None else None
        for i in range(failed.num_rows)
    ]  # fmt: skip
    return failed.append_column("reasons", pa.array(reasons, pa.string()))


def _resolve_sql(kind: HarmKind, reader: FieldReader, observatory: Observatory, level) -> str:
    m, d = reader.mapping, reader.dialect
    engine = observatory.engine
    have_units = bool(engine.scalar("SELECT count(*) FROM units"))
    smallest = observatory.config.smallest_level
    formats = list(m.date_formats)
    columns: list[str] = []
    joins: list[str] = []
    checks: list[Check] = []

    def check(condition: str, code: str, field: str, value: str, expected: str = "") -> None:
        checks.append(Check(condition, literal(code), literal(field), literal(reader.label(field)),
                            value, literal(expected)))  # fmt: skip

    for code in READER_ISSUES:
        checks.append(Check(f"p.issue_code = {literal(code)}", literal(code), "NULL", "NULL",
                            "p.issue_value"))  # fmt: skip
    checks.append(Check("p.extra_cell IS NOT NULL", literal("too_many_cells"), "NULL", "NULL",
                        "p.extra_cell"))  # fmt: skip
    joins.append(
        "LEFT JOIN (SELECT source_record_id_text AS id FROM parsed_rows WHERE "
        "source_record_id_text IS NOT NULL GROUP BY 1 HAVING count(DISTINCT raw_hash) > 1) "
        "ids ON ids.id = p.source_record_id_text"
    )
    check("ids.id IS NOT NULL", "conflicting_id", "source_record_id", "p.source_record_id_text")
    check("p.date_text IS NULL", "missing_date", "date", "NULL")
    check("p.date_value IS NULL", "bad_date", "date", "p.date_text", " | ".join(formats))
    check(f"p.date_value < DATE '{DATE_MIN}' OR p.date_value > current_date", "date_range",
          "date", "p.date_text")  # fmt: skip
    columns += [
        "p.source_record_id_text AS h_source_record_id",
        "p.date_value AS h_date",
        "coalesce(p.precision_value, 1) AS h_date_precision",
        "year(p.date_value) AS h_year",
        "month(p.date_value) AS h_month",
        "p.lat AS h_lat",
        "p.lon AS h_lon",
    ]
    for f in kind.fields:
        text = _text(m, f.name)
        if f.kind == "text":
            columns.append(f"{text} AS h_{f.name}")
        elif f.kind == "date" and f.name != "date":
            value = f"{d.try_strptime(text, formats)}::DATE"
            columns.append(f"{value} AS h_{f.name}")
            check(f"{text} IS NOT NULL AND {value} IS NULL", "bad_date", f.name, text,
                  " | ".join(formats))  # fmt: skip
        elif f.kind == "count":
            value = whole_number(text, m.thousands, d)
            columns.append(f"{value} AS h_{f.name}")
            check(f"{text} IS NOT NULL AND {value} IS NULL", "bad_count", f.name, text)
        elif f.kind == "amount":
            value = d.try_cast(_amount_text(text, m.decimal, m.thousands), "DOUBLE")
            columns.append(f"{value} AS h_{f.name}")
            check(f"{text} IS NOT NULL AND NOT coalesce({value} >= 0, FALSE)", "harm_bad_amount",
                  f.name, text)  # fmt: skip
        elif f.kind == "age":
            columns.append(f"{AGE} AS h_age")
            check(BAD_AGE, "bad_age", "age", "p.age_text")
        elif f.kind in ("code", "sex") and text == "NULL::VARCHAR":
            columns.append(f"{literal(f.default) if f.default else 'NULL'}::VARCHAR AS h_{f.name}")
        elif f.kind in ("code", "sex"):
            alias = f"v_{f.name}"
            joins.append(
                f"LEFT JOIN (SELECT d.t, l.v FROM (SELECT DISTINCT {f.name}_text AS t FROM "
                f"parsed_rows) d JOIN (SELECT {text_key('label', d)} AS k, "
                f"{d.arg_min('code', 'priority')} AS v FROM harm_labels WHERE field = "
                f"{literal(f.name)} GROUP BY 1) l ON l.k = {text_key('d.t', d)}) {alias} "
                f"ON {alias}.t = {text}"
            )
            default = literal(f.default) if f.default else "NULL"
            columns.append(f"CASE WHEN {text} IS NULL THEN {default} ELSE {alias}.v END "
                           f"AS h_{f.name}")  # fmt: skip
            check(f"{text} IS NOT NULL AND {alias}.v IS NULL", "unknown_value", f.name, text)
            if f.default is None and f.kind == "code":
                check(f"{text} IS NULL", "harm_missing_value", f.name, "NULL")
    coordinates = "concat_ws(', ', p.lat_text, p.lon_text)"
    has_point = "(p.lat_text IS NOT NULL OR p.lon_text IS NOT NULL)"
    bad_point = (
        "(p.lat IS NULL OR p.lon IS NULL OR abs(p.lat) > 90 OR abs(p.lon) > 180 "
        "OR (p.lat = 0 AND p.lon = 0))"
    )
    point_field, point_column = literal("lat/lon"), literal(f"{reader.label('lat')}, "
                                                             f"{reader.label('lon')}")  # fmt: skip
    checks.append(Check(f"{has_point} AND {bad_point}", literal("bad_coordinates"), point_field,
                        point_column, coordinates))  # fmt: skip
    prefixes = ["origin", "destination"] if kind.name == "displacement" else [""]
    name_level = f"WHERE level = {literal(level)}" if level else ""
    for prefix in prefixes:
        sep = f"{prefix}_" if prefix else ""
        code_text, name_text = _text(m, f"{sep}unit_code"), _text(m, f"{sep}unit_name")
        uc, un = f"uc_{prefix or 'place'}", f"un_{prefix or 'place'}"
        joins.append(f"LEFT JOIN units {uc} ON {uc}.unit_code = {code_text}")
        joins.append(
            f"LEFT JOIN (SELECT d.t, l.v, l.n FROM (SELECT DISTINCT {name_text} AS t "
            f"FROM parsed_rows p) d JOIN (SELECT name_key AS k, count(*) AS n, min(unit_code) AS v "
            f"FROM units {name_level} GROUP BY 1) l ON l.k = {text_key('d.t', d)}) {un} "
            f"ON {un}.t = {name_text}"
        )
        placed = prefix == kind.place
        fallback = "p.point_unit" if placed else "NULL"
        unit = (
            f"CASE WHEN {code_text} IS NOT NULL THEN "
            f"{f'{uc}.unit_code' if have_units else code_text} "
            f"WHEN {name_text} IS NOT NULL THEN CASE WHEN {un}.n = 1 THEN {un}.v END "
            f"ELSE {fallback} END"
        )
        columns.append(f"{unit} AS h_{sep}unit")
        if placed:
            unit_level = (
                f"CASE WHEN {code_text} IS NOT NULL THEN {uc}.level ELSE {literal(level)} END"
            )
            columns.append(
                f"CASE WHEN {code_text} IS NULL AND {name_text} IS NULL THEN 1 "
                f"WHEN {unit_level} = {literal(smallest)} OR {literal(smallest)} IS NULL "
                "THEN 2 ELSE 3 END AS h_place_precision"
            )
            nowhere = f"{code_text} IS NULL AND {name_text} IS NULL AND NOT {has_point}"
            if kind.place_required:
                check(nowhere, "no_location", f"{sep}unit_code", "NULL")
            else:
                named = f"{_text(m, 'state')} IS NULL AND {_text(m, 'municipality')} IS NULL"
                check(f"{nowhere} AND {named}",
                      "no_location", f"{sep}unit_code", "NULL")  # fmt: skip
        if have_units:
            check(f"{code_text} IS NOT NULL AND {uc}.unit_code IS NULL", "unknown_unit_code",
                  f"{sep}unit_code", code_text)  # fmt: skip
            check(f"{code_text} IS NULL AND {name_text} IS NOT NULL AND {un}.n > 1",
                  "ambiguous_unit_name", f"{sep}unit_name", name_text)  # fmt: skip
            check(f"{code_text} IS NULL AND {name_text} IS NOT NULL AND {un}.n IS NULL",
                  "unknown_unit_name", f"{sep}unit_name", name_text)  # fmt: skip
            if placed:
                checks.append(Check(
                    f"{code_text} IS NULL AND {name_text} IS NULL AND {has_point} "
                    "AND p.point_unit IS NULL", literal("outside_units"), point_field,
                    point_column, coordinates))  # fmt: skip
        else:
            check(f"{code_text} IS NULL AND {name_text} IS NOT NULL", "no_units_for_name",
                  f"{sep}unit_name", name_text)  # fmt: skip
    if kind.name == "displacement":
        nobody = f"{_text(m, 'households')} IS NULL AND {_text(m, 'people')} IS NULL"
        check(nobody, "harm_no_people", "people", "NULL")
    return _with_reasons(columns, joins, checks)


def _text(m: Mapping, field: str) -> str:
    """A field's parsed text: the parsing pass reads every mapped field and ingestion's own."""
    return f"p.{field}_text" if field in m.fields or field in PARSED else "NULL::VARCHAR"


def _amount_text(text: str, decimal: str, thousands: str) -> str:
    """An amount's text with its thousands separators and currency signs removed."""
    cleaned = f"regexp_replace({text}, '[\\s$€]', '', 'g')"
    if thousands:
        cleaned = f"replace({cleaned}, {literal(thousands)}, '')"
    return f"replace({cleaned}, ',', '.')" if decimal == "," else cleaned


def _with_reasons(columns: list[str], joins: list[str], checks: list[Check]) -> str:
    """The harmonised rows with the first reason (if any) each cannot be stored."""
    index = "CASE " + " ".join(f"WHEN {c.condition} THEN {i}" for i, c in enumerate(checks, 1))
    index += " END"

    def pick(attribute: str) -> str:
        whens = " ".join(f"WHEN {i} THEN {getattr(c, attribute)}" for i, c in enumerate(checks, 1))
        return f"(CASE reason_index {whens} END)::VARCHAR"

    values = ", ".join(f"{c.value} AS _v{i}" for i, c in enumerate(checks, 1))
    value = " ".join(f"WHEN {i} THEN _v{i}" for i in range(1, len(checks) + 1))
    kept = ", ".join(c.rsplit(" AS ", 1)[1] for c in columns)
    return f"""
    SELECT row_number, raw_json, raw_hash, source_record_id, out_of_scope, {kept},
           {pick("code")} AS reason_code, {pick("field")} AS reason_field,
           {pick("column")} AS reason_column,
           (CASE reason_index {value} END)::VARCHAR AS reason_value,
           {pick("expected")} AS reason_expected
    FROM (
        SELECT p.row_number, p.raw_json, p.raw_hash, p.source_record_id_text AS source_record_id,
               p.out_of_scope, {", ".join(columns)}, {index} AS reason_index, {values}
        FROM (SELECT parsed_rows.*, pu.point_unit FROM parsed_rows
              LEFT JOIN point_units pu USING (row_number)) p
        {" ".join(joins)}
    ) AS h
    """


def insert_harms(observatory: Observatory, mapping: Mapping, source: str) -> None:
    """Write the kind's table from ``new_records`` (inside ingestion's transaction)."""
    engine = observatory.engine
    if mapping.layout == "displacement":
        s = harms_settings(observatory)
        people = "coalesce(h_people, CAST(round(h_households * ?) AS INTEGER))"
        engine.execute(
            "INSERT INTO displacement_events SELECT record_id, ?, h_source_record_id, h_date, "
            "h_date_precision, h_year, h_month, h_origin_unit, h_lat, h_lon, h_place_precision, "
            "h_destination_unit, h_destination_municipality, h_destination_country, "
            "h_destination_shelter, CASE WHEN h_destination_shelter IS NOT NULL THEN 'shelter' "
            "WHEN h_destination_unit IS NOT NULL THEN 'unit' WHEN h_destination_country IS NOT "
            "NULL THEN 'country' WHEN h_destination_municipality IS NOT NULL THEN 'municipality' "
            f"ELSE 'unknown' END, h_households, {people}, h_people IS NULL, h_female, h_male, "
            "h_children, h_adults, h_elderly, h_cause, h_group, "
            f"coalesce(h_households >= ?, FALSE) OR {people} >= ?, h_reported_by, "
            "h_confidence, h_returned_date FROM new_records",
            [source, s["household_size"], s["mass_households"], s["household_size"],
             s["mass_people"]],
        )  # fmt: skip
    elif mapping.layout == "disappearance":
        engine.execute(
            "INSERT INTO disappearances SELECT record_id, ?, h_source_record_id, h_name, h_sex, "
            "h_age, h_date, h_date_precision, h_year, h_month, h_unit, h_state, h_municipality, "
            "h_status, h_status_date, h_reported_by, h_migrant = 'yes' FROM new_records",
            [source],
        )
        engine.execute(
            "INSERT INTO disappearance_status SELECT record_id, ?, h_source_record_id, h_status, "
            "coalesce(h_status_date, CASE WHEN h_status = 'missing' THEN h_date END) "
            "FROM new_records",
            [source],
        )
    else:
        engine.execute(
            "INSERT INTO extortion_reports SELECT record_id, ?, h_source_record_id, h_date, "
            "h_date_precision, h_year, h_month, h_unit, h_lat, h_lon, h_victim_type, "
            "h_business_name, h_amount, h_periodicity, h_group, h_paid, h_reported_police, "
            "h_outcome, h_victim_type = 'migrant' FROM new_records",
            [source],
        )


for _name in KINDS:
    register_kind(RecordKind(_name, parse_harm_mapping, harmonise_harms, insert_harms))
