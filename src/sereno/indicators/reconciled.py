"""Counts reconciled across sources: linked events, and totals estimated from them.

No source sees every death. Linkage (``sereno link``) joins the records of one death in
several sources into one *event*; multiple systems estimation (``sereno estimate``) then
estimates how many deaths no source saw. An indicator can therefore count three things,
and every row of an ``Indicators`` table says which (``count_basis``):

* ``source``: one source's records (``combine`` chooses which), the default;
* ``linked``: the events of the latest linkage run whose offence covers the indicator's
  codes, each death counted once whichever sources saw it, with the events' consolidated
  sex and age for victim filters (provider ``events``);
* ``estimated``: the latest multiple systems estimate of that run for each stratum it was
  estimated on (the whole area by year, or a unit by year), with its 95% interval in
  place of the Poisson one (provider ``estimated``). Estimates are yearly and cover every
  victim of the run's offence, so an indicator with a victim filter or a narrower code
  falls back to linked events, and one that counts cases to its source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.i18n import t
from sereno.indicators.counts import COLUMNS, cube_counts, register_provider
from sereno.indicators.cube import COUNT_BASES, ESTIMATED, LINKED, SOURCE, covering_run
from sereno.indicators.definitions import Indicator, IndicatorSet
from sereno.store import Observatory

# The provider an indicator is read from under each count basis, and back.
PROVIDER_OF = {LINKED: "events", ESTIMATED: "estimated"}
BASIS_OF = {"events": LINKED, "estimated": ESTIMATED}


def basis_of(provider: str) -> str:
    """The count basis of an indicator read through ``provider``."""
    return BASIS_OF.get(provider, SOURCE)


def link_runs(obs: Observatory) -> pd.DataFrame:
    """Linkage runs, newest first."""
    return obs.engine.frame(
        "SELECT run_id, created_at, iccs_code, events FROM link_runs "
        "ORDER BY created_at DESC, run_id"
    )


def linked_coverage(obs: Observatory, ind: Indicator, cov: pd.DataFrame) -> pd.DataFrame:
    """``cov`` (source_id, first, last) with rows for the linked and estimated series of
    ``ind``: the months every source the run linked covers. A month one source has not
    reported yet holds fewer linked deaths than it will, so it is marked partial, as for
    one source's own series."""
    run = covering_run(obs, ind.iccs)
    linked = cov[cov["source_id"].isin(run_sources(obs, run["run_id"]))] if run else cov[:0]
    if linked.empty:
        return cov
    extra = pd.DataFrame({"source_id": [LINKED, ESTIMATED], "first": linked["first"].max(),
                          "last": linked["last"].min()})  # fmt: skip
    return pd.concat([cov[["source_id", "first", "last"]], extra], ignore_index=True)


def linked_run(obs: Observatory, ind: Indicator) -> dict:
    """``covering_run``, or the user error that says to run ``sereno link`` first."""
    run = covering_run(obs, ind.iccs)
    if run is None:
        raise SerenoError("indicators.no_link_run", indicator=ind.key, codes=", ".join(ind.iccs))
    if ind.counted != "victims":
        raise SerenoError("indicators.linked_victims_only", indicator=ind.key)
    return run


def run_sources(obs: Observatory, run_id: str) -> list[str]:
    """The sources whose records a run linked."""
    rows = obs.engine.rows(
        "SELECT DISTINCT source_id FROM event_records WHERE run_id = ? ORDER BY 1", [run_id]
    )
    return [r[0] for r in rows]


def event_counts(
    obs: Observatory,
    indicators: Sequence[Indicator],
    level: str | None = None,
    through: int | None = None,
) -> pd.DataFrame:
    """Monthly counts of linked events by unit (provider ``events``; source ``linked``).

    Each indicator reads the newest run covering its codes. A code narrower than the run's
    keeps the events with a member record of that code; ``sources`` keeps the events seen by
    at least one of them; ``victims`` filters use the events' consolidated sex and age.
    """
    frames = [_indicator_events(obs, ind, level, through) for ind in indicators]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def _indicator_events(
    obs: Observatory, ind: Indicator, level: str | None, through: int | None
) -> pd.DataFrame:
    linked_run(obs, ind)
    return cube_counts(obs, ind, level, through, count_basis=LINKED)


