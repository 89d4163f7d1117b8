"""Linkage and MSE figures.

1. Linking three sources of synthetic victim records (default 100,000 each; ``--records``):
   records per second of ``link_records`` (Splink training and prediction with our
   comparisons and blocking, then mutual-best clustering) and F1 against the planted truth.
2. The LCMCR sampler's time for 10,000 iterations on 5 lists, next to NumPy's own draw of the
   same number of binomials (a floor for any sampler of this model).

Usage: python benchmarks/link.py [--records 100000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from sereno.estimate import from_patterns
from sereno.estimate._lcmcr_kernel import gibbs_chain
from sereno.link.accuracy import linkage_accuracy
from sereno.link.linkage import link_records
from sereno.link.records import prepare_records

SOURCES = {"policia": 0.75, "forense": 0.85, "prensa": 0.5}
GIVEN = np.array(["jose", "maria", "juan", "ana", "carlos", "luis", "rosa", "mario", "elvin",
                  "karla", "pedro", "marta", "jorge", "sandra", "oscar", "wendy"])  # fmt: skip
SURNAMES = np.array([f"apellido{i}" for i in range(400)])


def synthetic_sources(victims: int, seed: int = 1) -> tuple[pd.DataFrame, pd.Series]:
    """Three sources seeing ``victims`` people with typical errors; truth as record labels."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, victims), "D")
    people = pd.DataFrame(
        {
            "truth": np.arange(victims),
            "name": GIVEN[rng.integers(0, GIVEN.size, victims)] + " "
            + SURNAMES[rng.integers(0, SURNAMES.size, victims)] + " "
            + SURNAMES[rng.integers(0, SURNAMES.size, victims)],
            "sex": np.where(rng.uniform(size=victims) < 0.9, "male", "female"),
            "age": rng.integers(14, 70, victims),
            "date": days,
            "unit_code": np.char.add("C", rng.integers(0, 400, victims).astype(str)),
            "weapon": rng.choice(["firearm", "sharp_object", "blunt_object"], victims),
        }
    )  # fmt: skip
    frames = []
    for source, p in SOURCES.items():
        seen = people[rng.uniform(size=victims) < p].copy()
        n = len(seen)
        seen["source_id"] = source
        late = rng.uniform(size=n) < 0.05
        seen.loc[late, "date"] = seen.loc[late, "date"] + pd.Timedelta(days=1)
        short = rng.uniform(size=n) < 0.1
        seen.loc[short, "name"] = seen.loc[short, "name"].str.rsplit(" ", n=1).str[0]
        seen.loc[rng.uniform(size=n) < 0.2, "name"] = None
        seen.loc[rng.uniform(size=n) < 0.05, "age"] += rng.integers(-2, 3)
        frames.append(seen)
    records = pd.concat(frames, ignore_index=True)
    records["record_id"] = np.arange(len(records))
    return records.drop(columns=["truth"]), records["truth"]


def bench_linkage(victims: int) -> None:
    raw, truth = synthetic_sources(victims)
    records = prepare_records(raw)
    start = time.perf_counter()
    result = link_records(records)
    ours = time.perf_counter() - start
    labels = result.membership.set_index("record_id")["event_id"].reindex(raw["record_id"])
    scores = linkage_accuracy(labels.reset_index(drop=True), truth)
    print(f"linkage: {len(records):,} records, {len(result.pairs):,} pairs kept")
    print(f"  sereno link_records (train + predict + cluster): {ours:.1f} s, "
          f"{len(records) / ours:,.0f} records/s")  # fmt: skip
    print(f"  pair P {scores['pair_precision']:.4f} R {scores['pair_recall']:.4f} "
          f"F1 {scores['pair_f1']:.4f}; cluster F1 {scores['cluster_f1']:.4f}")  # fmt: skip


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
