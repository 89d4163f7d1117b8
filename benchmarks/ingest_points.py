"""Benchmark: ingest 1,000,000 victim-level rows with point-in-polygon location.

Prints our rows per second next to DuckDB's bare ``read_csv`` of the same file, in the same
run, and their ratio (these machines are shared and noisy: compare ratios, not seconds).

    python benchmarks/ingest_points.py [--rows 1000000] [--units 150]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import shapely

from sereno.geo.units import load_units
from sereno.ingest import harmonise_rows as stages
from sereno.ingest import pipeline
from sereno.ingest.pipeline import ingest_file
from sereno.store import Observatory


def city(n_units: int, rng: np.random.Generator) -> tuple[list, shapely.Polygon]:
    outline = shapely.box(-88.1, 15.4, -87.9, 15.6)
    seeds = shapely.multipoints(rng.uniform([-88.1, 15.4], [-87.9, 15.6], (n_units, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=outline))
    return [shapely.intersection(c, outline) for c in cells], outline


def write_inputs(folder: Path, rows: int, n_units: int, seed: int = 1) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    cells, _ = city(n_units, rng)
    features = [
        {
            "type": "Feature",
            "properties": {"code": f"C{i:04d}", "name": f"Colonia {i}"},
            "geometry": shapely.geometry.mapping(c),
        }
        for i, c in enumerate(cells)
    ]
    units = folder / "colonias.geojson"
    units.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    days = rng.integers(0, 5 * 365, rows)
    frame = pd.DataFrame(
        {
            "source_record_id": np.arange(rows).astype(str),
            "date": (np.datetime64("2019-01-01") + days).astype(str),
            "lat": np.round(rng.uniform(15.4, 15.6, rows), 6),
            "lon": np.round(rng.uniform(-88.1, -87.9, rows), 6),
            "offence": rng.choice(["homicidio doloso", "feminicidio", "robo a negocio"], rows),
            "sex": rng.choice(["hombre", "mujer", "no especificado"], rows),
            "age": rng.integers(12, 80, rows).astype(str),
            "weapon": rng.choice(["arma de fuego", "arma blanca"], rows),
        }
    )
    data = folder / "victimas.csv"
    frame.to_csv(data, index=False)
    return units, data


def bare_read(path: Path) -> float:
    """DuckDB reading the same CSV into a table: the floor for any CSV ingestion."""
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=150)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sereno-bench-"))
    try:
        units, data = write_inputs(folder, args.rows, args.units)
        observatory = Observatory.create(folder / "obs", "bench")
        load_units(observatory, units, "colonia")
        timings: dict[str, float] = {}
        for module, name in (
            (pipeline, "read_file"),
            (pipeline, "harmonise_rows"),
            (stages, "_locate_points"),
        ):
            original = getattr(module, name)

            def timed(*a, _original=original, _name=name, **k):
                start = time.perf_counter()
                try:
                    return _original(*a, **k)
                finally:
                    timings[_name] = timings.get(_name, 0) + time.perf_counter() - start

            setattr(module, name, timed)
        bare = bare_read(data)
        start = time.perf_counter()
        result = ingest_file(observatory, data, "bench", "generic-victims")
        ours = time.perf_counter() - start
        bare_again = bare_read(data)
        bare = min(bare, bare_again)
        assert result.stored + result.quarantined == args.rows, result
        print(
            f"rows: {args.rows:,}  units: {args.units}  stored: {result.stored:,}  "
            f"quarantined: {result.quarantined:,}"
        )
        print(f"sereno ingest:        {ours:7.2f} s  {args.rows / ours:12,.0f} rows/s")
        print(f"duckdb bare read_csv: {bare:7.2f} s  {args.rows / bare:12,.0f} rows/s")
        print(f"ratio (ours / bare):  {ours / bare:7.2f}x")
        read = timings.get("read_file", 0)
        parse = timings.get("harmonise_rows", 0)
        locate = timings.get("_locate_points", 0)
        print(
            f"where the time goes: read {read:.2f} s, parse+check {parse - locate:.2f} s, "
            f"point-in-polygon {locate:.2f} s, dedupe+write {ours - read - parse:.2f} s"
        )
        observatory.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
