"""``sereno evaluate`` on plain files: JSON results, charts, tables, one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sereno.cli
import sereno.commands.evaluate

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(sereno.cli.app, [*map(str, args)])


@pytest.fixture
def monthly(tmp_path: Path) -> Path:
    rng = np.random.default_rng(4)
    t = np.arange(48)
    mu = 25 * np.exp(0.1 * np.sin(2 * np.pi * t / 12)) * np.where(t >= 30, 0.6, 1.0)
    frame = pd.DataFrame(
        {
            "mes": pd.period_range("2020-01", periods=48, freq="M").astype(str),
            "homicidios": rng.poisson(mu),
            "resto": rng.poisson(80, 48),
        }
    )
    path = tmp_path / "serie.csv"
    frame.to_csv(path, index=False)
    return path


def test_its_json_plot_and_table(monthly: Path, tmp_path: Path):
    plot, table = tmp_path / "its.png", tmp_path / "its.csv"
    result = invoke(
        "evaluate",
        "its",
        monthly,
        "--time",
        "mes",
        "--outcome",
        "homicidios",
        "--start",
        "2022-07",
        "--control",
        "resto",
        "--cost",
        "500000",
        "--plot",
        plot,
        "--output",
        table,
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["estimate"]["low"] < 0.6 < data["estimate"]["high"]
    assert data["cost_effectiveness"]["cost_per_averted"] > 0
    assert set(data["summary"]) == {"es", "en"}
    assert plot.stat().st_size > 10_000
    assert len(pd.read_csv(table)) == 48


def test_did_on_a_castle_csv(tmp_path: Path):
    castle = pytest.importorskip("causaldata.castle")
    path = tmp_path / "castle.csv"
    castle.load_pandas().data[["sid", "year", "l_homicide", "post", "popwt"]].to_csv(path)
    result = invoke(
        "evaluate",
        "did",
        path,
        "--unit",
        "sid",
        "--time",
        "year",
        "--outcome",
        "l_homicide",
        "--treatment",
        "post",
        "--weights",
        "popwt",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["estimate"]["estimate"] == pytest.approx(0.0755, abs=1e-3)
    staggered = invoke(
        "--lang",
        "en",
        "evaluate",
        "did",
        path,
        "--unit",
        "sid",
        "--time",
        "year",
        "--outcome",
        "l_homicide",
        "--treatment",
        "post",
        "--method",
        "staggered",
    )
    assert staggered.exit_code == 0, staggered.output
    assert "Callaway" in staggered.stdout


def test_match_and_cost_commands(tmp_path: Path):
    rng = np.random.default_rng(2)
    path = tmp_path / "colonias.csv"
    pd.DataFrame(
        {
            "colonia": range(40),
            "programa": (np.arange(40) < 8).astype(int),
            "tasa": rng.gamma(3, 10, 40),
            "densidad": rng.normal(5, 1, 40),
        }
    ).to_csv(path)
    result = invoke(
        "evaluate",
        "match",
        path,
        "--unit",
        "colonia",
        "--treatment",
        "programa",
        "--covariates",
        "tasa,densidad",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["comparison"]) == 8
    cost = invoke(
        "--lang",
        "en",
        "evaluate",
        "cost",
        "--cost",
        "1000000",
        "--averted",
        "50",
        "--low",
        "10",
        "--high",
        "90",
    )
    assert cost.exit_code == 0 and "20,000" in cost.stdout


def test_user_mistakes_are_one_line_and_exit_2(monthly: Path):
    result = invoke(
        "--lang",
        "en",
        "evaluate",
        "its",
        monthly,
        "--time",
        "mes",
        "--outcome",
        "muertes",
        "--start",
        "2022-07",
    )
    assert result.exit_code == 2
    assert "muertes" in result.output and "Traceback" not in result.output
    early = invoke(
        "evaluate",
        "its",
        monthly,
        "--time",
        "mes",
        "--outcome",
        "homicidios",
        "--start",
        "2020-03",
        "--json",
    )
    assert early.exit_code == 2
    assert json.loads(early.stdout)["error"] == "evaluate.too_few_pre"


def test_evaluation_report_html_and_pdf(monthly: Path, tmp_path: Path):
    """The donor report: five sections in the chosen language, the chart embedded (no external
    asset), the cost paragraph; and a two-page PDF."""
    html, pdf = tmp_path / "informe.html", tmp_path / "report.pdf"
    args = [
        "evaluate",
        "its",
        monthly,
        "--time",
        "mes",
        "--outcome",
        "homicidios",
        "--start",
        "2022-07",
        "--cost",
        "500000",
    ]
    assert invoke("--lang", "es", *args, "--report", html).exit_code == 0
    assert invoke("--lang", "en", *args, "--report", pdf).exit_code == 0
    text = html.read_text(encoding="utf-8")
    for heading in ("Diseño", "Datos y comparación", "Resultado", "Robustez", "Límites"):
        assert f"<h2>{heading}" in text
    assert "data:image/png;base64," in text and "http" not in text.split("<body>")[1]
    assert "No se cuenta" in text
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert b"/Count 2" in pdf.read_bytes()
