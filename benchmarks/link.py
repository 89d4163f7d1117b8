"""Linkage and MSE figures.

1. Linking three sources of synthetic victim records (default 100,000 each; ``--records``):
   the comparisons each blocking rule adds (Splink's ``count_comparisons_from_blocking_rules``,
   exact counts), the time of each stage (``prepare_records``; Splink training and prediction
   with our comparisons and blocking; mutual-best clustering), records per second over all
   stages, and pair and cluster precision, recall and F1 against the planted truth.
2. The LCMCR sampler's time for 10,000 iterations on 5 lists, next to NumPy's own draw of the
   same number of binomials (a floor for any sampler of this model).

The synthetic victims have Central American names (Ciudad Demo's lists, drawn with Zipf
weights so that José, Juan and María dominate as they do in real lists; a quarter with two
given names), and the sources make the errors real ones make: dates a day late, dates known
only to the month, missing second surnames, typos, nicknames instead of given names
("Pepe" for José, from ``sereno/link/nicknames.csv``), gang aliases written into the name,
unidentified bodies ("DESCONOCIDO", an estimated age), ages off by a year or two, the
neighbouring unit.

Usage: python benchmarks/link.py [--records 100000]
"""

from __future__ import annotations

import argparse
import logging
import time
from functools import reduce

import numpy as np
import pandas as pd
from splink import DuckDBAPI, block_on
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from sereno.demo.names import FEMALE_GIVEN, MALE_GIVEN, NICKNAMES, SURNAMES
from sereno.demo.typos import typo
from sereno.estimate import from_patterns
from sereno.estimate._lcmcr_kernel import gibbs_chain
from sereno.link import model
from sereno.link.accuracy import linkage_accuracy
from sereno.link.linkage import THRESHOLD, cluster_events, train_and_predict
from sereno.link.records import fold, nickname_table, prepare_records

SOURCES = {"policia": 0.75, "forense": 0.85, "prensa": 0.5}
UNITS = 400
# Errors per source: day late, month only, second surname dropped, name missing, nickname for
# the given name, alias in the name, typo, age off.
ERRORS = {
    "policia": (0.03, 0.00, 0.10, 0.05, 0.03, 0.02, 0.04, 0.05),
    "forense": (0.08, 0.00, 0.02, 0.00, 0.00, 0.00, 0.01, 0.02),
    "prensa": (0.10, 0.12, 0.15, 0.40, 0.10, 0.10, 0.02, 0.10),
}


def _zipf(rng: np.random.Generator, words: tuple[str, ...], n: int, s: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, len(words) + 1) ** s
    return np.array(words)[rng.choice(len(words), n, p=weights / weights.sum())]


def _words(*parts: np.ndarray) -> np.ndarray:
    """Element-wise "first second ...", skipping empty parts."""
    joined = reduce(lambda a, b: np.char.add(np.char.add(a, " "), b), parts)
    return np.char.strip(np.char.replace(joined, "  ", " "))


def _people(rng: np.random.Generator, victims: int) -> pd.DataFrame:
    """The victims as they were: one name, sex, age, day, unit and weapon each."""
    female = rng.uniform(size=victims) < 0.1

    def given(s: float) -> np.ndarray:
        return np.where(female, _zipf(rng, FEMALE_GIVEN, victims, s),
                        _zipf(rng, MALE_GIVEN, victims, s))  # fmt: skip

    second = np.where(rng.uniform(size=victims) < 0.25, given(0.8), "")
    surnames = [_zipf(rng, SURNAMES, victims, 0.7) for _ in range(2)]
    days = rng.integers(0, 3650, victims)
    return pd.DataFrame(
        {
            "truth": np.arange(victims),
            "name": _words(given(1.0), second, *surnames),
            "identified": rng.uniform(size=victims) < 0.93,
            "sex": np.where(female, "female", "male"),
            "age": rng.integers(14, 70, victims).astype(float),
            "date": pd.Timestamp("2015-01-01") + pd.to_timedelta(days, "D"),
            "unit": rng.integers(0, UNITS, victims),
            "weapon": rng.choice(["firearm", "sharp_object", "blunt_object"], victims),
        }
    )


