"""Names as linkage keys (nicknames resolved, aliases stripped, spelt as they sound), the
shipped nickname table, and blocking rules that find the pairs they were designed for."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from sereno.link import model
from sereno.link.accuracy import linkage_accuracy
from sereno.link.linkage import link_records
from sereno.link.records import fold, nickname_table, prepare_records

NAME_LEVEL = "same name once nicknames are resolved"


def victims(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"record_id": np.arange(1, n + 1), "source_id": ["policia", "prensa"] * (n // 2)}
    return pd.DataFrame({**base, **columns})


def score_pair(records: pd.DataFrame) -> pd.Series:
    """Splink's comparison of the first two records of ``records`` (prepared), untrained."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI()
    linker = Linker(db_api.register(records), model.victim_settings(), log_level=logging.ERROR)
    # Frames, not dicts: Splink would read an empty list of neighbours as integers.
    left, right = (db_api.register(records.iloc[[i]]) for i in (0, 1))
    scored = linker.inference.score_pair(left, right, include_found_by_blocking_rules=True)
    return scored.as_pandas_dataframe().iloc[0]


def test_nickname_table_is_clean() -> None:
    table = nickname_table()
    assert len(table) >= 100
    assert table.notna().all().all()
    assert not table.duplicated().any()
    assert (table["nickname"] != table["canonical"]).all()
    # A nickname that is also a given name would rename people called by it.
    assert not set(table["nickname"]) & set(table["canonical"])
    usual = table.drop_duplicates("nickname").set_index("nickname")["canonical"]
    assert usual[["pepe", "chepe", "chema", "paco", "pancho", "chuy", "memo", "tono", "guicho",
                  "wicho", "lupe", "chabela", "moncho"]].tolist() == [
        "jose", "jose", "jose", "francisco", "francisco", "jesus", "guillermo", "antonio",
        "luis", "luis", "guadalupe", "isabel", "ramon"]  # fmt: skip
    assert set(table.loc[table["nickname"] == "beto", "canonical"]) >= {"roberto", "alberto"}


def test_names_lose_aliases_and_resolve_nicknames() -> None:
    names = ['Juan "El Chino" Pérez', "Juan Pérez alias El Chino", "JUAN PÉREZ (a) El Chino",
             "Juan 'Chino' Pérez", "Beto Villanueva", "DESCONOCIDO", "José Luis O'Neil Zúniga",
             "alias El Gato"]  # fmt: skip
    out = prepare_records(victims(name=names))
    assert out["name_key"][:4].tolist() == ["juan perez"] * 4
    assert out["name_key"][6] == "jose luis o neil zuniga"
    assert out["name_key"][[5, 7]].isna().all()
    assert list(out["given_keys"][4])[:2] == ["roberto", "alberto"]
    assert out["given_sound"][4] == "roberto" and out["second_sound"][4] == "biyanueba"
    assert out["surnames"][0] == "perez" and out["last_sound"][6] == "suniga"
    assert fold(pd.Series(["Toño"]))[0] == "tono"


def test_jose_and_pepe_are_one_name_and_block_together() -> None:
    """José Pérez López (police) and Pepe Pérez, 20 days later in another unit (press): only
    the name can bring them together, and it does."""
    records = prepare_records(
        victims(
            name=["José Pérez López", "Pepe Pérez"],
            date=["2024-01-05", "2024-01-25"],
            unit_code=["U1", "U7"],
            sex=["male", "male"],
            age=[30, 31],
        )
    )
    scored = score_pair(records)
    assert scored["gamma_name"] == level_of("name", NAME_LEVEL)
    assert scored["found_by_blocking_rules"]


def test_unnamed_bodies_block_by_date_unit_sex_and_age() -> None:
    def blocked(dates, units, ages) -> bool:
        names = ["DESCONOCIDO", None]
        frame = victims(name=names, date=dates, unit_code=units, sex=["male"] * 2, age=ages)
        return bool(score_pair(prepare_records(frame))["found_by_blocking_rules"])

    assert blocked(["2024-01-05", "2024-01-05"], ["U1", "U9"], [30, 45])  # same day
    assert blocked(["2024-01-05", "2024-01-08"], ["U1", "U1"], [30, None])  # unit, month
    assert blocked(["2024-01-31", "2024-02-01"], ["U1", "U1"], [30, 30])  # across a month
    assert blocked(["2024-01-05", "2024-01-07"], ["U1", "U2"], [30, 30])  # neighbouring unit
    assert not blocked(["2024-01-05", "2024-03-07"], ["U1", "U2"], [30, 30])


def level_of(comparison: str, label: str) -> int:
    """The gamma value Splink gives the level of ``comparison`` labelled ``label``."""
    comparisons = [c.get_comparison("duckdb") for c in model.victim_comparisons()]
    found = next(c for c in comparisons if c.output_column_name == comparison)
    return next(
        level.comparison_vector_value
        for level in found.comparison_levels
        if level.label_for_charts == label
    )


