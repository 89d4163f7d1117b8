"""The reasons a row cannot be stored, as SQL conditions over the parsed rows.

Each ``Check`` names a condition and what to tell the person: a reason code (its message is
``quarantine.<code>`` in the i18n catalogue), the canonical field, the source column, the
offending value and what was expected. The first check that holds is the row's reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sereno.ingest.expressions import FieldReader, literal
from sereno.ingest.mapping import VOCABULARY_FIELDS, Mapping

# An age is a number of years from 0 to 120; outside it the row is quarantined ("bad_age"),
# and the harmonised column casts only a valid one, since SQL computes every projected
# column for every row, quarantined or not (a JSON 1e999 is an infinite DOUBLE that no
# SMALLINT holds).
_AGE_VALID = "p.age_value BETWEEN 0 AND 120"
BAD_AGE = f"p.age_text IS NOT NULL AND NOT coalesce({_AGE_VALID}, FALSE)"
AGE = f"CASE WHEN {_AGE_VALID} THEN CAST(round(p.age_value) AS SMALLINT) END"

DATE_MIN = "1900-01-01"
READER_ISSUES = ("bad_feature", "bad_geometry")


@dataclass(frozen=True)
class Check:
    """A reason a row cannot be stored: when ``condition`` holds, quarantine with ``code``."""

    condition: str
    code: str
    field: str
    column: str
    value: str
    expected: str = "NULL"


def quarantine_checks(reader: FieldReader, have_units: bool, m: Mapping) -> list[Check]:
    """The reasons to quarantine a row, in the order they are reported."""

    def check(condition: str, code: str, field: str, value: str, expected: str = "") -> Check:
        return Check(
            condition,
            literal(code),
            literal(field),
            literal(reader.label(field)),
            value,
            literal(expected),
        )

    today = "current_date"
    checks = [
        # Rows the reader could not make sense of: a GeoJSON feature that is not one.
        *(
            Check(f"p.issue_code = {literal(code)}", literal(code), "NULL", "NULL", "p.issue_value")
            for code in READER_ISSUES
        ),
        Check(
            "p.extra_cell IS NOT NULL",
            literal("too_many_cells"),
            "NULL",
            "NULL",
            "p.extra_cell",
            "NULL",
        ),
        check(
            "ids.id_versions IS NOT NULL",
            "conflicting_id",
            "source_record_id",
            "p.source_record_id_text",
        ),
        check("p.offence_text IS NULL", "missing_offence", "offence", "NULL"),
        check("o.v IS NULL", "unknown_offence", "offence", "p.offence_text"),
    ]
    if "date" in m.fields:
        formats = " | ".join(m.date_formats)
        checks += [
            check("p.date_text IS NULL", "missing_date", "date", "NULL"),
            check("p.date_value IS NULL", "bad_date", "date", "p.date_text", formats),
            check(
                f"p.date_value < DATE '{DATE_MIN}' OR p.date_value > {today}",
                "date_range",
                "date",
                "p.date_text",
            ),
        ]
    else:
        checks += [
            check(
                f"p.year_value IS NULL OR p.year_value < 1900 OR p.year_value > year({today})",
                "bad_year",
                "year",
                "p.year_text",
            ),
            check(
                "p.month_text IS NOT NULL AND NOT coalesce(p.month_value BETWEEN 1 AND 12 "
                "OR p.month_value = 99, FALSE)",
                "bad_month",
                "month",
                "p.month_text",
            ),
        ]
    if m.layout == "counts":
        checks += [
            check("p.count_text IS NULL", "missing_count", "count", "NULL"),
            check("p.count_value IS NULL", "bad_count", "count", "p.count_text"),
        ]
    for column, month in m.months.items():
        checks.append(
            Check(
                f"p.month_{month}_text IS NOT NULL AND p.month_{month}_count IS NULL",
                literal("bad_count"),
                literal("count"),
                literal(column),
                f"p.month_{month}_text",
            )
        )
    checks += [
        check(BAD_AGE, "bad_age", "age", "p.age_text"),
        check(
            "p.time_text IS NOT NULL AND NOT "
            + reader.dialect.regexp_full_match("p.time_text", "'\\d{1,2}:\\d{2}(:\\d{2})?'"),
            "bad_time",
            "time",
            "p.time_text",
        ),
    ]
    for f in VOCABULARY_FIELDS:
        checks.append(
            check(f"p.{f}_text IS NOT NULL AND v_{f}.v IS NULL", "unknown_value", f, f"p.{f}_text")
        )
    coordinates = "concat_ws(', ', p.lat_text, p.lon_text)"
    has_point = "(p.lat_text IS NOT NULL OR p.lon_text IS NOT NULL)"
    bad_point = (
        "(p.lat IS NULL OR p.lon IS NULL OR abs(p.lat) > 90 OR abs(p.lon) > 180 "
        "OR (p.lat = 0 AND p.lon = 0))"
    )
    pair = Check(
        "",
        "",
        literal("lat/lon"),
        literal(f"{reader.label('lat')}, {reader.label('lon')}"),
        coordinates,
    )
    checks += [
        Check(
            f"{has_point} AND {bad_point}",
            literal("bad_coordinates"),
            pair.field,
            pair.column,
            coordinates,
            "NULL",
        ),
        check(
            "p.unit_code_text IS NULL AND p.unit_name_text IS NULL AND NOT " + has_point,
            "no_location",
            "unit_code",
            "NULL",
        ),
    ]
    if have_units:
        checks += [
            check(
                "p.unit_code_text IS NOT NULL AND uc.unit_code IS NULL",
                "unknown_unit_code",
                "unit_code",
                "p.unit_code_text",
            ),
            check(
                "p.unit_code_text IS NULL AND p.unit_name_text IS NOT NULL AND un.n > 1",
                "ambiguous_unit_name",
                "unit_name",
                "p.unit_name_text",
            ),
            check(
                "p.unit_code_text IS NULL AND p.unit_name_text IS NOT NULL AND un.n IS NULL",
                "unknown_unit_name",
                "unit_name",
                "p.unit_name_text",
            ),
            Check(
                "p.unit_code_text IS NULL AND p.unit_name_text IS NULL AND p.point_unit IS NULL",
                literal("outside_units"),
                pair.field,
                pair.column,
                coordinates,
                "NULL",
            ),
        ]
    else:
        checks.append(
            check(
                "p.unit_code_text IS NULL AND p.unit_name_text IS NOT NULL",
                "no_units_for_name",
                "unit_name",
                "p.unit_name_text",
            )
        )
    return checks
