"""What Ciudad Demo's official counts miss: displacement, disappearances, extortion, with truth.

Built after the city's own sources are ingested, from the same city (its colonias, gang
territory, flare-up, true homicide victims and the Mesa's police-reported extortion):

* **Displacement events** (an NGO's HXL event tracking): household flights from gang
  territory with origin, destination (another colonia, municipality, country or a shelter),
  cause and returns, plus one planted **mass displacement** (families fleeing clashes in a
  flare-up colonia in the flare-up's first month) and three rows that must not be stored
  (a flood, an impossible date, a repeated row).
* **Disappeared persons** on three lists (families, the prosecutor, a collective of
  relatives), each seeing a person independently with its own probability: true homicide
  victims first reported missing and later found dead (the forensic institute's record of
  the body is the same person), others found alive, others still missing.
* **Extortion reports** to an NGO hotline, which hears of a share of all extortion whether
  or not it was reported to the police; the police-reported part is the Mesa's extortion.
  The reporting rate per victim type is planted, so the dark figure can be recovered.

``verdad/danos.json`` and ``verdad/desaparecidos.csv`` hold the truth.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from sereno.demo.names import FEMALE_GIVEN, MALE_GIVEN, SURNAMES
from sereno.demo.typos import typo
from sereno.demo.writers import write_csv, write_json
from sereno.geo.units import unit_polygons
from sereno.harms.alerts import record_mass_displacement
from sereno.harms.migrants import load_shelters
from sereno.ingest.pipeline import IngestResult, ingest_file
from sereno.store import Observatory

HXL_FILE = "desplazamiento_eventos_hxl.csv"
EVENTS_PER_YEAR = 90
CAUSES = {"amenazas": 0.34, "extorsión": 0.26, "reclutamiento forzado": 0.15,
          "homicidio de familiar": 0.15, "enfrentamientos": 0.06, "otro": 0.04}  # fmt: skip
CAUSE_CODES = {"amenazas": "threat", "extorsión": "extortion", "otro": "other",
               "reclutamiento forzado": "forced_recruitment", "enfrentamientos": "clashes",
               "homicidio de familiar": "homicide_relative"}  # fmt: skip
MUNICIPALITIES = ("San Isidro (ficticio)", "Puerto Demo (ficticio)", "Villa Ejemplo (ficticia)")
COUNTRIES = ("USA", "MEX", "CRI", "ESP")
# Public migrant shelters on the route; families displaced inside the country go to
# confidential ones, whose names are never published.
SHELTERS = ("Albergue Casa Refugio (ficticio)", "Albergue San Demo (ficticio)")
CONFIDENTIAL_SHELTER = "Casa Segura (ficticia, confidencial)"
IDP_SHELTERS = (CONFIDENTIAL_SHELTER, "Refugio Temporal Demo (ficticio, confidencial)")
MIGRANT_SHARE = 0.12  # of the disappeared not among the homicide victims
MASS_HOUSEHOLDS, MASS_PEOPLE = 38, 151
LISTS = {"desaparecidos_familias": 0.65, "desaparecidos_fiscalia": 0.5,
         "desaparecidos_colectivo": 0.4}  # fmt: skip
LIST_REPORTER = {"desaparecidos_familias": "familia", "desaparecidos_fiscalia": "fiscalía",
                 "desaparecidos_colectivo": "colectivo"}  # fmt: skip
FOUND_DEAD, FOUND_ALIVE, STILL_MISSING = 70, 90, 60
# Victim type: share of all extortion, share of it reported to the police (planted).
EXTORTION = {"negocio": (0.45, 0.30), "transporte": (0.20, 0.25), "hogar": (0.20, 0.12),
             "migrante": (0.08, 0.04), "escuela": (0.04, 0.20), "otro": (0.03, 0.15)}  # fmt: skip
HOTLINE_SHARE = 0.45


def add_harms(observatory: Observatory, files, seed: int) -> list[IngestResult]:
    """Generate the harm files of Ciudad Demo next to its other files, ingest them and write
    their truth; return the ingestions."""
    rng = np.random.default_rng([seed, 23])
    out = Path(files.out_dir)
    colonias = unit_polygons(observatory).sort_values("unit_code").reset_index(drop=True)
    groups = json.loads(Path(files.grupos).read_text(encoding="utf-8"))["features"]
    armed = {u for g in groups if g["properties"]["kind"] != "self_defence"
             for u in g["properties"]["unit_codes"].split(";")}  # fmt: skip
    truth = json.loads(Path(files.verdad).read_text(encoding="utf-8"))
    events, displacement_truth = _displacement(rng, colonias, armed, truth)
    victims = pd.read_csv(files.victimas, dtype=str, keep_default_na=False)
    lists, people = _disappearances(rng, colonias, victims)
    mesa = pd.read_csv(files.source_files["mesa_delitos"], dtype=str)
    hotline, extortion_truth = _extortion(rng, colonias, mesa[mesa["delito"] == "extorsión"])
    tags = ["#event+id", "#date+occurred", "#loc+origin+code", "#loc+origin+name",
            "#geo+origin+lat", "#geo+origin+lon", "#loc+dest+code", "#adm2+dest+name",
            "#country+dest+code", "#loc+dest+shelter", "#affected+idps+hh", "#affected+idps+ind",
            "#affected+idps+f", "#affected+idps+m", "#affected+idps+children", "#event+cause",
            "#group+name", "#meta+confidence", "#date+returned"]  # fmt: skip
    paths = {"eventos_desplazamiento": write_csv(out / HXL_FILE, events, extra_header=tags)}
    for name, frame in lists.items():
        paths[name] = write_csv(out / f"{name}.csv", frame)
    paths["extorsion_linea"] = write_csv(out / "extorsion_linea.csv", hotline)
    write_csv(out / "verdad" / "desaparecidos.csv", people)
    summary = {
        "synthetic": "Datos sintéticos / Synthetic data — Ciudad Demo does not exist",
        "displacement": displacement_truth,
        "disappearances": {
            "people": len(people),
            "found_dead": int((people["status"] == "found_dead").sum()),
            "found_alive": int((people["status"] == "found_alive").sum()),
            "missing": int((people["status"] == "missing").sum()),
            "migrants": int((people["migrant"] == "sí").sum()),
            "capture_probability": LISTS,
            "on_some_list": int(people[list(LISTS)].any(axis=1).sum()),
        },
        "extortion": extortion_truth,
    }
    write_json(out / "verdad" / "danos.json", summary)
    mappings = {
        "eventos_desplazamiento": "hxl-displacement",
        "extorsion_linea": "generic-extortion",
        **dict.fromkeys(lists, "generic-disappearances"),
    }
    batches = [ingest_file(observatory, paths[s], s, mappings[s]) for s in paths]
    load_shelters(observatory, write_csv(out / "albergues.csv", _shelters(colonias)))
    record_mass_displacement(observatory)
    return batches


def _months(truth: dict) -> pd.PeriodIndex:
    first, last = truth["years"]
    return pd.period_range(f"{first}-01", f"{last}-12", freq="M")


def _day(rng: np.random.Generator, months: pd.PeriodIndex) -> pd.Series:
    starts = months.to_timestamp()
    days = months.days_in_month.to_numpy()
    return pd.Series(starts + pd.to_timedelta(np.floor(rng.uniform(size=len(months)) * days),
                                              unit="D"))  # fmt: skip


def _displacement(rng, colonias: pd.DataFrame, armed: set[str], truth: dict):
    """One row per event (HXL columns) and the truth per colonia and month."""
    months = _months(truth)
    weight = np.where(colonias["unit_code"].isin(armed), 8.0, 1.0)
    mean = weight / weight.sum() * EVENTS_PER_YEAR / 12
    counts = rng.poisson(np.outer(mean, np.ones(len(months))))
    unit, month = np.nonzero(counts)
    unit, month = np.repeat(unit, counts[unit, month]), np.repeat(month, counts[unit, month])
    n = len(unit)
    households = 1 + rng.poisson(0.3, n)
    people = households + rng.poisson(3.0 * households)
    flare = truth["flare_up"]
    mass_unit = int(np.flatnonzero(colonias["unit_code"] == flare["unit_codes"][0])[0])
    mass_month = int(np.flatnonzero(months.astype(str) == flare["start"])[0])
    unit, month = np.append(unit, mass_unit), np.append(month, mass_month)
    households, people = np.append(households, MASS_HOUSEHOLDS), np.append(people, MASS_PEOPLE)
    n += 1
    cause = rng.choice(list(CAUSES), n, p=list(CAUSES.values()))
    cause[-1] = "enfrentamientos"
    dates = _day(rng, months[month])
    kind = rng.choice(["unit", "municipality", "country", "shelter", "unknown"], n,
                      p=[0.4, 0.3, 0.15, 0.1, 0.05])  # fmt: skip
    codes = colonias["unit_code"].to_numpy(dtype=object)
    returns = rng.uniform(size=n) < 0.15
    back = dates + pd.to_timedelta(rng.integers(30, 180, n), unit="D")
    last_day = months[-1].to_timestamp(how="end").normalize()
    returns &= (back <= last_day).to_numpy()
    # Origin written as a code (most), as the colonia's name, or as a point inside it.
    written = rng.choice(["code", "name", "point"], n, p=[0.7, 0.15, 0.15])
    points = shapely.get_coordinates(colonias.geometry.iloc[unit].representative_point().to_numpy())
    row = pd.DataFrame({
        "evento": [f"DE-{i + 1:05d}" for i in range(n)],
        "fecha": dates.dt.strftime("%Y-%m-%d"),
        "cod_origen": np.where(written == "code", codes[unit], ""),
        "colonia_origen": np.where(written == "name", colonias["name"].to_numpy()[unit], ""),
        "lat": np.where(written == "point", np.round(points[:, 1], 6).astype(str), ""),
        "lon": np.where(written == "point", np.round(points[:, 0], 6).astype(str), ""),
        "cod_destino": np.where(kind == "unit", codes[rng.integers(0, len(codes), n)], ""),
        "municipio_destino": np.where(kind == "municipality",
                                      rng.choice(MUNICIPALITIES, n), ""),
        "pais_destino": np.where(kind == "country", rng.choice(COUNTRIES, n), ""),
        "albergue": np.where(kind == "shelter", rng.choice(IDP_SHELTERS, n), ""),
        "hogares": households,
        "personas": people,
        "mujeres": "", "hombres": "", "menores": "",
        "causa": cause,
        "grupo": "",
        "confianza": rng.choice(["alta", "media", "baja"], n, p=[0.5, 0.35, 0.15]),
        "retorno": np.where(returns, back.dt.strftime("%Y-%m-%d"), ""),
    })  # fmt: skip
    women = rng.binomial(people, 0.52)
    row["mujeres"], row["hombres"] = women, people - women
    row["menores"] = rng.binomial(people, 0.4)
    row = row.sort_values(["fecha", "evento"], ignore_index=True)
    truth_rows = pd.DataFrame(
        {
            "unit_code": codes[unit],
            "month": months[month].astype(str),
            "people": people,
            "returned": np.where(returns, people, 0),
            "return_month": np.where(returns, back.dt.strftime("%Y-%m"), ""),
        }
    )
    by_cell = truth_rows.groupby(["unit_code", "month"])["people"].sum()
    back_cell = truth_rows[truth_rows["return_month"] != ""].groupby(
        ["unit_code", "return_month"])["returned"].sum()  # fmt: skip
    stock_end = int(people.sum() - truth_rows["returned"].sum())
    noise = row.iloc[[3, 4, 5]].copy()
    noise.loc[noise.index[0], ["evento", "causa"]] = ["DE-90001", "inundación"]
    noise.loc[noise.index[1], ["evento", "fecha"]] = ["DE-90002", "2022-02-30"]
    noise = pd.concat([noise.iloc[:2], row.iloc[[6]]])  # the third is a repeated row
    row = pd.concat([row, noise], ignore_index=True)
    return row, {
        "events": n,
        "people": int(people.sum()),
        "households": int(households.sum()),
        "returned": int(truth_rows["returned"].sum()),
        "stock_end": stock_end,
        "rows_written": len(row),
        "rows_not_events": {"flood (unknown cause)": 1, "impossible date": 1, "repeated row": 1},
        "people_by_unit_month": {f"{u} {m}": int(v) for (u, m), v in by_cell.items()},
        "returned_by_unit_month": {f"{u} {m}": int(v) for (u, m), v in back_cell.items()},
        "by_cause": {CAUSE_CODES[k]: int(people[cause == k].sum()) for k in CAUSES},
        "mass_event": {
            "unit_code": str(codes[mass_unit]),
            "month": str(months[mass_month]),
            "households": MASS_HOUSEHOLDS,
            "people": MASS_PEOPLE,
            "cause": "clashes",
        },
    }


def _shelters(colonias: pd.DataFrame) -> pd.DataFrame:
    """Two public shelters on the way through the city and one kept confidential."""
    at = [0, len(colonias) // 2, len(colonias) - 1]
    points = shapely.get_coordinates(colonias.geometry.iloc[at].representative_point().to_numpy())
    return pd.DataFrame({
        "shelter_id": ["ALB-1", "ALB-2", "ALB-3"],
        "name": [*SHELTERS, CONFIDENTIAL_SHELTER], "kind": ["migrant", "migrant", "displaced"],
        "lat": np.round(points[:, 1], 6), "lon": np.round(points[:, 0], 6),
        "capacity": [60, 40, 12], "public": ["sí", "sí", "no"],
    })  # fmt: skip


def _name(rng: np.random.Generator, female: bool) -> str:
    given = FEMALE_GIVEN if female else MALE_GIVEN
    return " ".join([str(rng.choice(given)), str(rng.choice(SURNAMES)), str(rng.choice(SURNAMES))])


def _disappearances(rng, colonias: pd.DataFrame, victims: pd.DataFrame):
    """Three lists of disappeared persons and the person-level truth."""
    known = victims[(victims["forense_id"] != "") & (victims["name"] != "")]
    dead = known.iloc[rng.choice(len(known), FOUND_DEAD, replace=False)]
    codes = colonias["unit_code"].to_numpy(dtype=object)
    death = pd.to_datetime(dead["date"])
    people = [pd.DataFrame({
        "status": "found_dead", "name": dead["name"].to_numpy(), "sex": dead["sex"].to_numpy(),
        "age": dead["age"].to_numpy(),
        "last_seen": death - pd.to_timedelta(rng.integers(1, 21, len(dead)), unit="D"),
        "status_date": death.to_numpy(), "unit_code": dead["unit_code"].to_numpy(),
        "victim_forense_id": dead["forense_id"].to_numpy(), "migrant": "no",
    })]  # fmt: skip
    for status, n in (("found_alive", FOUND_ALIVE), ("missing", STILL_MISSING)):
        female = rng.uniform(size=n) < 0.35
        seen = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1700, n), unit="D")
        people.append(pd.DataFrame({
            "status": status, "name": [_name(rng, f) for f in female],
            "sex": np.where(female, "female", "male"), "age": rng.integers(13, 60, n).astype(str),
            "last_seen": seen,
            "status_date": seen + pd.to_timedelta(rng.integers(2, 90, n), unit="D")
            if status == "found_alive" else pd.NaT,
            "unit_code": codes[rng.integers(0, len(codes), n)], "victim_forense_id": "",
            "migrant": np.where(rng.uniform(size=n) < MIGRANT_SHARE, "sí", "no"),
        }))  # fmt: skip
    truth = pd.concat(people, ignore_index=True)
    truth.insert(0, "person_id", [f"P{i + 1:04d}" for i in range(len(truth))])
    lists = {}
    for name, probability in LISTS.items():
        seen = rng.uniform(size=len(truth)) < probability
        truth[name] = np.where(seen, [f"{name[14:17].upper()}-{i:04d}" for i in range(len(truth))],
                               "")  # fmt: skip
        part = truth[seen]
        # About one name in eight is copied with a typing error; an age is off by one.
        names = [typo(rng, v) if rng.uniform() < 0.125 else v for v in part["name"]]
        age = pd.to_numeric(part["age"], errors="coerce") + rng.choice([0, 0, 0, 1, -1], len(part))
        lists[name] = pd.DataFrame({
            "source_record_id": part[name].to_numpy(), "name": names, "sex": part["sex"],
            "age": age.astype("Int64"), "date": part["last_seen"].dt.strftime("%Y-%m-%d"),
            "unit_code": part["unit_code"], "status": part["status"],
            "status_date": part["status_date"].dt.strftime("%Y-%m-%d").fillna(""),
            "reported_by": LIST_REPORTER[name], "migrant": part["migrant"],
        }).sort_values("date", ignore_index=True)  # fmt: skip
    truth["last_seen"] = truth["last_seen"].dt.strftime("%Y-%m-%d")
    truth["status_date"] = truth["status_date"].dt.strftime("%Y-%m-%d").fillna("")
    return lists, truth.drop(columns=["name"])


def _extortion(rng, colonias: pd.DataFrame, reported: pd.DataFrame):
    """The hotline's reports and the truth: every extortion, reported to the police or not.

    The Mesa's extortion incidents are the reported ones; unreported ones are drawn per
    victim type from the planted reporting rates, in the same colonias and months."""
    kinds = list(EXTORTION)
    share = np.array([v[0] for v in EXTORTION.values()])
    rate = np.array([v[1] for v in EXTORTION.values()])
    # A reported extortion's victim type: P(type | reported) ∝ share × rate.
    reported_type = rng.choice(len(kinds), len(reported), p=share * rate / (share * rate).sum())
    total_by_type = np.round(np.bincount(reported_type, minlength=len(kinds)) / rate).astype(int)
    unreported_n = total_by_type - np.bincount(reported_type, minlength=len(kinds))
    unreported_type = np.repeat(np.arange(len(kinds)), np.maximum(unreported_n, 0))
    pick = rng.integers(0, len(reported), len(unreported_type))
    dates = pd.to_datetime(reported["fecha"]).to_numpy()
    shift = pd.to_timedelta(rng.integers(-10, 11, len(pick)), unit="D").to_numpy()
    every = pd.DataFrame({
        "date": np.concatenate([dates, dates[pick] + shift]),
        "unit_code": np.concatenate([reported["cve_colonia"],
                                     reported["cve_colonia"].to_numpy()[pick]]),
        "type": np.concatenate([reported_type, unreported_type]),
        "reported": np.concatenate([np.ones(len(reported), bool), np.zeros(len(pick), bool)]),
    })  # fmt: skip
    every["date"] = every["date"].clip(
        lower=pd.Timestamp(dates.min()), upper=pd.Timestamp(dates.max())
    )
    heard = every[rng.uniform(size=len(every)) < HOTLINE_SHARE].reset_index(drop=True)
    n = len(heard)
    paid = rng.uniform(size=n) < 0.55
    outcome = np.where(paid, "ninguno", rng.choice(
        ["amenazas", "violencia", "homicidio", "desplazamiento", "cierre"], n,
        p=[0.5, 0.2, 0.04, 0.13, 0.13]))  # fmt: skip
    kind = np.array(kinds, dtype=object)[heard["type"]]
    amount = np.where(kind == "negocio", rng.integers(5, 60, n) * 10, rng.integers(2, 20, n) * 10)
    hotline = pd.DataFrame({
        "source_record_id": [f"LX-{i + 1:05d}" for i in range(n)],
        "date": heard["date"].dt.strftime("%Y-%m-%d"), "unit_code": heard["unit_code"],
        "victim_type": kind,
        "business_name": np.where(kind == "negocio", [f"Tienda {s} (ficticia)" for s in
                                                      rng.choice(SURNAMES, n)], ""),
        "amount": amount, "periodicity": rng.choice(["semanal", "quincenal", "mensual"], n),
        "group": "", "paid": np.where(paid, "sí", "no"),
        "reported_police": np.where(heard["reported"], "sí", "no"), "outcome": outcome,
    }).sort_values(["date", "source_record_id"], ignore_index=True)  # fmt: skip
    truth = {
        "total": len(every),
        "reported_to_police": int(every["reported"].sum()),
        "reporting_rate": round(float(every["reported"].mean()), 4),
        "planted_reporting_rate_by_type": {k: v[1] for k, v in EXTORTION.items()},
        "total_by_type": {k: int((every["type"] == i).sum()) for i, k in enumerate(kinds)},
        "reported_by_type": {
            k: int(((every["type"] == i) & every["reported"]).sum()) for i, k in enumerate(kinds)
        },
        "hotline_reports": n,
        "hotline_share": HOTLINE_SHARE,
    }
    return hotline, truth
