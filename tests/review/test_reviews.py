"""Incident reviews (issue 16): the seed's tabulation reproduced from a fixture in its shape.

``tests/data/review/revisiones_semilla.csv`` holds 26 reviews of Nueva Suyapa (unit U1) and
11 of Flor del Campo (U2), with multi-coded motives, Spanish headings and codes, plus three
rows that must be quarantined (a motive outside the locked list, 31 February, no unit). The
expected figures below are counted by hand from how the fixture was written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import beta

from sereno.errors import SerenoError
from sereno.records import OWNER, Actor, history
from sereno.review.reviews import enter_review, import_reviews, reviews
from sereno.review.tabulate import tabulate_reviews

FIXTURE = Path(__file__).parents[1] / "data" / "review" / "revisiones_semilla.csv"
ANA = Actor("ana", "analyst", "ASJ", "cli")
BETO = Actor("beto", "analyst", "OTRA", "cli")


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """By hand from the beta distribution (Clopper and Pearson 1934)."""
    a = 1 - level
    low = 0.0 if k == 0 else beta.ppf(a / 2, k, n - k + 1)
    high = 1.0 if k == n else beta.ppf(1 - a / 2, k + 1, n - k)
    return low, high


@pytest.fixture
def imported(grid_observatory):
    result = import_reviews(grid_observatory, FIXTURE, actor=ANA)
    return grid_observatory, result


def test_import_stores_or_quarantines_every_row_and_adds_nothing_twice(imported):
    obs, result = imported
    assert (result.rows_read, result.created, result.quarantined) == (40, 37, 3)
    assert result.reasons == {"bad_date": 1, "missing_value": 1, "not_in_list": 1}
    q = obs.engine.frame(
        "SELECT row_number, reason_code, column_name, value FROM "
        "field_quarantine ORDER BY row_number"
    )
    assert q.values.tolist() == [
        [38, "not_in_list", "motivos", "brujería"],
        [39, "bad_date", "fecha", "31/02/2012"],
        [40, "missing_value", "colonia", ""],
    ]
    again = import_reviews(obs, FIXTURE, actor=ANA)
    assert (again.created, again.updated, again.duplicates, again.quarantined) == (0, 0, 37, 3)
    assert obs.engine.scalar("SELECT count(*) FROM reviews") == 37
    versions = history(obs, "review", "U1-01")
    assert versions["version"].tolist() == [1] and versions["actor"].tolist() == ["ana"]
    assert json.loads(versions["content"][0])["answers"]["motives"] == ["drugs", "revenge"]


def test_dry_run_stores_nothing(grid_observatory):
    result = import_reviews(grid_observatory, FIXTURE, actor=ANA, dry_run=True)
    assert result.dry_run and result.created == 37
    assert grid_observatory.engine.scalar("SELECT count(*) FROM reviews") == 0
    assert grid_observatory.engine.scalar("SELECT count(*) FROM versions") == 0


def test_seed_tabulation_equals_the_hand_computation(imported):
    obs, _ = imported
    frame = reviews(obs, ANA)
    homicides = pd.DataFrame({"unit_code": ["U1", "U2"], "homicides": [30, 36]})
    tables = tabulate_reviews(frame, by=("unit_code",), side="any", homicides=homicides)
    inv = tables.involvement.set_index("unit_code")
    # Nueva Suyapa: 14 confirmed (10 by the offender, 4 by the victim), 5 suspected of 26.
    expected = {"U1": (26, 14, 5, 4, 3, 30), "U2": (11, 8, 2, 1, 0, 36)}
    for unit, (n, c, s, none, unknown, h) in expected.items():
        row = inv.loc[unit]
        assert (row.n_reviewed, row.confirmed, row.suspected, row.none, row.unknown) == (
            n,
            c,
            s,
            none,
            unknown,
        )
        assert row.share_confirmed == pytest.approx(c / n, abs=1e-12)
        assert row.share_suspected == pytest.approx(s / n, abs=1e-12)
        for kind, k in (("confirmed", c), ("suspected", s)):
            low, high = clopper_pearson(k, n)
            assert row[f"{kind}_low"] == pytest.approx(low, abs=1e-9)
            assert row[f"{kind}_high"] == pytest.approx(high, abs=1e-9)
        assert row.coverage == pytest.approx(n / h, abs=1e-12)
    # Motives, multi-coded: each motive's share of the reviewed homicides.
    mot = tables.motives.set_index(["unit_code", "motive"])["n"].to_dict()
    assert mot == {
        ("U1", "drugs"): 9,
        ("U1", "respect"): 7,
        ("U1", "extortion"): 5,
        ("U1", "revenge"): 4,
        ("U1", "robbery"): 3,
        ("U1", "other"): 2,
        ("U2", "extortion"): 7,
        ("U2", "robbery"): 4,
        ("U2", "drugs"): 1,
        ("U2", "other"): 1,
    }
    shares = tables.motives.groupby("unit_code")["share"].sum()
    assert shares["U1"] == pytest.approx(30 / 26) and shares["U2"] == pytest.approx(13 / 11)
    assert "no suman 100 %" in tables.summary("es")
    assert "do not add up to 100%" in tables.summary("en")
    # Sides apart: by the offender alone Nueva Suyapa has 10 confirmed, by the victim 4.
    off = tabulate_reviews(frame, side="offender").involvement.set_index("unit_code")
    vic = tabulate_reviews(frame, side="victim").involvement.set_index("unit_code")
    assert (off.loc["U1", "confirmed"], off.loc["U1", "suspected"]) == (10, 5)
    assert (vic.loc["U1", "confirmed"], vic.loc["U1", "unknown"]) == (4, 3)


def test_reviews_are_restricted_to_their_organisation(imported):
    obs, _ = imported
    assert len(reviews(obs, BETO)) == 0
    assert len(reviews(obs, OWNER)) == 37
    with pytest.raises(SerenoError):
        import_reviews(obs, FIXTURE, actor=Actor("rita", "reviewer", "ASJ", "cli"))


def test_a_typed_review_is_checked_like_an_imported_row(grid_observatory):
    answers = {
        "review_id": "W-1",
        "unit_code": "U3",
        "incident_date": "2012-05-04",
        "victim_group": "suspected",
        "offender_group": "confirmed",
        "motives": "drugs;respect",
        "reviewer": "ana",
        "reviewed_on": "2013-01-02",
    }
    assert enter_review(grid_observatory, ANA, answers) == "W-1"
    with pytest.raises(SerenoError, match="motives"):
        enter_review(grid_observatory, ANA, {**answers, "review_id": "W-2", "motives": "magia"})
    stored = reviews(grid_observatory, ANA)
    assert stored["review_id"].tolist() == ["W-1"]
    assert stored["motives"][0] == ["drugs", "respect"]
    changed = {**answers, "motives": "drugs"}
    enter_review(grid_observatory, ANA, changed)
    assert history(grid_observatory, "review", "W-1")["action"].tolist() == [
        "review.create",
        "review.update",
    ]
    with pytest.raises(SerenoError):
        enter_review(grid_observatory, BETO, {**answers, "motives": "respect"})


def test_coverage_counts_only_the_years_the_review_spans(imported):
    obs, _ = imported
    frame = reviews(obs, ANA)
    homicides = pd.DataFrame(
        {"unit_code": ["U1", "U1", "U2"], "period": [2011, 2012, 2012], "homicides": [50, 30, 36]}
    )
    inv = tabulate_reviews(frame, homicides=homicides).involvement.set_index("unit_code")
    assert inv.loc["U1", "homicides"] == 30 and inv.loc["U1", "coverage"] == pytest.approx(26 / 30)
    by_year = tabulate_reviews(frame, by=("unit_code", "period"), homicides=homicides)
    assert by_year.involvement["period"].tolist() == ["2012", "2012"]


def test_public_cells_withhold_small_units_and_suppress_small_counts(imported):
    from sereno.review.tabulate import public_cells

    obs, _ = imported
    tables = tabulate_reviews(reviews(obs, ANA))
    shown = public_cells(tables, threshold=12).set_index("unit_code")
    assert shown.index.tolist() == ["U1"]  # Flor del Campo's 11 reviews are fewer than 12
    assert shown.loc["U1", "confirmed"] == 14 and not shown.loc["U1", "confirmed_suppressed"]
    assert pd.isna(shown.loc["U1", "suspected"]) and shown.loc["U1", "suspected_suppressed"]
    assert pd.isna(shown.loc["U1", "share_suspected"])
    assert "none" not in shown.columns and "unknown" not in shown.columns
