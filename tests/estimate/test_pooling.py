"""Estimates for strata too small to estimate alone (``sereno.estimate.pooling``): months of
a year take the year's coverage; the months add up to the year; with coverage the same in
every month (the rule's assumption) their intervals cover the planted monthly totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sereno.errors import SerenoError
from sereno.estimate.strata import estimate_strata

LISTS = ("policia", "forense", "prensa")
CAPTURE = (0.6, 0.5, 0.4)


def planted(seed: int, years=(2021, 2022, 2023, 2024)) -> tuple[pd.DataFrame, pd.Series]:
    """People per month (40-90), each on each list independently with ``CAPTURE``: the
    events seen and the true monthly totals."""
    rng = np.random.default_rng(seed)
    rows = []
    for year in years:
        for month in range(1, 13):
            for _ in range(int(rng.integers(40, 91))):
                seen = rng.uniform(size=3) < CAPTURE
                rows.append((year, month, ",".join(s for s, b in zip(LISTS, seen, strict=True)
                                                   if b)))  # fmt: skip
    people = pd.DataFrame(rows, columns=["year", "month", "sources"])
    return people[people["sources"] != ""], people.groupby(["year", "month"]).size()


def test_months_take_the_year_s_coverage_and_add_up_to_it() -> None:
    events, truth = planted(1)
    months = estimate_strata(events, by=("year", "month"), pool=("year",), method="loglinear")
    assert len(months.estimates) == 48 and not months.refused
    for year in ("2021", "2022", "2023", "2024"):
        inside = [e for e in months.estimates if e.stratum.startswith(year + " ")]
        pooled = inside[0].diagnostics["pooled_N_hat"]
        assert {e.diagnostics["pooled_from"] for e in inside} == {year}
        assert sum(e.N_hat for e in inside) == pytest.approx(pooled, abs=0.01)
        assert sum(e.n_observed for e in inside) == len(events[events["year"] == int(year)])
        for e in inside:
            assert e.N_lower <= e.N_hat <= e.N_upper
    covered = [
        e.N_lower <= truth.loc[tuple(int(x) for x in e.stratum.split())] <= e.N_upper
        for e in months.estimates
    ]
    # 95% intervals: 48 months, at least 90% covered (measured: 46 of 48).
    assert np.mean(covered) >= 0.9, np.mean(covered)


def test_each_month_says_how_it_was_estimated() -> None:
    events, _ = planted(2, years=(2024,))
    month = estimate_strata(events, by=("year", "month"), pool=("year",),
                            method="loglinear").estimates[0]  # fmt: skip
    assert "2024" in month.summary("es") and "cobertura de las listas" in month.summary("es")
    assert "the lists' coverage in 2024" in month.summary("en")


def test_a_pool_must_be_part_of_the_strata() -> None:
    events, _ = planted(3, years=(2024,))
    with pytest.raises(SerenoError) as error:
        estimate_strata(events, by=("year",), pool=("month",), method="loglinear")
    assert error.value.key == "estimate.bad_pool"
