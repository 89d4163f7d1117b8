"""Benchmark: the six Mesa indicators for 2,000 units x 120 months from 5,000,000 records.

Builds a throwaway observatory whose store holds ``--records`` victims and incidents (ICCS
codes of the Mesa set, spread over ``--units`` colonias in 20 districts and ``--months``
months), then times, in the same run:

* ours: ``compute_indicators(obs, "mesa", level="colonia", period="month")`` — counts,
  rates with exact intervals, empirical-Bayes rates, changes against the previous month and
  the same month a year before, for every unit, month and indicator;
* reference: DuckDB's bare ``GROUP BY iccs_code, unit_code, year, month`` over the same
  ``observations`` view (counts only).

Prints both times and their ratio (shared machines are noisy: compare ratios, not seconds).

    python benchmarks/indicators.py [--records 5000000] [--units 2000] [--months 120]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from sereno.indicators.api import compute_indicators
from sereno.store import Observatory

CODES = ["0101", "050211", "040121", "020221", "02051", "040132"]
WEIGHTS = [0.08, 0.40, 0.15, 0.01, 0.10, 0.26]


def build(directory: Path, records: int, units: int, months: int) -> Observatory:
    obs = Observatory.create(directory, "benchmark", "en")
    obs.config.add_level("municipio", None)
    obs.config.add_level("distrito", "municipio")
    obs.config.add_level("colonia", "distrito")
    obs.config.save()
    e = obs.engine
    districts = 20
    e.execute(
        "INSERT INTO units (unit_code, name, name_key, level, parent_code) "
        "SELECT 'CITY', 'City', 'city', 'municipio', NULL UNION ALL "
        "SELECT 'D' || lpad(i::VARCHAR, 2, '0'), 'D' || i, 'd' || i, 'distrito', 'CITY' "
        f"FROM range({districts}) t(i) UNION ALL "
        "SELECT 'C' || lpad(i::VARCHAR, 5, '0'), 'C' || i, 'c' || i, 'colonia', "
        f"'D' || lpad((i % {districts})::VARCHAR, 2, '0') FROM range({units}) t(i)"
    )
    first_year = 2015
    e.execute(
        'INSERT INTO populations (unit_code, year, "group", population) '
        "SELECT 'C' || lpad(i::VARCHAR, 5, '0'), y, 'total', 2000 + (i * 7919) % 20000 "
        f"FROM range({units}) t(i), range({first_year}, {first_year + months // 12 + 1}, 5) s(y)"
    )
    cumulative = [sum(WEIGHTS[: k + 1]) for k in range(len(CODES))]
    case = " ".join(
        f"WHEN u < {c} THEN '{code}'" for c, code in zip(cumulative, CODES, strict=True)
    )
    e.execute(
        "INSERT INTO sources VALUES ('policia', 'police', 'incidents', 'rows', 'b', 'h', 1, "
        "NULL, now()), ('forense', 'forensic', 'victims', 'rows', 'b', 'h', 1, NULL, now())"
    )
    e.execute(f"""
        CREATE TEMP TABLE synthetic AS
        SELECT i AS record_id, CASE {case} ELSE '040132' END AS iccs_code,
               'C' || lpad((floor(pow(random(), 1.6) * {units}))::BIGINT::VARCHAR, 5, '0')
                   AS unit_code,
               (floor(random() * {months}))::INTEGER AS m
        FROM (SELECT i, random() AS u FROM range({records}) t(i))
    """)
    e.execute("""
        INSERT INTO records SELECT record_id, CASE WHEN iccs_code = '0101' THEN 'forense'
               ELSE 'policia' END, 'batch', record_id + 1, 'R' || record_id, 1,
               CASE WHEN iccs_code = '0101' THEN 'victim' ELSE 'incident' END, '{}', 'h', now()
        FROM synthetic
    """)
    date = f"make_date({first_year} + m // 12, m % 12 + 1, 1)"
    common = (
        f"record_id, ?, NULL, {date}, 3, ({first_year} + m // 12)::SMALLINT, "
        f"(m % 12 + 1)::TINYINT, NULL, unit_code, NULL, NULL, 2, 'code', 'label', iccs_code"
    )
    e.execute(
        f"INSERT INTO victims SELECT {common}, NULL, NULL, NULL, NULL, NULL "
        "FROM synthetic WHERE iccs_code = '0101'",
        ["forense"],
    )
    e.execute(
        f"INSERT INTO incidents SELECT {common}, NULL, NULL, NULL "
        "FROM synthetic WHERE iccs_code <> '0101'",
        ["policia"],
    )
    e.execute("DROP TABLE synthetic")
    e.execute("CHECKPOINT")
    return obs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--months", type=int, default=120)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sereno-bench-indicators-"))
    try:
        started = time.perf_counter()
        obs = build(folder / "obs", args.records, args.units, args.months)
        print(
            f"store: {args.records:,} records, {args.units:,} units, {args.months} months "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        bare_sql = (
            "SELECT iccs_code, unit_code, year, month, sum(n) AS n FROM observations GROUP BY ALL"
        )
        obs.engine.frame(bare_sql)  # warm the cache for both runs
        started = time.perf_counter()
        bare = obs.engine.frame(bare_sql)
        reference = time.perf_counter() - started
        started = time.perf_counter()
        result = compute_indicators(obs, "mesa", level="colonia", period="month")
        ours = time.perf_counter() - started
        rows = len(result.table)
        assert int(result.table["n"].sum()) == int(bare["n"].sum()) == args.records
        print(f"DuckDB bare GROUP BY (counts only): {reference:8.2f} s  ({len(bare):,} groups)")
        print(f"sereno indicators (rates, intervals, EB, changes): {ours:8.2f} s  ({rows:,} rows)")
        print(f"ratio ours / bare GROUP BY: {ours / reference:.1f}")
        obs.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
