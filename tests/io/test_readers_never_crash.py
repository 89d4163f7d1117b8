"""Issue 22, part 2: each malformed (or valid but unusual) file the hardening run found,
read correctly or refused with a typed error whose one-line message names the limit."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sereno.cli import app
from sereno.errors import InputFileError
from sereno.ingest.pipeline import ingest_file
from sereno.io import FileLimitError, Limits, read_file
from sereno.io.limits import MB
from sereno.store import Observatory
from tests.conftest import unit_centre
from tests.io.files import (
    HEADER,
    ROW,
    feature,
    feature_collection,
    shared_string_sheet,
    sheet_xml,
    xlsx_bytes,
)

HEADER_LINE = ",".join(HEADER)


def accounted(result) -> bool:
    parts = result.stored + result.quarantined + result.duplicates + result.excluded
    return parts == result.rows_read


def victims_with_narratives(n: int) -> str:
    """``n`` victims, every third with a narrative holding quoted line breaks and quotes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*HEADER, "narrative"])
    for i in range(n):
        narrative = 'dijo "basta"\nse fue,\r\ncorriendo' if i % 3 == 0 else "sin relato"
        writer.writerow([str(i), "2023-01-05", "U1", "homicidio doloso", "hombre", "30", narrative])
    return out.getvalue()


@pytest.mark.parametrize("n", [10, 2_000])
def test_quoted_line_breaks_inside_fields_are_read_not_refused(tmp_path, n):
    path = tmp_path / "v.csv"
    path.write_text(victims_with_narratives(n), encoding="utf-8")
    raw = read_file(path)
    assert raw.num_rows == n and raw.extra_columns == []
    narratives = raw.table.column("narrative").to_pylist()
    assert narratives[0] == 'dijo "basta"\nse fue,\r\ncorriendo'
    assert narratives[1] == "sin relato"
    assert raw.table.column("__row").to_pylist() == list(range(1, n + 1))


def test_quoted_line_breaks_are_stored_through_ingestion(grid_observatory, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(victims_with_narratives(300), encoding="utf-8")
    result = ingest_file(grid_observatory, path, "policia", "generic-victims")
    assert result.rows_read == 300 and result.stored == 300 and accounted(result)


def test_cr_only_line_endings_and_a_cr_in_the_header(tmp_path):
    path = tmp_path / "mac.csv"
    rows = [HEADER_LINE, ",".join(ROW), "2,2023-01-06,U2,homicidio doloso,mujer,22"]
    path.write_bytes("\r".join(rows).encode() + b"\r")
    raw = read_file(path)
    assert raw.columns == HEADER
    assert raw.table.column("unit_code").to_pylist() == ["U1", "U2"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_files_are_read(tmp_path, encoding):
    text = HEADER_LINE + "\n1,2023-01-05,U1,homicidio doloso,Ñandú,30\n"
    path = tmp_path / "u.csv"
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    path.write_bytes(bom + text.encode(encoding))
    raw = read_file(path)
    assert raw.columns == HEADER and raw.encoding.startswith("utf-16")
    assert raw.table.column("sex").to_pylist() == ["Ñandú"]


def test_a_three_megabyte_field_is_read_and_one_past_the_limit_is_refused_by_name(tmp_path):
    path = tmp_path / "big.csv"
    narrative = "x" * (3 * MB)
    path.write_text(f'{HEADER_LINE},narrative\n{",".join(ROW)},"{narrative}"\n')
    raw = read_file(path)
    assert len(raw.table.column("narrative")[0].as_py()) == 3 * MB
    with pytest.raises(FileLimitError) as error:
        read_file(path, limits=Limits(max_field_bytes=1 * MB))
    assert error.value.key == "io.field_too_large"
    assert "1 MB" in error.value.message("en") and "max_field_bytes" in error.value.message("es")
    assert "truncated" not in error.value.message("en")


def test_twenty_thousand_columns_are_refused_before_duckdb_sees_them(tmp_path):
    # DuckDB dies with SIGFPE on a CSV of ~16,000 columns: this test would kill pytest.
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(20_012)) + "\n" + ",".join("1" * 20_012))
    with pytest.raises(FileLimitError) as error:
        read_file(path)
    assert error.value.key == "io.too_many_columns"
    assert "20012" in error.value.message("en") and "2000" in error.value.message("en")


