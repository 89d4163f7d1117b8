"""Difference-in-differences on Cheng and Hoekstra's (2013) castle-doctrine panel (causaldata
``castle``: 50 US states, 2000-2010, log homicide rate, staggered adoption 2006-2010)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sereno.errors import SerenoError
from sereno.evaluate.did import difference_in_differences

castle = pytest.importorskip("causaldata.castle")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return castle.load_pandas().data


def test_twfe_equals_pyfixest_and_dummy_ols_to_1e6(panel):
    """Weighted TWFE with state-clustered SE: equal to pyfixest's feols (1e-6), and to a
    statsmodels WLS with state and year dummies and Stata's CR1 correction (1e-6)."""
    import pyfixest as pf
    import statsmodels.formula.api as smf

    ours = difference_in_differences(panel, "sid", "year", "l_homicide", "post", weights="popwt")
    ref = pf.feols(
        "l_homicide ~ post | sid + year", data=panel, weights="popwt", vcov={"CRV1": "sid"}
    )
    assert ours.estimate.estimate == pytest.approx(float(ref.coef()["post"]), abs=1e-6)
    assert ours.estimate.se == pytest.approx(float(ref.se()["post"]), abs=1e-6)
    dummies = smf.wls(
        "l_homicide ~ post + C(sid) + C(year)", data=panel, weights=panel["popwt"]
    ).fit(cov_type="cluster", cov_kwds={"groups": panel["sid"]})
    assert ours.estimate.estimate == pytest.approx(dummies.params["post"], abs=1e-6)
    # fixest's CR1 does not count fixed effects nested in the clusters (the 50 states):
    # k = post + 11 year levels = 12, where the dummy regression counts 61 parameters.
    g, n, k_all, k = 50, len(panel), dummies.df_model + 1, 12
    rescale = np.sqrt((n - k_all) / (n - k))
    assert ours.estimate.se == pytest.approx(dummies.bse["post"] * rescale, rel=1e-6)
    assert g == ours.diagnostics["n_clusters"]


def test_event_study_equals_pyfixest_and_flags_pre_trends(panel):
    """Leads and lags (reference -1, never-treated states in it) equal pyfixest's i() event
    study to 1e-6; the castle panel's long leads reject parallel pre-trends (p < 0.01)."""
    import pyfixest as pf

    ours = difference_in_differences(
        panel, "sid", "year", "l_homicide", "post", method="event_study", weights="popwt"
    )
    data = panel.copy()
    first = data[data["post"] == 1].groupby("sid")["year"].min()
    data["rel"] = (data["year"] - data["sid"].map(first)).fillna(-1).astype(int)
    ref = pf.feols(
        "l_homicide ~ i(rel, ref=-1) | sid + year", data=data, weights="popwt", vcov={"CRV1": "sid"}
    )
    table = ours.events.set_index("relative_period")
    for name, value in ref.coef().items():
        k = int(name.split("::")[-1].rstrip("]").split("T.")[-1])
        assert table.loc[k, "estimate"] == pytest.approx(value, abs=1e-6), name
        assert table.loc[k, "se"] == pytest.approx(float(ref.se()[name]), abs=1e-6), name
    assert ours.diagnostics["pretrend"]["p"] < 0.01


def test_staggered_equals_differences_package(panel):
    """Callaway-Sant'Anna, never-treated controls, no covariates: every ATT(g,t) and SE, the
    simple aggregate and the event-time ATTs equal the ``differences`` package (1e-6)."""
    differences = pytest.importorskip("differences")
    data = panel.copy()
    first = data[data["post"] == 1].groupby("sid")["year"].min()
    data["cohort"] = data["sid"].map(first)
    ref = differences.ATTgt(data=data.set_index(["sid", "year"]), cohort_column="cohort")
    ref.fit("l_homicide", progress_bar=False)
    ours = difference_in_differences(panel, "sid", "year", "l_homicide", "post", method="staggered")
    simple = ref.aggregate("simple")
    assert ours.estimate.estimate == pytest.approx(simple.iloc[0, 0], abs=1e-6)
    assert ours.estimate.se == pytest.approx(simple.iloc[0, 1], abs=1e-6)
    cells = ref.results()
    cells.columns = [c[-1] for c in cells.columns]
    mine = ours.cohort_effects.set_index(["cohort", "period"])
    assert len(mine) == len(cells)
    for (g, _, t), row in cells.iterrows():
        assert mine.loc[(str(int(g)), str(int(t))), "att"] == pytest.approx(row["ATT"], abs=1e-6)
        assert mine.loc[(str(int(g)), str(int(t))), "se"] == pytest.approx(
            row["std_error"], abs=1e-6
        )
    event = ref.aggregate("event")
    event.columns = [c[-1] for c in event.columns]
    events = ours.events.set_index("relative_period")
    for e, row in event.iterrows():
        assert events.loc[int(e), "estimate"] == pytest.approx(row["ATT"], abs=1e-6)
        assert events.loc[int(e), "se"] == pytest.approx(row["std_error"], abs=1e-6)


def test_staggered_recovers_planted_effect_where_twfe_is_biased():
    """Planted staggered effects growing 0.5 per period since adoption: CS recovers the
    post-period ATT (within its 95% CI) and ATT(e=0) = 1.0 within 0.15; TWFE's interval
    lies below the truth (Goodman-Bacon 2021: early cohorts serve as controls)."""
    rng = np.random.default_rng(3)
    units, periods = 120, 12
    cohort = rng.choice([4, 7, 10, np.nan], size=units)
    unit = np.repeat(np.arange(units), periods)
    time = np.tile(np.arange(periods), units)
    g = np.repeat(cohort, periods)
    since = np.where(time >= g, time - g, -1)
    effect = np.where(since >= 0, 1.0 + 0.5 * since, 0.0)
    y = rng.normal(size=units)[unit] + 0.3 * time + effect + rng.normal(0, 0.5, unit.size)
    frame = pd.DataFrame({"u": unit, "t": time, "y": y, "d": (since >= 0).astype(int)})
    fit = difference_in_differences(frame, "u", "t", "y", "d", method="staggered")
    truth = effect[since >= 0].mean()  # the simple aggregate weights each treated cell alike
    assert fit.estimate.low <= truth <= fit.estimate.high
    twfe = difference_in_differences(frame, "u", "t", "y", "d")
    assert twfe.estimate.high < truth
    assert fit.events.set_index("relative_period").loc[0, "estimate"] == pytest.approx(
        1.0, abs=0.15
    )


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda f: f.assign(post=1), "evaluate.no_untreated"),
        (lambda f: f.assign(post=0), "evaluate.no_treated"),
        (lambda f: f.assign(post=f["post"] * 2), "evaluate.not_binary"),
        (lambda f: f.drop(columns="l_homicide"), "evaluate.missing_column"),
        (lambda f: pd.concat([f, f.iloc[:1]]), "evaluate.duplicate_cell"),
    ],
)
def test_refusals(panel, change, key):
    with pytest.raises(SerenoError) as error:
        difference_in_differences(change(panel), "sid", "year", "l_homicide", "post")
    assert error.value.key == key


def test_unbalanced_panel_is_refused_for_staggered(panel):
    with pytest.raises(SerenoError) as error:
        difference_in_differences(
            panel.iloc[1:], "sid", "year", "l_homicide", "post", method="staggered"
        )
    assert error.value.key == "evaluate.unbalanced"
