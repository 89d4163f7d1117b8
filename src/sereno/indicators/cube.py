"""The counts cube: unit × period × offence counts of the store, read in one place.

Every stage that counts (indicators, hot spots, alerts, evaluations, the portal) asks the
same question, "how many of an offence, in which units, in which periods, from which
source", and reads the answer here, so that the CLI and the portal can differ only in what
they choose to show, never in what they count. The rules, stated once:

* **Offence.** An ICCS code includes every code below it (0101 ⊃ 01011: the ICCS hierarchy,
  UNODC 2015), matched as a prefix of the stored code.
* **Roll-up.** A record counts in its own unit and in every unit above it, through
  ``units.parent_code`` (``indicators.hierarchy.unit_ancestors``); a record located only
  at a parent is never pushed down into a child, so at a finer level it is left out.
* **Periods.** A month is coded ``year * 12 + month - 1`` (2024-01 is 24288; the coding of
  ``indicators.periods.month_index``), a year by its number. Month counts need a month; year
  counts take every record dated to the year, with or without its month.
* **Source** (``count_basis="source"``, the default). Sources overlap (the police, the
  forensic institute and the press see many of the same deaths), so they are never added:
  ACLED keeps every source's figure and publishes its rule, and so does Sereno. A named
  source is read as named; otherwise the **largest source**, the one with the most records
  of the offence (of what it counts, through ``through``; ties by source id), the same one
  in every unit and period (``indicators.source_rule``). ``source="all"`` keeps every
  source as a series of its own.
* **Linked events** (``count_basis="linked"``): the events of the newest linkage run whose
  offence covers the code, each death once whichever sources saw it (source ``linked``).
  **Estimated totals** (``"estimated"``): the same events under the label ``estimated``; the
  yearly multiple systems estimate takes their place where one exists
  (``indicators.reconciled.apply_estimates``). The cube holds observed counts only.
* **Coverage.** A source's series runs from the first to the last month it reported anything
  (any offence): a month inside it without a record of the offence is a true zero. Linked
  events run from their first to their last month.

All SQL here is standard (recursive CTE, ``VALUES``, ``LIKE``, ``CAST``, explicit
``GROUP BY``), so that the store's dialect layer can run it on DuckDB and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.indicators.hierarchy import (
    CHAIN_CTE,
    PAIRS,
    UNIT_MAP_SQL,
    ancestors_sql,
    check_level,
    level_populations,
    levels,
    unit_ancestors,
)
from sereno.indicators.periods import month_label, parse_month
from sereno.indicators.source_rule import (
    ALL_SOURCES,
    SourceChoice,
    choose_source,
    covering_run,
    offence_codes,
    offence_filter,
    source_records,
)
from sereno.store import Observatory

__all__ = [
    "ALL_SOURCES",
    "COUNT_BASES",
    "UNIT_MAP_SQL",
    "CountsCube",
    "SourceChoice",
    "UnitMonthCounts",
    "ancestors_sql",
    "check_level",
    "choose_source",
    "counts_cube",
    "covering_run",
    "level_populations",
    "levels",
    "source_records",
    "unit_ancestors",
    "unit_month_counts",
]

SOURCE, LINKED, ESTIMATED = "source", "linked", "estimated"
COUNT_BASES = (SOURCE, LINKED, ESTIMATED)
PERIOD_KINDS = ("month", "year")
COLUMNS = ["unit_code", "period", "iccs_code", "source", "n"]


def _period_sql(alias: str, period: str) -> tuple[str, str, str]:
    """(period expression, GROUP BY columns, condition) for month or year periods."""
    if period == "month":
        return (f"{alias}.year * 12 + {alias}.month - 1", f"{alias}.year, {alias}.month",
                f"{alias}.month IS NOT NULL AND {alias}.year IS NOT NULL")  # fmt: skip
    return f"{alias}.year", f"{alias}.year", f"{alias}.year IS NOT NULL"


def _window_sql(
    alias: str, period: str, start: int | None, end: int | None, through: int | None
) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    if through is not None:
        where.append(f"{alias}.year * 12 + coalesce({alias}.month, 1) - 1 <= ?")
        params.append(through)
    expr = f"{alias}.year * 12 + {alias}.month - 1" if period == "month" else f"{alias}.year"
    scale = (lambda m: m) if period == "month" else (lambda m: m // 12)
    if start is not None:
        where.append(f"{expr} >= ?")
        params.append(scale(start))
    if end is not None:
        where.append(f"{expr} <= ?")
        params.append(scale(end))
    return where, params


def _unit_join(alias: str, level: str | None) -> tuple[str, str, str, list[object]]:
    """(WITH clause, JOIN, unit expression, parameters) rolling ``alias`` up to ``level``;
    without a level, the records' own units (unlocated records kept, unit_code NULL)."""
    if level is None:
        return "", "", f"{alias}.unit_code", []
    unit_map = f"unit_map AS ({PAIRS.format(extra='')} WHERE a.level = ?)"
    join = f"JOIN unit_map m ON m.unit_code = {alias}.unit_code"
    return f"WITH RECURSIVE {CHAIN_CTE}, {unit_map}", join, "m.ancestor", [level]