def _nicknamed(rng: np.random.Generator, names: pd.Series) -> pd.Series:
    """Names whose first word is replaced by one of its nicknames, where it has one."""
    first = fold(names.str.split(" ").str[0])
    rows = pd.DataFrame({"row": np.arange(len(names)), "canonical": first.to_numpy()})
    chosen = rows.merge(nickname_table(), on="canonical").sample(frac=1, random_state=rng)
    chosen = chosen.drop_duplicates("row")
    at = chosen["row"].to_numpy()
    rest = names.iloc[at].str.split(" ", n=1).str[1].to_numpy()
    result = names.copy()
    result.iloc[at] = chosen["nickname"].str.title().to_numpy() + " " + rest
    return result


def synthetic_sources(victims: int, seed: int = 1) -> tuple[pd.DataFrame, pd.Series]:
    """Three sources seeing ``victims`` people with typical errors; truth as record labels."""
    rng = np.random.default_rng(seed)
    people = _people(rng, victims)
    frames = []
    for source, p in SOURCES.items():
        seen = people[rng.uniform(size=victims) < p].reset_index(drop=True)
        n = len(seen)
        late, monthly, short, unnamed, nick, alias, typos, age_off = (
            rng.uniform(size=n) < q for q in ERRORS[source]
        )
        seen["source_id"] = source
        seen.loc[late, "date"] += pd.Timedelta(days=1)
        seen["date_precision"] = np.where(monthly, 3, 1)
        seen.loc[monthly, "date"] = seen.loc[monthly, "date"].dt.to_period("M").dt.start_time
        seen.loc[short, "name"] = seen.loc[short, "name"].str.rsplit(" ", n=1).str[0]
        seen.loc[nick, "name"] = _nicknamed(rng, seen.loc[nick, "name"])
        seen.loc[typos, "name"] = [typo(rng, name) for name in seen.loc[typos, "name"]]
        gang = np.array(NICKNAMES)[rng.integers(0, len(NICKNAMES), alias.sum())]
        seen.loc[alias, "name"] = seen.loc[alias, "name"] + ' alias "' + gang + '"'
        seen.loc[unnamed, "name"] = None
        unidentified = ~seen["identified"]
        if source == "forense":
            # Forensic doctors estimate the age of an unidentified body to five years.
            estimate = 5 * np.round((seen["age"] + rng.normal(0, 4, n)) / 5)
            seen["age"] = seen["age"].where(~unidentified, estimate)
            seen.loc[unidentified, "name"] = "DESCONOCIDO"
        else:
            seen.loc[unidentified, "name"] = None
        seen.loc[age_off, "age"] += rng.choice([-2, -1, 1, 2], age_off.sum())
        # A killing on a border street lands in the neighbouring unit.
        moved = rng.uniform(size=n) < 0.03
        seen.loc[moved, "unit"] = (seen.loc[moved, "unit"] + 1) % UNITS
        frames.append(seen)
    records = pd.concat(frames, ignore_index=True)
    records["record_id"] = np.arange(len(records))
    records["unit_code"] = "C" + records["unit"].astype(str)
    return records.drop(columns=["truth", "identified", "unit"]), records["truth"]


def unit_ring() -> dict[str, list[str]]:
    """Units on a ring: each touches the one before and the one after."""
    return {f"C{u}": [f"C{(u - 1) % UNITS}", f"C{(u + 1) % UNITS}"] for u in range(UNITS)}


