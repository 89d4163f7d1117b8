"""Indicators on the store: an indicator set, a unit level and a kind of period."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.indicators import periods as P
from sereno.indicators.basis import choose_bases
from sereno.indicators.compute import rates
from sereno.indicators.counts import (
    PROVIDERS,
    check_level,
    coverage,
    grouped_observations,
    level_populations,
    level_units,
    levels,
    unit_map,
)
from sereno.indicators.cube import choose_source
from sereno.indicators.definitions import Indicator, IndicatorSet, load_set
from sereno.indicators.reconciled import (
    ESTIMATED,
    PROVIDER_OF,
    SOURCE,
    apply_estimates,
    basis_of,
    count_facts,
    linked_coverage,
    with_count_basis,
)
from sereno.indicators.result import Indicators
from sereno.indicators.stats import poisson_interval
from sereno.store import Observatory


def compute_indicators(
    obs: Observatory,
    indicator_set: str | Path | IndicatorSet = "homicide",
    *,
    level: str | None = None,
    period: str = "month",
    start: str | None = None,
    end: str | None = None,
    through: str | None = None,
    alpha: float = 0.05,
    cache: dict | None = None,
    count: str = SOURCE,
) -> Indicators:
    """Counts, rates, intervals and changes of every indicator of a set, by unit and period.

    ``through`` (YYYY-MM) ignores later records: the figures as they stood at the end of that
    month. A series' coverage runs from the latest first month to the earliest last month of
    the sources it combines; periods reaching outside it are marked partial. ``start`` and
    ``end`` (YYYY-MM) choose the months reported (default: the coverage; ``end`` defaults to
    ``through`` when given). ``cache`` (a dict) lets several calls share store queries.
    """
    P.check_kind(period)
    iset = (
        indicator_set
        if isinstance(indicator_set, IndicatorSet)
        else load_set(indicator_set, obs.directory)
    )
    level = check_level(obs, level)
    iset = with_count_basis(obs, iset, count)
    cut = P.parse_month(through) if through else None
    iset, other_basis, refused = choose_bases(obs, iset, cut)
    if not iset.indicators:
        raise SerenoError("indicators.no_data_because", reasons=_reasons(refused))
    estimated = PROVIDER_OF[ESTIMATED]
    if period != "year" and any(i.provider == estimated for i in iset.indicators):
        raise SerenoError("indicators.estimate_period", value=period)
    cache = {} if cache is None else cache

    def memo(key: tuple, make):
        if key not in cache:
            cache[key] = make()
        return cache[key]

    keys = tuple(sorted((i.key, i.provider) for i in iset.indicators))
    grouped = memo(("grouped", cut), lambda: grouped_observations(obs, cut))
    counts = memo(("counts", keys, cut), lambda: _provider_counts(obs, iset, cut))
    mapping = memo(("map", level), lambda: unit_map(obs, level))
    cov = memo(("coverage", cut), lambda: coverage(obs, cut, grouped))
    units = memo(("units", level), lambda: level_units(obs, level))
    frames = []
    bases = {ind.key: {**count_facts(obs, ind), **other_basis.get(ind.key, {})}
             for ind in iset.indicators}  # fmt: skip
    for ind in iset.indicators:
        windows = cov if basis_of(ind.provider) == SOURCE else linked_coverage(obs, ind, cov)
        largest = _largest_source(obs, ind, counts, cut)
        for source_label, series, first, last in _series(ind, counts, windows, mapping, largest):
            if cut is not None:
                last = min(last, cut)
            s = P.parse_month(start) if start else first
            e = P.parse_month(end) if end else (cut if cut is not None else last)
            if e < s:
                raise SerenoError(
                    "indicators.empty_range", start=P.month_label(s), end=P.month_label(e)
                )
            pops = memo(
                ("pop", level, ind.population, s // 12, e // 12),
                functools.partial(_populations, obs, level, ind, s, e),
            )
            table = rates(
                series,
                pops,
                period=period,
                start=s,
                end=e,
                first=first,
                last=last,
                units=units["unit_code"].tolist(),
                per=ind.per,
                alpha=alpha,
            )
            lower, upper = poisson_interval(table["n"].to_numpy())
            table.insert(table.columns.get_loc("n") + 1, "n_lower", lower)
            table.insert(table.columns.get_loc("n") + 2, "n_upper", upper)
            basis = basis_of(ind.provider)
            if basis == ESTIMATED:
                table, method = apply_estimates(
                    obs, table, ind, level, period, levels(obs), ind.per
                )
                bases[ind.key]["method"] = method
            size = len(table)
            for column, value in (
                ("counted", ind.counted),
                ("interval", "mse" if basis == ESTIMATED else "poisson"),
                ("count_basis", basis),
                ("source", source_label),
                ("indicator", ind.key),
            ):
                table.insert(0, column, pd.Categorical.from_codes(np.zeros(size, int), [value]))
            frames.append(table)
    if not frames:
        raise SerenoError("indicators.no_data_because", reasons=_reasons(refused) or "-")
    table = _concat(frames)
    return Indicators(
        set_name=iset.name,
        title_es=iset.title_es,
        title_en=iset.title_en,
        indicators=tuple(iset.indicators),
        level=level,
        period=period,
        alpha=alpha,
        through=through,
        unit_names=dict(zip(units["unit_code"], units["name"], strict=True)),
        coverage=cov.assign(first=cov["first"].map(_label), last=cov["last"].map(_label)),
        table=table,
        bases=bases,
        refused=refused,
    )


def _reasons(refused: dict[str, dict]) -> str:
    from sereno.i18n import default_language

    lang = default_language()
    return " ".join(fact["sentence"][lang] for fact in refused.values())


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, keeping the text columns categorical (cheap for millions of rows)."""
    from pandas.api.types import union_categoricals

    text = [c for c in frames[0].columns if isinstance(frames[0][c].dtype, pd.CategoricalDtype)]
    out = pd.concat([f.drop(columns=text) for f in frames], ignore_index=True)
    for position, column in enumerate(frames[0].columns):
        if column in text:
            merged = union_categoricals([f[column] for f in frames], ignore_order=True)
            out.insert(position, column, merged)
    return out