def _victim_filters(alias: str, sex: str | None, age: tuple[int, int] | None):
    """SQL conditions (and parameters) keeping victims of one sex and an age range."""
    where: list[str] = []
    params: list[object] = []
    if sex is not None:
        where.append(f"{alias}.sex = ?")
        params.append(sex)
    if age is not None:
        where.append(f"{alias}.age BETWEEN ? AND ?")
        params.extend(age)
    return where, params


def _source_counts(obs, codes, chosen, counted, level, period, window, victims):
    with_sql, join, unit, params = _unit_join("o", level)
    expr, group, cond = _period_sql("o", period)
    wanted = ", ".join(["(CAST(? AS VARCHAR))"] * len(codes))
    where = [cond]
    params = [*params, *codes]
    if chosen.source != ALL_SOURCES:
        where.append("o.source_id = ?")
        params.append(chosen.source)
    else:
        keep = ", ".join(["?"] * len(chosen.candidates))
        where.append(f"o.source_id IN ({keep})" if keep else "1 = 0")
        params.extend(chosen.candidates)
    # Victim filters read the victims themselves (newest versions); otherwise every
    # source's victims, incidents and aggregate counts, through the observations view.
    filters, values = _victim_filters("o", *victims)
    if filters:
        table, amount = "victims o JOIN current_records cr ON cr.record_id = o.record_id", "1"
    else:
        table, amount = "observations o", "o.n"
        if counted is not None:
            where.append("o.counted = ?")
            params.append(counted)
    where += filters + window[0]
    params += values + window[1]
    head = with_sql + ", " if with_sql else "WITH "
    sql = (
        f"{head}wanted(code) AS (VALUES {wanted}) "
        f"SELECT {unit} AS unit_code, {expr} AS period, w.code AS iccs_code, "
        f"o.source_id AS source, CAST(sum({amount}) AS BIGINT) AS n "
        f"FROM {table} JOIN wanted w ON o.iccs_code LIKE w.code || '%' {join} "
        f"WHERE {' AND '.join(where)} GROUP BY {unit}, {group}, w.code, o.source_id"
    )
    return obs.engine.frame(sql, params)


def _event_counts(obs, codes, label, level, period, window, victims, sources):
    """Linked events of the newest run covering every code, each counted once (an event is
    one death, whichever of the codes its records carry; ``iccs_code`` is the codes joined
    by "+"). Codes narrower than the run's keep the events with a member record of one of
    them; ``sources`` keeps the events seen by at least one of them; victim filters use the
    events' consolidated sex and age."""
    run = covering_run(obs, codes)
    if run is None:
        raise SerenoError("cube.no_link_run", iccs=", ".join(codes))
    with_sql, join, unit, params = _unit_join("e", level)
    expr, group, cond = _period_sql("e", period)
    where = ["e.run_id = ?", cond]
    params = [*params, "+".join(codes), label, run["run_id"]]
    narrower = [c for c in codes if c != run["iccs_code"]]
    if len(narrower) == len(codes):
        match, values = offence_filter(narrower, "v.iccs_code")
        where.append(
            "EXISTS (SELECT 1 FROM event_records r JOIN victims v ON v.record_id = r.record_id "
            f"WHERE r.run_id = e.run_id AND r.event_id = e.event_id AND {match})"
        )
        params.extend(values)
    if sources is not None:
        seen = " OR ".join(["',' || e.sources || ',' LIKE '%,' || ? || ',%'"] * len(sources))
        where.append(f"({seen})" if sources else "1 = 0")
        params.extend(sources)
    filters, values = _victim_filters("e", *victims)
    where += filters + window[0]
    params += values + window[1]
    return obs.engine.frame(
        f"{with_sql} SELECT {unit} AS unit_code, {expr} AS period, "
        "CAST(? AS VARCHAR) AS iccs_code, CAST(? AS VARCHAR) AS source, "
        f"CAST(count(*) AS BIGINT) AS n FROM events e {join} "
        f"WHERE {' AND '.join(where)} GROUP BY {unit}, {group}",
        params,
    )


def source_coverage(obs: Observatory, through: int | None = None) -> pd.DataFrame:
    """source_id, first, last: the months (coded) each source reported anything in."""
    where = "month IS NOT NULL AND year IS NOT NULL"
    params: list[object] = []
    if through is not None:
        where += " AND year * 12 + month - 1 <= ?"
        params.append(through)
    return obs.engine.frame(
        "SELECT source_id, min(year * 12 + month - 1) AS first, "
        f"max(year * 12 + month - 1) AS last FROM observations WHERE {where} "
        "GROUP BY source_id ORDER BY source_id",
        params,
    )