class StageTimes(logging.Handler):
    """Collects the stage times ``train_and_predict`` logs."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "stage"):
            self.seconds[record.stage] = record.seconds


def print_blocking_counts(records: pd.DataFrame) -> int:
    """Comparisons each blocking rule adds to the ones before it, those of each EM training
    rule, and those of the rule this design replaced (``given`` and ``year``)."""
    frame = DuckDBAPI().register(records)

    def count(rules, proportion: float) -> list[dict]:
        return count_comparisons_from_blocking_rules(
            frame, blocking_rules=rules, link_type="dedupe_only",
            unique_id_column_name="record_id", record_sample_proportion=proportion,
        )  # fmt: skip

    rows = count(model.victim_blocking(), 1.0)
    print(f"blocking ({len(records):,} records): comparisons added by each rule, exact")
    for row in rows:
        print(f"  {row['marginal_comparison_count']:>13,}  {row['blocking_rule']}")
    total = rows[-1]["cumulative_comparison_count"]
    print(f"  {total:>13,}  in all (of {rows[-1]['total_possible_comparison_count']:,} pairs)")
    training = model.victim_training()
    print("  each rule on its own (the former rule estimated from a 10% sample):")
    former = count(block_on("given", "year"), 0.1)[0]
    print(f"  {former['marginal_comparison_count']:>13,}  {former['blocking_rule']} (former rule)")
    for rule in training["em"]:
        row = count(rule, 1.0)[0]
        print(f"  {row['marginal_comparison_count']:>13,}  {row['blocking_rule']} (EM training)")
    print(f"  EM samples at most {training['em_max_pairs']:,.0f} pairs of each training rule")
    return total


def bench_linkage(victims: int) -> None:
    raw, truth = synthetic_sources(victims)
    times = StageTimes()
    log = logging.getLogger("sereno.link")
    log.addHandler(times)
    log.setLevel(logging.INFO)
    start = time.perf_counter()
    records = prepare_records(raw, unit_ring())
    times.seconds["prepare"] = time.perf_counter() - start
    scored = print_blocking_counts(records)
    pairs, trained = train_and_predict(records)
    pairs["decision"] = pd.Series([None] * len(pairs), dtype="object")
    start = time.perf_counter()
    result = cluster_events(records, pairs, THRESHOLD, trained=trained)
    times.seconds["clustering"] = time.perf_counter() - start
    log.removeHandler(times)
    labels = result.membership.set_index("record_id")["event_id"].reindex(raw["record_id"])
    s = linkage_accuracy(labels.reset_index(drop=True), truth)
    total = sum(times.seconds.values())
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in times.seconds.items())
    print(f"linkage: {len(records):,} records, {scored:,} pairs scored, {len(pairs):,} kept "
          f"(probability ≥ 0.01), {result.n_events:,} events")  # fmt: skip
    print(f"  {stages}; total {total:.1f} s, {len(records) / total:,.0f} records/s")
    # The reference in the same run: Splink scoring the blocked pairs, the floor of any
    # linkage that uses it; the ratio is what our preparation, training and clustering add.
    floor = times.seconds.get("prediction", float("nan"))
    print(f"  ratio to Splink's own scoring of the pairs ({floor:.1f} s): {total / floor:.2f}x")
    print(f"  pairs:    P {s['pair_precision']:.4f} R {s['pair_recall']:.4f} "
          f"F1 {s['pair_f1']:.4f}")  # fmt: skip
    print(f"  clusters: P {s['cluster_precision']:.4f} R {s['cluster_recall']:.4f} "
          f"F1 {s['cluster_f1']:.4f}")  # fmt: skip


def bench_sampler() -> None:
    rng = np.random.default_rng(2)
    x = (rng.uniform(size=(5000, 5)) < rng.uniform(0.2, 0.6, 5)).astype(np.int8)
    x = x[x.sum(axis=1) > 0]
    h = from_patterns([f"L{j}" for j in range(5)], x, np.ones(len(x), dtype=np.int64))
    gibbs_chain(h.patterns, h.counts, 10, 10, 0.25, 0.25, 1)
    start = time.perf_counter()
    gibbs_chain(h.patterns, h.counts, 10, 10_000, 0.25, 0.25, 1)
    ours = time.perf_counter() - start
    draws = 10_000 * (len(h.counts) + 1) * 10
    start = time.perf_counter()
    np.random.default_rng(0).binomial(50, 0.3, draws)
    floor = time.perf_counter() - start
    print(
        f"LCMCR sampler, 5 lists, K*=10, 10,000 iterations: {ours:.2f} s; "
        f"NumPy drawing the same {draws:,} binomials: {floor:.2f} s; ratio {ours / floor:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000, help="victims per source ≈")
    args = parser.parse_args()
    bench_sampler()
    # Victims are drawn so that each source holds about ``--records`` records.
    bench_linkage(int(args.records / np.mean(list(SOURCES.values()))))


if __name__ == "__main__":
    main()
