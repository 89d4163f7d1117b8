"""Money against need and geographic sequencing: hand-computed figures and planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sereno.errors import SerenoError
from sereno.prioritise.funding import (
    concentration_curve,
    concentration_index,
    funding_against_need,
)
from sereno.prioritise.sequencing import sequence_phases

NEED = pd.DataFrame(
    {
        "unit_code": ["A", "B", "C", "D", "E", "F"],
        "homicides": [40, 30, 12, 6, 2, 0],
        "population": [20_000, 30_000, 24_000, 30_000, 40_000, 10_000],
    }
)  # rates 200, 100, 50, 20, 5, 0


def test_concentration_index_matches_the_covariance_formula_to_1e12():
    """With one homicide per unit, C equals Kakwani's 2 cov(f, R) / mean(f), R the fractional
    rank (i - 1/2) / n from the least violent up (Kakwani, Wagstaff, van Doorslaer 1997)."""
    rng = np.random.default_rng(0)
    n = 40
    rate = rng.permutation(n).astype(float)
    funds = rng.gamma(2.0, 100.0, n)
    x, y, _ = concentration_curve(rate, np.ones(n), funds)
    order = np.argsort(rate)  # ascending violence
    r = (np.arange(1, n + 1) - 0.5) / n
    f = funds[order]
    expected = 2 * np.mean((f - f.mean()) * (r - r.mean())) / f.mean()
    assert abs(concentration_index(x, y) - expected) < 1e-12


def test_concentration_index_limits():
    homicides = NEED["homicides"].to_numpy(float)
    rate = homicides / NEED["population"].to_numpy() * 1e5
    # money in proportion to homicides: the diagonal
    assert abs(concentration_index(*concentration_curve(rate, homicides, homicides)[:2])) < 1e-12
    # all the money where no homicide is
    where_none = np.array([0, 0, 0, 0, 0, 1.0])
    assert concentration_index(*concentration_curve(rate, homicides, where_none)[:2]) == -1.0
    # all the money in the most violent unit, which has 40 of 90 homicides: 1 - 40/90
    top = np.array([1.0, 0, 0, 0, 0, 0])
    c = concentration_index(*concentration_curve(rate, homicides, top)[:2])
    assert abs(c - (1 - 40 / 90)) < 1e-12


def test_quadrants_put_an_unfunded_high_violence_unit_where_it_belongs():
    allocations = pd.DataFrame(
        {
            "unit_code": ["B", "C", "D", "E", "E", "F"],
            "year": [2024] * 6,
            "program": ["p"] * 6,
            "amount": [1_000.0, 50_000.0, 60_000.0, 30_000.0, 30_000.0, 40_000.0],
        }
    )
    result = funding_against_need(allocations, NEED)
    frame = result.table.set_index("unit")
    # median rate 35, median funds per inhabitant (0, .033, 2.08, 2, 1.5, 4) = 1.75
    assert result.violence_threshold == pytest.approx(35.0)
    assert result.funds_threshold == pytest.approx((1.5 + 2.0) / 2)
    assert frame.loc["A", "quadrant"] == "high_violence_low_funds"
    assert frame.loc["A", "funds"] == 0
    assert frame.loc["B", "quadrant"] == "high_violence_low_funds"
    assert frame.loc["C", "quadrant"] == "high_violence_high_funds"
    assert frame.loc["F", "quadrant"] == "low_violence_high_funds"
    assert frame.loc["E", "quadrant"] == "low_violence_low_funds"
    assert result.unfunded()["unit"].tolist() == ["A"]
    assert frame.loc["E", "funds_per_homicide"] == 30_000.0
    q = result.quadrants().set_index("quadrant")
    assert q.loc["high_violence_low_funds", "homicides"] == 70
    assert q.loc["high_violence_low_funds", "funds_per_homicide"] == pytest.approx(1_000 / 70)
    assert result.concentration_index < 0  # the money goes to the quieter units
    data = result.to_dict()
    assert data["unfunded_high_violence"] == ["A"]
    assert "no sigue" in data["summary"]["es"] and "does not follow" in data["summary"]["en"]
    assert list(result.tidy().columns) == ["term", "estimate", "se", "low", "high", "p", "method"]
    import matplotlib

    matplotlib.use("Agg")
    assert len(result.plot(lang="en").axes) == 2


def test_allocations_for_units_without_violence_data_are_a_typed_error():
    allocations = pd.DataFrame({"unit_code": ["A", "Z"], "amount": [1.0, 2.0]})
    with pytest.raises(SerenoError) as error:
        funding_against_need(allocations, NEED)
    assert error.value.key == "prioritise.allocations_unknown_units"
    assert error.value.facts["units"] == "Z"


def planted_city(seed: int = 4) -> tuple[pd.DataFrame, set[str]]:
    """60 colonias; six planted ones hold about half of all homicides."""
    rng = np.random.default_rng(seed)
    n = 60
    pop = rng.integers(3_000, 12_000, n)
    rate = np.full(n, 15.0)
    rate[[3, 17, 22, 40, 41, 55]] = 260.0
    frame = pd.DataFrame(
        {
            "unit": [f"COL{i:02d}" for i in range(n)],
            "homicides": rng.poisson(rate * pop / 1e5),
            "population": pop,
            "cost": rng.uniform(50, 150, n).round(),
        }
    )
    frame["score"] = frame["homicides"] / frame["population"] * 1e5
    return frame, {f"COL{i:02d}" for i in (3, 17, 22, 40, 41, 55)}


def test_sequencing_covers_the_planted_high_violence_colonias_in_phase_one():
    frame, planted = planted_city()
    share_planted = frame[frame["unit"].isin(planted)]["homicides"].sum() / frame["homicides"].sum()
    result = sequence_phases(frame, share=share_planted - 0.01, phases=3)
    first = set(result.units.loc[result.units["phase"] == 1, "unit"])
    assert first == planted
    phases = result.phases
    assert phases.loc[0, "homicide_share"] == pytest.approx(share_planted)
    assert phases["cumulative_homicide_share"].is_monotonic_increasing
    assert phases.loc[0, "population_share"] < 0.15
    assert "Fase 1: 6 unidades" in result.summary("es")


def test_budget_phases_spend_at_most_the_budget_and_the_split_adds_up():
    frame, _ = planted_city()
    result = sequence_phases(frame, cost="cost", budget=500, phases=2, total_budget=1_000_000,
                             split="need_cost")  # fmt: skip
    phases = result.phases
    assert (phases["cost"] <= 500).all() and len(phases) == 2
    units = result.units
    assert units["order"].tolist() == list(range(1, 61))
    planned = units[units["phase"] > 0]
    assert planned["allocation"].sum() == pytest.approx(1_000_000)
    assert (units.loc[units["phase"] == 0, "allocation"] == 0).all()
    weights = planned["homicides"] * planned["cost"]
    np.testing.assert_allclose(planned["allocation"], 1_000_000 * weights / weights.sum())
    # the next unit after phase 1 would not have fitted into phase 1's budget
    first = units[units["phase"] == 1]
    following = units.loc[len(first), "cost"]
    assert first["cost"].sum() + following > 500
    assert set(result.to_dict()["summary"]) == {"es", "en"}


def test_sequencing_errors():
    frame, _ = planted_city()
    with pytest.raises(SerenoError) as error:
        sequence_phases(frame, budget=100)
    assert error.value.key == "prioritise.budget_needs_cost"
    with pytest.raises(SerenoError) as error:
        sequence_phases(frame, cost="cost", budget=60)
    assert error.value.key == "prioritise.unit_over_budget"


def test_the_bulletin_section_carries_the_public_parts_of_the_plan():
    from sereno.indicators.bulletin import BulletinSection
    from sereno.prioritise.bulletin import sequencing_section

    frame, _ = planted_city()
    result = sequence_phases(frame, share=0.4, phases=2, total_budget=600_000)
    names = {u: f"Colonia {u[-2:]}" for u in frame["unit"]}
    section = sequencing_section(result, "es", names)
    assert isinstance(section, BulletinSection)
    assert [row[0] for row in section.rows] == ["1", "2"]
    assert section.rows[0][1].startswith("Colonia ")
    total = sum(float(r[4].replace(".", "").replace(",", ".")) for r in section.rows)
    assert total == pytest.approx(600_000, abs=2)
    assert section.header[0] == "fase" and "Fase 1" in section.intro
    assert sequencing_section(result, "en").header[0] == "phase"
