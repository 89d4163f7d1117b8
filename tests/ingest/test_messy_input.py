"""Messy files: every row stored, quarantined, duplicate or excluded, with a reason to act on."""

from __future__ import annotations

import io
import zipfile

import pytest

from sereno.errors import InputFileError, MappingError
from sereno.ingest.pipeline import ingest_file
from sereno.ingest.quarantine import quarantine_rows, retry_quarantine
from tests.conftest import unit_centre

HEADER = "source_record_id,date,unit_code,offence,sex,age\n"


def write(tmp_path, name: str, text: str, encoding: str = "utf-8", bom: bool = False):
    path = tmp_path / name
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def assert_adds_up(result) -> None:
    assert (
        result.stored + result.quarantined + result.duplicates + result.excluded == result.rows_read
    )


def store_counts(observatory) -> tuple[int, int, int, int]:
    q = observatory.engine.scalar
    return (
        q("SELECT count(*) FROM records"),
        q("SELECT count(*) FROM victims"),
        q("SELECT count(*) FROM quarantine"),
        q("SELECT count(*) FROM batches"),
    )


def test_wrong_dates_unknown_labels_and_bad_ages_are_quarantined_with_reasons(
    grid_observatory, tmp_path
):
    path = write(
        tmp_path,
        "v.csv",
        HEADER
        + "1,2023-01-05,U1,homicidio doloso,hombre,30\n"
        + "2,2023-02-30,U1,homicidio doloso,hombre,30\n"  # no such day
        + "3,05/13/2023,U2,homicidio doloso,mujer,22\n"  # month-first
        + "4,2023-01-07,U2,ajuste de cuentas,hombre,40\n"  # unknown label
        + "5,2023-01-08,U3,homicidio doloso,hombre,300\n"  # impossible age
        + "6,2023-01-09,U99,homicidio doloso,hombre,20\n"  # unknown unit
        + "7,2090-01-09,U3,homicidio doloso,hombre,20\n",
    )  # future
    result = ingest_file(grid_observatory, path, "policia", "generic-victims")
    assert_adds_up(result)
    assert result.stored == 1 and result.quarantined == 6
    assert result.reasons == {
        "bad_date": 2,
        "unknown_offence": 1,
        "bad_age": 1,
        "unknown_unit_code": 1,
        "date_range": 1,
    }
    rows = quarantine_rows(grid_observatory, "policia", lang="en").set_index("row_number")
    assert rows.loc[4, "value"] == "ajuste de cuentas" and rows.loc[4, "column_name"] == "offence"
    assert "ajuste de cuentas" in rows.loc[4, "reason"] and "offences:" in rows.loc[4, "reason"]
    assert rows.loc[3, "value"] == "05/13/2023" and "%d/%m/%Y" in rows.loc[3, "reason"]
    assert "U99" in rows.loc[6, "reason"]


def test_an_infinite_or_huge_age_is_quarantined_not_a_failed_batch(grid_observatory, tmp_path):
    # Found by the reader fuzz suite: "1e999" reads as an infinite number, "inf" as one too,
    # and the SMALLINT cast of the age column used to fail the whole ingestion on them.
    path = write(
        tmp_path,
        "v.csv",
        HEADER
        + "1,2023-01-05,U1,homicidio doloso,hombre,30\n"
        + "2,2023-01-06,U1,homicidio doloso,hombre,1e999\n"
        + "3,2023-01-07,U2,homicidio doloso,mujer,inf\n"
        + "4,2023-01-08,U2,homicidio doloso,mujer,99999999\n",
    )
    result = ingest_file(grid_observatory, path, "policia", "generic-victims")
    assert_adds_up(result)
    assert result.stored == 1 and result.reasons == {"bad_age": 3}