@dataclass(frozen=True)
class CountsCube:
    """Counts of an offence by unit and period, with the rule that chose what they count.

    ``counts``: unit_code, period (month ``year * 12 + month - 1`` or year), iccs_code (the
    code asked for), source, n; only cells with records (``dense`` fills the zeros).
    ``coverage``: source, first, last (months, coded), the months each series covers.
    """

    counts: pd.DataFrame
    choice: SourceChoice
    count_basis: str
    level: str | None
    period: str
    iccs: tuple[str, ...]
    coverage: pd.DataFrame
    window: tuple[int | None, int | None] = (None, None)

    @property
    def source(self) -> str:
        return self.choice.source

    def to_frame(self) -> pd.DataFrame:
        return self.counts.copy()

    def total(self) -> int:
        return int(self.counts["n"].sum())

    def periods(self) -> np.ndarray:
        """Every period of the coverage (coded as ``period``), inside ``start``/``end``."""
        if self.coverage.empty:
            return np.array([], dtype=np.int64)
        first, last = int(self.coverage["first"].min()), int(self.coverage["last"].max())
        start, end = self.window
        first, last = max(first, start or first), min(last, last if end is None else end)
        if self.period == "year":
            first, last = first // 12, last // 12
        return np.arange(first, last + 1, dtype=np.int64)

    def dense(self, unit_codes: Sequence[str]) -> np.ndarray:
        """units × periods array of counts (all codes and sources summed), zeros filled."""
        periods = self.periods()
        grid = np.zeros((len(unit_codes), len(periods)), dtype=np.int64)
        if self.counts.empty or not len(periods):
            return grid
        u = pd.Index(unit_codes).get_indexer(self.counts["unit_code"])
        p = self.counts["period"].to_numpy(dtype=np.int64) - periods[0]
        keep = (u >= 0) & (p >= 0) & (p < len(periods))
        np.add.at(grid, (u[keep], p[keep]), self.counts["n"].to_numpy(dtype=np.int64)[keep])
        return grid

    def to_dict(self) -> dict[str, object]:
        return {
            "count_basis": self.count_basis,
            "level": self.level,
            "period": self.period,
            "iccs": list(self.iccs),
            "source": self.choice.to_dict(),
            "n": self.total(),
        }


def counts_cube(
    obs: Observatory,
    iccs: str | Sequence[str] = "0101",
    *,
    source: str | None = None,
    count_basis: str = SOURCE,
    counted: str | None = None,
    level: str | None = None,
    period: str = "month",
    start: int | str | None = None,
    end: int | str | None = None,
    through: int | str | None = None,
    sources: Sequence[str] | None = None,
    sex: str | None = None,
    age: tuple[int, int] | None = None,
) -> CountsCube:
    """Counts of ``iccs`` (a code or several, each with every code below it) by unit of
    ``level`` and ``period`` ("month" or "year"), on ``count_basis`` (source, linked or
    estimated; see the module's rules). ``level=None`` keeps the records' own units, the
    unlocated ones included (unit_code NULL). ``start``/``end`` bound the periods reported
    and ``through`` ignores records after that month (months as "YYYY-MM" or coded);
    ``counted`` keeps victims or incidents; ``sources`` limits the sources considered (on
    linked events: the events seen by at least one of them); ``sex`` and ``age`` (inclusive
    range) keep those victims only."""
    if count_basis not in COUNT_BASES:
        raise SerenoError("indicators.bad_count", value=count_basis, choices=", ".join(COUNT_BASES))
    if period not in PERIOD_KINDS:
        raise SerenoError("indicators.bad_period_kind", value=period,
                          kinds=", ".join(PERIOD_KINDS))  # fmt: skip
    codes = offence_codes(iccs)
    start, end, through = (_month(v) for v in (start, end, through))
    window = _window_sql("o" if count_basis == SOURCE else "e", period, start, end, through)
    if count_basis == SOURCE:
        choice = choose_source(obs, codes, source, counted=counted, through=through,
                               sources=sources)  # fmt: skip
        counts = _source_counts(obs, codes, choice, counted, level, period, window, (sex, age))
        coverage = source_coverage(obs, through).rename(columns={"source_id": "source"})
        keep = choice.candidates if choice.source == ALL_SOURCES else (choice.source,)
        coverage = coverage[coverage["source"].isin(keep)].reset_index(drop=True)
    else:
        choice = SourceChoice(count_basis, count_basis)
        counts = _event_counts(obs, codes, count_basis, level, period, window, (sex, age), sources)
        coverage = _event_coverage(obs, codes, count_basis, through)
    counts["n"] = counts["n"].astype(np.int64)
    counts["period"] = counts["period"].astype(np.int64)
    return CountsCube(
        counts[COLUMNS], choice, count_basis, level, period, codes, coverage, (start, end)
    )


