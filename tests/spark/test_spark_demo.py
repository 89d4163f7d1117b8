"""Ciudad Demo on DuckDB and on Spark local: the same counts cube (exactly), the same
linked-event counts and the same Gi* hot spots (p_sim to 1e-9, the same seed), Spark
reading the tables ``sereno store export --parquet`` wrote."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer.testing

import sereno.cli
from sereno.indicators.cube import counts_cube
from sereno.spatial import hotspots_from_store
from sereno.store import Observatory
from sereno.store.spark_engine import SparkEngine, on_spark

pytestmark = pytest.mark.spark
RUNNER = typer.testing.CliRunner()
KEYS = ["unit_code", "period", "iccs_code", "source"]


def invoke(*args: str) -> dict:
    result = RUNNER.invoke(sereno.cli.app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory, spark):
    from sereno.demo.build import build_demo

    built = build_demo(tmp_path_factory.mktemp("demo"), seed=7)
    invoke("link", "--dir", str(built.directory))
    exported = invoke("store", "export", "--parquet", str(built.directory / "parquet"),
                      "--dir", str(built.directory))  # fmt: skip
    duck = Observatory.open(built.directory)
    on = on_spark(Observatory.open(built.directory), spark)
    assert isinstance(on.engine, SparkEngine)
    truth = json.loads(built.truth.read_text())["flare_up"]
    yield duck, on, truth, exported
    duck.close()
    on.close()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEYS, na_position="first").reset_index(drop=True)


def test_the_export_writes_every_table_with_its_rows(demo):
    duck, _, _, exported = demo
    assert exported["tables"]["victims"] == duck.engine.scalar("SELECT count(*) FROM victims")
    assert exported["tables"]["events"] > 1000 and exported["rows"] > 25_000


@pytest.mark.parametrize(
    "options",
    [
        {"level": "colonia"},
        {"level": "municipio", "period": "year", "source": "all"},
        {"count_basis": "linked", "level": "colonia"},
        {"level": None, "sex": "male", "age": (15, 29)},
    ],
    ids=["colonia-month", "municipio-year-all", "linked-events", "own-units-young-men"],
)
def test_the_counts_cube_is_the_same_on_spark(demo, options):
    duck, on, _, _ = demo
    expected = counts_cube(duck, "0101", **options)
    got = counts_cube(on, "0101", **options)
    assert got.choice == expected.choice
    assert expected.total() > 100
    pd.testing.assert_frame_equal(_sorted(got.counts), _sorted(expected.counts))
    pd.testing.assert_frame_equal(got.coverage, expected.coverage, check_dtype=False)


def test_gi_star_hot_spots_are_the_same_on_spark_to_1e_9(demo):
    duck, on, truth, _ = demo
    options = dict(level="colonia", source="forense", start=truth["start"], end=truth["end"],
                   permutations=199, seed=1, fdr_alpha=0.05)  # fmt: skip
    expected = hotspots_from_store(duck, "count", **options)
    got = hotspots_from_store(on, "count", **options)
    assert np.array_equal(got.unit_codes, expected.unit_codes)
    np.testing.assert_allclose(got.z, expected.z, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.p_sim, expected.p_sim, rtol=0, atol=1e-9)
    assert np.array_equal(got.bins, expected.bins)
    assert (expected.to_frame("en").set_index("id").loc[truth["unit_codes"], "bin"] > 0).sum() >= 3