def estimated_counts(
    obs: Observatory,
    indicators: Sequence[Indicator],
    level: str | None = None,
    through: int | None = None,
) -> pd.DataFrame:
    """The linked events of ``event_counts`` under the source label ``estimated``.

    Estimated totals start from the linked events (their months say which years are
    complete, their units which rows exist); ``apply_estimates`` puts the estimates in
    their place once rates are computed."""
    return event_counts(obs, indicators, level, through).assign(source_id=ESTIMATED)


register_provider("events", event_counts)
register_provider("estimated", estimated_counts)


def estimable(obs: Observatory, ind: Indicator) -> bool:
    """Whether a run's estimate stands for ``ind``: every victim of the run's offence, from
    every source, with no victim filter."""
    run = covering_run(obs, ind.iccs)
    return (
        run is not None
        and ind.counted == "victims"
        and ind.sex is None
        and ind.age is None
        and tuple(ind.iccs) == (run["iccs_code"],)
        and (ind.sources is None or set(run_sources(obs, run["run_id"])) <= set(ind.sources))
    )


def with_count_basis(obs: Observatory, iset: IndicatorSet, count: str) -> IndicatorSet:
    """``iset`` with each indicator read on ``count`` where that count exists for it.

    ``linked`` applies to indicators of victims that a linkage run covers; ``estimated`` to
    those an estimate stands for (``estimable``), the other victim indicators falling back
    to linked events. The rest keep their sources, and each row says which count it is.
    Refused when no indicator of the set can be read on ``count``.
    """
    if count not in COUNT_BASES:
        raise SerenoError("indicators.bad_count", value=count, choices=", ".join(COUNT_BASES))
    if count == SOURCE:
        return iset
    if link_runs(obs).empty:
        raise SerenoError("indicators.no_link_run", indicator=iset.indicators[0].key,
                          codes=", ".join(iset.indicators[0].iccs))  # fmt: skip
    chosen = []
    for ind in iset.indicators:
        linkable = ind.counted == "victims" and covering_run(obs, ind.iccs) is not None
        if count == ESTIMATED and estimable(obs, ind):
            chosen.append(replace(ind, provider=PROVIDER_OF[ESTIMATED]))
        elif linkable:
            chosen.append(replace(ind, provider=PROVIDER_OF[LINKED]))
        else:
            chosen.append(ind)
    if all(i.provider == "observations" for i in chosen):
        first = iset.indicators[0]
        raise SerenoError("indicators.no_link_run", indicator=first.key,
                          codes=", ".join(first.iccs))  # fmt: skip
    return replace(iset, indicators=tuple(chosen))


def latest_estimates(obs: Observatory, run_id: str, by_unit: bool) -> pd.DataFrame:
    """The newest estimation of ``run_id`` by year for the whole area (``by_unit`` False) or
    by unit and year: unit_code, year, method, lists, n_observed, n_hat, n_lower, n_upper,
    details. Estimations of other strata (months, years then units) are not yearly totals
    of a place, and are passed over."""
    unit = "unit_code IS NOT NULL" if by_unit else "unit_code IS NULL"
    return obs.engine.frame(
        f"""
        WITH yearly AS (
            SELECT * FROM mse_estimates
            WHERE run_id = ? AND {unit} AND stratum = concat_ws(' ', unit_code, period)
              AND {obs.engine.dialect.try_cast("period", "INTEGER")} BETWEEN 1000 AND 9999),
        newest AS (SELECT estimate_id FROM yearly ORDER BY created_at DESC, estimate_id LIMIT 1)
        SELECT unit_code, period::INTEGER AS year, method, lists, n_observed, n_hat, n_lower,
               n_upper, details
        FROM yearly JOIN newest USING (estimate_id)
        ORDER BY unit_code, year
        """,
        [run_id],
    )


