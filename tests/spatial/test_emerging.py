"""Planted truth on a 12 x 12 lattice, one planted 3 x 3 block per scenario, ArcGIS rules."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from sereno.errors import SerenoError
from sereno.spatial.emerging import emerging_hot_spots

SIDE, STEPS = 12, 24
CODES = [f"u{r:02d}{c:02d}" for r in range(SIDE) for c in range(SIDE)]
LAYER = gpd.GeoDataFrame(
    {"unit_code": CODES},
    geometry=[box(c, r, c + 1, r + 1) for r in range(SIDE) for c in range(SIDE)],
)
BLOCK = [r * SIDE + c for r in range(4, 7) for c in range(4, 7)]
CENTRE = 5 * SIDE + 5


def run(intensity, seed=1, lags=1):
    lam = np.full((SIDE * SIDE, STEPS), 2.0)
    lam[BLOCK] = intensity
    counts = np.random.default_rng(seed).poisson(lam)
    months = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(STEPS)]
    table = pd.DataFrame(
        {
            "unit_code": np.repeat(CODES, STEPS),
            "month": np.tile(months, SIDE * SIDE),
            "count": counts.ravel(),
        }
    )
    return emerging_hot_spots(table, LAYER, lags=lags)


def test_a_planted_new_flare_up_is_new_or_consecutive():
    intensity = np.where(np.arange(STEPS) >= STEPS - 1, 14.0, 2.0)
    result = run(intensity)
    assert result.category[CENTRE] == "new_hot"
    assert {"new_hot", "consecutive_hot"} >= set(result.category[BLOCK]) - {"no_pattern"}


def test_a_planted_steady_hot_spot_is_persistent():
    # with lags = 1 the first step has no previous step, its z is lower and Mann-Kendall
    # sees an upward trend (p = 0.04 here): a steady spot is read with lags = 0
    result = run(np.full(STEPS, 10.0), lags=0)
    assert result.category[CENTRE] == "persistent_hot"


def test_a_planted_fading_hot_spot_is_historical():
    # gone for the last two steps: with lags = 1 the final bin still sees the step before
    intensity = np.where(np.arange(STEPS) < STEPS - 2, 12.0, 2.0)
    assert run(intensity).category[CENTRE] == "historical_hot"


def test_background_is_mostly_no_pattern_and_frame_has_one_row_per_unit():
    result = run(np.full(STEPS, 2.0))
    frame = result.to_frame("en")
    assert len(frame) == SIDE * SIDE
    assert (frame["category"] == "no_pattern").mean() > 0.8
    assert set(result.to_dict()["summary"]) == {"es", "en"}


def test_unknown_unit_is_a_typed_error():
    table = pd.DataFrame(
        {
            "unit_code": ["zz"] * 4,
            "month": ["2024-01", "2024-02", "2024-03", "2024-04"],
            "count": [1, 2, 3, 4],
        }
    )
    with pytest.raises(SerenoError):
        emerging_hot_spots(table, LAYER)
