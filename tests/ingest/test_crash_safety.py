"""The store and its files never disagree, whatever kills the process (issue 22, points 4, 6).

Before: the source's mapping copy and `sereno.toml` were written after the store's commit and
not atomically: a crash between them left the store and its configuration disagreeing.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sereno.config import CONFIG_NAME, Config
from sereno.ingest import pipeline
from sereno.ingest.mapping import load_mapping
from sereno.ingest.pipeline import ingest_file
from sereno.store import Observatory
from tests.conftest import ENGINE

SRC = Path(__file__).parents[2] / "src"
STEPS = 4  # one of each: ingest, retry, undo, re-harmonise
ROWS = "source_record_id,date,unit_code,offence,sex,age\n"


def write_rows(path: Path, n: int, start: int = 1, bad_every: int = 7) -> Path:
    """``n`` victims in the grid's units; every ``bad_every``-th has an unknown offence."""
    lines = [
        f"{i},2023-{i % 12 + 1:02d}-{i % 27 + 1:02d},U{i % 9 + 1},"
        f"{'pleito' if i % bad_every == 0 else 'homicidio doloso'},hombre,{18 + i % 60}"
        for i in range(start, start + n)
    ]
    path.write_text(ROWS + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def files_in_step(directory: Path) -> None:
    """Once opened, no staged file is left, and each kept file holds the text the store
    committed."""
    with Observatory.open(directory) as obs:
        kept = dict(obs.engine.rows("SELECT path, hash FROM kept_files"))
        sources = obs.sources()
    assert not list(directory.glob("*.pending")) and not list(directory.glob("*/*.pending"))
    for relative, digest in kept.items():
        text = (directory / relative).read_text(encoding="utf-8")
        if relative.startswith("sources/"):
            assert hashlib.sha256(text.encode()).hexdigest() == digest, relative
    config = Config.load(directory / CONFIG_NAME).sources
    for source in sources:
        assert source in config
        assert (directory / "sources" / f"{source}.yaml").is_file()


def test_a_crash_after_the_commit_puts_the_files_in_place_on_opening(
    grid_observatory, tmp_path, monkeypatch
):
    path = write_rows(tmp_path / "v.csv", 20)

    def crash(pending):
        raise SystemExit("killed between the commit and the rename")

    monkeypatch.setattr(pipeline, "publish", crash)
    with pytest.raises(SystemExit):
        ingest_file(grid_observatory, path, "policia", "generic-victims")
    directory = grid_observatory.directory
    grid_observatory.close()
    assert not (directory / "sources" / "policia.yaml").exists()  # the crash left it staged
    assert list((directory / "sources").glob("*.pending"))
    files_in_step(directory)  # opening finished the job
    kept = (directory / "sources" / "policia.yaml").read_text(encoding="utf-8")
    assert kept == load_mapping("generic-victims").text
    with Observatory.open(directory) as obs:
        assert obs.config.sources["policia"]["counts"] == "victims"


def test_a_crash_before_the_commit_drops_the_staged_files(grid_observatory, tmp_path, monkeypatch):
    path = write_rows(tmp_path / "v.csv", 20)
    real = pipeline.stage

    def stage_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise SystemExit("killed after staging, before the commit")

    monkeypatch.setattr(pipeline, "stage", stage_then_die)
    with pytest.raises(SystemExit):
        ingest_file(grid_observatory, path, "policia", "generic-victims")
    directory = grid_observatory.directory
    grid_observatory.close()
    files_in_step(directory)
    assert not (directory / "sources" / "policia.yaml").exists()
    assert "policia" not in Config.load(directory / CONFIG_NAME).sources


def snapshot(directory: Path) -> tuple:
    """Everything an operation may change, without its ids and times."""
    with Observatory.open(directory) as obs:
        q = obs.engine
        state = (
            q.rows("SELECT source_id, raw_hash, version, kind FROM records ORDER BY 2"),
            q.rows("SELECT record_id, iccs_code, sex, age FROM victims ORDER BY 1"),
            q.rows("SELECT raw_hash, status, reason_code FROM quarantine ORDER BY 1, 2"),
            q.rows("SELECT kind, rows_read, stored, quarantined, duplicates, excluded, "
                   "undone_at IS NULL FROM batches ORDER BY started_at"),
            q.rows("SELECT source_id, mapping_hash, definition_version FROM sources"),
        )  # fmt: skip
    mapping = directory / "sources" / "policia.yaml"
    return (*state, mapping.read_text() if mapping.exists() else None)


def command(step: int, directory: Path, work: Path) -> list[str]:
    """The step-th operation of the loop: ingest, retry, undo, re-harmonise, in turn."""
    kind = ("ingest", "retry", "undo", "reharmonise")[step % 4]
    if kind == "ingest":
        path = write_rows(work / f"v{step}.csv", 3000, start=1 + step * 3000)
        return ["ingest", str(path), "--source", "policia", "--mapping", "generic-victims"]
    if kind == "retry":
        fixed = work / "fixed.yaml"
        text = (directory / "sources" / "policia.yaml").read_text(encoding="utf-8")
        fixed.write_text(text + "offences:\n  pleito: '0101'\n", encoding="utf-8")
        return ["quarantine", "retry", "--source", "policia", "--mapping", str(fixed)]
    if kind == "undo":
        with Observatory.open(directory) as obs:
            batch = obs.engine.scalar(
                "SELECT batch_id FROM batches WHERE undone_at IS NULL AND kind = 'ingest' "
                "ORDER BY started_at DESC LIMIT 1"
            )
        return ["batches", "undo", batch]
    other = work / f"age-empty-{step}.yaml"
    text = (directory / "sources" / "policia.yaml").read_text(encoding="utf-8")
    other.write_text(text + f"# re-harmonised at step {step}\n", encoding="utf-8")
    return ["reharmonise", "--source", "policia", "--mapping", str(other)]


def sereno(args: list[str], directory: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC), "SERENO_LANG": "en"}
    return subprocess.Popen(
        [sys.executable, "-m", "sereno.cli", *args, "--dir", str(directory), "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(ENGINE != "duckdb", reason="copies the observatory's DuckDB file")
def test_kill_nine_at_random_points_leaves_the_store_as_before_or_as_after(
    grid_observatory, tmp_path
):
    """SIGKILL at a random moment of an ingest, a quarantine retry, an undo or a
    re-harmonisation: on opening, the store and its files are exactly as before the
    operation or exactly as after it ran to the end (found by running it to the end on a
    copy), never in between, and the files agree with the store."""
    rng = random.Random(22)
    directory = grid_observatory.directory
    ingest_file(grid_observatory, write_rows(tmp_path / "v0.csv", 3000, start=-2999),
                "policia", "generic-victims")  # fmt: skip
    grid_observatory.close()
    outcomes = {"before": 0, "after": 0}
    for step in range(STEPS):
        args = command(step, directory, tmp_path)
        before = snapshot(directory)
        # The operation run to the end on a copy: what "after" is, and how long it takes.
        copy = tmp_path / f"copy{step}"
        shutil.copytree(directory, copy)
        started = time.monotonic()
        finished = sereno(args, copy)
        _, err = finished.communicate(timeout=600)
        assert finished.returncode == 0, err.decode()[-2000:]
        took = time.monotonic() - started
        after = snapshot(copy)
        assert after != before
        files_in_step(copy)
        # The same operation, killed somewhere in the middle of its run.
        victim = sereno(args, directory)
        # Most of a short command's time is starting Python: aim at the second half.
        time.sleep(rng.uniform(0.5, 1.0) * took)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=60)
        now = snapshot(directory)
        assert now in (before, after), f"step {step} ({args[0]}): neither before nor after"
        outcomes["before" if now == before else "after"] += 1
        files_in_step(directory)
        if now == before:  # run it to the end, so the next step starts from "after"
            done = sereno(args, directory)
            done.communicate(timeout=600)
            assert done.returncode == 0
            assert snapshot(directory) == after
        shutil.rmtree(copy)
    print(f"kill -9 outcomes over {STEPS} operations: {outcomes}")
