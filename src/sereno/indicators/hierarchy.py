"""The unit hierarchy: every unit and the units above it, levels, and populations rolled up.

One roll-up serves every count of Sereno: a unit's ancestors follow ``units.parent_code`` in
a recursive common table expression (standard SQL, run as is on DuckDB and PostgreSQL).
"""

from __future__ import annotations

import pandas as pd

from sereno.errors import SerenoError
from sereno.geo.populations import populations as interpolated_populations
from sereno.store import Observatory

# Deeper than any administrative hierarchy; stops a parent cycle in bad unit files.
MAX_DEPTH = 12

CHAIN_CTE = f"""chain(unit_code, ancestor, depth) AS (
    SELECT unit_code, unit_code, 0 FROM units
    UNION ALL
    SELECT c.unit_code, u.parent_code, c.depth + 1
    FROM chain c JOIN units u ON u.unit_code = c.ancestor
    WHERE u.parent_code IS NOT NULL AND u.parent_code <> u.unit_code AND c.depth < {MAX_DEPTH}
)"""
PAIRS = (
    "SELECT DISTINCT c.unit_code, c.ancestor{extra} "
    "FROM chain c JOIN units a ON a.unit_code = c.ancestor"
)


# unit_code -> its unit of the level given as the one parameter.
UNIT_MAP_SQL = f"WITH RECURSIVE {CHAIN_CTE} {PAIRS.format(extra='')} WHERE a.level = ?"


def ancestors_sql(level: str | None) -> tuple[str, list[object]]:
    """SQL (and parameters) of unit_code -> ancestor pairs: each unit with itself and every
    unit above it (with ``ancestor_level``), or, with ``level``, only its unit of that level."""
    if level is None:
        return f"WITH RECURSIVE {CHAIN_CTE} {PAIRS.format(extra=', a.level AS ancestor_level')}", []
    return UNIT_MAP_SQL, [level]


def unit_ancestors(obs: Observatory, level: str | None = None) -> pd.DataFrame:
    """unit_code, ancestor (and ancestor_level without ``level``): the one roll-up of units
    through their parents."""
    sql, params = ancestors_sql(level)
    return obs.engine.frame(sql, params)


def levels(obs: Observatory) -> list[str]:
    """Unit levels from the largest to the smallest."""
    known = obs.config.levels
    stored = [r[0] for r in obs.engine.rows("SELECT DISTINCT level FROM units ORDER BY 1")]
    return [lv for lv in known if lv in stored] + [lv for lv in stored if lv not in known]


def check_level(obs: Observatory, level: str | None) -> str:
    """``level``, or the smallest level; a user error when no unit has it."""
    options = levels(obs)
    if not options:
        raise SerenoError("indicators.no_units")
    if level is None:
        return options[-1]
    if level not in options:
        raise SerenoError("indicators.bad_level", level=level, levels=", ".join(options))
    return level


def level_populations(obs: Observatory, level: str, years: list[int], group: str) -> pd.DataFrame:
    """unit_code, year, population, extrapolated for the units of ``level``.

    A unit's own figures are used when it has them; otherwise its population is the sum of
    its descendants' at the smallest level that carries populations for that group.
    """
    given = interpolated_populations(obs, years, group)
    if given.empty:
        return given.assign(extrapolated=pd.Series(dtype=bool))
    given["extrapolated"] = given["method"] == "extrapolated"
    mapping = unit_ancestors(obs, level)
    unit_level = obs.engine.frame("SELECT unit_code, level FROM units")
    given = given.merge(unit_level, on="unit_code", how="left")
    own = given[given["level"] == level]
    order = levels(obs)
    below = [lv for lv in order if lv in set(given["level"]) and lv != level]
    columns = ["unit_code", "year", "population", "extrapolated"]
    rolled = pd.DataFrame(columns=columns)
    if below:
        finest = given[given["level"] == below[-1]].merge(mapping, on="unit_code")
        rolled = (
            finest.groupby(["ancestor", "year"], as_index=False)
            .agg(population=("population", "sum"), extrapolated=("extrapolated", "any"))
            .rename(columns={"ancestor": "unit_code"})
        )
        rolled = rolled[~rolled["unit_code"].isin(set(own["unit_code"]))]
    return pd.concat([own[columns], rolled[columns]], ignore_index=True)
