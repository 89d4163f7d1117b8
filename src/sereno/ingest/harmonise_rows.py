"""One file's rows, harmonised and checked, in two vectorised SQL passes.

Pass 1 parses every canonical field from the raw text (dates, numbers, codes, labels).
Between the passes, points are located in unit polygons with a spatial index (shapely).
Pass 2 joins the offence and vocabulary maps and the units, resolves each row's unit, and
gives each row either no reason (it will be stored) or the first reason it cannot be: a code,
the field, the source column, the value and what was expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from sereno.errors import MappingError
from sereno.geo.locate import units_of_points
from sereno.geo.units import unit_polygons
from sereno.harmonise.iccs import offence_lookup
from sereno.harmonise.keys import text_key
from sereno.harmonise.vocabularies import vocabulary_lookup
from sereno.ingest.checks import AGE, quarantine_checks
from sereno.ingest.expressions import (
    FieldReader,
    decimal_number,
    ident,
    literal,
    whole_number,
)  # fmt: skip
from sereno.ingest.mapping import VOCABULARY_FIELDS, Mapping
from sereno.io import ISSUE, ISSUE_VALUE, ROW, RawTable
from sereno.store import Observatory
from sereno.store.dialect import Dialect

EXTRA_CELLS = "__extra_cells"
# The harmonised columns of a row, in order (the month counts of wide files follow).
HARMONISED = (
    "row_number", "raw_json", "raw_hash", "source_record_id", "incident_key", "out_of_scope",
    "date", "date_precision", "year", "month", "time", "unit_code", "lat", "lon",
    "location_precision", "location_method", "offence_label", "iccs_code", "sex", "age",
    "weapon", "place", "name", "n", "flags",
)  # fmt: skip


def harmonise_rows(
    observatory: Observatory, raw: RawTable, mapping: Mapping, source: str, file_name: str
) -> Split:
    """Every raw row with its harmonised fields, its hash, and its quarantine reason (or NULL),
    in the temporary table ``harmonised_rows``; the rows stay in the engine, only the
    quarantined ones and the counts come back."""
    engine = observatory.engine
    reader = FieldReader(mapping, raw, file_name, engine.dialect)
    parsed_sql = _parse_sql(reader, source)
    with engine.registered("raw_rows", raw.table):
        engine.execute(f"CREATE OR REPLACE TEMP TABLE parsed_rows AS {parsed_sql}")
    level = _unit_level(observatory, mapping)
    try:
        offences = offence_lookup(mapping.offences, mapping.builtin_offences)
        vocabulary = vocabulary_lookup(mapping.values)
    except ValueError as exc:
        raise MappingError(mapping=mapping.name, detail=str(exc)) from None
    with (
        engine.registered("point_units", _locate_points(observatory, level)),
        engine.registered("offence_labels", offences),
        engine.registered("vocabulary_labels", vocabulary),
    ):
        resolve = _resolve_sql(reader, observatory, level)
        engine.execute(f"CREATE OR REPLACE TEMP TABLE harmonised_rows AS {resolve}")
        if _empty_failing_fields(observatory, mapping):
            engine.execute(f"CREATE OR REPLACE TEMP TABLE harmonised_rows AS {resolve}")
    engine.execute("DROP TABLE parsed_rows")
    return _split(observatory, soft_fields(mapping))


def _empty_failing_fields(observatory: Observatory, mapping: Mapping) -> bool:
    """Clear, in ``parsed_rows``, the fields the mapping empties (``on_invalid: empty``)
    where a check of theirs fails, each flagged with that check; whether any was."""
    engine = observatory.engine
    emptied = False
    for f in soft_fields(mapping):
        flag = f"soft_{_column(f)}"
        if not engine.scalar(f"SELECT count(*) FROM harmonised_rows WHERE {flag} IS NOT NULL"):
            continue
        emptied = True
        cleared = ", ".join(f"{c} = NULL" for c in EMPTIED_COLUMNS[f])
        engine.execute(
            f"UPDATE parsed_rows SET {cleared}, flags = concat_ws(',', parsed_rows.flags, "
            f"h.{flag}) FROM harmonised_rows h WHERE h.row_number = parsed_rows.row_number "
            f"AND h.{flag} IS NOT NULL"
        )
    return emptied


def _unit_level(observatory: Observatory, mapping: Mapping) -> str | None:
    if mapping.unit_level in observatory.config.levels:
        return mapping.unit_level
    return observatory.config.smallest_level


def _parse_sql(reader: FieldReader, source: str) -> str:
    m, d = reader.mapping, reader.dialect
    text = {f: reader.text(f) for f in m.fields}
    for f in (
        "date",
        "year",
        "month",
        "day",
        "date_precision",
        "count",
        "lat",
        "lon",
        "age",
        "time",
        "unit_code",
        "unit_name",
        "offence",
        "source_record_id",
        "incident_id",
        "name",
        *VOCABULARY_FIELDS,
    ):
        text.setdefault(f, "NULL::VARCHAR")
    raw_columns = reader.raw.columns
    raw_json = d.json_object([(c, ident(c)) for c in raw_columns])
    if reader.raw.extra_columns:
        # Cells beyond the header are kept verbatim too, only on the rows that have them, so
        # that every other row hashes the same as in a corrected file.
        extras = ", ".join(ident(c) for c in reader.raw.extra_columns)
        with_extras = d.json_add_list(
            raw_json, EXTRA_CELLS, [ident(c) for c in reader.raw.extra_columns]
        )
        raw_json = f"CASE WHEN coalesce({extras}) IS NULL THEN {raw_json} ELSE {with_extras} END"
    if reader.raw.has_issues:
        # The reader's reason for a row (a GeoJSON feature that is not one) stays in its
        # payload: only a corrected file, not a new mapping, can store such a row.
        raw_json = (
            f"CASE WHEN {ident(ISSUE)} IS NULL THEN {raw_json} ELSE "
            f"{d.json_add(raw_json, ISSUE, ident(ISSUE_VALUE))} END"
        )
    age = f"replace({text['age']}, ',', '.')"
    select = [
        f"{ROW} AS row_number",
        "__raw_json AS raw_json",
        f"md5({literal(source)} || __raw_json) AS raw_hash",
        *(f"{expr} AS {f}_text" for f, expr in text.items() if f != "offence"),
        "__offence AS offence_text",
        f"{d.try_strptime(text['date'], m.date_formats)}::DATE AS date_value",
        f"{d.try_cast(text['year'], 'INTEGER')} AS year_value",
        f"{d.try_cast(text['month'], 'INTEGER')} AS month_value",
        f"{d.try_cast(text['day'], 'INTEGER')} AS day_value",
        f"{d.try_cast(text['date_precision'], 'INTEGER')} AS precision_value",
        f"{whole_number(text['count'], m.thousands, d)} AS count_value",
        f"{decimal_number(text['lat'], m.decimal, d)} AS lat",
        f"{decimal_number(text['lon'], m.decimal, d)} AS lon",
        f"{d.try_cast(age, 'DOUBLE')} AS age_value",
        f"{_scope(reader)} AS out_of_scope",
        f"{_extra(reader)} AS extra_cell",
        f"{_issue(reader, ISSUE)} AS issue_code",
        f"{_issue(reader, ISSUE_VALUE)} AS issue_value",
        "NULL::VARCHAR AS flags",
    ]
    for column, month in m.months.items():
        cell = reader.cell(reader.column(column, "months"))
        select += [
            f"{cell} AS month_{month}_text",
            f"{whole_number(cell, m.thousands, d)} AS month_{month}_count",
        ]
    return (
        f"SELECT {', '.join(select)} FROM (SELECT *, {raw_json} AS __raw_json, "
        f"{text['offence']} AS __offence FROM raw_rows) AS r"
    )


def _scope(reader: FieldReader) -> str:
    scope = reader.mapping.scope
    if not scope:
        return "FALSE"
    cell = f"upper({reader.cell(reader.column(str(scope['column']), 'scope'))})"
    if "in" in scope:
        inside = f"{cell} IN ({', '.join(literal(str(v).upper()) for v in scope['in'])})"
    else:
        low, high = (str(v).upper() for v in scope["prefix_between"])
        inside = f"left({cell}, {len(low)}) BETWEEN {literal(low)} AND {literal(high)}"
    return f"coalesce(NOT ({inside}), FALSE)"


def _extra(reader: FieldReader) -> str:
    extras = reader.raw.extra_columns
    return f"coalesce({', '.join(ident(c) for c in extras)})" if extras else "NULL::VARCHAR"


def _issue(reader: FieldReader, column: str) -> str:
    return ident(column) if reader.raw.has_issues else "NULL::VARCHAR"


def _locate_points(observatory: Observatory, level: str | None) -> pa.Table:
    """row_number, point_unit: the unit whose polygon holds each row's coordinates."""
    points = observatory.engine.arrow(
        "SELECT row_number, lat, lon FROM parsed_rows WHERE abs(lat) <= 90 AND abs(lon) <= 180"
    )
    units = unit_polygons(observatory, level) if level and points.num_rows else None
    if units is None or units.empty:
        return pa.table(
            {"row_number": pa.array([], pa.int64()), "point_unit": pa.array([], pa.string())}
        )
    lat = points.column("lat").to_numpy(zero_copy_only=False).astype(float)
    lon = points.column("lon").to_numpy(zero_copy_only=False).astype(float)
    index = units_of_points(lon, lat, units.geometry.to_numpy())
    codes = np.asarray(units.unit_code, dtype=object)
    found = pa.array(np.where(index >= 0, codes[np.maximum(index, 0)], None), pa.string())
    return pa.table({"row_number": points.column("row_number"), "point_unit": found})


