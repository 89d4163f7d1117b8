"""Synthetic control on Cunningham's Texas prison panel (causaldata ``texas``: 51 states,
1985-2000, black male prisoners; Texas expanded prison capacity in 1993)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sereno.errors import SerenoError
from sereno.evaluate.synth import synthetic_control

texas = pytest.importorskip("causaldata.texas")
PREDICTORS = ["alcohol", "income", "ur", "poverty", "black", "perc1519", "aidscapita"]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return texas.load_pandas().data


def reference(panel: pd.DataFrame, v: np.ndarray):
    """pysyncon's Synth with the same predictor matrices and a fixed V."""
    pysyncon = pytest.importorskip("pysyncon")
    pre = panel[panel["year"] < 1993]
    x = pre.groupby("state")[[*PREDICTORS, "bmprison"]].mean().T
    z = pre.pivot(index="year", columns="state", values="bmprison")
    synth = pysyncon.Synth()
    synth.fit(
        X0=x.drop(columns="Texas"),
        X1=x["Texas"],
        Z0=z.drop(columns="Texas"),
        Z1=z["Texas"],
        custom_V=v,
    )
    return pd.Series(synth.W, index=x.drop(columns="Texas").columns)


def test_weights_and_gaps_equal_pysyncon_with_the_same_v(panel):
    """Fixed V (equal over 8 predictors): weights within 0.005 of pysyncon's (its SLSQP stops
    at 1e-6 relative loss) and our predictor loss no larger than pysyncon's (+1e-9);
    post-period gaps within 0.5% of the mean gap."""
    v = np.full(len(PREDICTORS) + 1, 1 / (len(PREDICTORS) + 1))
    ours = synthetic_control(
        panel, "state", "year", "bmprison", "Texas", 1993, predictors=PREDICTORS, v=list(v)
    )
    theirs = reference(panel, v)
    mine = ours.weights.set_index("unit")["weight"].reindex(theirs.index)
    assert np.abs(mine - theirs).max() < 0.005
    xs = ours.balance
    spread = panel[panel["year"] < 1993].groupby("state")[[*PREDICTORS, "bmprison"]].mean().std()
    loss = lambda w_synth: float(  # noqa: E731
        np.sum(v * ((xs["treated"].to_numpy() - w_synth) / spread.to_numpy()) ** 2)
    )
    x0 = panel[panel["year"] < 1993].groupby("state")[[*PREDICTORS, "bmprison"]].mean()
    x0 = x0.drop(index="Texas").loc[theirs.index].to_numpy()
    assert loss(x0.T @ mine.to_numpy()) <= loss(x0.T @ theirs.to_numpy()) + 1e-9
    wide = panel.pivot(index="year", columns="state", values="bmprison")
    their_gap = (wide["Texas"] - wide[theirs.index] @ theirs)[wide.index >= 1993]
    assert ours.estimate.estimate == pytest.approx(their_gap.mean(), rel=0.005)


def test_texas_effect_and_placebo_inference(panel):
    """Outcome path only (V = identity): the gap after 1993 is large (> 15,000 prisoners, as in
    Cunningham 2021, ch. 10), the pre-period fit is close (RMSPE < 5% of Texas's mean), and
    Texas's RMSPE ratio ranks in the top 20% of the 51 placebo-in-space units."""
    fit = synthetic_control(panel, "state", "year", "bmprison", "Texas", 1993)
    texas_mean = panel.loc[(panel["state"] == "Texas") & (panel["year"] < 1993), "bmprison"]
    assert fit.estimate.estimate > 15_000
    assert fit.pre_rmspe < 0.05 * texas_mean.mean()
    assert fit.p_value <= 0.2  # 9 of 51 units (0.176): Texas ranks, but is not an outlier
    assert len(fit.placebos) == 50
    assert abs(fit.weights["weight"].sum() - 1) < 1e-9 and (fit.weights["weight"] >= 0).all()
    assert len(fit.leave_one_out) == int((fit.weights["weight"] > 1e-3).sum())


def test_planted_effect_recovered_and_placebo_unit_is_null():
    """Factor-model panel, 30 units, 40 periods, planted gap +5 after period 30 in unit u0:
    the estimate is within 1 of 5; the same fit on a typical untreated unit (loadings nearest
    the mean, so inside the donors' convex hull) gives |gap| < 1."""
    rng = np.random.default_rng(5)
    loadings = rng.uniform(0.5, 1.5, size=(30, 2))
    factors = np.cumsum(rng.normal(size=(40, 2)), axis=0) + 10
    y = loadings @ factors.T + rng.normal(0, 0.2, size=(30, 40))
    y[0, 30:] += 5
    frame = pd.DataFrame(
        {
            "u": np.repeat([f"u{i}" for i in range(30)], 40),
            "t": np.tile(np.arange(40), 30),
            "y": y.ravel(),
        }
    )
    fit = synthetic_control(frame, "u", "t", "y", "u0", 30)
    typical = 1 + int(np.argmin(np.abs(loadings[1:] - loadings.mean(axis=0)).sum(axis=1)))
    placebo = synthetic_control(frame[frame["u"] != "u0"], "u", "t", "y", f"u{typical}", 30)
    assert fit.estimate.estimate == pytest.approx(5, abs=1)
    assert abs(placebo.estimate.estimate) < 1


def test_refusals(panel):
    with pytest.raises(SerenoError) as error:
        synthetic_control(
            panel[panel["state"].isin(["Texas", "Ohio"])],
            "state",
            "year",
            "bmprison",
            "Texas",
            1993,
        )
    assert error.value.key == "evaluate.no_donors"
    with pytest.raises(SerenoError) as error:
        synthetic_control(
            panel.assign(twice=panel["income"] * 2),
            "state",
            "year",
            "bmprison",
            "Texas",
            1993,
            predictors=["income", "twice", "ur"],
        )
    assert error.value.key == "evaluate.collinear"
    with pytest.raises(SerenoError) as error:
        synthetic_control(panel, "state", "year", "bmprison", "Texas", 1986)
    assert error.value.key == "evaluate.too_few_pre"
    with pytest.raises(SerenoError) as error:
        synthetic_control(panel, "state", "year", "bmprison", "Atlantis", 1993)
    assert error.value.key == "evaluate.unknown_unit"
