"""sereno hotspots and sereno density on files: outputs, JSON, one-line errors."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from libpysal import examples
from typer.testing import CliRunner

import sereno.cli
import sereno.commands.spatial

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(sereno.cli.app, ["--lang", "en", *args])


@pytest.fixture(scope="module")
def stl_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("stl") / "stl.geojson"
    gpd.read_file(examples.get_path("stl_hom.shp")).to_file(path, driver="GeoJSON")
    return path


@pytest.mark.parametrize("suffix", ["csv", "parquet", "geojson"])
def test_hotspots_on_a_polygon_file_writes_the_table(stl_file, tmp_path, suffix):
    out = tmp_path / f"out.{suffix}"
    result = invoke(
        "hotspots",
        str(stl_file),
        "--value",
        "HR8893",
        "--id",
        "FIPS",
        "--permutations",
        "99",
        "--fdr",
        "0.05",
        "--out",
        str(out),
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["significant"] == 5 and data["significant_fdr"] == 4 and data["hot"] == 4
    table = (
        pd.read_csv(out)
        if suffix == "csv"
        else pd.read_parquet(out)
        if suffix == "parquet"
        else gpd.read_file(out)
    )
    assert len(table) == 78 and {"id", "z", "p", "p_sim", "bin", "status"} <= set(table.columns)


def test_hotspots_local_moran_with_rate_and_map(stl_file, tmp_path):
    result = invoke(
        "hotspots",
        str(stl_file),
        "--rate",
        "HC8893/PO8893",
        "--method",
        "local_moran",
        "--permutations",
        "99",
        "--map",
        str(tmp_path / "m.png"),
    )
    assert result.exit_code == 0, result.output
    assert "Moran's I" in result.output and (tmp_path / "m.png").stat().st_size > 10_000


def test_hotspots_points_on_an_h3_grid_and_density(tmp_path):
    import numpy as np

    rng = np.random.default_rng(2)
    csv = tmp_path / "points.csv"
    pd.DataFrame(
        {"lat": 14.08 + rng.normal(0, 0.01, 400), "lon": -87.2 + rng.normal(0, 0.01, 400)}
    ).to_csv(csv, index=False)
    result = invoke("hotspots", str(csv), "--grid", "h3:8", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert sum(r["value"] for r in data["results"]) == 400 and data["hot"] > 0
    result = invoke(
        "density",
        str(csv),
        "--bandwidth",
        "800",
        "--cell",
        "100",
        "--out",
        str(tmp_path / "d.csv"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["points"] == 400


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--value", "NOPE"], "no column 'NOPE'"),
        (["--value", "HR8893", "--weights", "hex"], "Invalid spatial weights 'hex'"),
        (["--value", "HR8893", "--out", "x.txt"], "use the extension"),
        (["--rate", "HC8893"], "Invalid --rate"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(stl_file, tmp_path, args, fragment):
    result = invoke("hotspots", str(stl_file), *args)
    assert result.exit_code == 2
    assert fragment in result.output and "Traceback" not in result.output