def _label(value: float) -> str | None:
    return None if pd.isna(value) else P.month_label(int(value))


def _provider_counts(obs: Observatory, iset: IndicatorSet, cut: int | None):
    frames = []
    for name in sorted({i.provider for i in iset.indicators}):
        if name not in PROVIDERS:
            raise SerenoError(
                "indicators.unknown_provider", provider=name, providers=", ".join(PROVIDERS)
            )
        chosen = [i for i in iset.indicators if i.provider == name]
        frames.append(PROVIDERS[name](obs, chosen, None, cut))
    return pd.concat(frames, ignore_index=True)


def _largest_source(obs: Observatory, ind: Indicator, counts: pd.DataFrame, cut: int | None):
    """The counts cube's largest source of ``ind`` (``combine = "largest"`` on sources' own
    records), or None."""
    if ind.combine != "largest" or basis_of(ind.provider) != SOURCE:
        return None
    if not (counts["indicator"] == ind.key).any():
        return None
    codes = list(ind.iccs)
    return choose_source(obs, codes, counted=ind.counted, through=cut, sources=ind.sources).source


def _series(
    ind: Indicator,
    counts: pd.DataFrame,
    cov: pd.DataFrame,
    mapping: pd.DataFrame,
    largest: str | None = None,
):
    """(source label, monthly counts, first, last) for each series of an indicator.

    Sources are combined in the records' own units and months, then rolled up to the level;
    ``largest`` is the source ``combine = "largest"`` reads (the counts cube's rule).
    """
    mine = counts[counts["indicator"] == ind.key]
    sources = sorted(mine["source_id"].unique())
    if not sources:
        return []
    months = mine["year"].astype(int) * 12 + mine["month"].astype(int) - 1
    own = months.groupby(mine["source_id"]).agg(["min", "max"]).set_axis(["first", "last"], axis=1)
    window = cov.set_index("source_id")[["first", "last"]].reindex(sources).fillna(own)
    if ind.combine == "largest":
        by_size = mine.groupby("source_id")["n"].sum()
        sources = [largest if largest in set(sources) else by_size.idxmax()]
    if ind.combine in ("each", "largest"):
        return [
            (
                s,
                _roll_up(mine[mine["source_id"] == s], mapping),
                int(window.at[s, "first"]),
                int(window.at[s, "last"]),
            )
            for s in sources
        ]
    wide = mine.pivot_table(
        index=["unit_code", "year", "month"], columns="source_id", values="n", aggfunc="sum"
    ).fillna(0)
    values = getattr(np, ind.combine)(wide.to_numpy(), axis=1)
    series = _roll_up(wide.index.to_frame(index=False).assign(n=values), mapping)
    label = sources[0] if len(sources) == 1 else f"{ind.combine}({', '.join(sources)})"
    return [(label, series, int(window["first"].max()), int(window["last"].min()))]


def _roll_up(frame: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Monthly counts of the records' units summed to their ancestors at the level."""
    rolled = frame.merge(mapping, on="unit_code")
    return (
        rolled.groupby(["ancestor", "year", "month"], as_index=False)["n"]
        .sum()
        .rename(columns={"ancestor": "unit_code"})
    )


def _populations(obs: Observatory, level: str, ind: Indicator, start: int, end: int):
    if ind.population is None:
        return None
    years = list(range(start // 12 - 2, end // 12 + 1))
    return level_populations(obs, level, years, ind.population)
