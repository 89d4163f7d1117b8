"""The Mesa de Seguridad's other offences (police incidents) and an NGO's displacement count.

Both are drawn as Poisson counts per colonia and month from a spatial weight (where each
offence happens) and the same seasonality as homicide. Vehicle and business robbery follow
people and commerce, densest in the centre; extortion and displacement follow gang
territory; displacement also jumps during the flare-up, as families flee fighting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sereno.demo.city import City, points_in, xy_to_lonlat
from sereno.demo.groups import Groups
from sereno.demo.ids import serial_by_year
from sereno.demo.truth import SEASON_AMPLITUDE, Plan

# label (as the Mesa writes it), incidents per year, weight on commerce, weight on gangs
MESA_OFFENCES = (
    ("robo de vehículo con violencia", 210, 2.0, 1.5),
    ("robo de vehículo sin violencia", 620, 3.0, 1.0),
    ("robo a negocio", 400, 4.0, 1.2),
    ("extorsión", 150, 1.0, 5.0),
    ("secuestro", 10, 0.5, 1.5),
)  # fmt: skip
DISPLACEMENT_LABEL = "desplazamiento forzado"
DISPLACEMENT_EVENTS_PER_YEAR = 140
HOUSEHOLD_SIZE = 4.2


def _monthly_means(city: City, plan: Plan, weight: np.ndarray, per_year: float) -> np.ndarray:
    """Expected counts per colonia (rows) and month (columns) adding to ``per_year`` a year."""
    month_of_year = plan.months.astype(int) % 12 + 1
    season = 1 + SEASON_AMPLITUDE * np.cos(2 * np.pi * (month_of_year - 5) / 12)
    shape = weight[:, None] * season[None, :]
    return shape / shape.sum() * per_year * plan.months.size / 12


def mesa_incidents(
    rng: np.random.Generator, city: City, groups: Groups, plan: Plan
) -> pd.DataFrame:
    """One row per incident: folio, fecha, cve_colonia, lat, lon, delito, in date order."""
    population = city.population["total_2023"].astype(float)
    commerce = np.exp(-city.radius / 3_000.0)
    frames = []
    for label, per_year, on_commerce, on_gangs in MESA_OFFENCES:
        weight = population * (1 + on_commerce * commerce) * np.where(groups.armed, on_gangs, 1)
        counts = rng.poisson(_monthly_means(city, plan, weight, per_year))
        cell = np.repeat(np.arange(counts.size), counts.ravel())
        colonia, month = np.divmod(cell, plan.months.size)
        first_day = plan.months[month].astype("datetime64[D]")
        days = ((plan.months[month] + 1).astype("datetime64[D]") - first_day).astype(int)
        frames.append(
            pd.DataFrame(
                {
                    "fecha": first_day + np.floor(rng.uniform(size=cell.size) * days).astype(int),
                    "colonia": colonia,
                    "delito": label,
                }
            )
        )
    incidents = pd.concat(frames, ignore_index=True)
    incidents = incidents.iloc[
        np.lexsort((rng.uniform(size=len(incidents)), incidents["fecha"].to_numpy()))
    ]
    xy = points_in(rng, city.geometry[incidents["colonia"].to_numpy()])
    lon, lat = xy_to_lonlat(xy[:, 0], xy[:, 1])
    fecha = pd.to_datetime(incidents["fecha"])
    return pd.DataFrame(
        {
            "folio": serial_by_year("MS", fecha, 6).to_numpy(),
            "fecha": fecha.dt.strftime("%Y-%m-%d").to_numpy(),
            "cve_colonia": city.codes[incidents["colonia"].to_numpy()],
            "lat": np.round(lat, 6),
            "lon": np.round(lon, 6),
            "delito": incidents["delito"].to_numpy(),
        }
    )


def displacement(rng: np.random.Generator, city: City, groups: Groups, plan: Plan) -> pd.DataFrame:
    """People displaced per colonia and month (rows with at least one event only).

    Events (households leaving) are Poisson; each household has 1 + Poisson(3.2) people.
    """
    population = city.population["total_2023"].astype(float)
    weight = population * np.where(groups.armed, 8.0, np.where(groups.member >= 0, 2.0, 1.0))
    means = _monthly_means(city, plan, weight, DISPLACEMENT_EVENTS_PER_YEAR)
    flare = plan.flare
    means[np.ix_(flare.units, np.arange(flare.start, flare.end + 1))] *= 3.0
    households = rng.poisson(means)
    people = households + rng.poisson((HOUSEHOLD_SIZE - 1) * households)
    colonia, month = np.nonzero(households)
    order = np.lexsort((colonia, month))
    colonia, month = colonia[order], month[order]
    return pd.DataFrame(
        {
            "fecha": pd.Series(plan.months[month]).dt.strftime("%Y-%m").to_numpy(),
            "cod_colonia": city.codes[colonia],
            "colonia": city.names[colonia],
            "hogares": households[colonia, month],
            "personas_desplazadas": people[colonia, month],
            "tipo_evento": DISPLACEMENT_LABEL,
        }
    )
