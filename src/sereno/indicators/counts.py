"""Where counts come from: providers returning tidy monthly counts, and the unit hierarchy.

A provider is a function ``(observatory, indicators, level, through) -> DataFrame`` with
columns ``indicator, source_id, unit_code, year, month, n``: counts of each indicator by
source, unit and month, with units rolled up to ``level`` (or, with ``level=None``, the
records' own units: sources are combined there, then rolled up, so that a city's total is
the same whichever level it is summed from). ``observations`` reads the store's
``observations`` view (every source's victims, incidents and aggregate counts); later
stages (reconciled events from linkage, estimated totals) register their own provider
under a name that indicator files select with ``provider = "..."``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from sereno.errors import SerenoError
from sereno.geo.populations import populations as interpolated_populations
from sereno.indicators.definitions import Indicator
from sereno.store import Observatory

Provider = Callable[[Observatory, Sequence[Indicator], str | None, int | None], pd.DataFrame]
PROVIDERS: dict[str, Provider] = {}
COLUMNS = ["indicator", "source_id", "unit_code", "year", "month", "n"]


def register_provider(name: str, provider: Provider) -> None:
    """Make ``provider`` available to indicator files as ``provider = "name"``."""
    PROVIDERS[name] = provider


def levels(obs: Observatory) -> list[str]:
    """Unit levels from the largest to the smallest."""
    known = obs.config.levels
    stored = [r[0] for r in obs.engine.rows("SELECT DISTINCT level FROM units ORDER BY 1")]
    return [lv for lv in known if lv in stored] + [lv for lv in stored if lv not in known]


def check_level(obs: Observatory, level: str | None) -> str:
    options = levels(obs)
    if not options:
        raise SerenoError("indicators.no_units")
    if level is None:
        return options[-1]
    if level not in options:
        raise SerenoError("indicators.bad_level", level=level, levels=", ".join(options))
    return level


UNIT_MAP_SQL = """
WITH RECURSIVE chain(unit_code, ancestor, depth) AS (
    SELECT unit_code, unit_code, 0 FROM units
    UNION ALL
    SELECT c.unit_code, u.parent_code, c.depth + 1
    FROM chain c JOIN units u ON u.unit_code = c.ancestor
    WHERE u.parent_code IS NOT NULL AND c.depth < 12
)
SELECT c.unit_code, c.ancestor FROM chain c JOIN units a ON a.unit_code = c.ancestor
WHERE a.level = ?
"""


def unit_map(obs: Observatory, level: str) -> pd.DataFrame:
    """unit_code -> ancestor: every unit at or below ``level`` and its unit of ``level``."""
    return obs.engine.frame(UNIT_MAP_SQL, [level])


def level_units(obs: Observatory, level: str) -> pd.DataFrame:
    return obs.engine.frame(
        "SELECT unit_code, name, parent_code FROM units WHERE level = ? ORDER BY unit_code",
        [level],
    )


def grouped_observations(obs: Observatory, through: int | None = None) -> pd.DataFrame:
    """The one scan of the ``observations`` view every indicator and coverage figure uses:
    n by source, what is counted, ICCS code, unit, year and month (month or unit may be
    missing), through month ``through``."""
    where = "WHERE year * 12 + coalesce(month, 1) - 1 <= ?" if through is not None else ""
    return obs.engine.frame(
        "SELECT source_id, counted, iccs_code, unit_code, year, month, sum(n)::BIGINT AS n "
        f"FROM observations {where} GROUP BY ALL",
        [through] if through is not None else [],
    )


def _code_table(present: pd.DataFrame, indicators: Sequence[Indicator]) -> pd.DataFrame:
    """(iccs_code, counted, indicator) for the codes present that each indicator covers."""
    rows = []
    for ind in indicators:
        hit = present[
            (present.counted == ind.counted) & present.iccs_code.str.startswith(tuple(ind.iccs))
        ]
        rows.append(hit.assign(indicator=ind.key))
    if not rows:
        return pd.DataFrame(columns=["iccs_code", "counted", "indicator"])
    return pd.concat(rows, ignore_index=True).drop_duplicates()


def observation_counts(
    obs: Observatory,
    indicators: Sequence[Indicator],
    level: str | None = None,
    through: int | None = None,
    grouped: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Monthly counts of ``indicators`` by source and unit of ``level``, from observations.

    One GROUP BY of the store (``grouped_observations``) serves every indicator without a
    victim filter: the ICCS codes present are matched to indicators (a code belongs to an
    indicator when it starts with one of the indicator's codes), then joined by equality.
    Records without a month or without a unit at or below ``level`` are left out here and
    reported by ``coverage``.
    """
    plain = [i for i in indicators if i.sex is None and i.age is None]
    frames = []
    if plain:
        if grouped is None:
            grouped = grouped_observations(obs, through)
        located = grouped[grouped["month"].notna() & grouped["unit_code"].notna()]
        codes = _code_table(located[["iccs_code", "counted"]].drop_duplicates(), plain)
        hits = located.merge(codes, on=["iccs_code", "counted"])
        if level:
            hits = hits.merge(unit_map(obs, level), on="unit_code")
            hits["unit_code"] = hits["ancestor"]
        keys = ["indicator", "source_id", "unit_code", "year", "month"]
        frames.append(hits.groupby(keys, as_index=False, observed=True)["n"].sum())
    for ind in indicators:
        if ind in plain:
            continue
        frames.append(_victim_counts(obs, ind, level, through))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    return _keep_sources(out[COLUMNS], indicators)