def _resolve_sql(reader: FieldReader, observatory: Observatory, level: str | None) -> str:
    m = reader.mapping
    engine = observatory.engine
    d = engine.dialect
    have_units = bool(engine.scalar("SELECT count(*) FROM units"))
    smallest = observatory.config.smallest_level
    name_level = f"WHERE level = {literal(level)}" if level else ""
    key = text_key("d.t", d)
    if m.offence_prefix:
        key = f"left({key}, {int(m.offence_prefix)})"
    # Labels are matched once per distinct value, not once per row: files repeat a handful
    # of offence, sex, weapon, place and unit-name values over and over.
    joins = [
        _distinct_lookup(
            "offence_text",
            key,
            f"SELECT {text_key('label', d)} AS k, "
            f"{d.arg_min('iccs_code', 'priority')} AS v FROM offence_labels GROUP BY 1",
            "o",
        ),
        "LEFT JOIN units uc ON uc.unit_code = p.unit_code_text",
        _distinct_lookup(
            "unit_name_text",
            text_key("d.t", d),
            f"SELECT name_key AS k, count(*) AS n, min(unit_code) AS v FROM units "
            f"{name_level} GROUP BY 1",
            "un",
            extra=", l.n",
        ),
        "LEFT JOIN units up ON up.unit_code = p.point_unit",
    ]
    for f in VOCABULARY_FIELDS:
        joins.append(
            _distinct_lookup(
                f"{f}_text",
                text_key("d.t", d),
                f"SELECT {text_key('label', d)} AS k, {d.arg_min('value', 'priority')} AS v "
                f"FROM vocabulary_labels WHERE field = {literal(f)} GROUP BY 1",
                f"v_{f}",
            )
        )
    unit_code = (
        "CASE WHEN p.unit_code_text IS NOT NULL THEN coalesce(uc.unit_code, "
        f"{'NULL' if have_units else 'p.unit_code_text'}) "
        "WHEN p.unit_name_text IS NOT NULL THEN CASE WHEN un.n = 1 THEN un.v END "
        "ELSE p.point_unit END"
    )
    unit_level = (
        "coalesce(CASE WHEN p.unit_code_text IS NOT NULL THEN uc.level "
        "WHEN p.unit_name_text IS NOT NULL THEN "
        f"{literal(level)} ELSE up.level END, {literal(smallest)})"
    )
    method = (
        "CASE WHEN p.unit_code_text IS NOT NULL THEN 'code' WHEN p.unit_name_text IS NOT "
        "NULL THEN 'name' WHEN p.lat IS NOT NULL THEN 'point' ELSE 'none' END"
    )
    precision = (
        f"CASE WHEN {method} = 'point' THEN 1 WHEN {unit_level} = {literal(smallest)} "
        "OR {smallest} IS NULL THEN 2 ELSE 3 END"
    ).replace("{smallest}", literal(smallest))
    date = _date_sql(m, d)
    checks = quarantine_checks(reader, have_units, m)
    soft = soft_fields(m)
    # Every condition is evaluated once per row (_c1, _c2, ...); the first that holds of a
    # field the mapping does not empty is the row's reason, and all that hold are listed
    # (``reasons``), so that one round of fixes meets every problem of the row.
    conditions = ", ".join(
        f"coalesce(({c.condition}), FALSE) AS _c{i}, {c.value} AS _v{i}"
        for i, c in enumerate(checks, start=1)
    )
    hard = [i for i, c in enumerate(checks, start=1) if _field_of(c) not in soft]
    index = "CASE " + " ".join(f"WHEN _c{i} THEN {i}" for i in hard) + " END" if hard else "NULL"

    def described(i: int, c) -> str:
        value = f"CAST(_v{i} AS VARCHAR)"
        pairs = [("code", c.code), ("field", c.field), ("column", c.column)]
        return d.json_object([*pairs, ("value", value), ("expected", c.expected)])

    every = ", ".join(
        f"CASE WHEN _c{i} THEN {described(i, c)} END" for i, c in enumerate(checks, start=1)
    )
    reasons = f"CASE WHEN reason_index IS NOT NULL THEN '[' || concat_ws(',', {every}) || ']' END"
    # Per emptied field: the first of its checks that holds, as the row's flag.
    flags = {}
    for f in soft:
        whens = [f"WHEN _c{i} THEN {described(i, c)}"
                 for i, c in enumerate(checks, start=1) if _field_of(c) == f]  # fmt: skip
        flags[f] = f"CASE {' '.join(whens)} END" if whens else "NULL::VARCHAR"
    flag_columns = "".join(f", {expr} AS soft_{_column(f)}" for f, expr in flags.items())
    value = (
        "CASE reason_index "
        + " ".join(f"WHEN {i} THEN _v{i}" for i in range(1, len(checks) + 1))
        + " END"
    )
    per_check = {
        k: "[" + ", ".join(getattr(c, k) for c in checks) + "][reason_index]"
        for k in ("code", "field", "column", "expected")
    }
    month_columns = "".join(f", p.month_{i}_count" for i in sorted(m.months.values()))
    kept = ", ".join([*HARMONISED, *(f"month_{i}_count" for i in sorted(m.months.values()))])
    return f"""
    SELECT {kept}, {per_check["code"]}::VARCHAR AS reason_code,
           {per_check["field"]}::VARCHAR AS reason_field,
           {per_check["column"]}::VARCHAR AS reason_column,
           ({value})::VARCHAR AS reason_value,
           {per_check["expected"]}::VARCHAR AS reason_expected,
           {reasons} AS reasons{"".join(f", soft_{_column(f)}" for f in soft)}
    FROM (
    SELECT *, {index} AS reason_index{flag_columns} FROM (
    SELECT p.row_number, p.raw_json, p.raw_hash, p.source_record_id_text AS source_record_id,
           p.incident_id_text AS incident_key, p.out_of_scope,
           {date[0]} AS date, {date[1]} AS date_precision, {date[2]} AS year, {date[3]} AS month,
           {_time_sql(d)} AS time, {unit_code} AS unit_code, p.lat, p.lon,
           {precision} AS location_precision, {method} AS location_method,
           p.offence_text AS offence_label, o.v AS iccs_code, v_sex.v AS sex,
           {AGE} AS age, v_weapon.v AS weapon,
           v_place.v AS place, p.name_text AS name, p.count_value AS n, p.flags {month_columns},
           {conditions}
    FROM (SELECT parsed_rows.*, pu.point_unit FROM parsed_rows
          LEFT JOIN point_units pu USING (row_number)) p
    LEFT JOIN (SELECT source_record_id_text AS id, count(DISTINCT raw_hash) AS id_versions
               FROM parsed_rows WHERE source_record_id_text IS NOT NULL GROUP BY 1
               HAVING count(DISTINCT raw_hash) > 1) ids ON ids.id = p.source_record_id_text
    {" ".join(joins)}
    ) AS c
    ) AS h
    """


