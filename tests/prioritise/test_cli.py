"""sereno prioritise on files and on an observatory: JSON, written files, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sereno.cli
from tests.prioritise.test_polygons import lattice

runner = CliRunner()

SPEC = """
name = "riesgo"
title = { es = "Riesgo de violencia", en = "Violence risk" }
unit = "unit_code"

[[indicator]]
key = "homicides"
name = { es = "Tasa de homicidios", en = "Homicide rate" }
count = "homicides"
population = "population"
weight = 0.6

[[indicator]]
key = "poverty"
name = { es = "Pobreza", en = "Poverty" }
column = "poverty"
weight = 0.4

[uncertainty]
normalisations = ["zscore", "rank"]
weight_spread = 0.2
samples = 32
top = 3
"""


def invoke(*args: str, lang: str = "en"):
    return runner.invoke(sereno.cli.app, ["--lang", lang, *args])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(2)
    units = [f"C{i:02d}" for i in range(30)]
    pop = rng.integers(3_000, 9_000, 30)
    homicides = rng.poisson(20 * pop / 1e5)
    homicides[:3] = [30, 25, 22]
    data = pd.DataFrame({"unit_code": units, "homicides": homicides, "population": pop})
    covariates = pd.DataFrame({"unit_code": units, "poverty": rng.uniform(10, 60, 30)})
    out = {"spec": tmp_path / "riesgo.toml", "data": tmp_path / "data.csv",
           "covariates": tmp_path / "cov.csv", "allocations": tmp_path / "alloc.csv"}  # fmt: skip
    out["spec"].write_text(SPEC, encoding="utf-8")
    data.to_csv(out["data"], index=False)
    covariates.to_csv(out["covariates"], index=False)
    pd.DataFrame(
        {"unit_code": units[5:], "year": 2024, "program": "prevención", "amount": 1000.0}
    ).to_csv(out["allocations"], index=False)
    return out


def test_index_on_files_writes_the_table_and_both_summaries(files, tmp_path):
    result = invoke("prioritise", "index", str(files["spec"]), "--data", str(files["data"]),
                    "--covariates", str(files["covariates"]), "--out", str(tmp_path / "i.csv"),
                    "--plot", str(tmp_path / "i.png"), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["uncertainty"]["runs"] == 32 * (2 + 2 + 2)
    assert {u["unit"] for u in data["units"][:3]} == {"C00", "C01", "C02"}
    assert "Violence risk" in data["summary"]["en"] and "Riesgo" in data["summary"]["es"]
    written = pd.read_csv(tmp_path / "i.csv")
    assert len(written) == 30 and (tmp_path / "i.png").stat().st_size > 10_000
    table = invoke("prioritise", "index", str(files["spec"]), "--data", str(files["data"]),
                   "--covariates", str(files["covariates"]), lang="es")  # fmt: skip
    assert table.exit_code == 0 and "simulaciones" in table.output


def test_polygons_on_a_layer_write_one_row_per_unit(tmp_path):
    path = tmp_path / "blocks.geojson"
    lattice(12, 3).to_file(path, driver="GeoJSON")
    result = invoke("prioritise", "polygons", str(path), "--id", "code", "--population", "pop",
                    "--risk", "risk", "--min", "10000", "--max", "15000",
                    "--out", str(tmp_path / "units.csv"), "--map", str(tmp_path / "m.png"),
                    "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["out_of_bounds"] == 0 and data["not_contiguous"] == 0
    units = pd.read_csv(tmp_path / "units.csv")
    assert len(units) == 144
    assert units["polygon"].notna().sum() == 144 - data["left_out"]
    assert units.groupby("polygon")["population"].sum().between(10_000, 15_000).all()


def test_funding_and_sequence_on_files(files, tmp_path):
    funding = invoke("prioritise", "funding", str(files["allocations"]), "--need",
                     str(files["data"]), "--json")  # fmt: skip
    assert funding.exit_code == 0, funding.output
    data = json.loads(funding.output)
    assert set(data["unfunded_high_violence"]) >= {"C00", "C01", "C02"}
    assert data["concentration_index"] < 0
    rates = pd.read_csv(files["data"]).assign(
        score=lambda f: f["homicides"] / f["population"] * 1e5
    )
    rates.to_csv(tmp_path / "scored.csv", index=False)
    seq = invoke("prioritise", "sequence", str(tmp_path / "scored.csv"), "--share", "0.3",
                 "--total-budget", "900000", "--json")  # fmt: skip
    assert seq.exit_code == 0, seq.output
    phases = json.loads(seq.output)["phases"]
    assert phases[0]["cumulative_homicide_share"] >= 0.3
    assert sum(p["allocation"] for p in phases) == pytest.approx(900_000)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["polygons", "{layer}", "--id", "code", "--population", "pop", "--max", "11000"],
         "is below unit"),
        (["polygons", "{layer}", "--id", "code", "--population", "pop", "--min", "9000000",
          "--max", "9900000"], "does not reach"),
        (["index", "{spec}", "--data", "{data}", "--covariates", "{short}"],
         "lacks 1 units"),
        (["funding", "missing.csv", "--need", "{data}"], "does not exist"),
        (["sequence", "{data}", "--priority", "nope"], "no column 'nope'"),
    ],
)  # fmt: skip
def test_user_mistakes_print_one_line_and_exit_2(files, tmp_path, args, fragment):
    layer = tmp_path / "blocks.geojson"
    blocks = lattice(6, 1)
    blocks.loc[0, "pop"] = 14_000
    blocks.to_file(layer, driver="GeoJSON")
    short = tmp_path / "short.csv"
    pd.read_csv(files["covariates"]).iloc[1:].to_csv(short, index=False)
    names = {**{k: str(v) for k, v in files.items()}, "layer": str(layer), "short": str(short)}
    result = invoke("prioritise", *[a.format(**names) for a in args])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.fixture
def store(grid_observatory, tmp_path):
    """The 3 x 3 grid with police homicides of 2024 and populations of 6,000 to 14,000."""
    from sereno.geo.populations import load_populations
    from sereno.ingest.pipeline import ingest_file

    counts = {"U1": 12, "U2": 1, "U3": 0, "U4": 3, "U5": 20, "U6": 2, "U7": 0, "U8": 1, "U9": 4}
    rows = ["source_record_id,date,unit_code,offence"]
    for u, n in counts.items():
        rows += [f"{u}-{i},2024-{1 + i % 12:02d}-10,{u},homicidio doloso" for i in range(n)]
    (tmp_path / "v.csv").write_text("\n".join(rows) + "\n")
    ingest_file(grid_observatory, tmp_path / "v.csv", "policia", "generic-victims")
    pops = ["unit_code,year,population"] + [f"U{i},2024,{5000 + 1000 * i}" for i in range(1, 10)]
    (tmp_path / "p.csv").write_text("\n".join(pops) + "\n")
    load_populations(grid_observatory, tmp_path / "p.csv")
    grid_observatory.close()
    return grid_observatory.directory


def test_on_the_observatory_index_funding_sequence_and_polygons(store, tmp_path):
    spec = tmp_path / "store.toml"
    spec.write_text(SPEC.replace(
        'unit = "unit_code"',
        'unit = "unit_code"\n[store]\nset = "homicide"\nstart = "2024-01"\nend = "2024-12"',
    ))  # fmt: skip
    cov = tmp_path / "poverty.csv"
    poverty = [50, 20, 10, 30, 60, 20, 10, 15, 25]
    pd.DataFrame({"unit_code": [f"U{i}" for i in range(1, 10)], "poverty": poverty}).to_csv(
        cov, index=False
    )
    index = invoke("prioritise", "index", str(spec), "--dir", str(store), "--covariates",
                   str(cov), "--json")  # fmt: skip
    assert index.exit_code == 0, index.output
    units = json.loads(index.output)["units"]
    assert {u["unit"] for u in units[:2]} == {"U1", "U5"}  # 200 per 100,000 and most poverty
    assert units[0]["name"] in ("El Álamo", "Centro")
    alloc = tmp_path / "alloc.csv"
    pd.DataFrame({"unit_code": ["U2", "U3", "U7"], "amount": [5e5, 3e5, 2e5]}).to_csv(
        alloc, index=False
    )
    funding = invoke("prioritise", "funding", str(alloc), "--dir", str(store), "--start",
                     "2024-01", "--end", "2024-12", "--json")  # fmt: skip
    assert funding.exit_code == 0, funding.output
    data = json.loads(funding.output)
    assert {"U1", "U5"} <= set(data["unfunded_high_violence"])
    quadrant = {u["unit"]: u["quadrant"] for u in data["units"]}
    assert quadrant["U1"] == quadrant["U5"] == "high_violence_low_funds"
    seq = invoke("prioritise", "sequence", "--dir", str(store), "--share", "0.7", "--plot",
                 str(tmp_path / "phases.png"), "--json")  # fmt: skip
    assert seq.exit_code == 0, seq.output
    first = [u["unit"] for u in json.loads(seq.output)["units"] if u["phase"] == 1]
    assert set(first) == {"U1", "U5"}  # 32 of 43 homicides
    assert (tmp_path / "phases.png").stat().st_size > 20_000  # the curve and the map
    poly = invoke("prioritise", "polygons", "--dir", str(store), "--min", "20000", "--max",
                  "30000", "--json")  # fmt: skip
    assert poly.exit_code == 0, poly.output
    made = json.loads(poly.output)
    assert made["out_of_bounds"] == 0 and made["not_contiguous"] == 0
    assert sum(p["units"] for p in made["polygons"]) + made["left_out"] == 9
