"""Batches undone and sources re-harmonised (issue 19, point 2).

Before: after changing `counts` (or any mapping) and re-ingesting, everything was a duplicate
(`"stored": 0, "duplicates": 10182`); there was no command to undo a batch or re-harmonise
stored records under a new mapping; the only fix was a new observatory.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sereno.cli import app
from sereno.store import Observatory

runner = CliRunner()
FIGURES = ("stored", "quarantined", "duplicates", "excluded")
SEXES = "SELECT sex, count(*) FROM victims WHERE source_id = 'policia' GROUP BY 1"


def run(*args: str, lang: str = "es"):
    result = runner.invoke(app, ["--lang", lang, *args])
    assert "Traceback" not in result.output
    return result


def ok(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def adds_up(result: dict) -> bool:
    return sum(result[f] for f in FIGURES) == result["rows_read"]


def snapshot(directory: str) -> dict:
    """What the store counts, by source and offence, and what it holds."""
    with Observatory.open(directory) as obs:
        q = obs.engine
        return {
            "observations": sorted(q.rows(
                "SELECT source_id, counted, iccs_code, year, CAST(sum(n) AS BIGINT) "
                "FROM observations GROUP BY 1, 2, 3, 4")),
            "records": q.scalar("SELECT count(*) FROM records"),
            "quarantine": q.scalar("SELECT count(*) FROM quarantine WHERE status = 'open'"),
            "victims": q.scalar("SELECT count(*) FROM victims"),
        }  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> str:
    from sereno.demo.build import build_demo

    directory = tmp_path_factory.mktemp("batches") / "demo"
    build_demo(directory, seed=7, years=(2024, 2024))
    return str(directory)


def test_undo_and_reingest_round_trip_the_demo(demo):
    before = snapshot(demo)
    batches = ok("batches", "list", "--source", "policia", "--dir", demo)["batches"]
    (first,) = [b for b in batches if b["kind"] == "ingest"]
    assert first["records"] == first["stored"] > 0
    undone = ok("batches", "undo", first["batch_id"], "--dir", demo)
    assert undone["records_removed"] == first["stored"]
    assert undone["quarantine_removed"] == first["quarantined"]
    gone = snapshot(demo)
    assert gone["records"] == before["records"] - first["stored"]
    assert not [o for o in gone["observations"] if o[0] == "policia"]
    # The same file again: stored again, not duplicates.
    file = next(Path(demo, "datos-sinteticos").glob("policia*"))
    again = ok("ingest", str(file), "--source", "policia", "--dir", demo)
    assert (again["stored"], again["quarantined"]) == (first["stored"], first["quarantined"])
    assert snapshot(demo) == before
    listed = ok("batches", "list", "--source", "policia", "--dir", demo)["batches"]
    assert [b["undone_at"] is not None for b in listed] == [False, True]
    with Observatory.open(demo) as obs:
        audit = obs.engine.rows("SELECT action, object FROM audit_log WHERE action = 'batch.undo'")
        assert audit == [("batch.undo", "source_records:policia")]
    refused = run("batches", "undo", first["batch_id"], "--dir", demo, lang="en")
    assert refused.exit_code == 2 and "already undone" in refused.output


def test_reharmonise_the_demo_under_a_changed_mapping_loses_nothing(demo):
    before = snapshot(demo)
    kept = Path(demo, "sources", "policia.yaml")
    original = kept.read_text(encoding="utf-8")
    # The analyst finds the sexes the wrong way round and fixes the kept mapping.
    swapped = original.replace("H: male", "H: tmp").replace("M: female", "M: male")
    kept.write_text(swapped.replace("H: tmp", "H: female"), encoding="utf-8")
    with Observatory.open(demo) as obs:
        sexes = dict(obs.engine.rows(SEXES))
    result = ok("reharmonise", "--source", "policia", "--dir", demo)
    assert adds_up(result) and result["mapping"] == str(kept.resolve())
    assert result["rows_read"] == before["records"] - _others(demo) + _waiting(demo, before)
    with Observatory.open(demo) as obs:
        now = dict(obs.engine.rows(SEXES))
    assert now.get("male") == sexes.get("female") and now.get("female") == sexes.get("male")
    after = snapshot(demo)
    assert after["records"] + after["quarantine"] == before["records"] + before["quarantine"]
    assert after["observations"] == before["observations"]  # same counts, other sexes
    # And back, through the same command with the first mapping given.
    original_file = Path(demo).parent / "policia-original.yaml"
    original_file.write_text(original, encoding="utf-8")
    back = ok("reharmonise", "--source", "policia", "--mapping", str(original_file), "--dir", demo)
    assert adds_up(back) and snapshot(demo) == before
    shutil.copy(original_file, kept)


def _others(demo: str) -> int:
    with Observatory.open(demo) as obs:
        return obs.engine.scalar("SELECT count(*) FROM records WHERE source_id <> 'policia'")


def _waiting(demo: str, before: dict) -> int:
    with Observatory.open(demo) as obs:
        return obs.engine.scalar(
            "SELECT count(*) FROM quarantine WHERE source_id = 'policia' AND status = 'open'"
        )


ROWS = """source_record_id,date,unit_code,offence,weapon
1,2023-01-05,U1,homicidio doloso,arma de fuego
2,2023-01-06,U2,homicidio doloso,arma de fuego
3,2023-01-07,U3,homicidio doloso,machete
4,2023-01-08,U4,pleito,arma blanca
"""


@pytest.fixture
def small(grid_observatory: Observatory, tmp_path):
    """A grid observatory (closed, so the CLI can open it) with a four-row file ingested."""
    (tmp_path / "v.csv").write_text(ROWS, encoding="utf-8")
    directory = str(grid_observatory.directory)
    grid_observatory.close()
    first = ok("ingest", str(tmp_path / "v.csv"), "--source", "policia",
               "--mapping", "generic-victims", "--dir", directory)  # fmt: skip
    return directory, first


def test_changing_counts_then_reharmonise_moves_the_records_not_duplicates(small):
    directory, first = small
    assert (first["stored"], first["quarantined"]) == (3, 1)  # machete is a known weapon
    kept = Path(directory, "sources", "policia.yaml")
    text = kept.read_text(encoding="utf-8").replace("counts: victims", "counts: incidents")
    kept.write_text(text + "offences:\n  pleito: '0101'\n", encoding="utf-8")
    result = ok("reharmonise", "--source", "policia", "--dir", directory)
    assert adds_up(result)
    assert (result["rows_read"], result["stored"], result["duplicates"]) == (4, 4, 0)
    assert (result["from_records"], result["from_quarantine"]) == (3, 1)
    with Observatory.open(directory) as obs:
        q = obs.engine.scalar
        assert q("SELECT count(*) FROM victims") == 0
        assert q("SELECT count(*) FROM incidents") == 4
        assert q("SELECT count(*) FROM records WHERE kind = 'incident'") == 4
        assert q("SELECT count(*) FROM quarantine WHERE status = 'open'") == 0
        assert q("SELECT definition_version FROM sources") == 2
        assert q("SELECT count(*) FROM audit_log WHERE action = 'source.reharmonise'") == 1


def test_a_record_failing_the_new_mapping_goes_to_quarantine_with_its_reason(small, tmp_path):
    directory, _ = small
    with Observatory.open(directory) as obs:
        text = obs.mapping_path("policia").read_text(encoding="utf-8")
    day_first = tmp_path / "day-first.yaml"  # a wrong date format: nothing parses
    day_first.write_text(text + "date_format: '%d/%m/%Y'\n", encoding="utf-8")
    result = ok("reharmonise", "--source", "policia", "--mapping", str(day_first), "--dir",
                directory)  # fmt: skip
    assert adds_up(result) and (result["stored"], result["quarantined"]) == (0, 4)
    with Observatory.open(directory) as obs:
        rows = obs.engine.rows(
            "SELECT file_name, row_number, reason_code, reasons FROM quarantine "
            "WHERE status = 'open' ORDER BY row_number"
        )
        assert obs.engine.scalar("SELECT count(*) FROM records") == 0
    # Each where it was read (file and row), every reason listed, the date's among them.
    assert [(f, n, code) for f, n, code, _ in rows] == [
        ("v.csv", 1, "bad_date"), ("v.csv", 2, "bad_date"), ("v.csv", 3, "bad_date"),
        ("v.csv", 4, "unknown_offence"),
    ]  # fmt: skip
    assert all("bad_date" in reasons for *_, reasons in rows)
    # The given mapping is now the source's own; the first one given again brings all back.
    with Observatory.open(directory) as obs:
        assert obs.mapping_path("policia").read_text(encoding="utf-8") == day_first.read_text()
    first = tmp_path / "first.yaml"
    first.write_text(text, encoding="utf-8")
    back = ok("reharmonise", "--source", "policia", "--mapping", str(first), "--dir", directory)
    assert (back["stored"], back["quarantined"], back["from_quarantine"]) == (3, 1, 4)


def test_undo_of_a_retry_reopens_the_rows_it_stored(small, tmp_path):
    directory, _ = small
    fixed = tmp_path / "fixed.yaml"
    with Observatory.open(directory) as obs:
        text = obs.mapping_path("policia").read_text(encoding="utf-8")
    fixed.write_text(text + "offences:\n  pleito: '0101'\n", encoding="utf-8")
    retried = run("quarantine", "retry", "--source", "policia", "--mapping", str(fixed),
                  "--dir", directory)  # fmt: skip
    assert retried.exit_code == 0
    assert str(fixed.resolve()) in " ".join(retried.output.split()).replace(" ", "") or (
        fixed.name in retried.output
    )
    listed = ok("batches", "list", "--dir", directory)["batches"]
    retry = next(b for b in listed if b["kind"] == "retry")
    undone = ok("batches", "undo", retry["batch_id"], "--dir", directory)
    assert (undone["records_removed"], undone["quarantine_reopened"]) == (1, 1)
    with Observatory.open(directory) as obs:
        assert obs.engine.scalar("SELECT count(*) FROM quarantine WHERE status = 'open'") == 1


@pytest.mark.parametrize(("lang", "words"), [("es", "No existe el lote"), ("en", "no batch")])
def test_undo_of_an_unknown_batch_is_one_line(small, lang, words):
    directory, _ = small
    result = run("batches", "undo", "nope", "--dir", directory, lang=lang)
    assert result.exit_code == 2 and words in result.output
