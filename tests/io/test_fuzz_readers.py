"""Issue 22, part 6: a fuzz suite over every reader, through the real ingestion path.

Random bytes, truncations, encodings, delimiters, quotes, line endings, huge fields, many
columns, nested JSON, broken workbooks and GeoJSON features of every wrong shape go through
``ingest_file`` (dry runs on one small observatory, so nothing accumulates) and a share of
them through ``sereno ingest`` itself. Whatever the file, the outcome is one of two: an
ingestion whose accounting holds (rows read = stored + quarantined + duplicates + excluded),
or a ``SerenoError`` (exit status 2, one line, no traceback). Anything else is a bug.

About 1,290 files per run (the ``max_examples`` below), about 90 of them through the
whole ingestion; marked slow.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sereno.cli import app
from sereno.errors import SerenoError
from sereno.ingest.pipeline import ingest_file
from sereno.io import DEFAULT_LIMITS, ISSUE, read_file
from sereno.io.limits import MB
from tests.conftest import grid_geojson
from tests.io.files import HEADER, feature, feature_collection, sheet_xml, xlsx_bytes

pytestmark = pytest.mark.slow

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# One file in 16 the reader accepts goes through the whole ingestion (see ingest_outcome).
FULL = st.integers(0, 15).map(lambda n: n == 0)
SUFFIXES = [".csv", ".txt", ".tsv", ".json", ".geojson", ".xlsx"]
CELLS = {
    "source_record_id": st.sampled_from(["", "1", "2", "007", "x"]),
    "date": st.sampled_from(["2023-01-05", "05/01/2023", "2023-13-01", "", "ayer"]),
    "unit_code": st.sampled_from(["U1", "U5", "U99", "", "u1"]),
    "offence": st.sampled_from(["homicidio doloso", "Feminicidio", "riña", "", "0101"]),
    "sex": st.sampled_from(["hombre", "Mujer", "X", ""]),
    "age": st.sampled_from(["30", "0", "121", "", "treinta"]),
}
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from(['"', '""', "\n", "\r\n", "\r", ",", ";", "\t", "|", "=1+1", "\x00", "ñ"])


@pytest.fixture(scope="module")
def fuzz_observatory(tmp_path_factory):
    from sereno.geo.units import load_units
    from sereno.store import Observatory

    directory = tmp_path_factory.mktemp("fuzz")
    obs = Observatory.create(directory / "obs", "Fuzz", "es")
    load_units(obs, grid_geojson(directory / "grid.geojson"), "colonia", parent="parent")
    yield obs
    obs.close()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("files")


def ingest_outcome(observatory, path, full: bool = True) -> str:
    """What ingesting ``path`` does: "refused" with a one-line ``SerenoError``, else "read".

    The reader runs on every file (it is ingestion's first step, with the same arguments);
    with ``full``, an accepted file also goes through the whole ingestion as a dry run and its
    accounting is checked. Ingestion's SQL costs about 0.3 s a file, the reader a few ms:
    checking every file in full would take the suite past ten minutes.
    """
    try:
        raw = read_file(path)
        check_raw_table(raw)
        if not full:
            return "read"
        before = observatory.engine.scalar("SELECT count(*) FROM records")
        result = ingest_file(observatory, path, "fuzz", "generic-victims", dry_run=True)
    except SerenoError as error:
        message = error.message("es")
        assert message and "\n" not in message.strip(), message
        return "refused"
    parts = result.stored + result.quarantined + result.duplicates + result.excluded
    assert parts == result.rows_read == raw.num_rows, result.to_dict()
    assert observatory.engine.scalar("SELECT count(*) FROM records") == before
    return "ingested"


def check_raw_table(raw) -> None:
    """The reader's contract: text columns within the limit, rows numbered 1..n, only the
    reserved columns it documents."""
    table = raw.table
    assert raw.num_rows > 0
    assert table.column("__row").to_pylist() == list(range(1, raw.num_rows + 1))
    assert len(raw.columns) <= DEFAULT_LIMITS.max_columns
    assert all(str(table.schema.field(c).type) == "string" for c in raw.columns)
    assert all("\x00" not in c for c in raw.columns)
    assert len(set(table.column_names)) == len(table.column_names)
    if raw.has_issues:
        codes = set(table.column(ISSUE).drop_null().to_pylist())
        assert codes <= {"bad_feature", "bad_geometry"}


def write(workdir, name: str, data: bytes):
    path = workdir / name
    path.write_bytes(data)
    return path


# Delimited text: layout, quoting, line endings, encodings, extra and missing cells.
ROWS = st.lists(
    st.fixed_dictionaries(CELLS, optional={"narrative": TEXT, "extra": TEXT}),
    min_size=1,
    max_size=25,
)


def delimited(rows, delimiter: str, quoting: int, newline: str, names: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(n, "") for n in names])
    return out.getvalue()


@settings(FUZZ, max_examples=300)
@given(
    rows=ROWS,
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "utf-16-le", "cp1252"]),
    header=st.lists(st.sampled_from([*HEADER, "narrative", "__row", "", "date"]), max_size=3),
    cut=st.none() | st.floats(0.05, 0.999),
    suffix=st.sampled_from([".csv", ".txt", ".tsv"]),
    full=FULL,
)
def test_delimited_files(
    fuzz_observatory,
    workdir,
    rows,
    delimiter,
    quoting,
    newline,
    encoding,
    header,
    cut,
    suffix,
    full,
):
    names = [*HEADER, "narrative", *header]
    text = delimited(rows, delimiter, quoting, newline, names)
    data = text.encode(encoding, errors="replace")
    if cut is not None:
        data = data[: max(1, int(len(data) * cut))]
    ingest_outcome(fuzz_observatory, write(workdir, "d" + suffix, data), full)


@settings(FUZZ, max_examples=250)
@given(data=st.binary(min_size=1, max_size=4096), suffix=st.sampled_from(SUFFIXES), full=FULL)
def test_random_bytes(fuzz_observatory, workdir, data, suffix, full):
    ingest_outcome(fuzz_observatory, write(workdir, "b" + suffix, data), full)


@settings(FUZZ, max_examples=150)
@given(
    prefix=st.sampled_from(
        [
            b"date,unit_code,offence\n2023-01-05,U1,homicidio doloso\n",
            b'[{"date": "2023-01-05", "unit_code": "U1", "offence": "homicidio doloso"}]',
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}',
            b"\xef\xbb\xbfdate;unit_code;offence\r",
            b"\xff\xfed\x00a\x00t\x00e\x00,\x00",
        ]
    ),
    noise=st.binary(max_size=512),
    suffix=st.sampled_from(SUFFIXES),
    full=FULL,
)
def test_valid_starts_with_noise_after(fuzz_observatory, workdir, prefix, noise, suffix, full):
    ingest_outcome(fuzz_observatory, write(workdir, "n" + suffix, prefix + noise), full)


# Wide files, around the column limit, and long fields, around DuckDB's 2 MB line default.
@settings(FUZZ, max_examples=8)
@given(
    columns=st.sampled_from([1, 7, 500, 1_999, 2_000, 2_001, 5_000, 20_012]),
    field=st.sampled_from([0, 1_000, 2 * MB + 10, 3 * MB]),
    quoted=st.booleans(),
)
def test_wide_files_and_huge_fields(fuzz_observatory, workdir, columns, field, quoted):
    names = [*HEADER, *(f"c{i}" for i in range(max(0, columns - len(HEADER))))][:columns]
    values = ["1", "2023-01-05", "U1", "homicidio doloso", "hombre", "30"][: len(names)]
    values += ["x"] * (len(names) - len(values))
    big = "y" * field
    values[-1] = f'"{big}\n{big[:10]}"' if quoted else big
    data = (",".join(names) + "\n" + ",".join(values) + "\n").encode()
    ingest_outcome(fuzz_observatory, write(workdir, "w.csv", data), full=True)


# JSON: records with nested values of any depth, big numbers, odd keys.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | TEXT
    | st.sampled_from([1e308, -(10**300)]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=25,
)
RECORD = st.dictionaries(
    st.sampled_from([*HEADER, "date\x00", "__row", "__extra_1", "", "lat", "lon"]) | TEXT,
    JSON_VALUES,
    max_size=8,
)


@settings(FUZZ, max_examples=200)
@given(
    document=st.lists(RECORD, max_size=10)
    | RECORD
    | st.dictionaries(st.sampled_from(["rows", "data"]), st.lists(RECORD, max_size=5))
    | JSON_VALUES,
    depth=st.sampled_from([0, 0, 0, 63, 70, 5_000, 200_000]),
    digits=st.sampled_from([0, 0, 4_000, 5_000]),
    full=FULL,
)
def test_json_documents(fuzz_observatory, workdir, document, depth, digits, full):
    text = json.dumps(document, ensure_ascii=bool(depth % 2))
    if depth or digits:
        deep = "[" * depth + "]" * depth or "9" * digits
        text = f'[{{"date": "2023-01-05", "age": {"9" * digits or 1}, "deep": {deep}}}, {text}]'
    ingest_outcome(fuzz_observatory, write(workdir, "j.json", text.encode()), full)


# GeoJSON features: valid, empty, null, wrong types, strings, lists, nulls.
COORDINATE = st.floats(-90, 90) | st.sampled_from([1e400, "1", None])
GEOMETRY = st.none() | st.one_of(
    st.builds(lambda x, y: {"type": "Point", "coordinates": [x, y]}, COORDINATE, COORDINATE),
    st.sampled_from(
        [
            {"type": "Point", "coordinates": [-87.995, 15.005]},
            {"type": "Point", "coordinates": []},
            {"type": "Point"},
            {"type": "Circle", "coordinates": [1, 2]},
            {"type": "Polygon", "coordinates": [[1, 2]]},
            {"type": "Polygon", "coordinates": [[[-88, 15], [-87.99, 15], [-87.99, 15.01]]]},
            {
                "type": "MultiPolygon",
                "coordinates": [[[[-88, 15], [-87.99, 15], [-87.99, 15.01], [-88, 15]]]],
            },
            {"type": "GeometryCollection", "geometries": []},
            {"type": "GeometryCollection", "geometries": [{"type": "Point"}]},
            {"type": "LineString", "coordinates": [[1, 2]]},
            "POINT (1 2)",
            [1, 2],
            3,
            {},
        ]
    ),
)
FEATURE = st.builds(
    lambda g, p: feature(g, **p),
    GEOMETRY,
    st.fixed_dictionaries({}, optional={k: v for k, v in CELLS.items() if k != "unit_code"}),
) | st.sampled_from([None, "feature", [], {"type": "Feature"}, {"properties": "x"}])


@settings(FUZZ, max_examples=200)
@given(
    features=st.lists(FEATURE, max_size=12),
    suffix=st.sampled_from([".geojson", ".json"]),
    cut=st.none() | st.floats(0.1, 0.99),
    full=FULL,
)
def test_geojson_features(fuzz_observatory, workdir, features, suffix, cut, full):
    data = feature_collection(features).encode()
    if cut is not None:
        data = data[: int(len(data) * cut)]
    ingest_outcome(fuzz_observatory, write(workdir, "g" + suffix, data), full)


# Workbooks: real ones written by openpyxl, and our own XML parts broken on purpose.
SHEET_ROWS = st.lists(
    st.lists(
        st.sampled_from(["homicidio doloso", "2023-01-05", "U1", "", "&amp;", "x"]), max_size=8
    ),
    min_size=1,
    max_size=8,
)


@settings(FUZZ, max_examples=150)
@given(
    rows=SHEET_ROWS,
    damage=st.sampled_from(["none", "cut", "flip", "doctype", "comment", "tag", "header"]),
    where=st.floats(0.0, 1.0),
    full=FULL,
)
def test_broken_workbooks(fuzz_observatory, workdir, rows, damage, where, full):
    prolog = '<!DOCTYPE w [<!ENTITY a "a">]>' if damage == "doctype" else ""
    comment = "<!--" + "c" * 5_000 + "-->" if damage == "comment" else ""
    rows = [HEADER, *rows] if damage != "header" else rows
    xml = sheet_xml(rows, prolog=prolog, comment=comment)
    if damage == "tag":
        at = int(len(xml) * where)
        xml = xml[:at] + "<" + xml[at:]
    data = bytearray(xlsx_bytes(xml))
    at = min(len(data) - 1, int(len(data) * where))
    if damage == "cut":
        data = data[: max(1, at)]
    elif damage == "flip":
        data[at] ^= 0xFF
    ingest_outcome(fuzz_observatory, write(workdir, "x.xlsx", bytes(data)), full)


# A share of files through the command itself: exit 0 or 2, never a traceback.
@settings(FUZZ, max_examples=25)
@given(
    data=st.one_of(
        st.binary(max_size=1024),
        st.builds(
            lambda rows, d: delimited(
                rows, d, csv.QUOTE_MINIMAL, "\n", [*HEADER, "narrative"]
            ).encode(),
            ROWS,
            st.sampled_from([",", ";"]),
        ),
        st.builds(lambda f: feature_collection(f).encode(), st.lists(FEATURE, max_size=5)),
    ),
    suffix=st.sampled_from(SUFFIXES),
)
def test_the_ingest_command(fuzz_observatory, workdir, data, suffix):
    path = write(workdir, "c" + suffix, data or b"\n")
    result = CliRunner().invoke(
        app,
        [
            *("ingest", str(path), "-s", "fuzz", "-m", "generic-victims", "--dry-run", "--json"),
            *("--dir", str(fuzz_observatory.directory)),
        ],
        catch_exceptions=True,
    )
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    answer = json.loads(result.stdout)
    if result.exit_code == 0:
        parts = ("stored", "quarantined", "duplicates", "excluded")
        assert sum(answer[k] for k in parts) == answer["rows_read"]
    else:
        assert answer["error"] and answer["message"]
