"""Server stores: ``sereno init --store``, the URL rules, and ``sereno store copy`` from one
engine to the other and back (every table, every row, the same indicators).

These always use PostgreSQL (the tests' own server) beside the engine the suite runs on.
"""

from __future__ import annotations

import tomllib

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from sereno.cli import app
from sereno.errors import ConfigError, SerenoError
from sereno.ingest.pipeline import ingest_file
from sereno.store import Observatory
from sereno.store.copy import copy_store, open_target, store_tables
from sereno.store.postgres_engine import PostgresEngine

runner = CliRunner()


def test_init_with_a_postgresql_store_writes_its_url_and_never_a_password(
    tmp_path, postgres_database
):
    url = postgres_database()
    done = runner.invoke(app, ["--lang", "en", "init", str(tmp_path / "o"), "--store", url])
    assert done.exit_code == 0, done.output
    config = tomllib.loads((tmp_path / "o" / "sereno.toml").read_text())
    assert config["store"] == {"engine": "postgresql", "url": url}
    with Observatory.open(tmp_path / "o") as obs:
        assert isinstance(obs.engine, PostgresEngine)
        assert obs.engine.rows("SELECT action FROM audit_log") == [("init",)]
    secret = url.replace("sereno@", "sereno:hunter2@")
    refused = runner.invoke(app, ["--lang", "en", "init", str(tmp_path / "p"), "--store", secret])
    assert refused.exit_code == 2 and "PGPASSWORD" in refused.output
    assert "hunter2" not in refused.output and not (tmp_path / "p" / "sereno.toml").exists()


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "postgresql://u@h", "postgresql://u@h:99999/db", "postgresql:///db"]
)
def test_bad_store_urls_are_refused(tmp_path, url):
    with pytest.raises(ConfigError):
        Observatory.create(tmp_path / "o", store=url)


def test_an_unreachable_server_is_a_one_line_error(tmp_path, postgres):
    url = f"postgresql://sereno@127.0.0.1:{postgres.port}/no_such_database"
    with pytest.raises(ConfigError, match="no_such_database"):
        Observatory.create(tmp_path / "o", store=url)
    assert not (tmp_path / "o" / "sereno.toml").exists()


def _rows(engine, table: str) -> list[tuple]:
    """Every row of ``table``, in an order that does not depend on the engine."""
    return sorted(engine.rows(f'SELECT * FROM "{table}"'), key=repr)


@pytest.mark.slow
def test_store_copy_round_trips_every_table_and_the_indicators(
    observatory, data_dir, tmp_path, postgres_database
):
    ingest_file(observatory, data_dir / "sesnsp_municipal_sample.csv", "sesnsp", "sesnsp-municipal")
    ingest_file(
        observatory, data_dir / "inegi_defunciones_sample.csv", "inegi", "inegi-defunciones"
    )
    engine = observatory.engine
    engine.register(
        "alert_rows",
        pa.table({"u": pa.array([["U1", "U2"]], pa.list_(pa.string()))}),
    )
    engine.execute(
        "INSERT INTO alerts (alert_id, kind, method, indicator, unit_codes, start_date, end_date,"
        " observed, expected, statistic, severity, evidence, fingerprint) SELECT "
        "nextval('alert_id_seq'), 'scan', 'm', 'iccs:0101', u, DATE '2024-01-01', "
        "DATE '2024-01-31', 9, 2.5, 4.25, 'high', '{\"n\": [1, 2]}', 'f1' FROM alert_rows"
    )
    engine.execute(
        "INSERT INTO units (unit_code, name, name_key, level, geometry) "
        "VALUES ('U1', 'Álamo', 'alamo', 'colonia', '\\x01\\x02'::BLOB)"
    )
    observatory.audit("test", "copy")
    url = postgres_database()
    server = open_target(url)
    try:
        copied = copy_store(engine, server, url)
        audits = engine.scalar("SELECT count(*) FROM audit_log")
        assert copied.tables["records"] == 47 + 40 and copied.tables["audit_log"] == audits == 4
        for table in store_tables(engine):
            assert server.scalar(f'SELECT count(*) FROM "{table}"') == copied.tables[table]
        indicator = (
            "SELECT source_id, iccs_code, year, month, sum(n)::BIGINT AS n FROM observations "
            "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
        assert server.rows(indicator) == engine.rows(indicator)
        # Sequences go on from the copied rows.
        assert server.scalar("SELECT nextval('audit_id_seq')") == audits + 1
        with pytest.raises(SerenoError, match="already holds data"):
            copy_store(engine, server, url)  # only into an empty store
        back = open_target(str(tmp_path / "back.duckdb"))
        try:
            copy_store(server, back, "back.duckdb")
            for table in store_tables(engine):
                assert _rows(back, table) == _rows(engine, table), table
            geometry = "SELECT geometry FROM units WHERE unit_code = 'U1'"
            assert back.scalar(geometry) == engine.scalar(geometry) == b"\x01\x02"
            assert back.rows(indicator) == engine.rows(indicator)
        finally:
            back.close()
    finally:
        server.close()


def test_store_copy_command_switches_the_observatory(tmp_path, postgres_database):
    with Observatory.create(tmp_path / "o", store=None) as obs:
        obs.audit("test", "x")
    url = postgres_database()
    done = runner.invoke(
        app,
        ["--lang", "en", "store", "copy", "--to", url, "--switch", "--dir", str(tmp_path / "o")],
    )
    assert done.exit_code == 0, done.output
    assert "counts checked" in done.output
    with Observatory.open(tmp_path / "o") as obs:
        assert isinstance(obs.engine, PostgresEngine)
        assert obs.engine.scalar("SELECT count(*) FROM audit_log") == 2
    again = runner.invoke(
        app, ["--lang", "en", "store", "copy", "--to", url, "-d", str(tmp_path / "o")]
    )
    assert again.exit_code == 2 and "already holds data" in again.output