def soft_fields(m: Mapping) -> list[str]:
    """The quarantine checks' field names (``lat/lon`` for a point) that the mapping empties
    instead of quarantining the row (``on_invalid: empty``)."""
    fields = [f for f in ("age", "sex", "weapon", "place", "time", "unit_code", "unit_name")
              if m.on_invalid(f) == "empty"]  # fmt: skip
    if "empty" in (m.on_invalid("lat"), m.on_invalid("lon")):
        fields.append("lat/lon")
    return fields


# The parsed columns an emptied field clears, so that the row is resolved again without it.
EMPTIED_COLUMNS = {
    "age": ("age_text", "age_value"),
    "time": ("time_text",),
    "unit_code": ("unit_code_text",),
    "unit_name": ("unit_name_text",),
    "lat/lon": ("lat_text", "lon_text", "lat", "lon"),
    **{f: (f"{f}_text",) for f in VOCABULARY_FIELDS},
}


# The checks of a value that can be dropped; a missing location or offence never is.
SOFT_CODES = {"bad_age", "bad_time", "unknown_value", "bad_coordinates", "unknown_unit_code",
              "ambiguous_unit_name", "unknown_unit_name", "outside_units"}  # fmt: skip


def _field_of(check) -> str | None:
    """The field a check's failure can be emptied of, or None."""
    return check.field.strip("'") if check.code.strip("'") in SOFT_CODES else None


