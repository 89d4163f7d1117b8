"""Shared fixtures: a fresh observatory, and a small grid of units with names and populations.

``SERENO_TEST_ENGINE=postgresql`` runs every test that makes an observatory on PostgreSQL:
a server of the tests' own (``tests/store/postgres_server.py``) and a fresh database for
each observatory. The default is DuckDB.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from sereno.store import Observatory
from tests.store import postgres_server

ENGINE = os.environ.get("SERENO_TEST_ENGINE", "duckdb")
if ENGINE not in ("duckdb", "postgresql"):
    raise pytest.UsageError(f"SERENO_TEST_ENGINE={ENGINE}: use duckdb or postgresql")

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


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session, stopped at its end (skipped where Debian's
    ``postgresql`` package is missing, unless the suite was asked to run on it)."""
    if not postgres_server.available():
        if ENGINE == "postgresql":
            pytest.fail("SERENO_TEST_ENGINE=postgresql needs apt-get install -y postgresql")
        pytest.skip("PostgreSQL 15 is not installed (apt-get install -y postgresql)")
    server = postgres_server.PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _new_store(postgres):
    """A factory of empty stores on the session's server: each its own schema of one
    database (schemas cost nothing to make; the server and its files go at the end)."""
    import psycopg

    with psycopg.connect(postgres.url(), autocommit=True) as con:
        con.execute("CREATE DATABASE stores")

    def make() -> str:
        schema = "s_" + uuid.uuid4().hex[:16]
        with psycopg.connect(postgres.url("stores"), autocommit=True) as con:
            con.execute(f"CREATE SCHEMA {schema}")
        return postgres.url("stores") + f"?options=-csearch_path%3D{schema}"

    return make


@pytest.fixture
def postgres_database(_new_store):
    """A factory of empty PostgreSQL stores (libpq URLs)."""
    return _new_store


@pytest.fixture(scope="session", autouse=True)
def _store_engine(request):
    """On SERENO_TEST_ENGINE=postgresql, every observatory the tests make, whatever the
    fixture's scope, gets its own PostgreSQL store."""
    if ENGINE != "postgresql":
        yield
        return
    make = request.getfixturevalue("_new_store")
    create = Observatory.create.__func__

    def create_on_postgres(cls, directory, name=None, language="es", store=None):
        return create(cls, directory, name, language, store or make())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Observatory, "create", classmethod(create_on_postgres))
        yield