def test_a_header_named_row_is_kept_under_another_name(grid_observatory, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("__row,date,unit_code,offence\n7,2023-01-05,U1,homicidio doloso\n")
    raw = read_file(path)
    assert raw.columns == ["__row_2", "date", "unit_code", "offence"]
    assert raw.table.column("__row_2").to_pylist() == ["7"]
    assert raw.table.column("__row").to_pylist() == [1]
    result = ingest_file(grid_observatory, path, "policia", "generic-victims")
    assert result.stored == 1 and accounted(result)


def test_geojson_features_are_checked_one_by_one_and_bad_ones_quarantined(
    grid_observatory, tmp_path
):
    lat, lon = unit_centre("U5")
    good = {"date": "2023-01-05", "offence": "homicidio doloso"}
    features = [
        feature({"type": "Point", "coordinates": [lon, lat]}, **good),
        feature({"type": "Point", "coordinates": []}, **good),  # empty: no location
        feature(None, **good, unit_code="U2"),  # null: unlocated, has a unit
        feature({"type": "Circle", "coordinates": [lon, lat]}, **good),
        feature("POINT (1 2)", **good),
        feature([lon, lat], **good),
        feature({"type": "Polygon", "coordinates": [[1, 2]]}, **good),
        None,
        "a feature",
    ]
    path = tmp_path / "f.geojson"
    path.write_text(feature_collection(features))
    result = ingest_file(grid_observatory, path, "prensa", "generic-victims")
    assert result.rows_read == 9 and accounted(result)
    assert result.stored == 2
    assert result.reasons == {"bad_geometry": 4, "bad_feature": 2, "no_location": 1}
    reasons = grid_observatory.engine.frame(
        "SELECT row_number, reason_code, value FROM quarantine ORDER BY row_number"
    ).set_index("row_number")
    assert reasons.loc[5, "value"] == '"POINT (1 2)"'
    assert reasons.loc[4, "reason_code"] == "bad_geometry" and "Circle" in reasons.loc[4, "value"]
    assert reasons.loc[8, "value"] == "null"


def test_deeply_nested_json_is_refused_by_name_not_by_recursion_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FileLimitError) as error:
        read_file(path)
    assert error.value.key == "io.too_deep" and "64" in error.value.message("es")
    cell = tmp_path / "cell.json"
    cell.write_text(json.dumps([{"date": "2023-01-05", "extra": json.loads("[" * 80 + "]" * 80)}]))
    with pytest.raises(FileLimitError):
        read_file(cell)
    assert read_file(cell, limits=Limits(max_depth=100)).num_rows == 1


def test_a_five_thousand_digit_integer_is_kept_as_written(tmp_path):
    path = tmp_path / "n.json"
    digits = "9" * 5_000
    path.write_text(f'[{{"date": "2023-01-05", "age": {digits}, "n": 12}}]')
    raw = read_file(path)
    assert raw.table.column("age").to_pylist() == [digits]
    assert raw.table.column("n").to_pylist() == ["12"]


def test_a_key_with_nul_is_read_and_ingested(grid_observatory, tmp_path):
    path = tmp_path / "nul.json"
    path.write_text(
        '[{"date\\u0000": "2023-01-05", "unit_code": "U1", "offence": "homicidio doloso"}]'
    )
    raw = read_file(path)
    assert raw.columns == ["date", "unit_code", "offence"]
    result = ingest_file(grid_observatory, path, "policia", "generic-victims")
    assert result.stored == 1 and accounted(result)


def test_xlsx_with_malformed_sheet_xml_is_refused_as_damaged(tmp_path):
    path = tmp_path / "m.xlsx"
    path.write_bytes(xlsx_bytes(sheet_xml([HEADER, ROW])[:-40]))
    with pytest.raises(InputFileError) as error:
        read_file(path)
    assert error.value.key == "error.file_truncated"


def test_xlsx_with_a_doctype_is_refused(tmp_path):
    path = tmp_path / "d.xlsx"
    prolog = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    path.write_bytes(xlsx_bytes(sheet_xml([HEADER, ROW], prolog=prolog)))
    with pytest.raises(FileLimitError) as error:
        read_file(path)
    assert error.value.key == "io.xlsx_doctype"
    assert "xl/worksheets/sheet1.xml" in error.value.message("en")


def test_xlsx_without_its_shared_strings_part_is_refused_as_damaged(tmp_path):
    path = tmp_path / "s.xlsx"
    path.write_bytes(xlsx_bytes(shared_string_sheet(3)))
    with pytest.raises(InputFileError) as error:
        read_file(path)
    assert error.value.key == "error.file_truncated"