def victim_filters(ind: Indicator, through: int | None, alias: str) -> tuple[list[str], list]:
    """SQL conditions (and their parameters) for an indicator's sex and age filters and the
    last month counted, on table ``alias`` (victims or linked events)."""
    where: list[str] = []
    params: list[object] = []
    if ind.sex is not None:
        where.append(f"{alias}.sex = ?")
        params.append(ind.sex)
    if ind.age is not None:
        where.append(f"{alias}.age BETWEEN ? AND ?")
        params.extend(ind.age)
    if through is not None:
        where.append(f"{alias}.year * 12 + {alias}.month - 1 <= ?")
        params.append(through)
    return where, params


def _victim_counts(
    obs: Observatory, ind: Indicator, level: str | None, through: int | None
) -> pd.DataFrame:
    """Counts of victims with a sex or age filter (from the victims table, newest versions)."""
    where = [
        "v.month IS NOT NULL",
        "(" + " OR ".join(["starts_with(v.iccs_code, ?)"] * len(ind.iccs)) + ")",
    ]
    params: list[object] = [*([level] if level else []), ind.key, *ind.iccs]
    unit_map_sql = UNIT_MAP_SQL if level else "SELECT unit_code, unit_code AS ancestor FROM units"
    filters, values = victim_filters(ind, through, "v")
    where += filters
    params += values
    return obs.engine.frame(
        f"""
        WITH unit_map AS ({unit_map_sql})
        SELECT ?::VARCHAR AS indicator, v.source_id, m.ancestor AS unit_code, v.year, v.month,
               count(*)::BIGINT AS n
        FROM victims v JOIN current_records r USING (record_id)
        JOIN unit_map m ON v.unit_code = m.unit_code
        WHERE {" AND ".join(where)}
        GROUP BY ALL
        """,
        params,
    )


def _keep_sources(frame: pd.DataFrame, indicators: Sequence[Indicator]) -> pd.DataFrame:
    wanted = {i.key: i.sources for i in indicators if i.sources is not None}
    if not wanted:
        return frame
    keep = [
        (k not in wanted) or (s in wanted[k])
        for k, s in zip(frame["indicator"], frame["source_id"], strict=True)
    ]
    return frame[keep].reset_index(drop=True)


register_provider("observations", observation_counts)


def coverage(
    obs: Observatory, through: int | None = None, grouped: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per source: kind, what it counts, first and last month, records, and how many lack a
    month or a unit (from the same scan as the counts when ``grouped`` is given)."""
    if grouped is None:
        grouped = grouped_observations(obs, through)
    month = grouped["year"].astype("Int64") * 12 + grouped["month"].astype("Int64") - 1
    frame = pd.DataFrame(
        {
            "source_id": grouped["source_id"],
            "m": month,
            "n": grouped["n"],
            "without_month": grouped["n"].where(grouped["month"].isna(), 0),
            "without_unit": grouped["n"].where(grouped["unit_code"].isna(), 0),
        }
    )
    per_source = frame.groupby("source_id", as_index=False).agg(
        first=("m", "min"),
        last=("m", "max"),
        n=("n", "sum"),
        without_month=("without_month", "sum"),
        without_unit=("without_unit", "sum"),
    )
    sources = obs.engine.frame("SELECT source_id, kind, counts AS counted FROM sources")
    out = sources.merge(per_source, on="source_id").sort_values("source_id", ignore_index=True)
    out["first"] = out["first"].astype("float")
    out["last"] = out["last"].astype("float")
    return out


def level_populations(obs: Observatory, level: str, years: list[int], group: str) -> pd.DataFrame:
    """unit_code, year, population, extrapolated for the units of ``level``.

    A unit's own figures are used when it has them; otherwise its population is the sum of
    its descendants' at the smallest level that carries populations for that group.
    """
    given = interpolated_populations(obs, years, group)
    if given.empty:
        return given.assign(extrapolated=pd.Series(dtype=bool))
    given["extrapolated"] = given["method"] == "extrapolated"
    mapping = unit_map(obs, level)
    unit_level = obs.engine.frame("SELECT unit_code, level FROM units")
    given = given.merge(unit_level, on="unit_code", how="left")
    own = given[given["level"] == level]
    order = levels(obs)
    below = [lv for lv in order if lv in set(given["level"]) and lv != level]
    rolled = pd.DataFrame(columns=["unit_code", "year", "population", "extrapolated"])
    if below:
        finest = given[given["level"] == below[-1]].merge(mapping, on="unit_code")
        rolled = (
            finest.groupby(["ancestor", "year"], as_index=False)
            .agg(population=("population", "sum"), extrapolated=("extrapolated", "any"))
            .rename(columns={"ancestor": "unit_code"})
        )
        rolled = rolled[~rolled["unit_code"].isin(set(own["unit_code"]))]
    columns = ["unit_code", "year", "population", "extrapolated"]
    return pd.concat([own[columns], rolled[columns]], ignore_index=True)
