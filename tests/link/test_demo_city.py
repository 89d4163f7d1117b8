"""Ciudad Demo against its ground truth: linkage precision and recall (pairs and clusters),
per-year estimates of the true homicide total, clerical review fed back, the commands."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer.testing

import sereno.cli
import sereno.commands.link
from sereno.link.accuracy import linkage_accuracy
from sereno.store import Observatory

RUNNER = typer.testing.CliRunner()
ID_COLUMNS = ("policia_folio", "forense_id", "prensa_id")


def invoke(*args: str) -> dict:
    result = RUNNER.invoke(sereno.cli.app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from sereno.demo.build import build_demo

    directory = tmp_path_factory.mktemp("demo")
    build_demo(directory, seed=7)
    invoke("link", "--dir", str(directory))
    return directory


def truth_labels(directory: Path, run_id: str | None = None) -> pd.DataFrame:
    truth = pd.read_csv(directory / "datos-sinteticos/verdad/victimas.csv", dtype=str)
    ids = pd.concat(
        [truth[["true_id", c]].rename(columns={c: "source_record_id"}) for c in ID_COLUMNS]
    ).dropna()
    with Observatory.open(directory) as obs:
        run = run_id or obs.engine.scalar(
            "SELECT run_id FROM link_runs ORDER BY created_at DESC, run_id LIMIT 1"
        )
        members = obs.engine.frame(
            "SELECT m.record_id, m.event_id, r.source_record_id FROM event_records m "
            "JOIN records r USING (record_id) WHERE m.run_id = ?",
            [run],
        )
    return members.merge(ids, on="source_record_id", how="left")


@pytest.mark.slow
def test_demo_linkage_f1_at_least_0_95(demo: Path) -> None:
    """Pairs and clusters, at the default threshold 0.5, against victimas.csv: F1 ≥ 0.95
    for both (we measure pair P 0.988 R 0.985, cluster P 0.968 R 0.977 with seed 7)."""
    labels = truth_labels(demo)
    assert labels["true_id"].notna().all()
    scores = linkage_accuracy(labels["event_id"], labels["true_id"])
    assert scores["pair_f1"] >= 0.95, scores
    assert scores["cluster_f1"] >= 0.95, scores
    assert scores["pair_precision"] >= 0.95 and scores["pair_recall"] >= 0.95


@pytest.mark.slow
def test_demo_yearly_totals_inside_interval(demo: Path) -> None:
    """LCMCR per year on the linked events against each year's true number of victims
    (verdad.json)."""
    truth = json.loads((demo / "datos-sinteticos/verdad/verdad.json").read_text())
    data = invoke("estimate", "--dir", str(demo), "--by", "year")
    assert len(data["estimates"]) == 5 and not data["refused"]
    covered = 0
    for e in data["estimates"]:
        true = truth["true_victims_by_year"][e["stratum"]]
        covered += e["N_lower"] <= true <= e["N_upper"]
        assert abs(e["N_hat"] / true - 1) < 0.05, (e["stratum"], true, e)
    # Seed 7: 573 [558, 625] for 559 true victims in 2020, the tightest year. Records of one
    # victim that linkage leaves apart read to MSE as people hard to see and push the
    # estimate up: before the model had an age level for unidentified bodies (forensic age
    # estimates) 2020's interval started at 564. Every year must be covered, and every
    # estimate within 5% of the truth.
    assert covered == 5


@pytest.mark.slow
def test_demo_small_strata_are_refused(demo: Path) -> None:
    data = invoke("estimate", "--dir", str(demo), "--by", "unit_code,month", "--method",
                  "loglinear")  # fmt: skip
    assert data["refused"] and all(r["reason"] == "estimate.too_small" or
                                   r["reason"] == "estimate.too_few_lists"
                                   for r in data["refused"])  # fmt: skip


@pytest.mark.slow
def test_demo_clerical_review_round_trip(demo: Path, tmp_path: Path) -> None:
    """Export the uncertain pairs, decide them from the truth, feed them back: the new run
    applies every decision (no decided non-match shares an event) and scores no worse."""
    sheet_path = tmp_path / "review.csv"
    exported = invoke("link", "--dir", str(demo), "--export-review", str(sheet_path))
    sheet = pd.read_csv(sheet_path)
    assert exported["pairs"] == len(sheet) > 0
    assert "match_probability" not in sheet.columns  # blind review
    labels = truth_labels(demo).set_index("record_id")["true_id"]
    same = (
        labels.reindex(sheet["record_id_l"]).to_numpy()
        == labels.reindex(sheet["record_id_r"]).to_numpy()
    )
    sheet["decision"] = ["match" if s else "non_match" for s in same]
    sheet.to_csv(sheet_path, index=False)
    before = truth_labels(demo)
    applied = invoke("link", "--dir", str(demo), "--decisions", str(sheet_path))
    after = truth_labels(demo, applied["run_id"])

    def together(labels: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
        event = labels.set_index("record_id")["event_id"]
        return pd.Series(event.reindex(pairs["record_id_l"]).to_numpy()
                         == event.reindex(pairs["record_id_r"]).to_numpy())  # fmt: skip

    matched = sheet[sheet["decision"] == "match"]
    apart = sheet[sheet["decision"] == "non_match"]
    assert together(after, matched).all()
    # A non-match is a cannot-link constraint: not even a third record joins the two.
    assert apart.size and not together(after, apart).any()
    old = linkage_accuracy(before["event_id"], before["true_id"])["cluster_f1"]
    new = linkage_accuracy(after["event_id"], after["true_id"])["cluster_f1"]
    assert new >= old


@pytest.mark.slow
def test_demo_contradicting_decisions_are_refused_before_storing(demo: Path, tmp_path) -> None:
    """match(a, b), match(b, c) and non_match(a, c): exit 2 with the three records named,
    and the store's decisions unchanged."""
    with Observatory.open(demo) as obs:
        a, b, c = obs.engine.frame("SELECT record_id FROM records ORDER BY record_id LIMIT 3")[
            "record_id"
        ].tolist()
        before = obs.engine.scalar("SELECT count(*) FROM clerical_decisions")
    sheet = pd.DataFrame({"record_id_l": [a, b, a], "record_id_r": [b, c, c],
                          "decision": ["match", "match", "non_match"]})  # fmt: skip
    sheet.to_csv(tmp_path / "contradiction.csv", index=False)
    result = RUNNER.invoke(
        sereno.cli.app,
        ["link", "--dir", str(demo), "--decisions", str(tmp_path / "contradiction.csv")],
        env={"SERENO_LANG": "en"},
    )
    assert result.exit_code == 2, result.output
    assert f"{a} – {b} – {c}" in result.output and "non_match" in result.output
    with Observatory.open(demo) as obs:
        assert obs.engine.scalar("SELECT count(*) FROM clerical_decisions") == before


