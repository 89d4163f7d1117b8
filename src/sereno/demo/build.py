"""Build the demo observatory: generate Ciudad Demo and load it like a real observatory would.

Every step is the one a person runs with the CLI (units, population, each source with its
mapping, interventions), so the demo exercises the product, quarantine included.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sereno.config import CONFIG_NAME, Config
from sereno.demo.generate import generate_city
from sereno.ingest.report import write_ingestion_report
from sereno.errors import ObservatoryError
from sereno.geo.populations import load_populations
from sereno.geo.units import load_units
from sereno.ingest.interventions import load_interventions
from sereno.ingest.pipeline import IngestResult, ingest_file
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
        return {"directory": str(self.directory), "store": str(self.store),
                "report": str(self.report), "truth": str(self.truth),
                "synthetic": True, "batches": [b.to_dict() for b in self.batches]}


def build_demo(directory: str | Path, seed: int = 7,
               years: tuple[int, int] = (2020, 2024)) -> DemoBuilt:
    """Generate Ciudad Demo into ``directory`` and ingest it; rebuilds an earlier demo."""
    directory = Path(directory)
    _clear_previous_demo(directory)
    files = generate_city(directory / DATA_DIR, seed=seed, years=years)
    observatory = Observatory.create(directory, DEMO_NAME, "es")
    try:
        observatory.config.document["observatory"]["synthetic"] = True
        observatory.config.save()
        load_units(observatory, files.units_municipio, "municipio")
        load_units(observatory, files.units_distritos, "distrito", parent="parent")
        load_units(observatory, files.units_colonias, "colonia", parent="parent")
        load_populations(observatory, files.poblacion)
        batches = [
            ingest_file(observatory, files.source_files[name], name, files.mappings[name])
            for name in files.source_files
        ]
        load_interventions(observatory, files.intervenciones)
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