def test_xlsx_with_a_huge_xml_comment_is_refused_before_parsing(tmp_path):
    # 40 MB of comment in a 40 KB file: openpyxl alone ran for minutes on 300 MB of it.
    path = tmp_path / "c.xlsx"
    path.write_bytes(xlsx_bytes(sheet_xml([HEADER, ROW], comment="<!--" + "x" * 40 * MB + "-->")))
    assert path.stat().st_size < 200_000
    started = time.perf_counter()
    with pytest.raises(FileLimitError) as error:
        read_file(path)
    assert error.value.key == "io.field_too_large"
    assert time.perf_counter() - started < 10


def test_xlsx_with_one_huge_cell_is_refused_and_the_uncompressed_size_checked(tmp_path):
    path = tmp_path / "cell.xlsx"
    path.write_bytes(xlsx_bytes(sheet_xml([HEADER, [*ROW[:-1], "y" * 40 * MB]])))
    with pytest.raises(FileLimitError) as error:
        read_file(path)
    assert error.value.key == "io.field_too_large"
    small = tmp_path / "ok.xlsx"
    small.write_bytes(xlsx_bytes(sheet_xml([HEADER, ROW, [*ROW[:-1], "z" * MB]])))
    assert read_file(small).num_rows == 2
    with pytest.raises(FileLimitError) as error:
        read_file(small, limits=Limits(max_xlsx_bytes=MB // 2))
    assert error.value.key == "io.xlsx_too_large" and "0.5 MB" in error.value.message("en")


def test_the_time_limit_is_named_in_its_message(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx_bytes(sheet_xml([HEADER, ROW])))
    with pytest.raises(FileLimitError) as error:
        read_file(path, limits=Limits(max_seconds=0))
    assert error.value.key == "io.too_slow"
    assert "0 s" in error.value.message("en") and "max_seconds" in error.value.message("es")


REFUSED = {
    "wide.csv": lambda: (",".join(f"c{i}" for i in range(20_012)) + "\n1\n").encode(),
    "deep.json": lambda: b"[" * 50_000 + b"]" * 50_000,
    "doctype.xlsx": lambda: xlsx_bytes(sheet_xml([HEADER, ROW], prolog="<!DOCTYPE w []>")),
    "shared.xlsx": lambda: xlsx_bytes(shared_string_sheet(2)),
    "broken.xlsx": lambda: xlsx_bytes(sheet_xml([HEADER, ROW])[:-30]),
    "binary.csv": lambda: bytes(range(256)) * 4,
}


@pytest.fixture(scope="module")
def closed_observatory(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli") / "obs"
    Observatory.create(directory, "Prueba", "es").close()
    return directory


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_command_line_refuses_in_one_line_with_exit_status_2(
    closed_observatory, tmp_path, name, lang
):
    path = tmp_path / name
    path.write_bytes(REFUSED[name]())
    result = CliRunner().invoke(
        app,
        [
            *("--lang", lang, "ingest", str(path), "-s", "policia", "-m", "generic-victims"),
            *("--dir", str(closed_observatory)),
        ],
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    with Observatory.open(closed_observatory) as obs:
        assert obs.engine.scalar("SELECT count(*) FROM batches") == 0


CELL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])
    | st.sampled_from(['"', ",", ";", "\n", "\r", " ", "\t"]),
    max_size=30,
).filter(lambda s: not s.lstrip().startswith("#"))  # a first row of #tags is HXL


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=40),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "utf-16"]),
)
def test_any_valid_csv_reads_as_pythons_csv_module_reads_it(
    tmp_path_factory, rows, delimiter, newline, encoding
):
    """Python's csv module (RFC 4180 quoting) is the reference: same cells, row for row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    path.write_bytes(out.getvalue().encode(encoding))
    raw = read_file(path, delimiter=delimiter)
    expected = list(csv.reader(io.StringIO(out.getvalue(), newline=""), delimiter=delimiter))
    # An empty line (a bare CR at a cell's start leaves one before the row's rest) is no row,
    # for our reader as for csv.DictReader; csv.reader returns it as [].
    expected = [expected[0], *(r for r in expected[1:] if r)]
    columns = raw.table.select(["a", "b", "c"]).to_pydict().values()
    got = [[v or "" for v in row] for row in zip(*columns, strict=True)]
    # A bare CR is not quoted by csv.writer when the line ends in LF, so both readers split
    # the row there; ours pads the short piece with empty cells (to be quarantined).
    assert raw.extra_columns == [] and got == [r + [""] * (3 - len(r)) for r in expected[1:]]
