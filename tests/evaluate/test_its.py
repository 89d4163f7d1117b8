"""Interrupted time series on synthetic monthly series with planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sereno.errors import SerenoError
from sereno.evaluate.its import interrupted_time_series

MONTHS = pd.period_range("2018-01", periods=60, freq="M").astype(str)
START = "2021-01"  # month index 36


def expected(ratio: float, level: float = 20.0) -> np.ndarray:
    t = np.arange(60)
    base = level * np.exp(-0.004 * t + 0.15 * np.sin(2 * np.pi * t / 12))
    return base * np.where(t >= 36, ratio, 1.0), base


def series(rng: np.random.Generator, ratio: float) -> pd.DataFrame:
    mu, _ = expected(ratio)
    return pd.DataFrame({"mes": MONTHS, "homicidios": rng.poisson(mu)})


def test_planted_level_change_is_recovered_and_covered():
    """Planted rate ratio 0.70: mean estimate within 0.02, 95% intervals cover it in at
    least 90% of 200 series, and the averted interval covers the planted averted count."""
    rng = np.random.default_rng(11)
    mu, base = expected(0.70)
    true_averted = float((base - mu)[36:].sum())
    fits = [
        interrupted_time_series(series(rng, 0.70), "mes", "homicidios", START, draws=300)
        for _ in range(200)
    ]
    ratios = np.array([f.level_change.estimate for f in fits])
    covered = np.mean([f.level_change.low <= 0.70 <= f.level_change.high for f in fits])
    averted_covered = np.mean([f.averted.low <= true_averted <= f.averted.high for f in fits])
    assert abs(np.exp(np.log(ratios).mean()) - 0.70) < 0.02
    assert covered >= 0.90
    assert averted_covered >= 0.88


def test_no_change_false_positive_rate_near_five_percent():
    """400 series with no change: level change p < 0.05 in 2.5%-8% of them."""
    rng = np.random.default_rng(12)
    p = np.array(
        [
            interrupted_time_series(
                series(rng, 1.0), "mes", "homicidios", START, draws=50
            ).diagnostics["level_change_p"]
            for _ in range(400)
        ]
    )
    assert 0.025 <= np.mean(p < 0.05) <= 0.08


def test_negative_binomial_on_overdispersed_counts_keeps_coverage():
    """Gamma-Poisson counts (alpha 0.1): NB2 intervals cover the planted 0.75 in >= 88%."""
    rng = np.random.default_rng(13)
    mu, _ = expected(0.75)
    covered = []
    for _ in range(100):
        y = rng.poisson(mu * rng.gamma(10.0, 0.1, size=mu.size))
        frame = pd.DataFrame({"mes": MONTHS, "homicidios": y})
        fit = interrupted_time_series(frame, "mes", "homicidios", START, family="negbin", draws=50)
        covered.append(fit.level_change.low <= 0.75 <= fit.level_change.high)
    assert np.mean(covered) >= 0.88


def test_control_series_absorbs_a_common_shock():
    """A city-wide drop of 40% at the start hits treated and control alike; with the control
    series the level change is near 1 (within 0.1), without it near 0.6."""
    rng = np.random.default_rng(14)
    mu, _ = expected(0.6, level=40)
    frame = pd.DataFrame(
        {"mes": MONTHS, "homicidios": rng.poisson(mu), "control": rng.poisson(mu * 3)}
    )
    alone = interrupted_time_series(frame, "mes", "homicidios", START)
    adjusted = interrupted_time_series(frame, "mes", "homicidios", START, control="control")
    assert abs(alone.level_change.estimate - 0.6) < 0.1
    assert abs(adjusted.level_change.estimate - 1.0) < 0.1
    assert adjusted.comparison == "pre_trend_season+control_series"


def test_result_speaks_both_languages_and_serialises():
    import json

    fit = interrupted_time_series(
        series(np.random.default_rng(1), 0.7), "mes", "homicidios", START, place="Centro"
    )
    data = json.loads(json.dumps(fit.to_dict()))
    assert data["estimate"]["low"] < data["estimate"]["estimate"] < data["estimate"]["high"]
    assert "homicidios evitados" in fit.summary("es")
    assert "homicides averted" in fit.summary("en")
    assert len(fit.to_frame()) == 60
    fig = fit.plot("en")
    assert "Centro" in fig.axes[0].get_title()


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (
            lambda f: f.assign(homicidios=f["homicidios"].astype(str).where(f.index != 3, "x")),
            "evaluate.not_numeric",
        ),
        (lambda f: f.drop(columns="homicidios"), "evaluate.missing_column"),
        (lambda f: f.iloc[30:], "evaluate.too_few_pre"),
        (lambda f: pd.concat([f, f.iloc[:1]]), "evaluate.duplicate_time"),
        (lambda f: f.assign(mes=f["mes"].where(f.index != 5, "mayo")), "evaluate.bad_time"),
    ],
)
def test_refusals(change, key):
    frame = series(np.random.default_rng(2), 1.0)
    with pytest.raises(SerenoError) as error:
        interrupted_time_series(change(frame), "mes", "homicidios", START)
    assert error.value.key == key
