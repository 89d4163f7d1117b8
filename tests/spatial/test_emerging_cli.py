"""sereno emerging on files: a planted flare-up through the command, outputs, JSON, errors."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from typer.testing import CliRunner

import sereno.cli

runner = CliRunner()
SIDE, STEPS = 10, 18
CENTRE = f"b{5 * SIDE + 5:03d}"


def invoke(*args: str, lang: str = "en"):
    return runner.invoke(sereno.cli.app, ["--lang", lang, "emerging", *args])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A 10 x 10 lattice (layer code column ``code``) and a long table whose column ``barrio``
    names the units; a 3 x 3 block flares up in the last step only."""
    root = tmp_path_factory.mktemp("emerging")
    codes = [f"b{i:03d}" for i in range(SIDE * SIDE)]
    layer = gpd.GeoDataFrame(
        {"code": codes},
        geometry=[box(c, r, c + 1, r + 1) for r in range(SIDE) for c in range(SIDE)],
        crs="EPSG:3857",
    )
    layer.to_file(root / "units.geojson", driver="GeoJSON")
    lam = np.full((SIDE * SIDE, STEPS), 2.0)
    block = [r * SIDE + c for r in range(4, 7) for c in range(4, 7)]
    lam[np.ix_(block, [STEPS - 1])] = 14.0
    counts = np.random.default_rng(1).poisson(lam)
    months = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(STEPS)]
    pd.DataFrame(
        {
            "barrio": np.repeat(codes, STEPS),
            "mes": np.tile(months, SIDE * SIDE),
            "homicidios": counts.ravel(),
        }
    ).to_csv(root / "counts.csv", index=False)
    return root


def common(files):
    return [
        str(files / "counts.csv"),
        "--unit",
        "barrio",
        "--time",
        "mes",
        "--value",
        "homicidios",
        "--geometry",
        str(files / "units.geojson"),
        "--geometry-code",
        "code",
    ]


@pytest.mark.parametrize("suffix", ["csv", "parquet", "geojson"])
def test_the_command_finds_the_planted_new_hot_spot_and_writes_one_row_per_unit(
    files, tmp_path, suffix
):
    out = tmp_path / f"out.{suffix}"
    result = invoke(*common(files), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["units"] == SIDE * SIDE and len(data["steps"]) == STEPS
    assert data["rules"] == "arcgis" and data["fdr"] is True and data["permutations"] == 0
    assert set(data["summary"]) == {"es", "en"} and "new hot spot" in data["summary"]["en"]
    assert "punto caliente nuevo" in data["summary"]["es"]
    by_unit = {row["unit_code"]: row for row in data["results"]}
    assert by_unit[CENTRE]["category"] == "new_hot" and by_unit[CENTRE]["hot_steps"] == 1
    read = {"csv": pd.read_csv, "parquet": pd.read_parquet, "geojson": gpd.read_file}[suffix]
    table = read(out)
    assert len(table) == SIDE * SIDE
    assert {"unit_code", "category", "tau", "trend_p", "hot_steps", "cold_steps"} <= set(
        table.columns
    )
    assert table.set_index("unit_code").loc[CENTRE, "category"] == "new_hot"
    assert sum(data["categories"].values()) == SIDE * SIDE


def test_sfdep_rules_with_permutations_maps_and_the_series_strip(files, tmp_path):
    result = invoke(
        *common(files),
        "--rules",
        "sfdep",
        "--permutations",
        "99",
        "--seed",
        "3",
        "--plot",
        str(tmp_path / "map.png"),
        "--series",
        str(tmp_path / "series.png"),
    )
    assert result.exit_code == 0, result.output
    assert "sfdep rules" in result.output.replace("\n", " ")
    assert (tmp_path / "map.png").stat().st_size > 20_000
    assert (tmp_path / "series.png").stat().st_size > 20_000


def test_the_summary_speaks_spanish_with_lang_es(files):
    result = invoke(*common(files), lang="es")
    assert result.exit_code == 0, result.output
    assert "punto caliente nuevo" in result.output and "Puntos calientes emergentes" in (
        result.output
    )


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--rules", "esri"], "Invalid rules 'esri'"),
        (["--weights", "hex"], "Invalid spatial weights 'hex'"),
        (["--lags", "-1"], "previous time steps must be 0 or more"),
        (["--out", "x.txt"], "use the extension"),
        (["--value", "nope"], "no column 'nope'"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(files, args, fragment):
    result = invoke(*common(files), *args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "Traceback" not in result.output


def test_a_table_without_its_layer_is_one_line_in_either_language(files):
    for lang, fragment in (("en", "layer of units is missing"), ("es", "Falta la capa")):
        result = invoke(str(files / "counts.csv"), lang=lang)
        assert result.exit_code == 2 and fragment in result.output