def apply_estimates(
    obs: Observatory,
    table: pd.DataFrame,
    ind: Indicator,
    level: str,
    period: str,
    level_order: Sequence[str],
    per: int,
) -> tuple[pd.DataFrame, str]:
    """Yearly rows of linked events of ``ind`` with the run's estimates in their place, and
    the estimation method.

    n becomes N̂, the interval (n_lower, n_upper) the estimate's 95% interval, and the rate
    and its bounds those counts over the person-years. Comparisons with earlier periods are
    left empty: the exact Poisson test assumes a Poisson count, which an estimate is not.
    Only complete years that were estimated are kept: for the whole area (a top level of one
    unit) from an estimation by year, for units of the events' own level from one by
    unit_code and year.
    """
    run = linked_run(obs, ind)
    if period != "year":
        raise SerenoError("indicators.estimate_period", value=period)
    top, smallest = level_order[0], level_order[-1]
    whole_area = level == top and table["unit_code"].nunique() == 1
    if not whole_area and level != smallest:
        raise SerenoError("indicators.estimate_level", level=level, top=top, smallest=smallest)
    found = latest_estimates(obs, run["run_id"], by_unit=not whole_area)
    if found.empty:
        command = "sereno estimate --by " + ("year" if whole_area else "unit_code,year")
        raise SerenoError("indicators.no_estimates", level=level, command=command)
    if whole_area:
        found = found.assign(unit_code=str(table["unit_code"].iloc[0]))
    found = found.set_index(found["unit_code"].astype(str) + " " + found["year"].astype(str))
    key = table["unit_code"].astype(str) + " " + table["period"].astype(str)
    # An estimate is of a whole year: a year cut short (by ``through`` or a source's end)
    # would pair the months counted with deaths of months not counted.
    kept = key.isin(found.index).to_numpy() & ~table["partial"].to_numpy()
    if not kept.any():
        raise SerenoError(
            "indicators.estimate_strata",
            level=level,
            strata=", ".join(sorted(found.index.str.rsplit(" ", n=1).str[-1].unique())),
        )
    out = table[kept].reset_index(drop=True)
    hit = found.loc[key[kept]]
    py = out["person_years"].to_numpy(dtype=float)
    usable = ~out["partial"].to_numpy() & np.isfinite(py) & (py > 0)
    out["n"] = hit["n_hat"].to_numpy(dtype=float)
    out["n_lower"] = hit["n_lower"].to_numpy(dtype=float)
    out["n_upper"] = hit["n_upper"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for column, counts in (("rate", "n"), ("rate_lower", "n_lower"), ("rate_upper", "n_upper")):
            out[column] = np.where(usable, out[counts] / py * per, np.nan)
    out["rate_eb"] = np.nan
    for column in out.columns:
        if column.endswith(("_prev", "_yago")) or "_prev_" in column or "_yago_" in column:
            out[column] = False if column.startswith("significant_") else np.nan
    return out, str(hit["method"].iloc[0])


def source_label(source: str, lang: str) -> str:
    """A series' source as a reader sees it: "linked" and "estimated" in words."""
    if source in (LINKED, ESTIMATED):
        return t(f"indicators.source_{source}", lang)
    return str(source)


def count_facts(obs: Observatory, ind: Indicator) -> dict:
    """What an indicator's rows count: its basis, and for linked or estimated counts the
    run, its offence and sources (``compute_indicators`` adds the estimation method)."""
    basis = basis_of(ind.provider)
    if basis == SOURCE:
        return {"count_basis": SOURCE}
    run = linked_run(obs, ind)
    return {
        "count_basis": basis,
        "run_id": run["run_id"],
        "iccs_code": run["iccs_code"],
        "sources": run_sources(obs, run["run_id"]),
    }


def count_phrase(facts: dict, source: str, lang: str) -> str:
    """What a figure counts, in words: "records of the forense source", "events linked
    across 3 sources (...)", "total estimated by multiple systems estimation (LCMCR), 95%
    interval"."""
    basis = facts.get("count_basis", SOURCE)
    if basis == SOURCE:
        return t("indicators.basis_source", lang, source=source)
    sources = facts.get("sources", [])
    if basis == LINKED:
        return t("indicators.basis_linked", lang, n=len(sources), sources=", ".join(sources))
    return t(
        "indicators.basis_estimated",
        lang,
        method=str(facts.get("method", "")).upper(),
        n=len(sources),
    )
