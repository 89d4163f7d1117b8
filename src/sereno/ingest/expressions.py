"""SQL expressions that read a mapping's fields from the raw text table.

Every function returns SQL text over the columns of the raw table (all VARCHAR). Together they
parse a whole file in one vectorised query instead of a Python loop over rows.
"""

from __future__ import annotations

from sereno.errors import MappingError
from sereno.ingest.mapping import FieldSpec, Mapping
from sereno.io import RawTable
from sereno.store.dialect import Dialect


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


class FieldReader:
    """Builds the SQL that reads each canonical field of ``mapping`` from ``raw``."""

    def __init__(self, mapping: Mapping, raw: RawTable, file_name: str, dialect: Dialect) -> None:
        self.mapping = mapping
        self.raw = raw
        self.file_name = file_name
        self.dialect = dialect
        # Markers as written and in upper, lower and title case: an exact IN is several
        # times faster than folding the case of every cell of a million-row file.
        variants = {v for m in mapping.missing for v in (m, m.upper(), m.lower(), m.title())}
        self.missing = ", ".join(literal(v) for v in sorted(variants))

    def column(self, name: str, field: str) -> str:
        """The raw column behind ``name`` (a header or an HXL hashtag), or a mapping error."""
        if name in self.raw.columns:
            return name
        tag = name.lower().replace(" ", "")
        if tag in self.raw.hxl_tags:
            return self.raw.hxl_tags[tag]
        raise MappingError(
            "error.mapping_column",
            mapping=self.mapping.name,
            column=name,
            field=field,
            file=self.file_name,
            columns=", ".join(self.raw.columns),
        )

    def present(self, field: str) -> bool:
        """Whether ``field`` is mapped and its columns exist (optional fields may be absent)."""
        spec = self.mapping.fields.get(field)
        if spec is None:
            return False
        if spec.value is not None or field not in self.mapping.optional:
            return True
        return all(self._has_column(c) for c in spec.columns)

    def _has_column(self, name: str) -> bool:
        return name in self.raw.columns or name.lower().replace(" ", "") in self.raw.hxl_tags

    def cell(self, column: str) -> str:
        """A raw cell, trimmed, with the mapping's missing-value markers read as NULL."""
        q = ident(column)
        # Trimming is costly; most cells have no surrounding spaces and skip it.
        padded = f"starts_with({q}, ' ') OR ends_with({q}, ' ')"
        trimmed = f"nullif(trim({q}), '')"
        return (
            f"(CASE WHEN {q} IN ({self.missing}) THEN NULL WHEN {padded} THEN "
            f"CASE WHEN {trimmed} IN ({self.missing}) THEN NULL ELSE {trimmed} END "
            f"ELSE {q} END)"
        )

    def text(self, field: str) -> str:
        """The field as text: a cell, padded or joined cells, decoded, or a constant."""
        if not self.present(field):
            return "NULL::VARCHAR"
        spec = self.mapping.fields[field]
        if spec.value is not None:
            return literal(spec.value)
        cells = [self.cell(self.column(c, field)) for c in spec.columns]
        if spec.pad:
            expression = _padded(cells, spec)
        elif len(cells) == 1:
            expression = cells[0]
        else:
            expression = f"nullif(concat_ws({literal(spec.join)}, {', '.join(cells)}), '')"
        if spec.decode == "inegi_age":
            expression = _inegi_age(expression, self.dialect)
        return expression

    def label(self, field: str) -> str:
        """The source columns of ``field``, as named in quarantine reasons."""
        spec = self.mapping.fields.get(field)
        if spec is None:
            return field
        return spec.value if spec.value is not None else "+".join(spec.columns)


def _padded(cells: list[str], spec: FieldSpec) -> str:
    """Zero-padded parts concatenated; the code stops before a part marked unspecified."""
    parts = [
        f"(CASE WHEN length({c}) >= {w} THEN {c} ELSE lpad({c}, {w}, '0') END)"
        for c, w in zip(cells, spec.pad, strict=True)
    ]
    whole = " || ".join(parts)
    if not spec.unspecified:
        return f"({whole})"
    unspecified = ", ".join(literal(u) for u in spec.unspecified)
    branches = [f"WHEN {parts[0]} IN ({unspecified}) THEN NULL"]
    for i in range(1, len(parts)):
        branches.append(f"WHEN {parts[i]} IN ({unspecified}) THEN {' || '.join(parts[:i])}")
    return f"(CASE {' '.join(branches)} ELSE {whole} END)"


def _inegi_age(expression: str, dialect: Dialect) -> str:
    """INEGI's age code: 4xxx years, 1xxx hours, 2xxx days, 3xxx months; x098/4998 unknown."""
    code = dialect.try_cast(expression, "INTEGER")
    return (
        f"(CASE WHEN {code} IN (1098, 2098, 3098) OR {code} >= 4998 THEN NULL "
        f"WHEN {code} BETWEEN 4000 AND 4997 THEN CAST({code} - 4000 AS VARCHAR) "
        f"WHEN {code} BETWEEN 1000 AND 3999 THEN '0' ELSE {expression} END)"
    )


def whole_number(expression: str, thousands: str, dialect: Dialect) -> str:
    """A non-negative whole number written with or without thousands separators, else NULL."""
    cleaned = f"regexp_replace({expression}, '[\\s{_regex_escape(thousands)}]', '', 'g')"
    digits = dialect.regexp_full_match(cleaned, "'\\d+(\\.0+)?'")
    whole = dialect.try_cast(dialect.try_cast(cleaned, "DOUBLE"), "BIGINT")
    return f"(CASE WHEN {digits} THEN {whole} END)"


def decimal_number(expression: str, decimal: str, dialect: Dialect) -> str:
    if decimal == ",":
        expression = f"replace({expression}, ',', '.')"
    return dialect.try_cast(expression, "DOUBLE")


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if c in ".^$*+?()[]{}|\\-" else c for c in text)
