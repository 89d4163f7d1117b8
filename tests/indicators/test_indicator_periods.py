"""Periods, partial periods and comparisons on planted monthly counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sereno.errors import SerenoError
from sereno.indicators.compute import rates
from sereno.indicators.periods import month_index, parse_month, windows


def panel(seed: int = 1, units: int = 4, years=(2020, 2024)) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    months = pd.period_range(f"{years[0]}-01", f"{years[1]}-12", freq="M")
    grid = pd.MultiIndex.from_product([[f"U{i}" for i in range(units)], months]).to_frame(
        index=False
    )
    grid.columns = ["unit_code", "month_p"]
    grid["year"] = grid["month_p"].dt.year
    grid["month"] = grid["month_p"].dt.month
    grid["n"] = rng.poisson(4, len(grid))
    pops = pd.DataFrame(
        [
            (u, y, 10_000 * (i + 1) + 100 * (y - years[0]))
            for i, u in enumerate(grid.unit_code.unique())
            for y in range(years[0] - 2, years[1] + 1)
        ],
        columns=["unit_code", "year", "population"],
    )
    return grid.drop(columns="month_p"), pops


@pytest.mark.parametrize("kind", ["month", "quarter", "year", "ytd", "r12"])
def test_every_period_sums_the_months_it_covers(kind: str):
    counts, pops = panel()
    first, last = parse_month("2020-01"), parse_month("2024-12")
    out = rates(
        counts,
        pops,
        period=kind,
        start=parse_month("2022-03"),
        end=parse_month("2024-08"),
        first=first,
        last=last,
    )
    m = month_index(counts["year"], counts["month"])
    for row in out.sample(12, random_state=0).itertuples():
        a, b = parse_month(row.first), parse_month(row.last)
        mask = (counts["unit_code"] == row.unit_code).to_numpy() & (m >= a) & (m <= b)
        assert row.n == counts.loc[mask, "n"].sum()
        years = np.arange(a, b + 1) // 12
        pop = pops.set_index(["unit_code", "year"]).loc[
            [(row.unit_code, y) for y in years], "population"
        ]
        assert row.person_years == pytest.approx(pop.sum() / 12)
        assert row.rate == pytest.approx(row.n / row.person_years * 1e5)


def test_ytd_windows_run_january_to_the_reference_month():
    labels, _, _ = windows("ytd", parse_month("2023-05"), parse_month("2024-08"))
    assert labels == ["2023-01/2023-08", "2024-01/2024-08"]
    labels, _, _ = windows("r12", parse_month("2024-08"), parse_month("2024-08"))
    assert labels == ["2023-09/2024-08"]
    assert windows("quarter", parse_month("2024-02"), parse_month("2024-08"))[0] == [
        "2024-Q1",
        "2024-Q2",
        "2024-Q3",
    ]


def test_partial_periods_are_marked_and_never_compared():
    counts, pops = panel()
    last = parse_month("2024-08")  # data through August
    out = rates(
        counts,
        pops,
        period="quarter",
        start=parse_month("2024-01"),
        end=last,
        first=parse_month("2020-01"),
        last=last,
    )
    q3 = out[out.period == "2024-Q3"]
    assert q3["partial"].all() and q3["rate"].isna().all() and q3["p_yago"].isna().all()
    assert (q3["months_covered"] == 2).all()
    assert not q3["significant_yago"].any()
    q2 = out[out.period == "2024-Q2"]
    assert not q2["partial"].any() and q2["p_yago"].notna().all() and q2["p_prev"].notna().all()
    # a year-before period outside the data is not compared either
    early = rates(
        counts,
        pops,
        period="month",
        start=parse_month("2020-06"),
        end=parse_month("2020-06"),
        first=parse_month("2020-01"),
        last=last,
    )
    assert early["p_yago"].isna().all() and early["p_prev"].notna().all()


def test_planted_rise_is_flagged_and_noise_is_not():
    counts, pops = panel(seed=4, units=30)
    august = (counts.year == 2024) & (counts.month == 8)
    counts.loc[august & (counts.unit_code == "U3"), "n"] = 30  # planted: about 7 times the mean
    out = rates(
        counts, pops, period="month", start=parse_month("2024-08"), end=parse_month("2024-08")
    )
    flagged = set(out.loc[out.significant_yago & (out.change_yago > 0), "unit_code"])
    assert "U3" in flagged
    assert len(flagged) <= 3  # 29 units of pure noise at α = 0.05


def test_units_without_population_keep_their_counts_but_no_rate():
    counts, pops = panel()
    pops = pops[pops.unit_code != "U1"]
    out = rates(
        counts, pops, period="year", start=parse_month("2023-01"), end=parse_month("2023-12")
    )
    u1 = out[out.unit_code == "U1"].iloc[0]
    assert u1["n"] > 0 and np.isnan(u1["rate"]) and np.isnan(u1["rate_eb"])
    assert out[out.unit_code != "U1"]["rate_eb"].notna().all()


def test_bad_periods_are_user_errors():
    with pytest.raises(SerenoError) as error:
        parse_month("2024-13")
    assert error.value.key == "indicators.bad_month"
    counts, pops = panel()
    with pytest.raises(SerenoError):
        rates(counts, pops, period="weekly")