def _event_coverage(obs, codes, label, through) -> pd.DataFrame:
    run = covering_run(obs, codes)
    where, params = "run_id = ? AND month IS NOT NULL", [run["run_id"]] if run else [""]
    if through is not None:
        where += " AND year * 12 + month - 1 <= ?"
        params.append(through)
    row = obs.engine.rows(
        f"SELECT min(year * 12 + month - 1), max(year * 12 + month - 1) FROM events WHERE {where}",
        params,
    )[0]
    if row[0] is None:
        return pd.DataFrame({"source": [], "first": [], "last": []})
    return pd.DataFrame({"source": [label], "first": [int(row[0])], "last": [int(row[1])]})


def _month(value: int | str | None) -> int | None:
    if value is None or isinstance(value, (int, np.integer)):
        return None if value is None else int(value)
    return parse_month(value)


@dataclass(frozen=True)
class UnitMonthCounts:
    """Counts of one offence for every unit of a level and every month of coverage.

    ``n[i, j]``: count of unit ``unit_codes[i]`` in month ``months[j]`` (coded ``year * 12 +
    month - 1``; ``labels[j]`` is "YYYY-MM"), zeros filled. ``population[i, j]``: the unit's
    population in the month's year (interpolated between census years, as
    ``geo.populations`` does), or None. ``rate``: annualised, per ``per`` person-years (a
    month's exposure is a twelfth of the year's population), as the indicators compute it.
    """

    unit_codes: np.ndarray
    months: np.ndarray
    n: np.ndarray
    population: np.ndarray | None
    cube: CountsCube
    per: int = 100_000

    @property
    def labels(self) -> list[str]:
        return [month_label(int(m)) for m in self.months]

    @property
    def source(self) -> str:
        return self.cube.source

    @property
    def rate(self) -> np.ndarray | None:
        if self.population is None:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            exposure = self.population / 12
            return np.where(exposure > 0, self.n / exposure * self.per, np.nan)

    def to_frame(self) -> pd.DataFrame:
        """unit_code, month ("YYYY-MM"), period (coded), n [, population, rate]: one row per
        unit and month, units in ``unit_codes`` order, months ascending."""
        shape = self.n.shape
        frame = pd.DataFrame({
            "unit_code": np.repeat(self.unit_codes, shape[1]),
            "month": np.tile(np.array(self.labels, dtype=object), shape[0]),
            "period": np.tile(self.months, shape[0]),
            "n": self.n.ravel(),
        })  # fmt: skip
        if self.population is not None:
            frame["population"] = self.population.ravel()
            frame["rate"] = self.rate.ravel()
        return frame


def unit_month_counts(
    obs: Observatory,
    iccs: str = "0101",
    *,
    source: str | None = None,
    count_basis: str = SOURCE,
    level: str | None = None,
    start: int | str | None = None,
    end: int | str | None = None,
    population: str | None = "total",
    per: int = 100_000,
) -> UnitMonthCounts:
    """Dense unit × month counts (and rates) of ``iccs`` for every unit of ``level``
    (default: the smallest) over every month of the series' coverage, zeros filled: the
    input of space-time analyses (emerging hot spots: Gi* per month then a Mann-Kendall
    trend per unit, ArcGIS Pro's Emerging Hot Spot Analysis; the space-time scan).

    The source follows the cube's rule (named, else the largest; or ``count_basis``
    linked/estimated). ``start``/``end`` ("YYYY-MM" or coded) cut the months; the coverage
    is otherwise the source's first to last reported month. ``population`` is the
    population group of the rates (None: counts only); units without a population figure
    get NaN rates.
    """
    level = check_level(obs, level or obs.config.smallest_level)
    cube = counts_cube(obs, iccs, source=source, count_basis=count_basis, level=level,
                       period="month", start=start, end=end)  # fmt: skip
    units = obs.engine.frame(
        "SELECT unit_code FROM units WHERE level = ? ORDER BY unit_code", [level]
    )["unit_code"].to_numpy(dtype=object)
    months = cube.periods()
    n = cube.dense(units)
    pops = None
    if population is not None and len(months):
        years = sorted({int(m) // 12 for m in months})
        table = level_populations(obs, level, years, population)
        wide = table.pivot_table(index="unit_code", columns="year", values="population")
        wide = wide.reindex(index=units, columns=years).to_numpy(dtype=float)
        pops = wide[:, np.asarray(months // 12 - years[0], dtype=np.int64)]
    return UnitMonthCounts(units, months, n, pops, cube, per)
