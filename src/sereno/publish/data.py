"""The portal's view of the store: public figures, computed once and kept until the store changes.

One DuckDB connection serves the whole portal, so every query holds ``lock``; results are
cached by ``generation``, which every write made through the portal moves on (the portal
process holds the store open, so no other process writes it meanwhile).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import pandas as pd
import shapely

from sereno.geo.populations import populations
from sereno.indicators.cube import choose_source, counts_cube, unit_ancestors
from sereno.publish.cube import ALL_YEARS, base_counts, public_cells, with_root
from sereno.publish.privacy import PrivacyPolicy, SuppressedCells
from sereno.store import Observatory

HOMICIDE = "0101"
RESPONSES = 512
T = TypeVar("T")


def cached(method: Callable[..., T]) -> Callable[..., T]:
    """Memoise a ``PortalData`` method on its arguments until the store changes."""

    @wraps(method)
    def wrapper(self: PortalData, *args: Any) -> T:
        key = (method.__name__, *args)
        with self.lock:
            if key not in self._cache:
                self._cache[key] = method(self, *args)
            return self._cache[key]

    return wrapper


class PortalData:
    """Public figures of one observatory, with its privacy policy."""

    def __init__(self, obs: Observatory) -> None:
        self.obs = obs
        self.policy = PrivacyPolicy.from_config(obs.config)
        self.lock = threading.RLock()
        self._cache: dict[tuple, Any] = {}
        # Finished public responses, newest last, at most RESPONSES of them.
        self.responses: OrderedDict[tuple, Any] = OrderedDict()

    def frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        with self.lock:
            return self.obs.engine.frame(sql, params)

    def changed(self) -> None:
        """Forget every cached figure: the store has changed."""
        with self.lock:
            self._cache.clear()
            self.responses.clear()

    def response(self, key: tuple, make: Callable[[], T]) -> T:
        """A public response from the cache, or made and kept (least recently used first out)."""
        with self.lock:
            if key in self.responses:
                self.responses.move_to_end(key)
                return self.responses[key]
        made = make()
        with self.lock:
            self.responses[key] = made
            while len(self.responses) > RESPONSES:
                self.responses.popitem(last=False)
        return made

    @property
    def name(self) -> str:
        return self.obs.config.name

    @property
    def synthetic(self) -> bool:
        return bool(self.obs.config.document["observatory"].get("synthetic", False))

    @property
    def levels(self) -> list[str]:
        return self.obs.config.levels

    @cached
    def units(self) -> pd.DataFrame:
        return self.frame(
            "SELECT unit_code, name AS unit_name, level, parent_code, area_km2 FROM units "
            "ORDER BY unit_code"
        )

    @cached
    def sources(self) -> pd.DataFrame:
        """Each source with its coverage, records and open quarantine."""
        d = self.obs.engine.dialect
        first = d.make_date("year", "coalesce(month, 1)", "1")
        last = d.make_date("year", "coalesce(month, 12)", "1")
        return self.frame(f"""
            SELECT s.source_id, s.kind, s.counts, s.layout, s.definition_version, s.description,
                   o.first_month, o.last_month, o.observations,
                   (SELECT count(*) FROM records r WHERE r.source_id = s.source_id) AS records,
                   (SELECT count(*) FROM quarantine q WHERE q.source_id = s.source_id
                      AND q.status = 'open') AS quarantined
            FROM sources s LEFT JOIN (
                SELECT source_id, sum(n)::BIGINT AS observations,
                       strftime(min({first}), '%Y-%m') AS first_month,
                       strftime(max({last}), '%Y-%m') AS last_month
                FROM observations GROUP BY source_id) o USING (source_id)
            ORDER BY s.source_id
        """)

    @cached
    def offences(self) -> pd.DataFrame:
        """iccs_code, counted, sources, n: what the store counts."""
        return self.frame(
            "SELECT iccs_code, counted, "
            + self.obs.engine.dialect.list_agg("source_id", "source_id", distinct=True)
            + " AS sources, sum(n)::BIGINT AS n FROM observations GROUP BY 1, 2 "
            "ORDER BY iccs_code, counted"
        )

    @cached
    def quarantine_reasons(self) -> pd.DataFrame:
        return self.frame(
            "SELECT source_id, reason_code, count(*) AS n FROM quarantine "
            "WHERE status = 'open' GROUP BY 1, 2 ORDER BY source_id, n DESC"
        )

    def sources_of(self, iccs: str) -> list[str]:
        found = self.offences()
        rows = found[found["iccs_code"] == iccs]
        return sorted({s for lst in rows["sources"] for s in lst})

    @cached
    def default_source(self, iccs: str) -> str | None:
        """The counts cube's default source of ``iccs`` (the largest): the pages' default."""
        with self.lock:
            return choose_source(self.obs, iccs).source if self.sources_of(iccs) else None

    @cached
    def cube(self, source: str, iccs: str) -> SuppressedCells:
        """Every public count of ``source`` and ``iccs``, suppressed together: the counts
        cube's figures (records' own units, by month and by year), rolled up here."""
        with self.lock:
            monthly = counts_cube(self.obs, iccs, source=source, period="month").counts
            yearly = counts_cube(self.obs, iccs, source=source, period="year").counts
        base = base_counts(monthly, yearly)
        months = self.coverage_months(source)
        threshold = self.policy.min_public_count
        return public_cells(base, self.units(), months, threshold, self.links())

    @cached
    def links(self) -> pd.DataFrame:
        """unit_code, ancestor: the store's roll-up of units, with the root above all."""
        with self.lock:
            return with_root(unit_ancestors(self.obs))

    @cached
    def cells(self, source: str, iccs: str) -> pd.DataFrame:
        return self.cube(source, iccs).to_frame()

    def coverage_months(self, source: str) -> list[str]:
        row = self.sources().set_index("source_id").loc[source]
        if pd.isna(row["first_month"]):
            return []
        span = pd.period_range(row["first_month"], row["last_month"], freq="M")
        return [str(p) for p in span]

    def years(self, source: str) -> list[int]:
        return sorted({int(m[:4]) for m in self.coverage_months(source)})

    @cached
    def population(self, year: int) -> pd.Series:
        """Total population by unit code for ``year``, parents summed from their units."""
        with self.lock:
            given = populations(self.obs, [year])
        given = given.set_index("unit_code")["population"].astype(float)
        units = self.units()
        leaf = units.loc[~units["unit_code"].isin(units["parent_code"]), "unit_code"]
        links = self.links()
        links = links[links["unit_code"].isin(leaf)]
        summed = given.reindex(links["unit_code"]).fillna(0).groupby(links["ancestor"].to_numpy())
        return given.combine_first(summed.sum())

    @cached
    def geometry(self, level: str, tolerance: float = 0.0004) -> pd.DataFrame:
        """unit_code, unit_name, geometry of ``level``, simplified for the screen (about 40 m)."""
        frame = self.frame(
            "SELECT unit_code, name AS unit_name, geometry FROM units "
            "WHERE level = ? AND geometry IS NOT NULL ORDER BY unit_code",
            [level],
        )
        shapes = shapely.from_wkb(frame["geometry"].to_numpy())
        frame["geometry"] = shapely.simplify(shapes, tolerance, preserve_topology=True)
        return frame

    @cached
    def alerts(self) -> pd.DataFrame:
        return self.frame(
            "SELECT alert_id, kind, method, indicator, iccs_code, unit_codes, start_date, "
            "end_date, observed, expected, p_value, recurrence_days, severity, status "
            "FROM alerts ORDER BY start_date DESC, alert_id"
        )

    @cached
    def interventions(self) -> pd.DataFrame:
        return self.frame(
            "SELECT i.intervention_id, name_es, name_en, start_date, end_date, cost_usd, funder, "
            + self.obs.engine.dialect.list_agg("u.unit_code", "u.unit_code")
            + " AS unit_codes FROM interventions i "
            "LEFT JOIN intervention_units u USING (intervention_id) GROUP BY 1, 2, 3, 4, 5, 6, 7 "
            "ORDER BY 1"
        )


def whole_span(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells that cover a unit's whole span of years."""
    return cells[cells["year"] == ALL_YEARS]