def _column(field: str) -> str:
    return field.replace("/", "_")


def _distinct_lookup(column: str, key: str, table: str, alias: str, extra: str = "") -> str:
    """LEFT JOIN ``alias`` (columns ``v`` and ``extra``) matching each distinct ``column``."""
    return (
        f"LEFT JOIN (SELECT d.t, l.v{extra} FROM (SELECT DISTINCT {column} AS t "
        f"FROM parsed_rows) d JOIN ({table}) l ON l.k = {key}) {alias} "
        f"ON {alias}.t = p.{column}"
    )


def _date_sql(m: Mapping, d: Dialect) -> tuple[str, str, str, str]:
    """date, precision (1 day .. 4 year), year, month from a date or year/month/day."""
    valid_day = "p.day_value BETWEEN 1 AND 31"
    valid_month = "p.month_value BETWEEN 1 AND 12"
    if "date" in m.fields:
        date = "p.date_value"
        precision = "coalesce(p.precision_value, 1)"
        return date, precision, "year(p.date_value)", "month(p.date_value)"
    date = (
        f"CASE WHEN {valid_month} AND {valid_day} THEN "
        f"{d.try_make_date('p.year_value', 'p.month_value', 'p.day_value')} END"
    )
    month = "CASE WHEN p.month_value BETWEEN 1 AND 12 THEN p.month_value END"
    precision = (
        f"coalesce(p.precision_value, CASE WHEN {date} IS NOT NULL THEN 1 "
        f"WHEN {valid_month} OR {bool(m.months)} THEN 3 ELSE 4 END)"
    )
    return date, precision, "p.year_value", month


