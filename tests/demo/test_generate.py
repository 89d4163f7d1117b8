"""Ciudad Demo: reproducible files, a gap-free geography, the layouts the mappings describe,
and planted truth that the written data really carry."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from sereno.demo.generate import DemoFiles, generate_city
from sereno.ingest.mapping import load_mapping

YEARS = (2022, 2023)
MESA_LABELS = {"robo de vehículo con violencia", "robo de vehículo sin violencia", "secuestro",
               "extorsión", "robo a negocio"}  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_city(tmp_path_factory.mktemp("demo"), seed=7, years=YEARS)


@pytest.fixture(scope="module")
def truth(demo: DemoFiles) -> dict:
    return json.loads(demo.verdad.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def victims(demo: DemoFiles) -> pd.DataFrame:
    frame = pd.read_csv(demo.victimas, dtype=str, keep_default_na=False)
    return frame.assign(month=frame["date"].str[:7])


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(demo: DemoFiles, tmp_path: Path) -> None:
    again = generate_city(tmp_path / "again", seed=7, years=YEARS)
    first, second = _files(demo.out_dir), _files(again.out_dir)
    assert len(first) == 20
    assert first == second
    other = generate_city(tmp_path / "other", seed=8, years=YEARS)
    assert other.source_files["policia"].read_bytes() != first["policia_homicidios.csv"]


def test_everything_says_it_is_synthetic(demo: DemoFiles) -> None:
    assert demo.readme.read_text(encoding="utf-8").startswith(
        "Datos sintéticos / Synthetic data — Ciudad Demo does not exist"
    )
    for name, path in demo.mappings.items():
        mapping = load_mapping(path)
        assert mapping.source["name"] == name
        assert mapping.source["description"].endswith("(sintético / synthetic)")


def test_colonias_tile_the_city_without_gaps_or_overlaps(demo: DemoFiles) -> None:
    colonias = gpd.read_file(demo.units_colonias)
    city = gpd.read_file(demo.units_municipio)
    districts = gpd.read_file(demo.units_distritos)
    assert colonias.crs.to_epsg() == 4326
    utm = colonias.estimate_utm_crs()
    colonias, city, districts = (f.to_crs(utm) for f in (colonias, city, districts))
    area = city.area.iloc[0]
    assert 350e6 < area < 650e6, "about 25 km across"
    assert colonias.area.sum() == pytest.approx(area, rel=1e-6), "overlaps"
    union = shapely.union_all(colonias.geometry.values)
    assert union.area == pytest.approx(area, rel=1e-6), "gaps"
    assert shapely.difference(city.geometry.iloc[0], union).area < 1e-6 * area
    assert districts.area.sum() == pytest.approx(area, rel=1e-6)
    assert len(colonias) == 150 and colonias["code"].is_unique and colonias["name"].is_unique
    assert colonias["code"].str.fullmatch(r"C\d{3}").all()
    assert set(colonias["parent"]) == set(districts["code"]) == {f"D0{i}" for i in range(1, 7)}
    assert set(districts["parent"]) == {"DEMO"} and city["code"].tolist() == ["DEMO"]
    centre = city.to_crs(4326).geometry.iloc[0].centroid
    assert abs(centre.y - 15.50) < 0.05 and abs(centre.x + 88.00) < 0.05


def test_population_is_about_1_3_million_with_denser_centre(demo: DemoFiles) -> None:
    population = pd.read_csv(demo.poblacion, dtype={"unit_code": str})
    assert list(population.columns) == ["unit_code", "year", "group", "population"]
    assert set(population["year"]) == {2018, 2023}
    assert set(population["group"]) == {"total", "men_15_29", "women"}
    wide = population.pivot_table(index=["unit_code", "year"], columns="group", values="population")
    assert (wide["men_15_29"] < wide["women"]).all() and (wide["women"] < wide["total"]).all()
    totals = population[population["group"] == "total"].groupby("year")["population"].sum()
    assert all(1.1e6 <= t <= 1.5e6 for t in totals), totals.to_dict()
    colonias = gpd.read_file(demo.units_colonias)
    projected = colonias.to_crs(colonias.estimate_utm_crs())
    density = wide.xs(2023, level="year")["total"] / projected.set_index("code").area.reindex(
        wide.xs(2023, level="year").index
    )
    centre = colonias.set_index("code")["parent"] == "D01"
    assert density[centre[centre].index].median() > 2 * density[centre[~centre].index].median()


def test_policia_is_latin1_semicolon_with_dd_mm_yyyy_dates(demo: DemoFiles) -> None:
    data = demo.source_files["policia"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(data.decode("latin-1")), delimiter=";"))
    assert rows[0] == [
        "FOLIO",
        "FECHA",
        "HORA",
        "COLONIA",
        "DELITO",
        "SEXO",
        "EDAD",
        "ARMA",
        "LUGAR",
        "NOMBRE_VICTIMA",
    ]
    body = pd.DataFrame(rows[1:], columns=rows[0])
    assert body["FECHA"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    assert set(body["DELITO"]) == {"HOMICIDIO DOLOSO"} and set(body["SEXO"]) == {"H", "M"}
    assert (body["COLONIA"] == body["COLONIA"].str.upper()).all()
    assert body.duplicated().sum() == body["FOLIO"].duplicated().sum() > 0


def test_forense_is_an_xlsx_with_sheet_defunciones(demo: DemoFiles) -> None:
    book = openpyxl.load_workbook(demo.source_files["forense"], read_only=True)
    assert book.sheetnames == ["defunciones"]
    rows = list(book["defunciones"].iter_rows(values_only=True))
    assert rows[0] == (
        "id_caso",
        "fecha_defuncion",
        "cod_colonia",
        "sexo",
        "edad",
        "nombre",
        "causa",
        "mecanismo",
        "lugar_hallazgo",
    )
    body = pd.DataFrame(rows[1:], columns=rows[0])
    assert body["fecha_defuncion"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(body["sexo"]) == {"Hombre", "Mujer"}
    assert set(body["causa"]) == {"homicidio doloso", "feminicidio"}
    assert (body["nombre"] == "DESCONOCIDO").sum() > 0


def test_prensa_is_geojson_points_with_month_precision_dates(demo: DemoFiles) -> None:
    document = json.loads(demo.source_files["prensa"].read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection"
    assert {f["geometry"]["type"] for f in document["features"]} == {"Point"}
    properties = pd.DataFrame([f["properties"] for f in document["features"]])
    assert "lat" not in properties and "lon" not in properties  # the reader adds them
    assert set(properties["precision_fecha"]) == {1, 3}
    monthly = properties[properties["precision_fecha"] == 3]
    assert monthly["fecha"].str.endswith("-01").all()


def test_mesa_and_displacement_layouts(demo: DemoFiles) -> None:
    mesa = pd.read_csv(demo.source_files["mesa_delitos"], encoding="utf-8", dtype=str)
    assert list(mesa.columns) == ["folio", "fecha", "cve_colonia", "lat", "lon", "delito"]
    assert set(mesa["delito"]) == MESA_LABELS and mesa["folio"].is_unique
    per_year = mesa.groupby("delito").size() / 2
    assert 400 <= per_year["robo de vehículo sin violencia"] <= 900
    assert per_year["secuestro"] <= 25
    lines = demo.source_files["desplazamiento"].read_text(encoding="utf-8").splitlines()
    tags = lines[1].split(",")
    assert all(t.startswith("#") for t in tags)
    assert {"#date", "#adm3+code", "#affected+displaced", "#event+type"} <= set(tags)
    mapping = load_mapping(demo.mappings["desplazamiento"])
    assert mapping.layout == "counts" and mapping.counts == "victims"
    assert set(mapping.fields["count"].columns) <= set(lines[0].split(","))


def test_capture_patterns_add_up_to_the_true_victims(truth: dict, victims: pd.DataFrame) -> None:
    patterns = truth["capture_patterns"]
    assert sum(patterns.values()) == truth["true_victims"] == len(victims)
    assert (
        patterns
        == victims["capture_pattern"].value_counts().reindex(list(patterns), fill_value=0).to_dict()
    )
    for source, column in (
        ("policia", "policia_folio"),
        ("forense", "forense_id"),
        ("prensa", "prensa_id"),
    ):
        assert truth["victims_per_source"][source] == (victims[column] != "").sum()
    seen = truth["victims_per_source"]
    n = truth["true_victims"]
    assert 0.65 < seen["policia"] / n < 0.85 and 0.78 < seen["forense"] / n < 0.92
    assert 0.4 < seen["prensa"] / n < 0.6 and 0 < patterns["000"] < 0.1 * n


def test_flare_up_triples_the_rate_of_its_colonias(truth: dict, victims: pd.DataFrame) -> None:
    flare = truth["flare_up"]
    assert 3 <= len(flare["unit_codes"]) <= 5 and flare["start"][:4] == str(YEARS[1])
    inside = victims["unit_code"].isin(flare["unit_codes"])
    window = victims["month"].between(flare["start"], flare["end"])
    months = 12 * (YEARS[1] - YEARS[0] + 1)
    rate_in = (inside & window).sum() / 3
    rate_out = (inside & ~window).sum() / (months - 3)
    assert rate_in >= 2.5 * rate_out, (rate_in, rate_out)


def test_interventions_lower_the_rate_from_their_start(
    demo: DemoFiles, truth: dict, victims: pd.DataFrame
) -> None:
    expected = pd.read_csv(demo.esperados, dtype={"unit_code": str})
    programs = pd.read_csv(demo.intervenciones, dtype=str)
    assert list(programs["intervention_id"]) == [p["id"] for p in truth["interventions"]]
    flare_units = set(truth["flare_up"]["unit_codes"])
    comparison = victims["unit_code"].isin(truth["comparison_unit_codes"])
    for program in truth["interventions"]:
        units = program["unit_codes"]
        assert not flare_units & set(units)
        # In expectation the planted ratio holds exactly, from the start and not before.
        mine = expected[expected["unit_code"].isin(units)]
        after = mine["month"] >= program["start_month"]
        ratio = mine["expected"] / mine["baseline"]
        assert np.allclose(ratio[after], program["rate_ratio"], atol=1e-5)
        assert np.allclose(ratio[~after], 1.0, atol=1e-5)
        # In the drawn victims, within three Poisson standard errors of the planted ratio,
        # after removing trend and season with the untouched gang-held colonias.
        treated = victims["unit_code"].isin(units)
        later = victims["month"] >= program["start_month"]
        a, b = (treated & later).sum(), (treated & ~later).sum()
        c, d = (comparison & later).sum(), (comparison & ~later).sum()
        months_after = (expected["month"].drop_duplicates() >= program["start_month"]).sum()
        months_before = 12 * (YEARS[1] - YEARS[0] + 1) - months_after
        assert a / months_after < b / months_before, program["id"]
        z = (np.log((a / b) / (c / d)) - np.log(program["rate_ratio"])) / np.sqrt(
            1 / a + 1 / b + 1 / c + 1 / d
        )
        assert abs(z) < 3, (program["id"], z)


def test_every_row_ingests_or_is_quarantined_as_planted(
    demo: DemoFiles, truth: dict, tmp_path: Path
) -> None:
    from sereno.geo.units import load_units
    from sereno.ingest.pipeline import ingest_file
    from sereno.store import Observatory

    observatory = Observatory.create(tmp_path / "obs", name="demo")
    for level, path in (
        ("municipio", demo.units_municipio),
        ("distrito", demo.units_distritos),
        ("colonia", demo.units_colonias),
    ):
        load_units(observatory, path, level, parent="parent")
    results = {
        name: ingest_file(observatory, demo.source_files[name], name, mapping)
        for name, mapping in demo.mappings.items()
    }
    observatory.close()
    planted = truth["planted_errors"]["policia"]
    police = results["policia"]
    assert police.duplicates == planted["exact_duplicate_rows"]
    assert police.quarantined == planted["colonia_typos"]
    assert police.reasons == {"unknown_unit_name": planted["colonia_typos"]}
    assert police.stored == truth["victims_per_source"]["policia"] - planted["colonia_typos"]
    for name in ("forense", "prensa", "mesa_delitos", "desplazamiento"):
        assert results[name].quarantined == 0, (name, results[name].reasons)
        assert results[name].stored == results[name].rows_read
    assert results["forense"].stored == truth["victims_per_source"]["forense"]


def test_victims_look_like_homicide_victims(victims: pd.DataFrame, truth: dict) -> None:
    age = victims["age"].astype(int)
    assert 0.85 < (victims["sex"] == "male").mean() < 0.95
    assert age.between(15, 40).mean() > 0.6 and (victims["weapon"] == "firearm").mean() > 0.7
    per_year = np.array(list(truth["true_victims_by_year"].values()))
    assert ((per_year > 400) & (per_year < 650)).all()
    assert victims["name"].str.fullmatch(r"\w+( \w+){2,3}").mean() > 0.99
    assert re.fullmatch(r"V\d{5}", victims["true_id"].iloc[-1])
