"""The records to link, in one tidy shape: victims of every source with matching keys.

Columns: ``record_id``, ``source_id``, ``name_key`` (accent-, case- and space-folded full
name without nicknames such as "alias El Chino"; empty for unnamed or "DESCONOCIDO" bodies),
``name_tokens``, ``given`` (first word), ``given_keys`` (the given names it may stand for: "beto"
-> alberto, roberto, ...; else itself), ``surnames`` (the words after the first, missing for a
one-word name), the blocking keys ``given_sound``, ``second_sound`` and ``last_sound`` (given
name resolved to its usual given name, second word, last word of a name of three words or more,
spelt as they sound: b/v, s/z/c, ll/y, silent h, doubled letters), ``sex``, ``age``, ``date``,
``precise_date`` (known to the day), ``year``, ``year_month``, ``unit_code``, ``neighbours``
(codes of units touching it), ``weapon`` and ``place`` (ICCS-harmonised vocabularies; "unknown"
becomes missing).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from sereno.errors import SerenoError

REQUIRED = ("record_id", "source_id")
OPTIONAL = ("name", "sex", "age", "date", "date_precision", "unit_code", "weapon", "place")
# Names a source writes for a body it could not identify.
UNNAMED = ("desconocido", "desconocida", "no identificado", "no identificada", "nn", "n.n.",
           "sin nombre", "unknown")  # fmt: skip
MISSING = ("unknown", "desconocido", "se desconoce", "")
# A nickname in a name is not part of it: 'Juan "El Chino" Pérez', "Juan Pérez alias El Chino",
# "Juan Pérez (a) El Chino". Single quotes only around whole words, so "O'Neil" stays.
NICKNAME_PATTERNS = (
    r"(?i)(^|\s)(?:alias|apodad[oa]|conocid[oa] como|a\.?k\.?a\.?|\(a\.?\))(?:\s|:).*$",
    r"(^|\s)(?:\"[^\"]*\"|“[^”]*”|«[^»]*»|\([^)]*\)|'[^']*')",
)
# Spanish spellings of one sound, in the order they are rewritten (Real Academia Española,
# *Ortografía de la lengua española*, 2010, ch. I: b/v, c/s/z, c/k/qu, g/j, ll/y, silent h).
# "ch" is kept apart first so that its h survives; "C" cannot occur in folded text.
SOUNDS = (("ch", "C"), ("h", ""), ("qu", "k"), ("c([ei])", r"s\1"), ("c", "k"), ("z", "s"),
          ("v", "b"), ("w", "gu"), ("ll", "y"), ("g([ei])", r"j\1"))  # fmt: skip
# Pre-built nickname table: see the header of the file for its sources.
NICKNAMES_FILE = "nicknames.csv"


def _arrow_text(text: pd.Series) -> pa.Array:
    values = pa.array(text.astype("string").array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.cast(pa.string())


def _fold_distinct(text: pa.Array) -> pa.Array:
    folded = pc.utf8_normalize(text, "NFKD")
    # Like encoding to ASCII and ignoring errors: accents (combining marks after NFKD) go.
    folded = pc.replace_substring_regex(folded, r"[^\x00-\x7f]", "")
    folded = pc.utf8_lower(folded)
    folded = pc.replace_substring_regex(folded, r"[^a-z0-9 ]", " ")
    folded = pc.utf8_trim_whitespace(pc.replace_substring_regex(folded, r"\s+", " "))
    unnamed = pc.or_(pc.is_in(folded, pa.array(UNNAMED)), pc.equal(folded, ""))
    return pc.if_else(unnamed, pa.scalar(None, pa.string()), folded)


def _series(values: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(values), index=index, dtype="string")


def _distinct(transform: Callable[[pa.Array], pa.Array], values: pa.Array) -> pa.Array:
    """``transform`` applied once per distinct value: names repeat, and regular expressions
    on a few thousand words cost less than on every record."""
    encoded = pc.dictionary_encode(values)
    return pc.take(transform(encoded.dictionary), encoded.indices)


def _extension(values: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.ArrowExtensionArray(values), index=index)


def fold(text: pd.Series) -> pd.Series:
    """Lower case, no accents, single spaces: "  José  PÉREZ" -> "jose perez"; names of
    unidentified bodies ("DESCONOCIDO") and empty text are missing."""
    return _series(_distinct(_fold_distinct, _arrow_text(text)), text.index)


def _without_nicknames(names: pa.Array) -> pa.Array:
    """Names without the nickname written into them: 'Juan "El Chino" Pérez' and "Juan Pérez
    alias El Chino" -> "Juan Pérez"."""
    for pattern in NICKNAME_PATTERNS:
        names = pc.replace_substring_regex(names, pattern, r"\1")
    return names


def sound(folded: pa.Array) -> pa.Array:
    """A folded word spelt as it sounds in Spanish, doubled letters single: "villanueva" and
    "billanueba" -> "biyanueba"; "hernandez", "ernandes" -> "ernandes"."""
    return _distinct(_sound_distinct, folded)


def _sound_distinct(folded: pa.Array) -> pa.Array:
    for spelling, sounds_as in SOUNDS:
        folded = pc.replace_substring_regex(folded, spelling, sounds_as)
    for letter in string.ascii_lowercase:
        folded = pc.replace_substring(folded, letter * 2, letter)
    return folded


@cache
def nickname_table() -> pd.DataFrame:
    """``nickname`` and ``canonical`` given name, folded, in the file's order (the usual given
    name of a nickname first)."""
    path = resources.files(__package__) / NICKNAMES_FILE
    with resources.as_file(path) as file:
        table = pd.read_csv(file, comment="#", dtype=str, keep_default_na=False)
    return pd.DataFrame({column: fold(table[column]) for column in ("nickname", "canonical")})