def _time_sql(d: Dialect) -> str:
    clock = "'^(\\d{1,2}):(\\d{2})'"
    hours, minutes = (d.regexp_group("p.time_text", clock, g) for g in (1, 2))
    return (
        f"CASE WHEN p.time_text IS NOT NULL AND {d.try_cast(hours, 'INTEGER')} < 24 "
        f"AND {d.try_cast(minutes, 'INTEGER')} < 60 THEN lpad({hours}, 2, '0') || ':' || "
        f"{minutes} END"
    )


@dataclass(frozen=True)
class Split:
    """The fate of the rows in ``harmonised_rows``: counts, and the quarantined rows."""

    quarantined: pa.Table
    valid: int
    excluded: int
    flagged: dict[str, int] = field(default_factory=dict)  # emptied field -> valid rows


VALID = "NOT coalesce(out_of_scope, FALSE) AND reason_code IS NULL"


def _split(observatory: Observatory, soft: list[str]) -> Split:
    engine = observatory.engine
    valid, excluded = engine.rows(
        f"SELECT count(*) FILTER (WHERE {VALID}), "
        "count(*) FILTER (WHERE coalesce(out_of_scope, FALSE)) FROM harmonised_rows"
    )[0]
    quarantined = engine.arrow(
        "SELECT * FROM harmonised_rows WHERE NOT coalesce(out_of_scope, FALSE) "
        "AND reason_code IS NOT NULL"
    )
    flagged: dict[str, int] = {}
    if soft:
        for (text,) in engine.rows(
            f"SELECT flags FROM harmonised_rows WHERE {VALID} AND flags IS NOT NULL"
        ):
            for f in {r["field"] for r in json.loads(f"[{text}]")}:
                flagged[f] = flagged.get(f, 0) + 1
    return Split(quarantined, valid, excluded, flagged)
