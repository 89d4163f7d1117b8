"""Shared fixtures: a fresh observatory, and a small grid of units with names and populations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sereno.store import Observatory

# A 3 x 3 grid of 0.01-degree squares near lat 15, lon -88 (about 1.1 km a side).
GRID_NAMES = [
    "El Álamo",
    "San José",
    "La Esperanza",
    "Las Brisas",
    "Centro",
    "Santa Fe",
    "Los Pinos",
    "San José Norte",
    "Villa Nueva",
]


def grid_geojson(path: Path) -> Path:
    features = []
    for i, name in enumerate(GRID_NAMES):
        x0, y0 = -88.0 + (i % 3) * 0.01, 15.0 + (i // 3) * 0.01
        ring = [[x0, y0], [x0 + 0.01, y0], [x0 + 0.01, y0 + 0.01], [x0, y0 + 0.01], [x0, y0]]
        features.append(
            {
                "type": "Feature",
                "properties": {"code": f"U{i + 1}", "name": name, "parent": "D1"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def unit_centre(code: str) -> tuple[float, float]:
    """(lat, lon) of the centre of grid unit ``code`` (U1..U9)."""
    i = int(code[1:]) - 1
    return 15.0 + (i // 3) * 0.01 + 0.005, -88.0 + (i % 3) * 0.01 + 0.005


@pytest.fixture
def observatory(tmp_path: Path):
    obs = Observatory.create(tmp_path / "obs", "Prueba", "es")
    yield obs
    obs.close()


@pytest.fixture
def grid_observatory(observatory: Observatory, tmp_path: Path):
    from sereno.geo.units import load_units

    load_units(observatory, grid_geojson(tmp_path / "grid.geojson"), "colonia", parent="parent")
    return observatory


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).parent / "data"