def test_latin1_semicolons_bom_and_blank_lines(grid_observatory, tmp_path):
    text = (
        "folio;fecha;colonia;delito;sexo\n\n"
        "A1;03/01/2023;Colonia El Álamo;Homicidio doloso;Hombre\n\n"
        "A2;04/01/2023;SAN JOSÉ;HOMICIDIO DOLOSO;Mujer\n"
    )
    mapping = write(
        tmp_path,
        "m.yaml",
        "fields: {source_record_id: folio, date: fecha, "
        "unit_name: colonia, offence: delito, sex: sexo}\n"
        "date_format: '%d/%m/%Y'\n",
    )
    (tmp_path / "latin1").mkdir()
    latin = write(
        tmp_path / "latin1",
        "p.csv",
        text.replace("Colonia El Álamo", "El Álamo"),
        encoding="latin-1",
    )
    result = ingest_file(grid_observatory, latin, "policia", mapping)
    assert (result.rows_read, result.stored) == (2, 2)
    units = grid_observatory.engine.rows("SELECT unit_code FROM victims ORDER BY record_id")
    assert units == [("U1",), ("U2",)]
    bom = write(
        tmp_path,
        "b.csv",
        text.replace("Colonia El Álamo", "el alamo").replace("A1", "B1").replace("A2", "B2"),
        bom=True,
    )
    result = ingest_file(grid_observatory, bom, "policia", mapping)
    assert result.stored == 2
    assert (
        grid_observatory.engine.scalar("SELECT count(*) FROM records WHERE raw->>'folio' = 'B1'")
        == 1
    )


def test_ambiguous_and_unknown_names_go_to_quarantine(grid_observatory, tmp_path):
    # "San Jose" matches one unit; an extra unit with the same folded name makes it ambiguous.
    path = write(
        tmp_path,
        "n.csv",
        "date,unit_name,offence\n"
        "2023-01-01,Barrio Inexistente,homicidio doloso\n"
        "2023-01-02,  san   josé ,homicidio doloso\n",
    )
    result = ingest_file(grid_observatory, path, "prensa", "generic-victims")
    assert result.reasons == {"unknown_unit_name": 1} and result.stored == 1


def test_points_are_located_in_their_units(grid_observatory, tmp_path):
    lat, lon = unit_centre("U5")
    lat9, lon9 = unit_centre("U9")
    path = write(
        tmp_path,
        "p.csv",
        "date,lat,lon,offence\n"
        f"2023-01-01,{lat},{lon},homicidio doloso\n"
        f"2023-01-01,{lat9},{lon9},homicidio doloso\n"
        "2023-01-01,14.0,-87.0,homicidio doloso\n"  # outside every unit
        "2023-01-01,95.0,-87.0,homicidio doloso\n",
    )  # not a latitude
    result = ingest_file(grid_observatory, path, "prensa", "generic-victims")
    assert result.reasons == {"outside_units": 1, "bad_coordinates": 1}
    rows = grid_observatory.engine.rows(
        "SELECT unit_code, location_precision, location_method FROM victims ORDER BY record_id"
    )
    assert rows == [("U5", 1, "point"), ("U9", 1, "point")]


def test_duplicated_rows_and_reingestion_store_nothing_twice(grid_observatory, tmp_path):
    row = "1,2023-01-05,U1,homicidio doloso,hombre,30\n"
    bad = "9,2023-01-05,U1,riña,hombre,30\n"
    path = write(
        tmp_path, "d.csv", HEADER + row + row + "2,2023-01-06,U2,feminicidio,mujer,\n" + bad + bad
    )
    first = ingest_file(grid_observatory, path, "forense", "generic-victims")
    assert (first.stored, first.duplicates, first.quarantined) == (2, 2, 1)
    before = store_counts(grid_observatory)
    again = ingest_file(grid_observatory, path, "forense", "generic-victims")
    assert_adds_up(again)
    assert again.stored == 0 and again.duplicates + again.quarantined == 5
    after = store_counts(grid_observatory)
    assert after[:3] == before[:3] and after[3] == before[3] + 1


def test_thousands_separators_in_counts(grid_observatory, tmp_path):
    path = write(
        tmp_path,
        "c.csv",
        "year;month;unit_code;offence;count\n"
        "2023;1;U1;robo a negocio;1.234\n2023;2;U1;robo a negocio;56\n"
        "2023;3;U1;robo a negocio;12,5\n2023;4;U1;robo a negocio;-3\n",
    )
    mapping = write(
        tmp_path,
        "m.yaml",
        "layout: counts\ncounts: incidents\nthousands: '.'\n"
        "fields: {year: year, month: month, unit_code: unit_code, offence: offence,"
        " count: count}\n",
    )
    result = ingest_file(grid_observatory, path, "fiscalia", mapping)
    assert result.stored == 2 and result.reasons == {"bad_count": 2}
    assert grid_observatory.engine.rows("SELECT n FROM counts ORDER BY month") == [(1234,), (56,)]


