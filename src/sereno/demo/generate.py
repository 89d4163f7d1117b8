"""Ciudad Demo: a synthetic city with known ground truth, written as an observatory's files.

``generate_city`` builds the city, its true homicides (with a planted flare-up and two
program effects), what five sources record of them, and the ground truth, and writes it all
under one folder. The same seed always gives byte-identical files.

    >>> files = generate_city(Path("demo"), seed=7)  # doctest: +SKIP
    >>> files.source_files["policia"].name  # doctest: +SKIP
    'policia_homicidios.csv'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from sereno.demo import incidents, sources
from sereno.demo.capture import SOURCES, draw_captures
from sereno.demo.city import CENSUS_YEARS, City, build_city, to_lonlat
from sereno.demo.ground_truth import expected_table, truth_summary, victims_table
from sereno.demo.groups import Groups, build_groups
from sereno.demo.mappings import SYNTHETIC, mapping_documents, mapping_text
from sereno.demo.truth import Plan, draw_victims, plan_homicides
from sereno.demo.writers import write_csv, write_geojson, write_json, write_xlsx

CITY_NAME = "Ciudad Demo (sintética)"
DISTRICT_NAMES = (
    "Distrito Centro",
    "Distrito Río Frío",
    "Distrito La Montaña",
    "Distrito El Valle",
    "Distrito Los Cerros",
    "Distrito La Llanura",
)
SOURCE_FILES = {
    "policia": "policia_homicidios.csv",
    "forense": "forense_defunciones.xlsx",
    "prensa": "prensa_monitor.geojson",
    "mesa_delitos": "mesa_delitos.csv",
    "desplazamiento": "desplazamiento_hxl.csv",
}
HXL_TAGS = {"fecha": "#date", "cod_colonia": "#adm3+code", "colonia": "#adm3+name",
            "hogares": "#affected+hh+displaced", "personas_desplazadas": "#affected+displaced",
            "tipo_evento": "#event+type"}  # fmt: skip


@dataclass(frozen=True)
class DemoFiles:
    """Paths of everything ``generate_city`` wrote."""

    out_dir: Path
    readme: Path
    units_municipio: Path
    units_distritos: Path
    units_colonias: Path
    poblacion: Path
    intervenciones: Path
    grupos: Path
    victimas: Path  # ground truth: one row per true victim
    esperados: Path  # ground truth: expected homicides per colonia and month
    verdad: Path  # ground truth summary (verdad.json)
    mappings: dict[str, Path]
    source_files: dict[str, Path]


def generate_city(out_dir: Path, seed: int = 7, years: tuple[int, int] = (2020, 2024)) -> DemoFiles:
    """Generate Ciudad Demo for ``years`` (first and last, inclusive) under ``out_dir``.

    Each stage draws from its own stream spawned from ``seed`` (NumPy ``SeedSequence``), so
    changing how one source is simulated leaves the city and the truth unchanged.
    """
    first, last = int(years[0]), int(years[1])
    if first > last:
        raise ValueError(f"years must be (first, last) with first <= last, got {years}")
    years = (first, last)
    out_dir = Path(out_dir)
    (out_dir / "mappings").mkdir(parents=True, exist_ok=True)
    (out_dir / "verdad").mkdir(exist_ok=True)
    streams = np.random.default_rng(seed).spawn(8)
    city = build_city(streams[0])
    groups = build_groups(streams[1], city)
    plan = plan_homicides(streams[2], city, groups, years)
    victims = draw_victims(streams[3], city, groups, plan)
    captured = draw_captures(streams[4], victims)
    records = {
        name: make(rng, city, victims[captured[name]])
        for name, make, rng in zip(
            SOURCES,
            (sources.policia, sources.forense, sources.prensa),
            streams[5].spawn(3),
            strict=True,
        )
    }
    mesa = incidents.mesa_incidents(streams[6], city, groups, plan)
    displaced = incidents.displacement(streams[7], city, groups, plan)

    source_files = _write_sources(out_dir, records, mesa, displaced)
    mappings = {}
    for name, document in mapping_documents().items():
        mappings[name] = out_dir / "mappings" / f"{name}.yaml"
        mappings[name].write_text(mapping_text(name, document), encoding="utf-8")
    table = victims_table(victims, records)
    summary = truth_summary(seed, years, city, plan, table, records, mesa, displaced)
    units = _write_units(out_dir, city)
    return DemoFiles(
        out_dir=out_dir,
        readme=_write_readme(out_dir, seed, years),
        units_municipio=units[0],
        units_distritos=units[1],
        units_colonias=units[2],
        poblacion=write_csv(out_dir / "poblacion.csv", _population_table(city)),
        intervenciones=write_csv(
            out_dir / "intervenciones.csv", _interventions_table(city, plan, years)
        ),
        grupos=_write_groups(out_dir / "grupos.geojson", city, groups),
        victimas=write_csv(out_dir / "verdad" / "victimas.csv", table),
        esperados=write_csv(
            out_dir / "verdad" / "esperados_mensuales.csv", expected_table(city, plan)
        ),
        verdad=write_json(out_dir / "verdad" / "verdad.json", summary),
        mappings=mappings,
        source_files=source_files,
    )


def _write_sources(
    out_dir: Path,
    records: dict[str, sources.SourceRecords],
    mesa: pd.DataFrame,
    displaced: pd.DataFrame,
) -> dict[str, Path]:
    paths = {name: out_dir / file for name, file in SOURCE_FILES.items()}
    write_csv(paths["policia"], records["policia"].frame, sep=";", encoding="latin-1")
    write_xlsx(paths["forense"], records["forense"].frame, sheet="defunciones")
    press = records["prensa"].frame
    write_geojson(
        paths["prensa"],
        shapely.points(press["lon"], press["lat"]),
        press.drop(columns=["lon", "lat"]),
        "prensa_monitor",
    )
    write_csv(paths["mesa_delitos"], mesa)
    write_csv(
        paths["desplazamiento"], displaced, extra_header=[HXL_TAGS[c] for c in displaced.columns]
    )
    return paths


def _write_units(out_dir: Path, city: City) -> tuple[Path, Path, Path]:
    """Municipality, districts and colonias as GeoJSON with ``code``, ``name``, ``parent``."""
    district_codes, district_shapes = city.district_geometry()
    municipio = write_geojson(
        out_dir / "units_municipio.geojson",
        np.array([to_lonlat(city.outline)]),
        pd.DataFrame({"code": ["DEMO"], "name": [CITY_NAME], "parent": [None]}),
        "municipio",
    )
    distritos = write_geojson(
        out_dir / "units_distritos.geojson",
        to_lonlat(district_shapes),
        pd.DataFrame(
            {
                "code": district_codes,
                "name": list(DISTRICT_NAMES[: len(district_codes)]),
                "parent": "DEMO",
            }
        ),
        "distritos",
    )
    colonias = write_geojson(
        out_dir / "units_colonias.geojson",
        to_lonlat(city.geometry),
        pd.DataFrame({"code": city.codes, "name": city.names, "parent": city.districts}),
        "colonias",
    )
    return municipio, distritos, colonias


def _population_table(city: City) -> pd.DataFrame:
    """unit_code, year, group, population for the census years, colonias only."""
    frames = [
        pd.DataFrame(
            {
                "unit_code": city.codes,
                "year": year,
                "group": group,
                "population": city.population[f"{group}_{year}"],
            }
        )
        for year in CENSUS_YEARS
        for group in ("total", "men_15_29", "women")
    ]
    return pd.concat(frames).sort_values(["unit_code", "year"], kind="stable")


def _interventions_table(city: City, plan: Plan, years: tuple[int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "intervention_id": p.id,
                "name_es": p.name_es,
                "name_en": p.name_en,
                "unit_codes": ";".join(city.codes[p.units]),
                "start": f"{plan.months[p.start]}-01",
                "end": f"{years[1]}-12-31",
                "cost_usd": p.cost_usd,
                "funder": p.funder,
            }
            for p in plan.interventions
        ]
    )


def _write_groups(path: Path, city: City, groups: Groups) -> Path:
    """Groups with their territory (union of their colonias), kind, size and rivalries."""
    shapes, rows = [], []
    for index, group_id in enumerate(groups.ids):
        held = groups.member == index
        shapes.append(shapely.union_all(city.geometry[held]))
        rows.append(
            {
                "group_id": group_id,
                "name": f"{groups.names[index]} (ficticio)",
                "kind": groups.kinds[index],
                "size_approx": groups.sizes[index],
                "parent_group": groups.parent(group_id),
                "rivalries": ";".join(groups.rivalries(group_id)),
                "unit_codes": ";".join(city.codes[held]),
            }
        )
    return write_geojson(
        path, to_lonlat(np.array(shapes, dtype=object)), pd.DataFrame(rows), "grupos"
    )


def _write_readme(out_dir: Path, seed: int, years: tuple[int, int]) -> Path:
    files = "\n".join(f"  {file:28s} {name} {SYNTHETIC}" for name, file in SOURCE_FILES.items())
    text = f"""Datos sintéticos / Synthetic data — Ciudad Demo does not exist

