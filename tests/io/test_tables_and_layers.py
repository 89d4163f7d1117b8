"""sereno.io's table and layer readers and writers: typed formats keep their types (checked
against the files pandas and pyreadstat write), layers keep their CRS, and what we write as
JSON or GeoJSON is strict JSON."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyreadstat
import pytest
import shapely
from libpysal import examples

from sereno.errors import InputFileError, SerenoError
from sereno.io import read_layer, read_table, write_layer, write_table

FRAME = pd.DataFrame({"unit": ["U1", "U2", "U3"], "n": [3, 0, 12], "rate": [1.5, np.nan, np.inf]})


def strict(text: str):
    """Parse as RFC 8259 JSON: NaN and Infinity are refused."""

    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_csv_xlsx_and_json_come_back_as_text_exactly_as_written(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("unit,code\nU1,007\nU2,010\n")
    frame = read_table(path)
    assert list(frame.columns) == ["unit", "code"] and frame["code"].tolist() == ["007", "010"]
    write_table(frame, tmp_path / "t.xlsx")
    assert read_table(tmp_path / "t.xlsx")["code"].tolist() == ["007", "010"]


def test_parquet_stata_and_spss_keep_their_types(tmp_path):
    frame = FRAME.replace([np.inf], 2.5)
    write_table(frame, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.parquet"), frame)
    frame.to_stata(tmp_path / "t.dta", write_index=False)
    stata = read_table(tmp_path / "t.dta")
    assert stata["n"].tolist() == [3, 0, 12] and stata["unit"].tolist() == ["U1", "U2", "U3"]
    pyreadstat.write_sav(frame, str(tmp_path / "t.sav"))
    spss = read_table(tmp_path / "t.sav")
    assert spss["n"].tolist() == [3.0, 0.0, 12.0]
    assert np.isnan(spss["rate"].iloc[1]) and spss["rate"].iloc[2] == 2.5


def test_unreadable_typed_files_are_typed_errors(tmp_path):
    for name in ("bad.parquet", "bad.dta", "bad.sav"):
        (tmp_path / name).write_bytes(b"not a table at all")
        with pytest.raises(InputFileError):
            read_table(tmp_path / name)
    with pytest.raises(InputFileError) as error:
        read_table(tmp_path / "missing.parquet")
    assert error.value.key == "error.file_missing"


def test_json_and_geojson_written_are_strict(tmp_path):
    write_table(FRAME, tmp_path / "t.json")
    rows = strict((tmp_path / "t.json").read_text())
    assert rows[1]["rate"] is None and rows[2]["rate"] is None and rows[0]["rate"] == 1.5
    layer = gpd.GeoDataFrame(FRAME, geometry=shapely.points([1, 2, 3], [4, 5, 6]), crs=4326)
    write_layer(layer, tmp_path / "t.geojson")
    features = strict((tmp_path / "t.geojson").read_text())["features"]
    assert [f["properties"].get("rate") for f in features] == [1.5, None, None]


def test_layers_round_trip_through_every_format_with_their_crs(tmp_path):
    stl = gpd.read_file(examples.get_path("stl_hom.shp")).set_crs(4326)  # St Louis, lon/lat
    for suffix in (".gpkg", ".geojson", ".shp", ".parquet", ".fgb"):
        path = write_layer(stl, tmp_path / f"stl{suffix}")
        # FlatGeobuf's spatial index stores features in Hilbert order: compare by county.
        back = read_layer(path).sort_values("FIPSNO", ignore_index=True)
        assert len(back) == len(stl) == 78
        assert np.allclose(back["HR8893"], stl.sort_values("FIPSNO")["HR8893"])
        assert back.crs is not None and back.crs.equals(stl.crs), suffix


def test_a_layer_without_crs_takes_the_one_given_and_can_be_reprojected(tmp_path):
    layer = gpd.GeoDataFrame({"a": [1]}, geometry=shapely.points([500_000], [1_650_000]))
    path = write_layer(layer, tmp_path / "nocrs.gpkg")
    assert read_layer(path).crs is None
    back = read_layer(path, crs="EPSG:32616", to_crs="EPSG:4326")
    # 500,000 m east is UTM zone 16's central meridian, 87° W.
    assert back.crs.to_epsg() == 4326 and back.geometry.x.iloc[0] == pytest.approx(-87.0)


def test_unknown_extensions_are_refused_or_written_as_the_fallback(tmp_path):
    with pytest.raises(SerenoError) as error:
        write_table(FRAME, tmp_path / "t.doc")
    assert error.value.key == "io.bad_output" and ".parquet" in error.value.message("en")
    write_table(FRAME, tmp_path / "t.out", fallback=".csv")
    assert (tmp_path / "t.out").read_text().startswith("unit,n,rate\n")
    with pytest.raises(InputFileError):
        read_layer(tmp_path / "t.out")


def test_the_old_readers_module_still_works_and_says_where_they_went():
    import importlib
    import sys

    sys.modules.pop("sereno.ingest.readers", None)
    with pytest.warns(DeprecationWarning, match="sereno.io"):
        readers = importlib.import_module("sereno.ingest.readers")
    from sereno import io

    assert readers.read_file is io.read_file and readers.RawTable is io.RawTable
