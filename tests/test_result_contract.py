"""Every result class satisfies the contract of ``sereno.result``, and one ``jsonable``
makes any of their values strict JSON.

Each class is built by its own public function on small synthetic data (the linkage's and
the reconciliation's from their frames: Splink training and a linkage run take seconds).
"""

from __future__ import annotations

import json
import math
import warnings
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sereno.result import TIDY_COLUMNS, Interval, Result, jsonable, records

matplotlib.use("Agg")

MONTHS = pd.period_range("2021-01", periods=36, freq="M").astype(str)


def panel(seed: int = 1, units: int = 8) -> pd.DataFrame:
    """Monthly counts in ``units`` colonias; the first half gets a program from 2022-07
    that lowers its counts by a third."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "unit": np.repeat([f"c{i}" for i in range(units)], len(MONTHS)),
            "time": np.tile(MONTHS, units),
        }
    )
    level = np.repeat(rng.uniform(8, 14, units), len(MONTHS))
    treated = frame["unit"].isin([f"c{i}" for i in range(units // 2)])
    after = frame["time"] >= "2022-07"
    frame["treated"] = (treated & after).astype(int)
    frame["y"] = rng.poisson(level * np.where(treated & after, 0.67, 1.0))
    return frame


def its():
    from sereno.evaluate.its import interrupted_time_series

    one = panel().query("unit == 'c0'")
    return interrupted_time_series(one, "time", "y", "2022-07", draws=100)


def did():
    from sereno.evaluate.did import difference_in_differences

    return difference_in_differences(panel(), "unit", "time", "y", "treated")


def synth():
    from sereno.evaluate.synth import synthetic_control

    frame = panel(units=10)
    frame = frame[~frame["unit"].isin(["c1", "c2", "c3", "c4"])]
    return synthetic_control(frame, "unit", "time", "y", treated="c0", start="2022-07")


def match():
    from sereno.evaluate.matching import match_units

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"unit": [f"u{i}" for i in range(60)], "x": rng.normal(size=60)})
    frame["treated"] = (frame["x"] + rng.normal(size=60) > 0.8).astype(int)
    frame["y"] = 2 * frame["x"] - frame["treated"] + rng.normal(size=60)
    return match_units(frame, "unit", "treated", ["x"], outcome="y")


def cost():
    from sereno.evaluate.cost import cost_per_homicide_averted

    return cost_per_homicide_averted(250_000, Interval.normal(12.0, 4.0))


def histories():
    from sereno.estimate.histories import from_patterns

    patterns = np.array(
        [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]]
    )
    return from_patterns(["a", "b", "c"], patterns, np.array([60, 50, 40, 20, 15, 12, 8]))


def mse():
    from sereno.estimate import estimate_population

    return estimate_population(histories(), "loglinear")


def strata():
    from sereno.estimate.strata import estimate_strata

    rng = np.random.default_rng(4)
    pick = rng.choice(
        ["a", "b", "c", "a,b", "a,c", "b,c", "a,b,c"],
        size=400,
        p=[0.25, 0.2, 0.15, 0.12, 0.1, 0.1, 0.08],
    )
    events = pd.DataFrame({"sources": pick, "year": np.repeat([2022, 2023], 200)})
    return estimate_strata(events, by=("year",), method="loglinear")


def table_rates():
    from sereno.indicators.table import table_rates

    frame = pd.DataFrame(
        {
            "unit": list("abcdef"),
            "n": [3, 0, 12, 7, 1, 20],
            "population": [9_000, 4_000, 30_000, 12_000, 2_500, 41_000],
        }
    )
    return table_rates(frame, "n", "population", unit="unit")


def lattice(n: int = 6):
    import geopandas as gpd
    import shapely

    i = np.arange(n * n)
    values = np.random.default_rng(3).poisson(4, n * n).astype(float)
    values[[14, 15, 20, 21]] += 12  # a planted cluster in the middle
    return gpd.GeoDataFrame(
        {"code": [f"C{k}" for k in i], "v": values},
        geometry=shapely.box(i % n, i // n, i % n + 1, i // n + 1),
    )


def hot_spots():
    from sereno.spatial import hot_spots

    return hot_spots(lattice(), "v", id_column="code", permutations=0)


def emerging():
    from sereno.spatial.emerging import emerging_hot_spots

    layer = lattice().rename(columns={"code": "unit_code"})
    rng = np.random.default_rng(5)
    lam = np.full((len(layer), 12), 2.0)
    lam[[14, 15, 20, 21], 8:] = 12.0
    months = MONTHS[:12]
    table = pd.DataFrame(
        {
            "unit_code": np.repeat(layer["unit_code"], 12),
            "month": np.tile(months, len(layer)),
            "count": rng.poisson(lam).ravel(),
        }
    )
    return emerging_hot_spots(table, layer[["unit_code", "geometry"]], lags=1)


def grid_counts(months: int):
    rng = np.random.default_rng(6)
    n = 5
    xs, ys = np.meshgrid(np.arange(n), np.arange(n))
    places = pd.DataFrame(
        {
            "u": [f"u{i:02d}" for i in range(n * n)],
            "x": xs.ravel() * 1000.0,
            "y": ys.ravel() * 1000.0,
        }
    )
    lam = np.full((n * n, months), 1.5)
    lam[[6, 7, 11, 12], -2:] *= 5
    counts = pd.DataFrame(
        {
            "u": np.repeat(places["u"], months),
            "t": np.tile(MONTHS[:months], n * n),
            "n": rng.poisson(lam).ravel(),
        }
    )
    return counts, places


def scan():
    from sereno.alerts.scan import space_time_scan

    counts, places = grid_counts(12)
    return space_time_scan(counts, time="t", unit="u", count="n", locations=places, replications=99)


def anomalies():
    from sereno.alerts.anomalies import unit_anomalies

    counts, _ = grid_counts(36)
    return unit_anomalies(counts, unit="u", time="t", count="n")


def link():
    from sereno.link.linkage import LinkResult

    pairs = pd.DataFrame(
        {
            "record_id_l": [1, 1, 2],
            "record_id_r": [2, 3, 3],
            "match_weight": [8.0, 0.1, -4.0],
            "match_probability": [0.99, 0.52, 0.05],
            "decision": [None] * 3,
        }
    )
    membership = pd.DataFrame(
        {
            "record_id": [1, 2, 3],
            "source_id": ["a", "b", "c"],
            "event_id": [1, 1, 2],
            "probability": [0.99, 0.99, 0.95],
        }
    )
    events = pd.DataFrame(
        {
            "event_id": [1, 2],
            "sources": ["a,b", "c"],
            "n_records": [2, 1],
            "probability": [0.99, 0.95],
        }
    )
    return LinkResult(0.5, (0.2, 0.8), pairs, membership, events)


def reconciliation():
    from sereno.indicators.reconciliation import Reconciliation

    table = pd.DataFrame(
        {
            "year": [2022, 2023],
            "months": [12, 12],
            "n_a": [80, 90],
            "n_b": [60, 70],
            "linked": [110, 120],
            "single_source": [70, 75],
            "method": ["lcmcr", None],
            "n_observed": [110, np.nan],
            "n_hat": [150.0, np.nan],
            "n_lower": [130.0, np.nan],
            "n_upper": [180.0, np.nan],
            "uncounted": [0.27, np.nan],
            "uncounted_lower": [0.15, np.nan],
            "uncounted_upper": [0.39, np.nan],
        }
    )
    return Reconciliation("run1", "0101", ("a", "b"), "lcmcr", table)


def risk_index():
    from sereno.prioritise.risk_index import risk_index
    from sereno.prioritise.spec import parse_spec
    from tests.prioritise.test_risk_index import PLANTED_SPEC, planted

    frame, covariates, _ = planted(40)
    spec = {**PLANTED_SPEC, "uncertainty": {**PLANTED_SPEC["uncertainty"], "samples": 32}}
    return risk_index(frame, parse_spec(spec), covariates=covariates)


def polygons():
    from sereno.prioritise.polygons import target_polygons
    from tests.prioritise.test_polygons import with_islands

    return target_polygons(with_islands(), id="code", population="pop", risk="risk")


def funding():
    from sereno.prioritise.funding import funding_against_need
    from tests.prioritise.test_funding_and_sequencing import NEED

    allocations = pd.DataFrame(
        {
            "unit_code": ["B", "C", "D", "E", "F"],
            "year": [2024] * 5,
            "program": ["p"] * 5,
            "amount": [1e3, 5e4, 6e4, 3e4, 4e4],
        }
    )
    return funding_against_need(allocations, NEED)


def sequencing():
    from sereno.prioritise.sequencing import sequence_phases
    from tests.prioritise.test_funding_and_sequencing import planted_city

    frame, _ = planted_city()
    return sequence_phases(frame, share=0.4, phases=3)


def suppression():
    from sereno.publish.privacy import suppress_small_cells
    from tests.publish.test_privacy import table_with_margins

    cells, relations = table_with_margins(np.array([[3, 7, 20], [8, 9, 30]]))
    return suppress_small_cells(cells, relations, threshold=5)


BUILDERS = {
    "ITSResult": its,
    "DiDResult": did,
    "SynthResult": synth,
    "MatchResult": match,
    "CostEffectiveness": cost,
    "MSEResult": mse,
    "StrataEstimates": strata,
    "TableRates": table_rates,
    "HotSpots": hot_spots,
    "EmergingHotSpots": emerging,
    "ScanResult": scan,
    "AnomalyResult": anomalies,
    "LinkResult": link,
    "Reconciliation": reconciliation,
    "RiskIndex": risk_index,
    "TargetPolygons": polygons,
    "FundingResult": funding,
    "Sequencing": sequencing,
    "SuppressedCells": suppression,
}
# Tables and accounts with no picture of their own (the bulletin and portal draw them).
NO_PICTURE = {
    "CostEffectiveness",
    "StrataEstimates",
    "TableRates",
    "LinkResult",
    "Reconciliation",
    "SuppressedCells",
}
SINGLE_AXES = {
    "ITSResult",
    "DiDResult",
    "MatchResult",
    "MSEResult",
    "AnomalyResult",
    "HotSpots",
    "Indicators",
}


@pytest.fixture(scope="module")
def built() -> dict[str, Result]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: make() for name, make in BUILDERS.items()}


def test_every_result_class_is_built_here():
    """A result class added to the package without a builder here fails this test."""
    import importlib
    import pkgutil

    import sereno

    found = set()
    for info in pkgutil.walk_packages(sereno.__path__, "sereno."):
        if info.name.startswith(("sereno.demo", "sereno.commands", "sereno.cli")):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Result)
                and value is not Result
                and value.__module__ == info.name
            ):
                found.add(value.__name__)
    assert found == set(BUILDERS) | {"Indicators"}


def check_contract(name: str, result: Result, tmp_path: Path) -> None:
    import matplotlib.figure
    import matplotlib.pyplot as plt

    assert isinstance(result, Result), name
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0, name

    tidy = result.tidy()
    columns = [c for c in tidy.columns if c in TIDY_COLUMNS]
    assert columns == list(TIDY_COLUMNS), (name, list(tidy.columns))
    assert tidy.columns[0] == "term" and len(tidy) > 0, name
    for column in ("estimate", "se", "low", "high", "p"):
        assert pd.api.types.is_float_dtype(tidy[column]), (name, column, tidy[column].dtype)
    both = tidy.dropna(subset=["low", "high", "estimate"])
    if name not in ("AnomalyResult", "TargetPolygons", "CostEffectiveness"):
        # an interval holds its estimate (the anomaly's low and high are its expected count
        # and bound, a polygon's its units' range, a ratio's its own transform)
        assert (both["low"] <= both["estimate"] + 1e-9).all(), name
        assert (both["estimate"] <= both["high"] + 1e-9).all(), name
    assert list(result.confint().columns) == ["term", "low", "high"]

    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)  # strict JSON: a NaN fails here
    assert json.loads(text) == data, name
    assert set(data["summary"]) == {"es", "en"}, name
    assert data["summary"]["es"] == result.summary("es"), name
    assert data["summary"]["en"] == result.summary("en"), name
    assert data["summary"]["es"] != data["summary"]["en"], name
    assert all(len(s) > 20 for s in data["summary"].values()), name

    if name in NO_PICTURE:
        with pytest.raises(NotImplementedError):
            result.plot()
        return
    figure = result.plot(lang="en")
    assert isinstance(figure, matplotlib.figure.Figure), name
    figure.savefig(tmp_path / f"{name}.png")
    plt.close(figure)
    if name in SINGLE_AXES:
        own, ax = plt.subplots()
        assert result.plot(ax=ax, lang="es") is own, name
        plt.close(own)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_result_class_satisfies_the_contract(name, built, tmp_path):
    check_contract(name, built[name], tmp_path)


def test_indicators_satisfy_the_contract(grid_observatory, tmp_path):
    from sereno.indicators.api import compute_indicators
    from sereno.ingest.pipeline import ingest_file

    rng = np.random.default_rng(9)
    days = pd.date_range("2022-01-01", "2023-12-31", freq="D")
    rows = pd.DataFrame(
        {
            "date": rng.choice(days, 300).astype("datetime64[ns]"),
            "unit_code": rng.choice([f"U{i}" for i in range(1, 10)], 300),
            "offence": "homicidio doloso",
        }
    )
    path = tmp_path / "v.csv"
    rows.assign(date=rows["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    ingest_file(grid_observatory, path, "policia", "generic-victims")
    result = compute_indicators(grid_observatory, "homicide", level="colonia", period="year")
    check_contract("Indicators", result, tmp_path)
    tidy = result.tidy()
    counts = tidy[tidy["term"] == "n:homicides"]
    # identical rows (same day, unit and offence) are one record stored
    assert counts["estimate"].sum() == len(rows.drop_duplicates())


def test_an_interval_knows_its_level_and_rescales_like_confint():
    from scipy.stats import norm

    ninety_five = Interval.normal(10.0, 2.0)
    assert ninety_five.alpha == 0.05 and math.isclose(ninety_five.level, 0.95)
    assert math.isclose(ninety_five.high - ninety_five.low, 2 * 1.959963984540054 * 2.0)
    ninety = ninety_five.at(0.10)
    assert math.isclose(ninety.high - 10.0, norm.ppf(0.95) * 2.0, rel_tol=1e-12)
    assert ninety.level == pytest.approx(0.90) and ninety.estimate == 10.0
    ratio = Interval.log_normal(math.log(0.7), 0.1, alpha=0.1)
    assert math.isclose(ratio.low, 0.7 * math.exp(-norm.ppf(0.95) * 0.1), rel_tol=1e-12)
    assert math.isclose(ninety_five.p, 2 * norm.sf(5.0), rel_tol=1e-12)
    with pytest.raises(ValueError):
        Interval(5.0, float("nan"), 4.0, 6.0).at(0.1)


def test_jsonable_makes_strict_json_of_every_kind_of_value():
    value = {
        "nan": float("nan"),
        "inf": np.float64("inf"),
        "int": np.int64(3),
        "bool": np.bool_(True),
        "decimal": Decimal("2.50"),
        "whole": Decimal("4"),
        "day": date(2024, 5, 1),
        "stamp": datetime(2024, 5, 1, 13, 30),
        "nat": pd.NaT,
        "na": pd.NA,
        "array": np.array([1.0, np.nan]),
        "path": Path("a/b.csv"),
        "set": (1, 2),
        "interval": Interval.normal(1.0, 0.5),
        "frame": pd.DataFrame(
            {
                "d": pd.to_datetime(["2024-01-31", None]),
                "n": [1, None],
                "k": pd.array([1, None], dtype="Int64"),
            }
        ),
    }
    out = json.loads(json.dumps(jsonable(value), allow_nan=False))
    assert out["nan"] is None and out["inf"] is None and out["int"] == 3 and out["bool"] is True
    assert out["decimal"] == 2.5 and out["whole"] == 4 and isinstance(out["whole"], int)
    assert out["day"] == "2024-05-01" and out["stamp"] == "2024-05-01T13:30:00"
    assert out["nat"] is None and out["na"] is None and out["array"] == [1.0, None]
    assert out["path"] == "a/b.csv" and out["set"] == [1, 2]
    assert out["interval"]["alpha"] == 0.05 and out["interval"]["se"] == 0.5
    assert out["frame"] == [
        {"d": "2024-01-31", "n": 1.0, "k": 1},
        {"d": None, "n": None, "k": None},
    ]
    assert records(pd.DataFrame({"n": [1, 2]})) == [{"n": 1}, {"n": 2}]


def test_the_old_cleaner_and_plot_call_still_work_with_a_deprecation_message():
    from sereno.indicators.result import clean

    with pytest.warns(DeprecationWarning, match="sereno.result.jsonable"):
        assert clean(float("nan")) is None
    result = its()
    with pytest.warns(DeprecationWarning, match="plot"):
        figure = result.plot("en")
    assert figure.axes[0].get_legend() is not None
