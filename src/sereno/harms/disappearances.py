"""Disappeared persons: open and resolved cases, the found dead among homicide victims, and
how many no list recorded.

Disappearances "do not constitute a crime per se, and are therefore not recorded" by the
police (seed 003): families, collectives, prosecutors and registries keep the lists. Three
analyses serve them:

* ``disappearance_counts``: per unit and month, persons reported missing (by the month
  last seen), found alive and found dead (by the month of the status), and the open cases
  at each month's end (reported and not yet found), from one list (the largest unless
  named; lists are never added).
* ``link_found_dead``: a disappeared person later found dead is one person with the
  forensic institute's record of the body. The disappearance records found dead are linked
  with the homicide victims' records by the linkage stage's own model (Splink, the victim
  comparisons of ``sereno.link.model``), with the date of the finding as the date.
* ``estimate_disappeared``: with three lists or more, the lists are linked into persons
  (the same model) and multiple systems estimation (``sereno.estimate``) gives the total
  with its interval, the persons no list recorded included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.estimate import MSEResult, estimate_population, from_patterns
from sereno.harms.records import harm_records, roll_up
from sereno.indicators.hierarchy import check_level
from sereno.indicators.periods import month_index, month_label
from sereno.link import link_records, prepare_records
from sereno.link.linkage import LinkResult
from sereno.link.records import unit_neighbours
from sereno.store import Observatory

RESOLVED = ("found_alive", "found_dead")


@dataclass(frozen=True)
class DisappearanceCounts:
    """``table``: unit_code, month, period, reported, found_alive, found_dead, open (cases
    open at the month's end), one row per unit of ``level`` and month, zeros filled."""

    table: pd.DataFrame
    source: str
    level: str

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def totals(self) -> dict[str, int]:
        last = self.table["period"].max()
        return {
            "reported": int(self.table["reported"].sum()),
            "found_alive": int(self.table["found_alive"].sum()),
            "found_dead": int(self.table["found_dead"].sum()),
            "open": int(self.table.loc[self.table["period"] == last, "open"].sum()),
        }

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "level": self.level, **self.totals()}


def disappearance_counts(
    obs: Observatory, level: str | None = None, source: str | None = None
) -> DisappearanceCounts:
    """Disappearances reported, resolved and open per unit of ``level`` and month."""
    level = check_level(obs, level)
    persons = harm_records(obs, "disappearance", source)
    chosen = source or str(persons["source_id"].iloc[0])
    persons["unit"] = roll_up(obs, persons, "unit_code", level).to_numpy()
    persons = persons[persons["unit"].notna()]
    seen = month_index(persons["year"], persons["month"])
    found = pd.to_datetime(persons["status_date"])
    found_month = month_index(found.dt.year.fillna(0).astype(int),
                              found.dt.month.fillna(1).astype(int))  # fmt: skip
    resolved = persons["status"].isin(RESOLVED).to_numpy() & found.notna().to_numpy()
    units = obs.engine.frame(
        "SELECT unit_code FROM units WHERE level = ? ORDER BY unit_code", [level]
    )["unit_code"].to_numpy(dtype=object)
    months = np.arange(int(seen.min()), int(max(seen.max(), found_month[resolved].max(initial=0)))
                       + 1)  # fmt: skip
    u = pd.Index(units).get_indexer(persons["unit"])

    def grid(mask: np.ndarray, period: np.ndarray) -> np.ndarray:
        out = np.zeros((len(units), len(months)), dtype=np.int64)
        p = period - months[0]
        keep = mask & (u >= 0) & (p >= 0) & (p < len(months))
        np.add.at(out, (u[keep], p[keep]), 1)
        return out

    everyone = np.ones(len(persons), bool)
    status = persons["status"].to_numpy()
    reported = grid(everyone, seen)
    alive = grid(resolved & (status == "found_alive"), found_month)
    dead = grid(resolved & (status == "found_dead"), found_month)
    table = pd.DataFrame({
        "unit_code": np.repeat(units, len(months)),
        "month": np.tile([month_label(int(m)) for m in months], len(units)),
        "period": np.tile(months, len(units)),
        "reported": reported.ravel(), "found_alive": alive.ravel(), "found_dead": dead.ravel(),
        "open": np.cumsum(reported - alive - dead, axis=1).ravel(),
    })  # fmt: skip
    return DisappearanceCounts(table, chosen, level)


def _linkage_frame(frame: pd.DataFrame, date: str) -> pd.DataFrame:
    """Disappearance records in the shape of the linkage stage's victims (``prepare_records``):
    the date given (last seen, or found) with its precision."""
    return pd.DataFrame({
        "record_id": frame["record_id"], "source_id": frame["source_id"], "name": frame["name"],
        "sex": frame["sex"], "age": frame["age"], "date": frame[date],
        "date_precision": np.where(frame[date].notna(), 1, 4), "unit_code": frame["unit_code"],
        "weapon": None, "place": None,
    })  # fmt: skip