def test_rows_with_too_many_or_too_few_cells(grid_observatory, tmp_path):
    path = write(
        tmp_path,
        "r.csv",
        HEADER + "1,2023-01-05,U1,homicidio doloso,hombre,30,EXTRA\n"
        "2,2023-01-05,U1,homicidio doloso,hombre,31\n" + "3,2023-01-06,U2",
    )
    result = ingest_file(grid_observatory, path, "policia", "generic-victims")
    assert_adds_up(result)
    assert result.stored == 1
    assert result.reasons == {"too_many_cells": 1, "missing_offence": 1}
    raw = grid_observatory.engine.scalar(
        "SELECT raw FROM quarantine WHERE reason_code = 'too_many_cells'"
    )
    assert "EXTRA" in raw  # the extra cell is kept verbatim, not lost


@pytest.mark.parametrize(
    "content,name",
    [
        (b"", "empty.csv"),
        (b"   \n\n", "blank.csv"),
        (b"source_record_id,date\n", "header.csv"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx"),
        (b'[{"date": "2023-01-', "cut.json"),
        (b"\x00\x01\x02binary", "binary.csv"),
    ],
)
def test_unreadable_files_raise_a_clear_error_and_store_nothing(
    grid_observatory, tmp_path, content, name
):
    path = tmp_path / name
    path.write_bytes(content)
    before = store_counts(grid_observatory)
    with pytest.raises(InputFileError) as error:
        ingest_file(grid_observatory, path, "policia", "generic-victims")
    assert name in error.value.message("es") and name in error.value.message("en")
    assert store_counts(grid_observatory) == before


def test_truncated_xlsx_is_refused(grid_observatory, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["date", "unit_code", "offence"])
    book.active.append(["2023-01-01", "U1", "homicidio doloso"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "cut.xlsx"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(InputFileError):
        ingest_file(grid_observatory, path, "policia", "generic-victims")
    assert not zipfile.is_zipfile(path)


def test_xlsx_json_and_geojson_read_like_csv(grid_observatory, tmp_path):
    import json

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["date", "unit_code", "offence", "age"])
    book.active.append([__import__("datetime").datetime(2023, 1, 2), "U1", "secuestro", 25.0])
    book.save(tmp_path / "x.xlsx")
    lat, lon = unit_centre("U4")
    (tmp_path / "j.json").write_text(
        json.dumps({"data": [{"date": "2023-01-03", "unit_code": "U2", "offence": "extorsión"}]})
    )
    (tmp_path / "g.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"date": "2023-01-04", "offence": "homicidio doloso"},
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    }
                ],
            }
        )
    )
    for name in ("x.xlsx", "j.json", "g.geojson"):
        result = ingest_file(grid_observatory, tmp_path / name, "varios", "generic-victims")
        assert result.stored == 1, (name, result.reasons)
    rows = grid_observatory.engine.rows(
        "SELECT date::VARCHAR, unit_code, iccs_code, age FROM victims ORDER BY date"
    )
    assert rows == [
        ("2023-01-02", "U1", "020221", 25),
        ("2023-01-03", "U2", "02051", None),
        ("2023-01-04", "U4", "0101", None),
    ]


def test_hxl_hashtags_can_name_columns(grid_observatory, tmp_path):
    path = write(
        tmp_path,
        "h.csv",
        "Fecha,Código,Tipo,Personas\n"
        "#date,#adm3+code,#event+type,#affected+displaced\n"
        "2023-01-01,U1,desplazamiento forzado,12\n",
    )
    mapping = write(
        tmp_path,
        "m.yaml",
        "layout: counts\ncounts: victims\nfields: {year: "
        "'#date', unit_code: '#adm3+code', offence: '#event+type', "
        "count: '#affected+displaced'}\n",
    )
    # year from a full date is not a year: the mapping error is the user's to fix.
    result = ingest_file(grid_observatory, path, "ong", mapping)
    assert result.rows_read == 1 and result.reasons == {"bad_year": 1}
    mapping.write_text(mapping.read_text().replace("year: '#date'", "date: '#date'"))
    result = ingest_file(grid_observatory, path, "ong", mapping)
    assert result.stored == 1 and result.quarantined == 0
    assert (
        grid_observatory.engine.scalar("SELECT count(*) FROM quarantine WHERE status = 'open'") == 0
    )
    assert grid_observatory.engine.rows("SELECT iccs_code, n FROM counts") == [("SRN01", 12)]


