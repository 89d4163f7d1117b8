"""The ground truth that estimators are judged against: ``verdad/`` tables and summary.

``victimas.csv`` links every true victim to the record each source made of it (or none), so
linkage precision and recall are exact; ``verdad.json`` holds the totals, capture patterns
and the planted flare-up, program effects and errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sereno.demo.capture import SOURCES, capture_pattern
from sereno.demo.city import City
from sereno.demo.sources import SourceRecords
from sereno.demo.truth import Plan

RECORD_ID_COLUMNS = {"policia": "policia_folio", "forense": "forense_id", "prensa": "prensa_id"}


def _month(plan: Plan, index: int) -> str:
    return str(plan.months[index])


def victims_table(victims: pd.DataFrame, records: dict[str, SourceRecords]) -> pd.DataFrame:
    """One row per true victim with the id of its record in each source (empty if missed)."""
    table = pd.DataFrame(
        {
            "true_id": victims["true_id"],
            "date": victims["date"].dt.strftime("%Y-%m-%d"),
            "time": victims["time"],
            "unit_code": victims["unit_code"],
            "lat": victims["lat"],
            "lon": victims["lon"],
            "sex": victims["sex"],
            "age": victims["age"],
            "weapon": victims["weapon"],
            "place": victims["place"],
            "name": victims["name"],
            "nickname": victims["nickname"],
            "body_found": victims["body_found"],
            "identified": victims["identified"],
            "in_flare_up": victims["in_flare_up"],
        }
    )
    for source, column in RECORD_ID_COLUMNS.items():
        table[column] = records[source].record_ids.reindex(victims.index).fillna("")
    captured = pd.DataFrame({s: table[RECORD_ID_COLUMNS[s]] != "" for s in SOURCES})
    table["capture_pattern"] = capture_pattern(captured)
    return table


def expected_table(city: City, plan: Plan) -> pd.DataFrame:
    """Expected homicides per colonia and month, without and with the planted effects."""
    n, t = plan.expected.shape
    return pd.DataFrame(
        {
            "unit_code": np.repeat(city.codes, t),
            "month": np.tile(plan.months.astype(str), n),
            "baseline": np.round(plan.baseline.ravel(), 6),
            "expected": np.round(plan.expected.ravel(), 6),
        }
    )


def truth_summary(
    seed: int,
    years: tuple[int, int],
    city: City,
    plan: Plan,
    table: pd.DataFrame,
    records: dict[str, SourceRecords],
    mesa: pd.DataFrame,
    displaced: pd.DataFrame,
) -> dict[str, Any]:
    """Everything planted, as a JSON-ready dictionary (``verdad.json``)."""
    year = table["date"].str[:4].astype(int)
    person_years = city.total_population(np.arange(years[0], years[1] + 1)).sum(axis=0)
    by_year = year.value_counts().sort_index()
    patterns = table["capture_pattern"].value_counts()
    all_patterns = [f"{a}{b}{c}" for a in "10" for b in "10" for c in "10"]
    flare = plan.flare
    in_flare = table["in_flare_up"]
    return {
        "synthetic": "Datos sintéticos / Synthetic data — Ciudad Demo does not exist",
        "seed": seed,
        "years": list(years),
        "population": {str(y): int(city.population[f"total_{y}"].sum()) for y in (2018, 2023)},
        "true_victims": len(table),
        "true_victims_by_year": {str(k): int(v) for k, v in by_year.items()},
        "homicide_rate_per_100k_by_year": {
            str(y): round(float(by_year.get(y, 0)) / person_years[i] * 1e5, 2)
            for i, y in enumerate(range(years[0], years[1] + 1))
        },
        "expected_victims": round(float(plan.expected.sum()), 2),
        "pattern_order": list(SOURCES),
        "victims_per_source": {
            s: int((table[c] != "").sum()) for s, c in RECORD_ID_COLUMNS.items()
        },
        "records_per_source": {s: len(records[s].frame) for s in SOURCES},
        "capture_patterns": {p: int(patterns.get(p, 0)) for p in all_patterns},
        "victims_in_no_source": int(patterns.get("000", 0)),
        "flare_up": {
            "unit_codes": city.codes[flare.units].tolist(),
            "start": _month(plan, flare.start),
            "end": _month(plan, flare.end),
            "rate_multiplier": flare.multiplier,
            "victims": int(in_flare.sum()),
            "expected_victims": round(
                float(plan.expected[flare.units, flare.start : flare.end + 1].sum()), 2
            ),
            "expected_without_flare_up": round(
                float(plan.baseline[flare.units, flare.start : flare.end + 1].sum()), 2
            ),
        },
        "interventions": [
            {
                "id": p.id,
                "name_es": p.name_es,
                "name_en": p.name_en,
                "unit_codes": city.codes[p.units].tolist(),
                "start": f"{plan.months[p.start]}-01",
                "start_month": _month(plan, p.start),
                "rate_ratio": p.rate_ratio,
                "cost_usd": p.cost_usd,
                "expected_victims_averted": round(
                    float(
                        (
                            plan.baseline[p.units, p.start :] - plan.expected[p.units, p.start :]
                        ).sum()
                    ),
                    2,
                ),
            }
            for p in plan.interventions
        ],
        "comparison_unit_codes": city.codes[plan.comparison].tolist(),
        "planted_errors": {s: records[s].planted for s in SOURCES},
        "exact_duplicates": records["policia"].planted["exact_duplicate_rows"],
        "typos": {
            "policia_colonia": records["policia"].planted["colonia_typos"],
            "policia_name": records["policia"].planted["name_typos"],
        },
        "mesa_delitos": {
            label: {
                str(k): int(v)
                for k, v in group["fecha"].str[:4].value_counts().sort_index().items()
            }
            for label, group in mesa.groupby("delito", sort=True)
        },
        "displacement": {
            "people": int(displaced["personas_desplazadas"].sum()),
            "households": int(displaced["hogares"].sum()),
            "rows": len(displaced),
            "people_by_year": {
                str(k): int(v)
                for k, v in displaced.groupby(displaced["fecha"].str[:4])["personas_desplazadas"]
                .sum()
                .items()
            },
        },
    }