@dataclass(frozen=True)
class FoundDeadLinks:
    """Each disappearance record found dead with the homicide victim record(s) of its event.

    ``links``: record_id (the disappearance), source_id, victim_record_id, victim_source,
    victim_source_record_id, probability (the event's membership probability).
    """

    links: pd.DataFrame
    found_dead: int
    victims: int
    result: LinkResult = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.links.copy()

    def to_dict(self) -> dict[str, object]:
        return {"found_dead_records": self.found_dead, "victim_records": self.victims,
                "linked": int(self.links["record_id"].nunique())}  # fmt: skip


def link_found_dead(
    obs: Observatory,
    victim_sources: Sequence[str] | None = None,
    iccs: str = "0101",
    threshold: float = 0.5,
) -> FoundDeadLinks:
    """Link every disappearance record found dead (all lists) with the victim records of
    offence ``iccs`` (intentional homicide) of ``victim_sources`` (default: all)."""
    dead = obs.engine.frame(
        "SELECT d.record_id, d.source_id, d.name, d.sex, d.age, d.status_date, d.unit_code "
        "FROM disappearances d JOIN current_records c ON c.record_id = d.record_id "
        "WHERE d.status = 'found_dead' ORDER BY d.record_id"
    )
    if dead.empty:
        raise SerenoError("harms.no_found_dead")
    where, params = "starts_with(v.iccs_code, ?)", [iccs]
    if victim_sources:
        where += f" AND v.source_id IN ({', '.join('?' * len(victim_sources))})"
        params += list(victim_sources)
    victims = obs.engine.frame(
        "SELECT v.record_id, v.source_id, v.name, v.sex, v.age, v.date, v.date_precision, "
        "v.unit_code, v.weapon, v.place, c.source_record_id FROM victims v "
        f"JOIN current_records c ON c.record_id = v.record_id WHERE {where} ORDER BY 1",
        params,
    )
    neighbours = _neighbours(obs)
    records = prepare_records(
        pd.concat([_linkage_frame(dead, "status_date"), victims.drop(columns="source_record_id")],
                  ignore_index=True), neighbours)  # fmt: skip
    result = link_records(records, threshold=threshold)
    member = result.membership
    events = member.merge(member, on="event_id", suffixes=("", "_v"))
    events = events[events["record_id"].isin(dead["record_id"])
                    & events["record_id_v"].isin(victims["record_id"])]  # fmt: skip
    ids = victims.set_index("record_id")["source_record_id"]
    links = pd.DataFrame({
        "record_id": events["record_id"].to_numpy(), "source_id": events["source_id"].to_numpy(),
        "victim_record_id": events["record_id_v"].to_numpy(),
        "victim_source": events["source_id_v"].to_numpy(),
        "victim_source_record_id": ids.reindex(events["record_id_v"]).to_numpy(),
        "probability": np.minimum(events["probability"], events["probability_v"]).to_numpy(),
    })  # fmt: skip
    return FoundDeadLinks(links.reset_index(drop=True), len(dead), len(victims), result)


def _neighbours(obs: Observatory) -> dict[str, list[str]]:
    from sereno.geo.units import unit_polygons

    units = unit_polygons(obs)
    return unit_neighbours(units) if len(units) else {}


@dataclass(frozen=True)
class DisappearedEstimate:
    """The lists linked into persons and the multiple systems estimate of their total."""

    estimate: MSEResult
    persons: pd.DataFrame  # event_id and one 0/1 column per list
    result: LinkResult = field(repr=False)

    def to_dict(self) -> dict[str, object]:
        return {"persons_seen": len(self.persons), **self.estimate.to_dict()}


def estimate_disappeared(
    obs: Observatory,
    sources: Sequence[str] | None = None,
    method: str = "loglinear",
    threshold: float = 0.5,
    **options: object,
) -> DisappearedEstimate:
    """How many persons disappeared, those no list recorded included: the disappearance
    lists (``sources``, default every source with disappearance records, three or more)
    linked into persons, then multiple systems estimation by ``method``."""
    frame = harm_records(obs, "disappearance", "all")
    lists = tuple(sorted(set(frame["source_id"]) if sources is None else sources))
    frame = frame[frame["source_id"].isin(lists)].reset_index(drop=True)
    records = prepare_records(_linkage_frame(frame, "last_seen_date"), _neighbours(obs))
    result = link_records(records, threshold=threshold)
    member = result.membership
    seen = pd.crosstab(member["event_id"], member["source_id"]).reindex(
        columns=list(lists), fill_value=0).clip(upper=1)  # fmt: skip
    histories = from_patterns(lists, seen.to_numpy(), np.ones(len(seen), dtype=np.int64))
    estimate = estimate_population(histories, method, **options)
    return DisappearedEstimate(estimate, seen.reset_index(), result)
