"""Islands, missing values and bad input: a clear message or a documented result."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from libpysal import examples

from sereno.errors import SerenoError
from sereno.spatial import hot_spots


def lattice(n: int = 6) -> gpd.GeoDataFrame:
    i = np.arange(n * n)
    boxes = shapely.box(i % n, i // n, i % n + 1, i // n + 1)
    rng = np.random.default_rng(3)
    return gpd.GeoDataFrame(
        {"code": [f"C{k}" for k in i], "v": rng.poisson(4, n * n)}, geometry=boxes
    )


def test_island_and_missing_units_are_left_out_and_reported():
    frame = lattice()
    island = gpd.GeoDataFrame({"code": ["ISLA"], "v": [50]}, geometry=[shapely.box(20, 20, 21, 21)])
    frame = gpd.GeoDataFrame(
        __import__("pandas").concat([frame, island], ignore_index=True), geometry="geometry"
    )
    frame["v"] = frame["v"].astype(float)
    frame.loc[3, "v"] = np.nan
    result = hot_spots(frame, "v", id_column="code", permutations=99, seed=1)
    table = result.to_frame("en").set_index("id")
    assert table.loc["ISLA", "status"] == "island" and table.loc["C3", "status"] == "missing"
    assert table.loc["ISLA", "bin"] == 0 and np.isnan(table.loc["ISLA", "z"])
    assert result.n_tested == 35 and np.isfinite(result.z[table["status"].to_numpy() == "ok"]).all()
    assert "1 without neighbours" in result.summary("en")
    assert "1 sin vecinos" in result.summary("es")
    d = result.to_dict("en")
    assert d["island"] == 1 and d["missing"] == 1 and d["results"][36]["z"] is None


@pytest.mark.parametrize(
    "kwargs,key",
    [
        ({"value": "nope"}, "spatial.missing_column"),
        ({"value": "v", "method": "lisa"}, "spatial.bad_method"),
        ({"value": "v", "weights": "queens"}, "spatial.bad_weights"),
        ({"value": "v", "weights": "knn:99"}, "spatial.knn_too_large"),
        ({"value": "v", "fdr_alpha": 5.0}, "spatial.bad_alpha"),
        ({"value": "flat"}, "spatial.constant_values"),
        ({"value": "text"}, "spatial.not_numeric"),
        ({}, "spatial.no_value"),
    ],
)
def test_bad_input_is_a_user_error(kwargs, key):
    frame = lattice().assign(flat=1.0, text=["3"] * 35 + ["tres"])
    with pytest.raises(SerenoError) as caught:
        hot_spots(frame, **kwargs)
    assert caught.value.key == key
    assert caught.value.message("es") != caught.value.message("en")


def test_too_few_units_with_values():
    frame = lattice(2)
    with pytest.raises(SerenoError) as caught:
        hot_spots(frame, "v")
    assert caught.value.key == "spatial.too_few_units"


def test_text_numbers_and_knn_on_points():
    frame = gpd.read_file(examples.get_path("columbus.shp"))
    frame["crime_text"] = frame["CRIME"].map(lambda x: f"{x:.6f}")
    points = frame.set_geometry(frame.centroid)
    a = hot_spots(points, "crime_text", weights="knn:5")
    b = hot_spots(points, "CRIME", weights="knn:5")
    np.testing.assert_allclose(a.z, b.z, atol=1e-5)
    assert a.weights == "knn:5"