Ciudad Demo es una ciudad inventada. Sus colonias, personas, grupos, programas y delitos son
ficticios; cualquier parecido con personas o lugares reales es casual. Se genera con
`sereno.demo.generate.generate_city` (semilla {seed}, años {years[0]}-{years[1]}) para
demostrar Sereno y para comprobar que sus estimadores recuperan una verdad conocida.

Ciudad Demo is an invented city. Its neighbourhoods, people, groups, programs and crimes are
fictitious; any resemblance to real people or places is coincidental. It is generated by
`sereno.demo.generate.generate_city` (seed {seed}, years {years[0]}-{years[1]}) to
demonstrate Sereno and to check that its estimators recover a known truth.

Geografía / Geography (EPSG:4326): units_municipio.geojson, units_distritos.geojson,
  units_colonias.geojson (code, name, parent); poblacion.csv (censos / censuses 2018, 2023).
Fuentes / Sources (mapeos / mappings in mappings/NAME.yaml):
{files}
Programas / Programs: intervenciones.csv. Grupos / Groups: grupos.geojson.
Verdad / Ground truth: verdad/victimas.csv, verdad/esperados_mensuales.csv, verdad/verdad.json.
"""
    path = out_dir / "LEEME_README.txt"
    path.write_text(text, encoding="utf-8")
    return path
