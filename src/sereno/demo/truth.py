"""The true homicides of Ciudad Demo, with a planted flare-up and two program effects.

Monthly counts per colonia are Poisson with mean

    λ[c, t] = k · population[c, year(t)] · risk[c] · season[month(t)] · trend[t]
              · flare[c, t] · Π_j effect_j[c, t]

where ``risk`` is high in gang territory and higher where rival territories meet, ``k`` sets
the city's rate before planted effects to ``RATE_PER_100K``, ``flare`` is the planted
multiplier inside the flare-up's colonias and months (1 elsewhere), and ``effect_j`` is
intervention j's rate ratio in its colonias from its start (1 elsewhere). Estimators are judged
against these planted values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sereno.demo.city import City, points_in, xy_to_lonlat
from sereno.demo.groups import Groups
from sereno.demo.ids import serial
from sereno.demo.people import victim_attributes

RATE_PER_100K = 40.0
FLARE_MULTIPLIER = 4.0
FLARE_MONTHS = 3
TREND_PER_YEAR = -0.03
SEASON_AMPLITUDE = 0.12
INTERVENTIONS = (
    # id, name_es, name_en, group whose territory it works in, colonias, rate ratio, delay,
    # cost (USD), funder
    ("INT1", "Barrios Seguros (sintético)", "Safe Neighbourhoods (synthetic)", 0, 6, 0.70, 0,
     1_250_000, "Fondo Internacional para la Paz (ficticio)"),
    ("INT2", "Jóvenes con Futuro (sintético)", "Youth with a Future (synthetic)", 2, 5, 0.85, 3,
     480_000, "Alcaldía de Ciudad Demo (ficticio)"),
)  # fmt: skip


@dataclass(frozen=True)
class Intervention:
    """A program in ``units`` (colonia indices) multiplying homicide by ``rate_ratio`` from
    month index ``start`` to the end of the period."""

    id: str
    name_es: str
    name_en: str
    units: np.ndarray
    start: int
    rate_ratio: float
    cost_usd: int
    funder: str


@dataclass(frozen=True)
class FlareUp:
    """Homicide multiplied by ``multiplier`` in ``units`` over months ``start``..``end``."""

    units: np.ndarray
    start: int
    end: int
    multiplier: float


@dataclass(frozen=True)
class Plan:
    """Expected monthly homicides per colonia, before (``baseline``) and after planting."""

    months: np.ndarray  # datetime64[M], one per column
    baseline: np.ndarray  # (colonias, months)
    expected: np.ndarray
    flare: FlareUp
    interventions: list[Intervention]
    comparison: np.ndarray  # gang-held colonias neither treated nor in the flare-up


def plan_homicides(
    rng: np.random.Generator, city: City, groups: Groups, years: tuple[int, int]
) -> Plan:
    """Expected homicides per colonia and month, with the planted flare-up and effects."""
    months = np.arange(f"{years[0]}-01", f"{years[1] + 1}-01", dtype="datetime64[M]")
    year = months.astype("datetime64[Y]").astype(int) + 1970
    month_of_year = months.astype(int) % 12 + 1
    population = city.total_population(np.arange(years[0], years[1] + 1))[:, year - years[0]]
    risk = (
        rng.lognormal(0.0, 0.45, city.n)
        * np.where(groups.armed, 4.0, np.where(groups.member >= 0, 1.6, 1.0))
        * np.where(groups.contested, 1.5, 1.0)
        * (1 + 0.5 * np.exp(-city.radius / 3_000.0))
    )
    season = 1 + SEASON_AMPLITUDE * np.cos(2 * np.pi * (month_of_year - 5) / 12)
    trend = np.exp(TREND_PER_YEAR * np.arange(months.size) / 12)
    shape = population * risk[:, None] * (season * trend)[None, :]
    person_years = population.sum() / 12
    baseline = shape * RATE_PER_100K / 1e5 * person_years / shape.sum()
    interventions = _interventions(city, groups, baseline, months.size)
    treated = np.concatenate([i.units for i in interventions])
    flare = _flare_up(rng, city, baseline, treated, months.size)
    expected = baseline.copy()
    expected[np.ix_(flare.units, np.arange(flare.start, flare.end + 1))] *= flare.multiplier
    for program in interventions:
        expected[program.units, program.start :] *= program.rate_ratio
    untouched = ~np.isin(np.arange(city.n), np.concatenate([treated, flare.units]))
    return Plan(
        months, baseline, expected, flare, interventions, np.flatnonzero(groups.armed & untouched)
    )


def _cluster(
    city: City, seed: int, allowed: np.ndarray, size: int, weight: np.ndarray
) -> np.ndarray:
    """A contiguous set of ``size`` allowed colonias grown from ``seed``, heaviest first."""
    chosen = [seed]
    while len(chosen) < size:
        frontier = city.adjacency[:, chosen].any(axis=1) & allowed
        frontier[chosen] = False
        if not frontier.any():
            break
        chosen.append(int(np.flatnonzero(frontier)[np.argmax(weight[frontier])]))
    return np.array(sorted(chosen))


def _interventions(
    city: City, groups: Groups, baseline: np.ndarray, n_months: int
) -> list[Intervention]:
    """Programs go where violence is: each takes the most violent colonias of one gang's
    territory, grown from its most violent colonia, and starts in the middle of the period."""
    weight = baseline.sum(axis=1)
    free = np.ones(city.n, dtype=bool)
    result = []
    for code, name_es, name_en, group, size, ratio, delay, cost, funder in INTERVENTIONS:
        territory = (groups.member == group) & free
        seed = int(np.flatnonzero(territory)[np.argmax(weight[territory])])
        units = _cluster(city, seed, territory | ((groups.member < 0) & free), size, weight)
        free[units] = False
        free &= ~city.adjacency[:, units].any(axis=1)
        result.append(
            Intervention(code, name_es, name_en, units, n_months // 2 + delay, ratio, cost, funder)
        )
    return result


def _flare_up(
    rng: np.random.Generator, city: City, baseline: np.ndarray, treated: np.ndarray, n_months: int
) -> FlareUp:
    """3-5 contiguous colonias away from the programs, for 3 months of the last year.

    Of the clusters grown from the eight most violent eligible colonias, the one with most
    expected homicides is taken: flare-ups break out where violence already is.
    """
    weight = baseline.sum(axis=1)
    allowed = ~city.adjacency[:, treated].any(axis=1)
    allowed[treated] = False
    size = int(rng.integers(3, 6))
    ranked = np.flatnonzero(allowed)[np.argsort(-weight[allowed], kind="stable")]
    clusters = [_cluster(city, int(seed), allowed, size, weight) for seed in ranked[:8]]
    units = max(clusters, key=lambda c: (c.size, weight[c].sum()))
    start = n_months - 12 + int(rng.integers(3, 10 - FLARE_MONTHS + 1))
    return FlareUp(units, start, start + FLARE_MONTHS - 1, FLARE_MULTIPLIER)


def draw_victims(rng: np.random.Generator, city: City, groups: Groups, plan: Plan) -> pd.DataFrame:
    """One row per true victim: when, where (colonia and exact point) and who.

    Rows are in date order and ``true_id`` follows it (V00001 ...).
    """
    counts = rng.poisson(plan.expected)
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    colonia, month = np.divmod(cell, plan.months.size)
    first_day = plan.months[month].astype("datetime64[D]")
    days = ((plan.months[month] + 1).astype("datetime64[D]") - first_day).astype(int)
    date = first_day + np.floor(rng.uniform(size=cell.size) * days).astype(int)
    order = np.lexsort((rng.uniform(size=cell.size), date))
    colonia, month, date = colonia[order], month[order], date[order]
    xy = points_in(rng, city.geometry[colonia])
    lon, lat = xy_to_lonlat(xy[:, 0], xy[:, 1])
    flare = plan.flare
    in_flare = np.isin(colonia, flare.units) & (month >= flare.start) & (month <= flare.end)
    frame = pd.DataFrame(
        {
            "true_id": serial("V", np.arange(1, cell.size + 1), 5),
            "date": pd.to_datetime(date),
            "colonia": colonia,
            "month": month,
            "unit_code": city.codes[colonia],
            "x": xy[:, 0],
            "y": xy[:, 1],
            "lat": np.round(lat, 6),
            "lon": np.round(lon, 6),
            "armed_territory": groups.armed[colonia],
            "in_flare_up": in_flare,
        }
    )
    return pd.concat([frame, victim_attributes(rng, groups.armed[colonia])], axis=1)
