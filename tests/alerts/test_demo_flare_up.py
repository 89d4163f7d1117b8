"""Ciudad Demo's planted flare-up is found, in its true months, from the store."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sereno.alerts import space_time_scan
from sereno.alerts.store import store_series
from sereno.store import Observatory


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from sereno.demo.build import build_demo

    directory = tmp_path_factory.mktemp("demo")
    built = build_demo(directory, seed=7)
    truth = json.loads(built.truth.read_text(encoding="utf-8"))["flare_up"]
    obs = Observatory.open(directory)
    yield obs, truth
    obs.close()


@pytest.mark.slow
def test_retrospective_scan_finds_the_flare_up_in_its_window(demo):
    obs, truth = demo
    series = store_series(obs, "0101", source="policia")
    result = space_time_scan(
        series.data,
        time="month",
        unit="unit_code",
        count="n",
        locations=series.locations,
        prospective=False,
        replications=199,
    )
    top = result.clusters[0]
    assert top.p_value <= 0.05
    assert len(set(top.unit_codes) & set(truth["unit_codes"])) >= 3
    assert len(top.unit_codes) <= 2 * len(truth["unit_codes"])
    assert truth["start"] <= top.start[:7] and top.end[:7] <= truth["end"]


@pytest.mark.slow
def test_monthly_prospective_scans_warn_inside_the_window(demo):
    # The analysis a monthly meeting would run: one prospective scan per month of 2024. The
    # first significant cluster over the flare-up's colonias must come inside its true window.
    obs, truth = demo
    series = store_series(obs, "0101", source="policia")
    warned = None
    for month in np.arange("2024-01", "2025-01", dtype="datetime64[M]"):
        end = (month + 1).astype("datetime64[D]") - 1
        result = space_time_scan(
            series.data,
            time="month",
            unit="unit_code",
            count="n",
            locations=series.locations,
            end=str(end),
            replications=99,
        )
        hits = [c for c in result.significant if set(c.unit_codes) & set(truth["unit_codes"])]
        if hits:
            warned = str(month)
            break
    assert warned is not None and truth["start"] <= warned <= truth["end"]


@pytest.mark.slow
def test_the_bulletin_lists_the_open_alerts(demo, tmp_path):
    from typer.testing import CliRunner

    import sereno.commands  # noqa: F401  (registers every command)
    from sereno.cli import app

    obs, truth = demo
    directory = str(obs.directory)
    runner = CliRunner()
    scan = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "scan",
            "--dir",
            directory,
            "--iccs",
            "0101",
            "--source",
            "policia",
            "--retrospective",
            "--replications",
            "99",
            "--json",
        ],
    )
    assert scan.exit_code == 0, scan.output
    assert json.loads(scan.stdout)["recorded"]["new"] >= 1
    out = tmp_path / "bulletin.html"
    report = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "report",
            "--dir",
            directory,
            "--period",
            "2024-09",
            "--lang",
            "en",
            "--format",
            "html",
            "--out",
            str(out),
        ],
    )
    assert report.exit_code == 0, report.output
    html = out.read_text(encoding="utf-8")
    section = html[html.index("Open alerts") : html.index("Method")]
    assert "space-time cluster" in section
    names = obs.engine.frame("SELECT unit_code, name FROM units").set_index("unit_code")["name"]
    assert any(names[code] in section for code in truth["unit_codes"])  # names, not codes
