"""Build the demo observatory: generate Ciudad Demo and load it like a real observatory would.

Every step is the one a person runs with the CLI (units, population, each source with its
mapping, interventions), so the demo exercises the product, quarantine included.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sereno.config import CONFIG_NAME, Config
from sereno.demo.field import add_field_records
from sereno.demo.generate import generate_city
from sereno.demo.harms import add_harms
from sereno.errors import ObservatoryError
from sereno.geo.populations import load_populations
from sereno.geo.units import load_units
from sereno.ingest.interventions import load_interventions
from sereno.ingest.pipeline import IngestResult, ingest_file
from sereno.ingest.report import write_ingestion_report
from sereno.store import Observatory

DEMO_NAME = "Ciudad Demo (sintética / synthetic)"
DATA_DIR = "datos-sinteticos"


@dataclass(frozen=True)
class DemoBuilt:
    directory: Path
    store: Path
    report: Path
    truth: Path
    batches: list[IngestResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "directory": str(self.directory),
            "store": str(self.store),
            "report": str(self.report),
            "truth": str(self.truth),
            "synthetic": True,
            "batches": [b.to_dict() for b in self.batches],
        }


def build_demo(
    directory: str | Path,
    seed: int = 7,
    years: tuple[int, int] = (2020, 2024),
    on_step: Callable[[str], None] | None = None,
) -> DemoBuilt:
    """Generate Ciudad Demo into ``directory`` and ingest it; rebuilds an earlier demo.

    ``on_step`` is told the name of each step as it starts, for a progress bar.
    """
    step = on_step or (lambda name: None)
    directory = Path(directory)
    _clear_previous_demo(directory)
    step("generate")
    files = generate_city(directory / DATA_DIR, seed=seed, years=years)
    observatory = Observatory.create(directory, DEMO_NAME, "es")
    try:
        observatory.config.document["observatory"]["synthetic"] = True
        observatory.config.save()
        for level, path, parent in (
            ("municipio", files.units_municipio, None),
            ("distrito", files.units_distritos, "parent"),
            ("colonia", files.units_colonias, "parent"),
        ):
            step(level)
            load_units(observatory, path, level, parent=parent)
        step("population")
        load_populations(observatory, files.poblacion)
        batches = []
        for name, path in files.source_files.items():
            step(name)
            batches.append(ingest_file(observatory, path, name, files.mappings[name]))
        add_harms(observatory, files, seed)  # displacement, disappearances, extortion
        step("interventions")
        load_interventions(observatory, files.intervenciones)
        step("field records")
        add_field_records(observatory, files.out_dir, files.grupos, seed)
        step("report")
        report = write_ingestion_report(observatory, batches, directory / "informes")
    finally:
        observatory.close()
    return DemoBuilt(directory, directory / "sereno.duckdb", report, files.verdad, batches)


def _clear_previous_demo(directory: Path) -> None:
    """Remove an earlier demo observatory; refuse to touch anything else."""
    config = directory / CONFIG_NAME
    if not config.exists():
        return
    if not Config.load(config).document["observatory"].get("synthetic", False):
        raise ObservatoryError("error.already_an_observatory", dir=directory)
    shutil.rmtree(directory)
