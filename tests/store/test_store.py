"""The store: migrations, transactions, configuration, audit log."""

from __future__ import annotations

import pytest

from sereno.errors import ObservatoryError
from sereno.store import Observatory
from sereno.store.schema import latest_version, migrate
from sereno.store.translate import to_dialect


def test_create_open_and_migrate_once(tmp_path):
    with Observatory.create(tmp_path / "o", "Observatorio de Prueba") as obs:
        assert obs.config.name == "Observatorio de Prueba"
        assert migrate(obs.engine) == []
        tables = {r[0] for r in obs.engine.rows("SELECT table_name FROM information_schema.tables")}
        assert {
            "sources",
            "records",
            "victims",
            "incidents",
            "counts",
            "units",
            "populations",
            "batches",
            "quarantine",
            "audit_log",
        } <= tables
    with Observatory.open(tmp_path / "o") as obs:
        assert obs.engine.scalar("SELECT max(version) FROM schema_migrations") == latest_version()
        assert obs.engine.rows("SELECT action FROM audit_log") == [("init",)]


def test_not_an_observatory_and_already_one(tmp_path):
    with pytest.raises(ObservatoryError, match="sereno init"):
        Observatory.open(tmp_path)
    Observatory.create(tmp_path / "o").close()
    with pytest.raises(ObservatoryError):
        Observatory.create(tmp_path / "o")


def test_a_newer_store_is_refused(tmp_path):
    with Observatory.create(tmp_path / "o") as obs:
        obs.engine.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'x')")
    with pytest.raises(ObservatoryError, match="999"):
        Observatory.open(tmp_path / "o")


def test_transaction_rolls_back_on_error(observatory):
    engine = observatory.engine
    with pytest.raises(ZeroDivisionError), engine.transaction():
        engine.execute(
            "INSERT INTO units (unit_code, name, name_key, level) VALUES ('X', 'X', 'x', 'l')"
        )
        _ = 1 / 0
    assert engine.scalar("SELECT count(*) FROM units") == 0


def test_sql_translates_for_other_engines():
    sql = to_dialect("SELECT list_value(1, 2) AS xs, strftime(current_date, '%Y')", "postgres")
    assert "ARRAY[1, 2]" in sql and "TO_CHAR" in sql
