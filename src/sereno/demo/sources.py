"""How the police, the forensic institute and the press record the victims they capture.

Each source has its own layout, vocabulary and errors, so that harmonisation and linkage have
real work to do: the police write colonia names (some misspelt), shift a few dates, drop
second surnames and repeat a few rows; the forensic institute dates by the autopsy and cannot
name unidentified bodies; the press gives approximate points, ages and sometimes only the
month. Every planted error is counted for the ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from sereno.demo.city import City, name_key, xy_to_lonlat
from sereno.demo.ids import serial, serial_by_year
from sereno.demo.names import MEDIA
from sereno.demo.typos import typo, typo_unlike

POLICE_WEAPON = {"firearm": "ARMA DE FUEGO", "sharp_object": "ARMA BLANCA",
                 "blunt_object": "OBJETO CONTUNDENTE", "strangulation": "ESTRANGULAMIENTO",
                 "other": "OTRO", "unknown": "SE DESCONOCE"}  # fmt: skip
POLICE_PLACE = {"public_road": "VÍA PÚBLICA", "home": "DOMICILIO", "vehicle": "VEHÍCULO",
                "business": "NEGOCIO", "open_area": "TERRENO BALDÍO",
                "public_transport": "TRANSPORTE PÚBLICO", "other": "OTRO"}  # fmt: skip
FORENSIC_WEAPON = {"firearm": "proyectil de arma de fuego", "sharp_object": "arma blanca",
                   "blunt_object": "objeto contundente", "strangulation": "asfixia",
                   "other": "otro", "unknown": "no especificado"}  # fmt: skip
FORENSIC_PLACE = {"public_road": "vía pública", "home": "vivienda", "vehicle": "vehículo",
                  "business": "comercio", "open_area": "terreno baldío",
                  "public_transport": "transporte público", "other": "otro"}  # fmt: skip
PRESS_WEAPON = {**{k: v.lower() for k, v in POLICE_WEAPON.items()}, "unknown": "desconocido"}
PRESS_PLACE = {**FORENSIC_PLACE, "home": "casa", "open_area": "lote baldío"}
PRESS_JITTER_M = (100.0, 300.0)
UNIDENTIFIED = "DESCONOCIDO"


@dataclass(frozen=True)
class SourceRecords:
    """A source's rows as written (``frame``), the record id of each captured victim
    (``record_ids``, indexed like the victims) and the errors planted (``planted``)."""

    name: str
    frame: pd.DataFrame
    record_ids: pd.Series
    planted: dict[str, object] = field(default_factory=dict)


def _chance(rng: np.random.Generator, n: int, p: float | np.ndarray) -> np.ndarray:
    return rng.uniform(size=n) < p


def _neighbour_colonias(
    rng: np.random.Generator, city: City, colonias: np.ndarray, p: float
) -> tuple[np.ndarray, int]:
    """``colonias`` with a fraction ``p`` moved to a random neighbour (a location error)."""
    moved = np.flatnonzero(_chance(rng, colonias.size, p))
    result = colonias.copy()
    for i in moved:
        result[i] = rng.choice(np.flatnonzero(city.adjacency[colonias[i]]))
    return result, int(moved.size)


def _shift_days(
    rng: np.random.Generator, dates: pd.Series, p_late: float, p_early: float
) -> tuple[pd.Series, int]:
    """Dates one day late (recorded when found) or early, with probabilities given."""
    u = rng.uniform(size=len(dates))
    shift = np.where(u < p_late, 1, np.where(u < p_late + p_early, -1, 0))
    return dates + pd.to_timedelta(shift, unit="D"), int((shift != 0).sum())


def _in_date_order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.sort_values([column, "true_id"], kind="stable")


def policia(rng: np.random.Generator, city: City, victims: pd.DataFrame) -> SourceRecords:
    """Police homicide reports: one row per victim, colonia names in capitals, H/M sex."""
    v = victims.copy()
    n = len(v)
    v["fecha"], shifted = _shift_days(rng, v["date"], 0.02, 0.0)
    v = _in_date_order(v, "fecha")
    colonia, relocated = _neighbour_colonias(rng, city, v["colonia"].to_numpy(), 0.03)
    names = pd.Series(city.names[colonia]).str.upper()
    taken = {name_key(x) for x in city.names}
    misspelt = np.flatnonzero(_chance(rng, n, 0.02))
    names.iloc[misspelt] = [typo_unlike(rng, names.iloc[i], taken, name_key) for i in misspelt]
    age = v["age"].astype(str).to_numpy(dtype=object)
    off = _chance(rng, n, 0.05)
    age[off] = (v["age"].to_numpy()[off] + rng.choice([-2, -1, 1, 2], off.sum())).astype(str)
    age_missing = _chance(rng, n, 0.08)
    age[age_missing] = np.where(_chance(rng, age_missing.sum(), 0.5), "", "S/D")
    weapon = v["weapon"].map(POLICE_WEAPON).to_numpy(dtype=object)
    weapon[_chance(rng, n, 0.05)] = POLICE_WEAPON["unknown"]
    person, name_errors = _police_names(rng, v)
    hour = v["time"].to_numpy(dtype=object)
    hour[_chance(rng, n, 0.12)] = ""
    frame = pd.DataFrame(
        {
            "FOLIO": serial_by_year("PM", v["fecha"], 5).to_numpy(),
            "FECHA": v["fecha"].dt.strftime("%d/%m/%Y").to_numpy(),
            "HORA": hour,
            "COLONIA": names.to_numpy(),
            "DELITO": "HOMICIDIO DOLOSO",
            "SEXO": np.where(v["sex"] == "male", "H", "M"),
            "EDAD": age,
            "ARMA": weapon,
            "LUGAR": v["place"].map(POLICE_PLACE).to_numpy(),
            "NOMBRE_VICTIMA": person,
        }
    )
    ids = pd.Series(frame["FOLIO"].to_numpy(), index=v.index)
    # Repeated rows are kept apart from misspelt ones, so that an ingest's duplicates and
    # quarantined rows each match one planted count.
    repeated = _chance(rng, n, 0.005) & ~np.isin(np.arange(n), misspelt)
    frame = frame.loc[frame.index.repeat(np.where(repeated, 2, 1))].reset_index(drop=True)
    planted = {
        "exact_duplicate_rows": int(repeated.sum()),
        "duplicated_folios": sorted(ids[repeated].tolist()),
        "colonia_typos": int(misspelt.size),
        "colonia_typo_values": sorted(names.iloc[misspelt].tolist()),
        "wrong_colonia": relocated,
        "date_one_day_late": shifted,
        "age_off": int(off.sum()),
        "age_missing": int(age_missing.sum()),
        **name_errors,
    }
    return SourceRecords("policia", frame, ids, planted)


def _police_names(rng: np.random.Generator, v: pd.DataFrame) -> tuple[np.ndarray, dict]:
    """Names in capitals; some without second surname, some misspelt, most unidentified
    victims unnamed."""
    n = len(v)
    names = v["name"].str.upper().to_numpy(dtype=object)
    short = _chance(rng, n, 0.10)
    names[short] = pd.Series(names[short], dtype=object).str.rsplit(" ", n=1).str[0].to_numpy()
    misspelt = np.flatnonzero(_chance(rng, n, 0.04))
    names[misspelt] = [typo(rng, names[i]) for i in misspelt]
    unnamed = ~v["identified"].to_numpy() & _chance(rng, n, 0.7)
    names[unnamed] = ""
    return names, {
        "name_without_second_surname": int(short.sum()),
        "name_typos": int(misspelt.size),
        "name_missing": int(unnamed.sum()),
    }


def forense(rng: np.random.Generator, city: City, victims: pd.DataFrame) -> SourceRecords:
    """Forensic deaths: unit codes, ISO dates (the autopsy's, sometimes a day late), sex as
    Hombre/Mujer, unidentified bodies named DESCONOCIDO with an estimated age."""
    v = victims.copy()
    n = len(v)
    v["fecha"], shifted = _shift_days(rng, v["date"], 0.08, 0.015)
    v = _in_date_order(v, "fecha")
    colonia, relocated = _neighbour_colonias(rng, city, v["colonia"].to_numpy(), 0.02)
    identified = v["identified"].to_numpy()
    estimate = 5 * np.round((v["age"].to_numpy() + rng.normal(0, 4, n)) / 5)
    female = (v["sex"] == "female").to_numpy()
    intimate = (
        v["place"].eq("home").to_numpy()
        | v["weapon"].isin(["strangulation", "sharp_object"]).to_numpy()
    )
    feminicide = female & _chance(rng, n, np.where(intimate, 0.6, 0.3))
    frame = pd.DataFrame(
        {
            "id_caso": serial_by_year("ML", v["fecha"], 5).to_numpy(),
            "fecha_defuncion": v["fecha"].dt.strftime("%Y-%m-%d").to_numpy(),
            "cod_colonia": city.codes[colonia],
            "sexo": np.where(female, "Mujer", "Hombre"),
            "edad": np.where(identified, v["age"].to_numpy(), estimate).astype(int),
            "nombre": np.where(identified, v["name"].to_numpy(dtype=object), UNIDENTIFIED),
            "causa": np.where(feminicide, "feminicidio", "homicidio doloso"),
            "mecanismo": v["weapon"].map(FORENSIC_WEAPON).to_numpy(),
            "lugar_hallazgo": v["place"].map(FORENSIC_PLACE).to_numpy(),
        }
    )
    planted = {
        "date_shifted_one_day": shifted,
        "unidentified": int((~identified).sum()),
        "feminicidio": int(feminicide.sum()),
        "wrong_colonia": relocated,
    }
    return SourceRecords(
        "forense", frame, pd.Series(frame["id_caso"].to_numpy(), index=v.index), planted
    )


def prensa(rng: np.random.Generator, city: City, victims: pd.DataFrame) -> SourceRecords:
    """Press monitor notes: a jittered point, sometimes only the month, approximate ages,
    names or nicknames when the story gives them."""
    v = victims.copy()
    n = len(v)
    late, _ = _shift_days(rng, v["date"], 0.10, 0.0)
    v["monthly"] = _chance(rng, n, 0.15)
    v["fecha"] = late.where(~v["monthly"], v["date"].dt.to_period("M").dt.start_time)
    v = _in_date_order(v, "fecha")
    lon, lat = _jittered(rng, city, v["x"].to_numpy(), v["y"].to_numpy())
    age = v["age"].to_numpy().astype(float)
    rounded = _chance(rng, n, 0.5)
    age[rounded] = 5 * np.round(age[rounded] / 5)
    age[_chance(rng, n, 0.35)] = np.nan
    named = v["identified"].to_numpy() & _chance(rng, n, 0.45)
    alias = (v["nickname"] != "").to_numpy() & _chance(rng, n, 0.6)
    weapon = v["weapon"].map(PRESS_WEAPON).where(~pd.Series(_chance(rng, n, 0.2), v.index))
    place = v["place"].map(PRESS_PLACE).where(~pd.Series(_chance(rng, n, 0.15), v.index))
    frame = pd.DataFrame(
        {
            "id_nota": serial("PR-", np.arange(1, n + 1), 5).to_numpy(),
            "medio": np.array(MEDIA)[rng.integers(0, len(MEDIA), n)],
            "fecha": v["fecha"].dt.strftime("%Y-%m-%d").to_numpy(),
            "precision_fecha": np.where(v["monthly"], 3, 1),
            "delito": "homicidio doloso",
            "sexo": np.where(v["sex"] == "male", "hombre", "mujer"),
            "edad": pd.array(age, dtype="Int64"),
            "nombre": np.where(named, v["name"].to_numpy(dtype=object), None),
            "alias": np.where(alias, v["nickname"].to_numpy(dtype=object), None),
            "arma": weapon.to_numpy(dtype=object),
            "lugar": place.to_numpy(dtype=object),
            "lon": np.round(lon, 6),
            "lat": np.round(lat, 6),
        }
    )
    planted = {
        "month_precision": int(v["monthly"].sum()),
        "jitter_m": list(PRESS_JITTER_M),
        "age_rounded_to_5": int(rounded.sum()),
    }
    return SourceRecords(
        "prensa", frame, pd.Series(frame["id_nota"].to_numpy(), index=v.index), planted
    )


def _jittered(
    rng: np.random.Generator, city: City, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Points moved 100-300 m in a random direction, kept inside the city (a note places a
    killing by a nearby landmark, never outside town): a move that would leave the city goes
    the other way, and failing that the point stays."""
    angle = rng.uniform(0, 2 * np.pi, x.size)
    distance = rng.uniform(*PRESS_JITTER_M, x.size)
    dx, dy = distance * np.cos(angle), distance * np.sin(angle)
    ahead = shapely.contains_xy(city.outline, x + dx, y + dy)
    back = shapely.contains_xy(city.outline, x - dx, y - dy)
    sign = np.where(ahead, 1.0, np.where(back, -1.0, 0.0))
    return xy_to_lonlat(x + sign * dx, y + sign * dy)
