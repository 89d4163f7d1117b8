"""A composite risk index with its uncertainty and sensitivity analysis.

The OECD/JRC Handbook on Constructing Composite Indicators (Nardo et al. 2008) makes the
analysis of uncertainty a step of its own: the index is recomputed under every plausible
choice of normalisation, aggregation and weights (and here, the counts' own Poisson noise),
each unit's rank is read as a distribution, and Sobol' indices say which choice moves the
ranks most (Saisana, Saltelli and Tarantola 2005). The output analysed is their average shift
in rank, R̄_S = (1/M) Σ_i |rank_ref(i) − rank_s(i)|.

    spec = load_spec("riesgo.toml")
    result = risk_index(table, spec)
    result.to_frame()          # unit, score, rank, rank_median, rank_low, rank_high, ...
    result.sobol.to_frame()    # factor, S1, S1_conf, ST, ST_conf
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.indicators.stats import empirical_bayes
from sereno.prioritise.checks import numbers, require
from sereno.prioritise.composite import composite, risk_rank
from sereno.prioritise.index_result import RiskIndex
from sereno.prioritise.sensitivity import SobolIndices, saltelli_points, sobol_indices, trigger
from sereno.prioritise.spec import IndexIndicator, IndexSpec

REPLICATES = 1 << 20  # count draws are seeded by index: the trigger is practically continuous


def risk_index(
    data: pd.DataFrame,
    spec: IndexSpec,
    covariates: pd.DataFrame | None = None,
    unit_names: dict[str, str] | None = None,
) -> RiskIndex:
    """Score, rank and rank interval of every unit of ``data`` (one row per unit)."""
    table = _joined(data, spec, covariates)
    units = table[spec.unit].astype(str).to_numpy()
    counts, exposure, fixed = _components(table, spec)
    indicators = spec.indicators
    weights0 = np.array([i.weight for i in indicators], dtype=float)
    direction = np.array([i.direction for i in indicators], dtype=float)
    reference = np.array([np.nan if i.reference is None else i.reference for i in indicators])
    observed = _values(counts, exposure, fixed, indicators)
    score = composite(
        observed, weights0, direction, spec.normalisation, spec.aggregation, reference
    )
    rank = risk_rank(score)

    u = spec.uncertainty
    normalisations = u.normalisations or (spec.normalisation,)
    aggregations = u.aggregations or (spec.aggregation,)
    factors: list[str] = []
    if len(normalisations) > 1:
        factors.append("normalisation")
    if len(aggregations) > 1:
        factors.append("aggregation")
    if u.weight_spread > 0:
        factors += [f"weight:{i.key}" for i in indicators if i.weight > 0]
    if u.counts and counts:
        factors.append("counts")

    if factors:
        points = saltelli_points(factors, u.samples, u.seed)
        column = {name: points[:, j] for j, name in enumerate(factors)}
        ranks = np.empty((len(points), len(units)), dtype=np.int32)
        for r in range(len(points)):
            draw = {name: values[r] for name, values in column.items()}
            normalisation = normalisations[
                int(trigger(draw.get("normalisation", 0.0), len(normalisations)))
            ]
            aggregation = aggregations[
                int(trigger(draw.get("aggregation", 0.0), len(aggregations)))
            ]
            weights = weights0.copy()
            for j, ind in enumerate(indicators):
                if f"weight:{ind.key}" in draw:
                    weights[j] *= 1 + u.weight_spread * (2 * draw[f"weight:{ind.key}"] - 1)
            x = observed
            if "counts" in draw:
                replicate = int(trigger(draw["counts"], REPLICATES))
                x = _values(_redraw(counts, u.seed, replicate), exposure, fixed, indicators)
            ranks[r] = risk_rank(
                composite(x, weights, direction, normalisation, aggregation, reference)
            )
        shift = np.abs(ranks - rank[None, :]).mean(axis=1)
        sobol = sobol_indices(factors, shift, u.samples, u.seed)
    else:
        ranks = rank[None, :].astype(np.int32)
        shift = np.zeros(1)
        sobol = SobolIndices((), *(np.zeros(0),) * 4, samples=0, runs=1)

    tail = (1 - u.level) / 2
    low = np.quantile(ranks, tail, axis=0, method="inverted_cdf").astype(np.int64)
    high = np.quantile(ranks, 1 - tail, axis=0, method="inverted_cdf").astype(np.int64)
    median = np.quantile(ranks, 0.5, axis=0, method="inverted_cdf").astype(np.int64)
    names = unit_names or {}
    return RiskIndex(
        name=spec.name,
        title_es=spec.title_es,
        title_en=spec.title_en,
        indicators=indicators,
        normalisation=spec.normalisation,
        aggregation=spec.aggregation,
        uncertainty=u,
        normalisations=tuple(normalisations),
        aggregations=tuple(aggregations),
        unit_codes=units,
        unit_names=np.array([names.get(c, c) for c in units], dtype=object),
        values=observed,
        score=score,
        rank=rank,
        rank_median=median,
        rank_low=low,
        rank_high=high,
        top_share=(ranks <= u.top).mean(axis=0),
        rank_shift=shift,
        sobol=sobol,
    )


def _joined(data: pd.DataFrame, spec: IndexSpec, covariates: pd.DataFrame | None) -> pd.DataFrame:
    unit = spec.unit
    for frame, what in ((data, "data"), (covariates, "covariates")):
        if frame is None:
            continue
        require(frame, [unit])
        repeated = frame[unit].astype(str).duplicated()
        if repeated.any():
            raise SerenoError(
                "prioritise.duplicate_unit", what=what, unit=frame[unit][repeated].iloc[0]
            )
    table = data.assign(**{unit: data[unit].astype(str)}).reset_index(drop=True)
    if covariates is not None:
        cov = covariates.assign(**{unit: covariates[unit].astype(str)})
        missing = sorted(set(table[unit]) - set(cov[unit]))
        if missing:
            raise SerenoError(
                "prioritise.covariates_missing_units",
                n=len(missing),
                units=", ".join(missing[:5]) + (" …" if len(missing) > 5 else ""),
            )
        overlap = [c for c in cov.columns if c in table.columns and c != unit]
        table = table.drop(columns=overlap).merge(cov, on=unit, how="left")
    if len(table) < 2:
        raise SerenoError("prioritise.too_few_units", n=len(table))
    return table


def _components(
    table: pd.DataFrame, spec: IndexSpec
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Counts and exposures of the rate components, values of the others, by position."""
    counts, exposure, fixed = {}, {}, {}
    for j, ind in enumerate(spec.indicators):
        if ind.is_rate:
            counts[j] = numbers(table, ind.count, table[spec.unit], nonnegative=True)
            exposure[j] = numbers(table, ind.population, table[spec.unit], nonnegative=True)
            if not (exposure[j] > 0).all():
                row = int(np.flatnonzero(exposure[j] <= 0)[0])
                raise SerenoError(
                    "prioritise.no_population",
                    column=ind.population,
                    unit=table[spec.unit].iloc[row],
                )
        else:
            fixed[j] = numbers(table, ind.column, table[spec.unit])
    return counts, exposure, fixed


def _values(
    counts: dict[int, np.ndarray],
    exposure: dict[int, np.ndarray],
    fixed: dict[int, np.ndarray],
    indicators: tuple[IndexIndicator, ...],
) -> np.ndarray:
    """The (units, indicators) matrix: rates per ``per`` (EB-smoothed if asked) and values."""
    n = len(next(iter({**counts, **fixed}.values())))
    x = np.empty((n, len(indicators)))
    for j, ind in enumerate(indicators):
        if j in fixed:
            x[:, j] = fixed[j]
        elif ind.smoothing == "eb":
            x[:, j] = empirical_bayes(counts[j], exposure[j]) * ind.per
        else:
            x[:, j] = counts[j] / exposure[j] * ind.per
    return x


def _redraw(counts: dict[int, np.ndarray], seed: int, replicate: int) -> dict[int, np.ndarray]:
    """One draw of the expected counts: Gamma(n + 1/2, 1), the Jeffreys posterior of a
    Poisson mean given n events (so a unit with no events still varies). Seeded by the
    replicate's number: the same trigger value gives the same draw in every run."""
    rng = np.random.default_rng([seed, replicate])
    return {j: rng.gamma(n + 0.5) for j, n in counts.items()}
