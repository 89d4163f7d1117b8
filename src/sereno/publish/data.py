"""The portal's view of the store: public figures, computed once per state of the store.

The portal never holds the store: it reads through a ``ReadView`` (``sereno.store.reading``:
per-thread connections to PostgreSQL, or a read-only snapshot of the DuckDB file), and each
request first ``refresh``es to the newest committed state. Figures are cached by that
state's *generation*, which moves on whenever any process commits a change, so a page is
never older than the last change another process could see. No lock is held while a figure
is computed: threads compute different figures at once, and one figure once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import nullcontext
from functools import wraps
from typing import Any, TypeVar

import pandas as pd
import shapely

from sereno.geo.populations import populations
from sereno.indicators.cube import choose_source, counts_cube, unit_ancestors
from sereno.publish.cube import ALL_YEARS, base_counts, public_cells, with_root
from sereno.publish.privacy import PrivacyPolicy, SuppressedCells
from sereno.store import Observatory
from sereno.store.reading import ReadView

HOMICIDE = "0101"
RESPONSES = 512
T = TypeVar("T")


def cached(method: Callable[..., T]) -> Callable[..., T]:
    """Memoise a ``PortalData`` method on its arguments until the store's data changes."""

    @wraps(method)
    def wrapper(self: PortalData, *args: Any) -> T:
        return self.once((method.__name__, *args), lambda: method(self, *args))

    return wrapper


class PortalData:
    """Public figures of one observatory, with its privacy policy."""

    #: Kept for page modules that still say ``with data.lock``: reads need no lock now.
    lock = nullcontext()

    def __init__(self, obs: Observatory, view: ReadView | None = None) -> None:
        self.obs = obs
        self.view = view
        self.policy = PrivacyPolicy.from_config(obs.config)
        self.generation = 0
        self._local = threading.local()
        self._guard = threading.Lock()  # held only to look up or store a cache entry
        self._making: dict[tuple, threading.Lock] = {}
        self._cache: dict[tuple, Any] = {}
        # Finished public responses, newest last, at most RESPONSES of them.
        self.responses: OrderedDict[tuple, Any] = OrderedDict()

    def refresh(self) -> int:
        """Read the newest committed state from now on in this thread (a request calls it
        first); forget figures of older states."""
        generation = self.view.refresh() if self.view is not None else self.generation
        self._local.generation = generation
        if generation > self.generation:
            with self._guard:
                if generation > self.generation:
                    self.generation = generation
                    self._cache.clear()
                    self.responses.clear()
        return generation

    def _current(self) -> bool:
        """Whether this thread reads the newest generation (the one the caches hold); a
        thread still on an older one, for the moment of a change, neither reads nor fills
        them."""
        return getattr(self._local, "generation", self.generation) == self.generation

    def once(self, key: tuple, make: Callable[[], T]) -> T:
        """The cached value of ``key``, made by one thread only (others asking for the same
        figure wait for it; different figures do not wait for each other)."""
        if not self._current():
            return make()
        with self._guard:
            if key in self._cache:
                return self._cache[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._guard:
                if key in self._cache:
                    return self._cache[key]
            value = make()
            with self._guard:
                if self._current():
                    self._cache[key] = value
                self._making.pop(key, None)
        return value

    def frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.obs.engine.frame(sql, params)

    def changed(self) -> None:
        """Forget every cached figure: the store has changed."""
        with self._guard:
            self._cache.clear()
            self.responses.clear()

    def response(self, key: tuple, make: Callable[[], T]) -> T:
        """A public response from the cache, or made and kept (least recently used first out)."""
        if not self._current():
            return make()
        with self._guard:
            if key in self.responses:
                self.responses.move_to_end(key)
                return self.responses[key]
        made = make()
        with self._guard:
            if self._current():
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
        return choose_source(self.obs, iccs).source if self.sources_of(iccs) else None

    @cached
    def cube(self, source: str, iccs: str) -> SuppressedCells:
        """Every public count of ``source`` and ``iccs``, suppressed together: the counts
        cube's figures (records' own units, by month and by year), rolled up here."""
        monthly = counts_cube(self.obs, iccs, source=source, period="month").counts
        yearly = counts_cube(self.obs, iccs, source=source, period="year").counts
        base = base_counts(monthly, yearly)
        months = self.coverage_months(source)
        threshold = self.policy.min_public_count
        return public_cells(base, self.units(), months, threshold, self.links())

    @cached
    def links(self) -> pd.DataFrame:
        """unit_code, ancestor: the store's roll-up of units, with the root above all."""
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