def test_missing_column_in_mapping_is_a_clear_error(grid_observatory, tmp_path):
    path = write(tmp_path, "v.csv", "fecha,delito\n2023-01-01,homicidio doloso\n")
    mapping = write(
        tmp_path, "m.yaml", "fields: {date: fecha, offence: delito, unit_code: colonia}\n"
    )
    with pytest.raises(MappingError) as error:
        ingest_file(grid_observatory, path, "x", mapping)
    assert "colonia" in error.value.message("es") and "fecha, delito" in error.value.message("en")


def test_quarantine_retry_after_fixing_the_mapping(grid_observatory, tmp_path):
    path = write(
        tmp_path,
        "v.csv",
        HEADER + "1,2023-01-05,U1,ajuste de cuentas,hombre,30\n"
        "2,2023-01-06,U1,homicidio doloso,H,31\n",
    )
    mapping = write(
        tmp_path,
        "m.yaml",
        "fields: {source_record_id: source_record_id, date: "
        "date, unit_code: unit_code, offence: offence, sex: sex, age: age}\n",
    )
    first = ingest_file(grid_observatory, path, "policia", mapping)
    assert first.quarantined == 2 and first.reasons == {"unknown_offence": 1, "unknown_value": 1}
    kept = grid_observatory.mapping_path("policia")
    kept.write_text(
        kept.read_text() + "offences: {'ajuste de cuentas': '0101'}\nvalues: {sex: {H: male}}\n"
    )
    retry = retry_quarantine(grid_observatory, "policia")
    assert (retry.retried, retry.resolved, retry.still_quarantined) == (2, 2, 0)
    assert (
        grid_observatory.engine.rows("SELECT sex, iccs_code FROM victims ORDER BY record_id")
        == [("male", "0101")] * 2
    )
    again = ingest_file(grid_observatory, path, "policia")
    assert again.duplicates == 2 and again.stored == 0


def test_a_correction_is_a_new_version_not_an_edit(grid_observatory, tmp_path):
    first = write(tmp_path, "a.csv", HEADER + "1,2023-01-05,U1,homicidio doloso,hombre,30\n")
    ingest_file(grid_observatory, first, "policia", "generic-victims")
    second = write(tmp_path, "b.csv", HEADER + "1,2023-01-05,U1,homicidio doloso,hombre,31\n")
    result = ingest_file(grid_observatory, second, "policia", "generic-victims")
    assert result.stored == 1 and result.new_versions == 1
    engine = grid_observatory.engine
    assert engine.rows("SELECT version FROM records ORDER BY version") == [(1,), (2,)]
    assert engine.scalar("SELECT count(*) FROM observations") == 1
    assert engine.scalar("SELECT raw->>'age' FROM current_records") == "31"


def test_dry_run_reports_and_stores_nothing(grid_observatory, tmp_path):
    path = write(
        tmp_path,
        "v.csv",
        HEADER + "1,2023-01-05,U1,homicidio doloso,hombre,30\n2,2023-01-05,U1,?,hombre,30\n",
    )
    before = store_counts(grid_observatory)
    result = ingest_file(grid_observatory, path, "policia", "generic-victims", dry_run=True)
    assert result.dry_run and (result.stored, result.quarantined) == (1, 1)
    assert store_counts(grid_observatory) == before
    assert not grid_observatory.mapping_path("policia").exists()


def test_a_crash_halfway_leaves_the_store_as_it_was(grid_observatory, tmp_path, monkeypatch):
    from sereno.ingest import writes

    path = write(
        tmp_path,
        "v.csv",
        HEADER + "1,2023-01-05,U1,homicidio doloso,hombre,30\n2,2023-01-05,U1,?,hombre,30\n",
    )
    before = store_counts(grid_observatory)

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writes, "quarantine_failed", crash)  # after records were inserted
    with pytest.raises(RuntimeError):
        ingest_file(grid_observatory, path, "policia", "generic-victims")
    assert store_counts(grid_observatory) == before
    assert grid_observatory.engine.scalar("SELECT count(*) FROM sources") == 0
