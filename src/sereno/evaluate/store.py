"""Evaluations on the observatory store: interventions are records (units, start, end, cost).

The outcome is the monthly count of victims of one offence (ICCS 0101, intentional homicide,
by default) from one source (the counts cube's rule: the source counting most of them;
sources are never summed, since they count the same deaths), in the units of one level,
zeros filled in. Units of other interventions are left out of the comparison, so one
program is never the control of another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.evaluate.cost import CostEffectiveness, cost_per_homicide_averted
from sereno.indicators.cube import unit_month_counts
from sereno.store import Observatory

HOMICIDE = "0101"


@dataclass(frozen=True)
class InterventionRecord:
    intervention_id: str
    name_es: str
    name_en: str
    unit_codes: list[str]
    start: str  # YYYY-MM
    end: str | None
    cost_usd: float | None
    funder: str | None


INTERVENTION_COLUMNS = (
    "i.intervention_id, i.name_es, i.name_en, i.start_date, i.end_date, i.cost_usd, i.funder"
)


def interventions(observatory: Observatory) -> list[InterventionRecord]:
    d = observatory.engine.dialect
    frame = observatory.engine.frame(
        f"SELECT {INTERVENTION_COLUMNS}, {d.list_agg('u.unit_code', 'u.unit_code')} AS unit_codes "
        "FROM interventions i JOIN intervention_units u USING (intervention_id) "
        f"GROUP BY {INTERVENTION_COLUMNS} ORDER BY intervention_id"
    )
    return [
        InterventionRecord(
            r.intervention_id,
            r.name_es,
            r.name_en,
            list(r.unit_codes),
            pd.Timestamp(r.start_date).strftime("%Y-%m"),
            None if pd.isna(r.end_date) else pd.Timestamp(r.end_date).strftime("%Y-%m"),
            None if pd.isna(r.cost_usd) else float(r.cost_usd),
            r.funder,
        )
        for r in frame.itertuples()
    ]


def intervention(observatory: Observatory, intervention_id: str) -> InterventionRecord:
    known = interventions(observatory)
    for record in known:
        if record.intervention_id == intervention_id:
            return record
    raise SerenoError(
        "evaluate.unknown_intervention",
        id=intervention_id,
        ids=", ".join(r.intervention_id for r in known) or "-",
    )


def units_of_other_programs(observatory: Observatory, intervention_id: str) -> set[str]:
    """Units of every intervention but ``intervention_id``: never comparisons or donors."""
    return {
        u
        for r in interventions(observatory)
        if r.intervention_id != intervention_id
        for u in r.unit_codes
    }


def homicide_panel(
    observatory: Observatory,
    *,
    source: str | None = None,
    level: str | None = None,
    iccs: str = HOMICIDE,
) -> tuple[pd.DataFrame, str]:
    """(unit_code, month 'YYYY-MM', homicides) for every unit of ``level`` and every month of
    the source's coverage, with zeros; and the source used (the counts cube's rule: the one
    named, else the largest)."""
    counts = unit_month_counts(observatory, iccs, source=source, level=level, population=None)
    if not counts.n.any():
        raise SerenoError(
            "evaluate.no_homicides", iccs=iccs, source=counts.source, level=counts.cube.level
        )
    panel = counts.to_frame().rename(columns={"n": "homicides"})
    return panel[["unit_code", "month", "homicides"]], counts.source


def evaluate_intervention(
    observatory: Observatory,
    intervention_id: str,
    method: str = "did",
    *,
    source: str | None = None,
    level: str | None = None,
    start: str | None = None,
    units: list[str] | None = None,
    family: str = "poisson",
) -> tuple[Any, CostEffectiveness | None]:
    """Evaluate one intervention by ``its`` (its units' total against the other units'),
    ``did``/``event_study`` (TWFE on the unit-month panel) or ``staggered`` (every
    intervention a cohort); ``start`` and ``units`` override the record (placebo checks).
    Returns the result and, when the record has a cost, the cost per homicide averted."""
    from sereno.evaluate.did import difference_in_differences
    from sereno.evaluate.its import interrupted_time_series

    record = intervention(observatory, intervention_id)
    panel, source = homicide_panel(observatory, source=source, level=level)
    others = units_of_other_programs(observatory, intervention_id)
    treated = set(units or record.unit_codes)
    begin, end = start or record.start, record.end
    if begin < record.start:  # a placebo date: only the months before the real start
        panel = panel[panel["month"] < record.start]
        end = None
    place = f"{record.name_es if observatory.config.language == 'es' else record.name_en}"
    if method == "its":
        group = np.where(
            panel["unit_code"].isin(treated),
            "treated",
            np.where(panel["unit_code"].isin(others), "other", "control"),
        )
        series = panel.assign(group=group).pivot_table(
            index="month", columns="group", values="homicides", aggfunc="sum"
        )
        result = interrupted_time_series(
            series.reset_index(),
            "month",
            "treated",
            begin,
            end,
            control="control",
            place=place,
        )
    elif method in ("did", "event_study", "twfe"):
        data = panel[~panel["unit_code"].isin(others - treated)].copy()
        data["treated"] = (data["unit_code"].isin(treated) & (data["month"] >= begin)).astype(int)
        result = difference_in_differences(
            data,
            "unit_code",
            "month",
            "homicides",
            "treated",
            method="event_study" if method == "event_study" else "twfe",
            family=family,
            bin=6,
            place=place,
        )
    elif method == "staggered":
        cohorts = {u: r.start for r in interventions(observatory) for u in r.unit_codes}
        data = panel.assign(cohort=panel["unit_code"].map(cohorts))
        result = difference_in_differences(
            data, "unit_code", "month", "homicides", cohort="cohort", method="staggered"
        )
    else:
        raise SerenoError(
            "evaluate.bad_choice",
            option="METHOD",
            value=method,
            choices="its, did, event_study, staggered",
        )
    cost = None
    if record.cost_usd is not None and method != "staggered":
        cost = cost_per_homicide_averted(record.cost_usd, result.averted)
    return result, cost


def match_comparison_units(
    observatory: Observatory,
    intervention_id: str,
    *,
    method: str = "mahalanobis",
    ratio: int = 1,
    source: str | None = None,
    level: str | None = None,
) -> Any:
    """Comparison units for an intervention's units, matched on what was known before it
    started: the homicide level and trend per month, the population and its density
    (Stuart 2010). Units of other interventions are never comparisons."""
    from sereno.evaluate.matching import baseline_features, match_units
    from sereno.geo.populations import populations

    record = intervention(observatory, intervention_id)
    panel, _ = homicide_panel(observatory, source=source, level=level)
    features = baseline_features(panel, "unit_code", "month", "homicides", record.start)
    year = int(record.start[:4]) - 1
    people = populations(observatory, [year]).set_index("unit_code")["population"]
    area = observatory.engine.frame("SELECT unit_code, area_km2 FROM units").set_index("unit_code")[
        "area_km2"
    ]
    features["population"] = features["unit"].map(people).astype(float)
    features["density"] = features["population"] / features["unit"].map(area)
    others = units_of_other_programs(observatory, intervention_id)
    features = features[~features["unit"].isin(others - set(record.unit_codes))]
    features = features.dropna(subset=["population", "density"])
    features["treated"] = features["unit"].isin(record.unit_codes).astype(int)
    covariates = ["baseline_level", "baseline_trend", "population", "density"]
    return match_units(features, "unit", "treated", covariates, method=method, ratio=ratio)


def synth_for_intervention(
    observatory: Observatory,
    intervention_id: str,
    *,
    source: str | None = None,
    level: str | None = None,
) -> Any:
    """Synthetic control (Abadie, Diamond and Hainmueller 2010) of an intervention's units,
    taken together as one treated unit, from the untreated units. The outcome is the
    homicide rate per 100,000 a year (monthly counts annualised), so that a group of several
    colonias and single donor colonias are on one scale; units of other interventions are
    never donors."""
    from sereno.evaluate.synth import synthetic_control
    from sereno.geo.populations import populations

    record = intervention(observatory, intervention_id)
    panel, _ = homicide_panel(observatory, source=source, level=level)
    others = units_of_other_programs(observatory, intervention_id)
    treated = set(record.unit_codes)
    panel = panel[~panel["unit_code"].isin(others - treated)].copy()
    panel["year"] = panel["month"].str[:4].astype(int)
    people = populations(observatory, sorted(panel["year"].unique().tolist()))
    panel = panel.merge(people[["unit_code", "year", "population"]], on=["unit_code", "year"])
    panel = panel[panel["population"] > 0]
    panel["unit"] = np.where(panel["unit_code"].isin(treated), intervention_id, panel["unit_code"])
    grouped = panel.groupby(["unit", "month"], as_index=False)[["homicides", "population"]].sum()
    grouped["rate"] = grouped["homicides"] / grouped["population"] * 100_000 * 12
    place = record.name_es if observatory.config.language == "es" else record.name_en
    return synthetic_control(
        grouped, "unit", "month", "rate", intervention_id, record.start, place=place
    )