def _lookup_lists(keys: pa.Array, table: pd.Series) -> pa.Array:
    """For each key, ``table``'s list for it (``table``: key -> list of strings), else null."""
    lists = pa.array(table.tolist(), pa.list_(pa.string()))
    position = pc.index_in(keys, value_set=pa.array(table.index.tolist(), pa.string()))
    return pc.take(lists, position)


def given_names(given: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The given names a first word may stand for (a list: itself when it is no nickname) and
    the usual one."""
    table = nickname_table().groupby("nickname", sort=False)["canonical"].agg(list)
    itself = pa.ListArray.from_arrays(
        pa.array(np.arange(len(given) + 1), pa.int32()), given, mask=pc.is_null(given)
    )
    keys = pc.coalesce(_lookup_lists(given, table), itself)
    return keys, pc.list_element(keys, 0)


def _word(folded: pa.Array, pattern: str) -> pa.Array:
    found = pc.extract_regex(folded, pattern)
    return pc.if_else(pc.is_valid(found), pc.struct_field(found, [0]), pa.scalar(None, pa.string()))


def name_keys(name: pd.Series) -> pd.DataFrame:
    """The name columns of the linkage input (see the module docstring) from written names."""
    folded = _distinct(lambda names: _fold_distinct(_without_nicknames(names)), _arrow_text(name))
    given = _word(folded, r"^(?P<w>\S+)")
    keys, usual = given_names(given)
    second = _word(folded, r"^\S+ (?P<w>\S+)")
    last = _word(folded, r"^\S+ \S+ (?:.* )?(?P<w>\S+)$")
    columns = {
        "name_key": _series(folded, name.index),
        "name_tokens": _extension(pc.split_pattern(folded, " "), name.index),
        "given": _series(given, name.index),
        "given_keys": _extension(keys, name.index),
        "surnames": _series(_word(folded, r"^\S+ (?P<w>.+)$"), name.index),
        "given_sound": _series(sound(usual), name.index),
        "second_sound": _series(sound(second), name.index),
        "last_sound": _series(sound(last), name.index),
    }
    return pd.DataFrame(columns)


def prepare_records(
    frame: pd.DataFrame, neighbours: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """The linkage input from a table of victims (columns as in the store's ``victims``)."""
    for column in REQUIRED:
        if column not in frame.columns:
            raise SerenoError(
                "link.missing_column", column=column, columns=", ".join(map(str, frame))
            )
    data = frame.reset_index(drop=True)
    for column in OPTIONAL:
        if column not in data.columns:
            data[column] = None
    out = pd.DataFrame(
        {
            "record_id": pd.to_numeric(data["record_id"], errors="raise").astype("int64"),
            "source_id": data["source_id"].astype(str),
        }
    )
    if out["record_id"].duplicated().any():
        repeated = out["record_id"][out["record_id"].duplicated()].iloc[0]
        raise SerenoError("link.duplicate_id", value=repeated)
    out = pd.concat([out, name_keys(data["name"])], axis=1)
    out["sex"] = fold(data["sex"])
    out["age"] = pd.to_numeric(data["age"], errors="coerce").astype("Float64")
    date = pd.to_datetime(data["date"], errors="coerce")
    precision = pd.to_numeric(data["date_precision"], errors="coerce").fillna(1)
    # Arrow dates, not Python ``datetime.date`` objects: grouping events by date is then
    # vectorised (an object column made clustering 300,000 records take 34 s instead of 6).
    out["date"] = date.astype(pd.ArrowDtype(pa.date32()))
    out["precise_date"] = (precision <= 1) & date.notna()
    out["year"] = date.dt.year.astype("Int64")
    out["year_month"] = date.dt.strftime("%Y-%m")
    out["unit_code"] = data["unit_code"].astype("string")
    touching = _lookup_lists(
        _arrow_text(out["unit_code"]), pd.Series(neighbours or {}, dtype=object)
    )
    no_units = pa.scalar([], pa.list_(pa.string()))
    out["neighbours"] = _extension(pc.coalesce(touching, no_units), out.index)
    for column in ("weapon", "place"):
        value = fold(data[column])
        out[column] = value.mask(value.isin(MISSING))
    return out


def unit_neighbours(units) -> dict[str, list[str]]:
    """For each unit, the codes of the units whose polygons touch it (queen contiguity)."""
    geometry = units.geometry.to_numpy()
    tree = shapely.STRtree(geometry)
    left, right = tree.query(geometry, predicate="intersects")
    keep = left != right
    codes = units["unit_code"].to_numpy()
    pairs = pd.DataFrame({"unit": codes[left[keep]], "neighbour": codes[right[keep]]})
    return pairs.groupby("unit")["neighbour"].agg(list).to_dict()


def store_records(observatory, iccs: str = "0101") -> pd.DataFrame:
    """Victim records of offence ``iccs`` (default intentional homicide), current versions."""
    from sereno.geo.units import unit_polygons

    frame = observatory.engine.frame(
        "SELECT v.record_id, v.source_id, v.name, v.sex, v.age, v.date, v.date_precision, "
        "v.unit_code, v.weapon, v.place FROM victims v JOIN current_records USING (record_id) "
        "WHERE starts_with(v.iccs_code, ?) ORDER BY v.record_id",
        [iccs],
    )
    if frame.empty:
        raise SerenoError("link.no_records", iccs=iccs)
    units = unit_polygons(observatory)
    neighbours = unit_neighbours(units) if len(units) else {}
    return prepare_records(frame, neighbours)
