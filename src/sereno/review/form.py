"""The review questionnaire, defined in YAML, and the checking of a spreadsheet against it.

A form is a list of fields, each with an ``id``, a ``type`` (text, longtext, integer, date,
unit, choice, multichoice, groups), ``required``, ``aliases`` (other column headings a
spreadsheet may use) and, for choices, a locked list of codes with their aliases: an
unknown value is quarantined, never added to the list (Uwazi's import silently created new
category values, huridocs/uwazi#9076). The default form is the seed's
(``forms/homicide_review.yaml``). Checking is column by column (pandas), so a row's first
failing field is the reason it is quarantined.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sereno.errors import SerenoError
from sereno.i18n import has, t

TYPES = ("text", "longtext", "integer", "date", "unit", "choice", "multichoice", "groups")
DEFAULT_FORM = "homicide_review"
# Separators of several values in one cell (motives, groups).
SEPARATORS = r"\s*[;,|]\s*"


def fold(text: str) -> str:
    """Accent-, case- and space-folded text, for matching headings and choices."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("_", " ").split())


@dataclass(frozen=True)
class FormField:
    """One question: its id, type, whether it must be answered, and its locked choices."""

    id: str
    type: str
    required: bool = False
    secret: bool = False
    aliases: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    label: dict[str, str] | None = None

    def title(self, lang: str) -> str:
        if self.label:
            return self.label.get(lang) or next(iter(self.label.values()))
        key = f"review.field.{self.id}"
        return t(key, lang) if has(key) else self.id

    def choice_label(self, code: str, lang: str) -> str:
        key = f"review.choice.{self.id}.{code}"
        if has(key):
            return t(key, lang)
        key = f"review.choice.{code}"
        return t(key, lang) if has(key) else code

    def lookup(self) -> dict[str, str]:
        """Folded code or alias -> code."""
        found = {}
        for code, aliases in self.choices.items():
            for name in (code, *aliases):
                found[fold(name)] = code
        return found


@dataclass(frozen=True)
class ReviewForm:
    """A questionnaire: its name, its fields and the hash of its definition."""

    name: str
    fields: tuple[FormField, ...]
    digest: str

    def field(self, field_id: str) -> FormField:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.fields]

    def columns(self, headings: list[str], file: str | Path) -> dict[str, str]:
        """Field id -> the file's column for it; a required field without one is refused."""
        by_fold = {fold(h): h for h in headings}
        found = {}
        for f in self.fields:
            for name in (f.id, *f.aliases):
                if fold(name) in by_fold:
                    found[f.id] = by_fold[fold(name)]
                    break
            else:
                if f.required:
                    raise SerenoError(
                        "review.missing_column",
                        file=file,
                        field=f.id,
                        aliases=", ".join(f.aliases) or "-",
                        columns=", ".join(headings),
                    )
        return found


def load_form(path: str | Path | None = None) -> ReviewForm:
    """The form in ``path`` (YAML), or the default homicide review form."""
    if path is None:
        text = (
            resources.files(__package__)
            .joinpath(f"forms/{DEFAULT_FORM}.yaml")
            .read_text(encoding="utf-8")
        )
        where: str | Path = f"{DEFAULT_FORM}.yaml"
    else:
        where = Path(path)
        if not where.is_file():
            raise SerenoError("error.file_missing", file=where)
        text = where.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SerenoError("review.bad_form", file=where, detail=str(exc).splitlines()[0]) from None
    if not isinstance(document, dict) or not isinstance(document.get("fields"), list):
        raise SerenoError("review.bad_form", file=where, detail="fields: [...]")
    fields = tuple(_field(where, entry) for entry in document["fields"])
    ids = [f.id for f in fields]
    for needed in ("unit_code", "incident_date", "victim_group", "offender_group", "motives"):
        if needed not in ids:
            raise SerenoError("review.bad_form", file=where, detail=f"field '{needed}' missing")
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return ReviewForm(str(document.get("name") or Path(str(where)).stem), fields, digest)


def _field(where: str | Path, entry: Any) -> FormField:
    if not isinstance(entry, dict) or "id" not in entry:
        raise SerenoError("review.bad_form", file=where, detail=f"field without id: {entry!r}")
    kind = str(entry.get("type", "text"))
    if kind not in TYPES:
        raise SerenoError(
            "review.bad_form",
            file=where,
            detail=f"{entry['id']}: type '{kind}' ({', '.join(TYPES)})",
        )
    choices = entry.get("choices") or {}
    if isinstance(choices, list):
        choices = dict.fromkeys(choices, ())
    if kind in ("choice", "multichoice") and not choices:
        raise SerenoError("review.bad_form", file=where, detail=f"{entry['id']}: choices missing")
    label = entry.get("label")
    return FormField(
        id=str(entry["id"]),
        type=kind,
        required=bool(entry.get("required", False)),
        secret=bool(entry.get("secret", False)),
        aliases=tuple(str(a) for a in entry.get("aliases", [])),
        choices={str(k): tuple(str(a) for a in (v or [])) for k, v in choices.items()},
        minimum=entry.get("min"),
        maximum=entry.get("max"),
        label=dict(label) if isinstance(label, dict) else None,
    )