def test_nicknamed_victims_link() -> None:
    """Two sources of 300 victims; the press writes a nickname for every José, Francisco and
    Luis, and dates up to three days late: they must still join their police record."""
    rng = np.random.default_rng(3)
    n = 300
    given = rng.choice(["José", "Francisco", "Luis", "Carlos", "Mario"], n)
    # Few surnames, so that different victims share names as they do in real lists.
    surname = np.array([f"Apellido{i}" for i in range(12)])[rng.integers(0, 12, (n, 2))]
    name = pd.Series(given + " " + surname[:, 0] + " " + surname[:, 1])
    nick = name.str.replace("^José", "Pepe", regex=True).str.replace("^Francisco", "Paco",
          regex=True).str.replace("^Luis", "Wicho", regex=True)  # fmt: skip
    date = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 120, n), "D")
    police = pd.DataFrame({"name": name, "date": date, "unit_code": rng.integers(0, 30, n)})
    police["age"] = rng.integers(15, 60, n)
    police["sex"] = np.where(rng.uniform(size=n) < 0.1, "female", "male")
    police["weapon"] = rng.choice(["firearm", "sharp_object"], n)
    # The press also errs as it does: dates one to three days late, ages and units off, second
    # surnames dropped.
    late = pd.to_timedelta(rng.choice(4, n, p=[0.6, 0.25, 0.1, 0.05]), "D")
    short = rng.uniform(size=n) < 0.1
    press = police.assign(
        name=nick.where(~short, nick.str.rsplit(" ", n=1).str[0]),
        date=date + late,
        age=police["age"] + np.where(rng.uniform(size=n) < 0.1, 1, 0),
        unit_code=np.where(rng.uniform(size=n) < 0.05, rng.integers(0, 30, n), police["unit_code"]),
    )
    raw = pd.concat([police.assign(source_id="policia"), press.assign(source_id="prensa")])
    raw["record_id"] = np.arange(len(raw))
    raw["unit_code"] = "U" + raw["unit_code"].astype(str)
    result = link_records(prepare_records(raw))
    event = result.membership.set_index("record_id")["event_id"]
    truth = np.tile(np.arange(n), 2)
    scores = linkage_accuracy(event.reindex(raw["record_id"]).reset_index(drop=True),
                              pd.Series(truth))  # fmt: skip
    nicknamed = np.flatnonzero(nick != name)
    assert len(nicknamed) > 150
    together = event.to_numpy()[nicknamed] == event.to_numpy()[nicknamed + n]
    assert together.mean() >= 0.95, together.mean()
    assert scores["pair_precision"] >= 0.95, scores


@pytest.mark.parametrize("rule", range(len(model.victim_blocking())))
def test_blocking_rules_are_equi_joins(rule: int) -> None:
    """Each rule joins on equal keys (a hash join, linear in the records), whatever filters
    it adds."""
    found = model.victim_blocking()[rule].get_blocking_rule("duckdb")
    assert found._equi_join_conditions


def test_training_survives_an_em_session_splink_refuses(monkeypatch) -> None:
    """Splink 5 raises when EM drives an m probability to 0 (a level never seen among one
    rule's likely matches, as on small clean lists): that session is dropped and the others
    train the model; when every session fails the user gets a SerenoError, not a traceback."""
    from splink.internals.linker_components.training import LinkerTraining

    from sereno.errors import SerenoError
    from sereno.link.linkage import train_and_predict

    records = prepare_records(pd.DataFrame({
        "record_id": range(8), "source_id": list("abab" * 2),
        "name": ["jose perez lopez", "jose perez lopez", "ana ruiz", "ana ruiz",
                 "luis mora", "luis mora", "rosa diaz", "rosa diaz"],
        "sex": ["male", "male", "female", "female", "male", "male", "female", "female"],
        "age": [30, 30, 22, 22, 41, 41, 19, 19],
        "date": ["2023-01-05"] * 2 + ["2023-02-07"] * 2 + ["2023-03-09"] * 2 + ["2023-04-01"] * 2,
        "unit_code": ["C1", "C1", "C2", "C2", "C3", "C3", "C4", "C4"],
    }))  # fmt: skip
    original = LinkerTraining.estimate_parameters_using_expectation_maximisation
    calls = {"n": 0}

    def first_fails(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("m_probability value 0.0 is below the minimum allowed value")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LinkerTraining, "estimate_parameters_using_expectation_maximisation",
                        first_fails)  # fmt: skip
    pairs, _ = train_and_predict(records)
    assert calls["n"] == 3 and len(pairs) > 0

    def always_fails(self, *args, **kwargs):
        raise ValueError("m_probability value 0.0 is below the minimum allowed value")

    monkeypatch.setattr(LinkerTraining, "estimate_parameters_using_expectation_maximisation",
                        always_fails)  # fmt: skip
    with pytest.raises(SerenoError) as caught:
        train_and_predict(records)
    assert caught.value.key == "link.training.untrainable"


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_victim_model_generates_sql_for_splinks_backends(dialect: str) -> None:
    """Every comparison level and blocking rule of the victims' model renders and parses in
    PostgreSQL's SQL, where Splink has no Jaro-Winkler (Levenshtein instead). Rendering is
    not running: no PostgreSQL server here, and sqlglot writes DuckDB's list_intersect
    unchanged, which PostgreSQL lacks; Spark fails earlier (DuckDB's && list overlap)."""
    from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator

    for comparison in model.victim_comparisons(dialect):
        levels = comparison.get_comparison(dialect).comparison_levels
        assert all(level.sql_condition for level in levels)
    for rule in model.victim_blocking():
        assert to_blocking_rule_creator(rule).get_blocking_rule(dialect).blocking_rule_sql
    names = [lv.sql_condition for lv in model.victim_comparisons(dialect)[0]
             .get_comparison(dialect).comparison_levels]  # fmt: skip
    typo = "levenshtein" if dialect == "postgres" else "jaro_winkler"
    assert any(typo in sql for sql in names)
