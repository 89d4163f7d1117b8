"""Log-linear estimates against closed forms and an independent likelihood maximisation;
refusals of bad capture-history files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer.testing
from scipy.optimize import minimize

import sereno.cli
import sereno.commands.link
from sereno.errors import SerenoError
from sereno.estimate import capture_histories, loglinear
from sereno.estimate.hierarchy import parse_model
from sereno.estimate.loglinear import fit_model

# A three-list table (counts per pattern ABC) used across the tests.
TABLE = pd.DataFrame(
    {
        "A": [1, 1, 1, 1, 0, 0, 0],
        "B": [1, 1, 0, 0, 1, 1, 0],
        "C": [1, 0, 1, 0, 1, 0, 1],
        "n": [28, 21, 17, 69, 18, 55, 63],
    }
)


def test_all_two_way_model_matches_fienbergs_closed_form() -> None:
    """Fienberg (1972): with every two-way interaction, n000 = n111 n100 n010 n001 /
    (n110 n101 n011). Tolerance 1e-6 relative."""
    h = capture_histories(TABLE, ["A", "B", "C"], "n")
    fit = fit_model(h, parse_model("[12,13,23]", 3))
    n000 = 28 * 69 * 55 * 63 / (21 * 17 * 18)
    assert fit["N_hat"] == pytest.approx(271 + n000, rel=1e-6)


def test_independence_model_matches_direct_likelihood_maximisation() -> None:
    """The GLM's N under independence (model Mt, Darroch 1958) equals the maximum of the
    Poisson likelihood of the observed cells, mean N·Π p_j^x (1 − p_j)^(1−x), found by scipy
    from scratch (Sanathanan 1972: the conditional MLE). Tolerance 1e-4 relative."""
    h = capture_histories(TABLE, ["A", "B", "C"], "n")
    x, y = h.patterns, h.counts

    def negative_loglik(theta: np.ndarray) -> float:
        big_n = np.exp(theta[0])
        p = 1 / (1 + np.exp(-theta[1:]))
        mean = big_n * np.prod(np.where(x == 1, p, 1 - p), axis=1)
        return -(y * np.log(mean) - mean).sum()

    best = minimize(negative_loglik, np.array([np.log(400), 0, 0, 0]), method="Nelder-Mead",
                    options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 40000})  # fmt: skip
    assert fit_model(h, ())["N_hat"] == pytest.approx(np.exp(best.x[0]), rel=1e-4)


def test_model_selection_and_averaging_report_every_model() -> None:
    h = capture_histories(TABLE, ["A", "B", "C"], "n")
    averaged = loglinear(h)
    selected = loglinear(h, average=False, criterion="bic")
    assert len(averaged.models) == 8
    assert averaged.models["weight"].sum() == pytest.approx(1.0)
    assert selected.N_hat == pytest.approx(selected.models.iloc[0]["N_hat"])
    assert averaged.N_lower < averaged.N_hat < averaged.N_upper
    assert averaged.n_observed == 271


@pytest.mark.slow
def test_unbiased_under_independence_simulation() -> None:
    """With independent lists and homogeneous capture, the selected model's 95% interval
    covers N = 1500 in at least 17 of 20 simulated populations."""
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(20):
        x = (rng.uniform(size=(1500, 4)) < [0.3, 0.4, 0.25, 0.35]).astype(int)
        frame = pd.DataFrame(x[x.sum(axis=1) > 0], columns=list("ABCD"))
        result = loglinear(capture_histories(frame, list("ABCD")), criterion="bic")
        covered += result.N_lower <= 1500 <= result.N_upper
    assert covered >= 17


@pytest.mark.parametrize(
    ("frame", "lists", "count", "key"),
    [
        (TABLE, ["A", "B"], "n", "estimate.too_few_lists"),
        (TABLE, ["A", "B", "Z"], "n", "estimate.missing_column"),
        (TABLE.assign(A=[1, 1, 2, 1, 0, 0, 0]), ["A", "B", "C"], "n", "estimate.not_binary"),
        (TABLE.assign(n=[1, 1, 1, -1, 1, 1, 1]), ["A", "B", "C"], "n", "estimate.bad_count"),
        (TABLE.assign(n=[1, 1, 1, 1, 1, 1, 1]), ["A", "B", "C"], "n", "estimate.too_small"),
        (pd.concat([TABLE, pd.DataFrame({"A": [0], "B": [0], "C": [0], "n": [5]})]),
         ["A", "B", "C"], "n", "estimate.unobservable_row"),
    ],
)  # fmt: skip
def test_refusals(frame, lists, count, key) -> None:
    with pytest.raises(SerenoError) as error:
        capture_histories(frame, lists, count)
    assert error.value.key == key


def test_mse_command_file_mode_and_refusal(tmp_path) -> None:
    path = tmp_path / "hist.csv"
    TABLE.to_csv(path, index=False)
    runner = typer.testing.CliRunner()
    ok = runner.invoke(
        sereno.cli.app,
        ["mse", str(path), "--lists", "A,B,C", "--count", "n", "--method", "loglinear", "--json"],
    )
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["n_observed"] == 271 and data["N_lower"] <= data["N_hat"] <= data["N_upper"]
    two = runner.invoke(sereno.cli.app, ["mse", str(path), "--lists", "A,B", "--count", "n"])
    assert two.exit_code == 2
    assert "Traceback" not in two.output