@dataclass(frozen=True)
class Checked:
    """A file checked against a form: the answers of the good rows (``values``, one column per
    field, lists for multichoice and groups) and the reasons of the bad ones (``problems``:
    row, reason_code, column_name, value, expected; row is the frame's index)."""

    values: pd.DataFrame
    problems: pd.DataFrame


def check_answers(
    form: ReviewForm,
    frame: pd.DataFrame,
    columns: dict[str, str],
    units: set[str] | None = None,
    groups: dict[str, str] | None = None,
) -> Checked:
    """Check every row of ``frame`` (text cells) against ``form``; ``units`` are the known unit
    codes and ``groups`` the known groups (folded id or name -> id), None when unchecked."""
    values = pd.DataFrame(index=frame.index)
    problems: list[pd.DataFrame] = []

    def flag(bad: pd.Series, reason: str, f: FormField, raw: pd.Series, expected: str = ""):
        if bad.any():
            problems.append(
                pd.DataFrame(
                    {
                        "row": frame.index[bad.to_numpy()],
                        "reason_code": reason,
                        "column_name": columns.get(f.id, f.id),
                        "value": raw[bad].astype(str).to_numpy(),
                        "expected": expected,
                        "field": f.id,
                    }
                )
            )

    for f in form.fields:
        if f.id in columns:
            raw = frame[columns[f.id]].astype("string").str.strip()
        else:
            raw = pd.Series(pd.NA, index=frame.index, dtype="string")
        empty = raw.isna() | (raw == "")
        if f.required:
            flag(empty, "missing_value", f, raw.fillna(""))
        present = ~empty
        if f.type in ("text", "longtext"):
            values[f.id] = raw.where(present, None)
        elif f.type == "integer":
            number = pd.to_numeric(raw.where(present), errors="coerce")
            flag(present & (number.isna() | (number % 1 != 0)), "bad_number", f, raw)
            low = f.minimum if f.minimum is not None else float("-inf")
            high = f.maximum if f.maximum is not None else float("inf")
            flag(
                present & number.notna() & ((number < low) | (number > high)),
                "out_of_range",
                f,
                raw,
                f"{f.minimum}–{f.maximum}",
            )
            values[f.id] = number.astype("Int64", errors="ignore")
        elif f.type == "date":
            day = pd.to_datetime(raw.where(present), errors="coerce", format="%Y-%m-%d")
            other = pd.to_datetime(
                raw.where(present & day.isna()), errors="coerce", format="%d/%m/%Y"
            )
            day = day.fillna(other)
            flag(present & day.isna(), "bad_date", f, raw, "YYYY-MM-DD, DD/MM/YYYY")
            values[f.id] = day.dt.date
        elif f.type == "unit":
            values[f.id] = raw.where(present, None)
            if units is not None:
                flag(present & ~raw.isin(list(units)), "unknown_unit", f, raw)
        elif f.type == "choice":
            lookup = f.lookup()
            code = raw.map(
                lambda v, lookup=lookup: lookup.get(fold(v)) if isinstance(v, str) else None
            )
            flag(present & code.isna(), "not_in_list", f, raw, ", ".join(f.choices))
            values[f.id] = code.where(present, None)
        else:  # multichoice, groups: several values in one cell
            parts = raw.where(present, "").str.split(SEPARATORS, regex=True)
            parts = parts.map(lambda p: [x for x in p if x] if isinstance(p, list) else [])
            if f.type == "multichoice":
                lookup = f.lookup()
                expected = ", ".join(f.choices)
            else:
                lookup = groups or {}
                expected = ", ".join(sorted(set(lookup.values()))) or "-"
            codes = parts.map(lambda p, lookup=lookup: [lookup.get(fold(x)) for x in p])
            unknown = codes.map(lambda c: None in c) & present
            if f.type == "multichoice" or groups is not None:
                flag(
                    unknown,
                    "not_in_list" if f.type == "multichoice" else "unknown_group",
                    f,
                    raw,
                    expected,
                )
            values[f.id] = codes.map(lambda c: sorted({x for x in c if x}))
    found = (
        pd.concat(problems)
        if problems
        else pd.DataFrame(
            columns=["row", "reason_code", "column_name", "value", "expected", "field"]
        )
    )
    # A row's reason is its first failing field, in the form's order.
    order = {f: i for i, f in enumerate(form.ids)}
    found = (
        found.assign(_o=found["field"].map(order))
        .sort_values(["row", "_o"])
        .drop_duplicates("row")
        .drop(columns=["_o"])
    )
    return Checked(values.drop(index=found["row"]), found.reset_index(drop=True))