@pytest.mark.slow
def test_demo_estimate_with_linkage_draws(demo: Path) -> None:
    """--linkage-draws re-clusters the stored pairs: its fixed-linkage estimate is the plain
    one (same events, same seed); the sentence says the interval includes the linkage's
    uncertainty; the stored details keep both intervals and the review band's estimates."""
    plain = {e["stratum"]: e for e in invoke("estimate", "--dir", str(demo))["estimates"]}
    result = RUNNER.invoke(
        sereno.cli.app,
        ["estimate", "--dir", str(demo), "--linkage-draws", "3"],
        env={"SERENO_LANG": "es"},
    )
    assert result.exit_code == 0, result.output
    assert "incluye la incertidumbre de la vinculación" in " ".join(result.output.split())
    with Observatory.open(demo) as obs:
        stored = obs.engine.frame(
            "SELECT stratum, n_hat, n_lower, n_upper, details FROM mse_estimates "
            "WHERE estimate_id = (SELECT estimate_id FROM mse_estimates "
            "ORDER BY created_at DESC LIMIT 1)"
        )
    assert sorted(stored["stratum"]) == sorted(plain)
    for row in stored.itertuples():
        linkage = json.loads(row.details)["linkage"]
        assert linkage["draws"] == 3 and set(linkage["thresholds"]) == {"0.2", "0.8"}
        assert linkage["fixed"]["N_hat"] == pytest.approx(plain[row.stratum]["N_hat"])
        assert linkage["fixed"]["N_upper"] == pytest.approx(plain[row.stratum]["N_upper"])
        assert row.n_lower <= row.n_hat <= row.n_upper
        assert abs(row.n_hat / linkage["fixed"]["N_hat"] - 1) < 0.05


@pytest.mark.slow
def test_demo_discrepancy_report_matches_store(demo: Path) -> None:
    data = invoke("discrepancies", "--dir", str(demo), "--city")
    rows = pd.DataFrame(data["rows"])
    with Observatory.open(demo) as obs:
        per_source = obs.engine.frame(
            "SELECT source_id, count(*) AS n FROM victims WHERE iccs_code = '0101' GROUP BY 1"
        ).set_index("source_id")["n"]
    for source, n in per_source.items():
        assert rows[f"n_{source}"].sum() == n
    assert (rows["events"] >= rows[[c for c in rows if c.startswith("only_")]].sum(axis=1)).all()
    assert set(data["missed_by"]) == {"sex", "age_band", "place", "weapon"}


@pytest.mark.slow
def test_demo_estimate_by_month_pooled_by_year(demo: Path) -> None:
    """``--by year,month --pool year``: every month of Ciudad Demo has an estimate, the months
    of a year add up to that year's, and the planted monthly totals are inside the monthly
    intervals in most months. Most, not 90%: the demo's sources see victims in gang-held
    colonias, months of headlines and bodies not found differently, so a month's coverage is
    not its year's (the rule's stated assumption), and the yearly log-linear estimate itself
    is low (measured: 19 of 24 months covered with the true linkage)."""
    data = invoke("estimate", "--dir", str(demo), "--by", "year,month", "--pool", "year",
                  "--method", "loglinear")  # fmt: skip
    months = data["estimates"]
    truth = pd.read_csv(demo / "datos-sinteticos/verdad/victimas.csv", dtype=str)
    planted = truth.groupby(truth["date"].str[:7]).size()
    assert len(months) == len(planted) and not data["refused"]
    by_year: dict[str, float] = {}
    covered = 0
    for m in months:
        year, month = m["stratum"].split()
        by_year[year] = by_year.get(year, 0.0) + m["N_hat"]
        assert m["diagnostics"]["pooled_from"] == year
        covered += m["N_lower"] <= planted[f"{year}-{int(month):02d}"] <= m["N_upper"]
    for m in months:
        year = m["stratum"].split()[0]
        assert by_year[year] == pytest.approx(m["diagnostics"]["pooled_N_hat"], abs=0.05)
    assert covered / len(months) >= 0.6, covered
    result = RUNNER.invoke(sereno.cli.app, ["estimate", "--dir", str(demo), "--pool", "year",
                                            "--linkage-draws", "3"])  # fmt: skip
    assert result.exit_code == 2 and "--linkage-draws" in result.output
