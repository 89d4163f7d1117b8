"""Multiple systems estimates per stratum (period, or unit and period) from linked events.

Each event's capture pattern is the set of sources whose records it links; strata with fewer
than three sources present or too few events are refused with their reason, never estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sereno.errors import SerenoError
from sereno.estimate import estimate_population
from sereno.estimate.histories import MIN_LISTS, MIN_OBSERVED, from_patterns
from sereno.estimate.result import MSEResult
from sereno.i18n import t
from sereno.result import Result, tidy_rows


@dataclass(frozen=True, eq=False)
class StrataEstimates(Result):
    """``estimates`` (one ``MSEResult`` per stratum estimated) and ``refused`` (stratum,
    reason key, facts) for the others."""

    method: str
    by: tuple[str, ...]
    estimates: tuple[MSEResult, ...]
    refused: tuple[dict[str, Any], ...]

    def to_frame(self) -> pd.DataFrame:
        if not self.estimates:
            return pd.DataFrame(columns=["stratum", "method", "n_observed", "N_hat"])
        return pd.concat([e.to_frame() for e in self.estimates], ignore_index=True)

    def tidy(self) -> pd.DataFrame:
        """One row per stratum estimated (term ``N:stratum``)."""
        if not self.estimates:
            return tidy_rows([])
        return pd.concat([e.tidy() for e in self.estimates], ignore_index=True)

    def content(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "by": list(self.by),
            "estimates": [e.to_dict() for e in self.estimates],
            "refused": list(self.refused),
        }

    def summary(self, lang: str | None = None) -> str:
        lines = [e.summary(lang) for e in self.estimates]
        lines += [f"{r['stratum']}: {t(r['reason'], lang, **r['facts'])}" for r in self.refused]
        return "\n".join(lines)


def stratum_label(keys: tuple[str, ...], values: tuple) -> str:
    return " ".join(str(v) for v in values) if keys else ""


def estimate_strata(
    events: pd.DataFrame,
    *,
    by: tuple[str, ...] = ("year",),
    method: str = "lcmcr",
    min_observed: int = MIN_OBSERVED,
    pool: tuple[str, ...] | None = None,
    **options: Any,
) -> StrataEstimates:
    """Estimate the total in each stratum of ``events`` (columns ``sources`` and ``by``).

    With ``pool`` (keys of ``by``, possibly none: the whole area) each stratum of ``by`` is
    given the coverage of the pooled stratum it falls in (``pooling.allocate``: months of a
    year, units of an area), so that strata too small to estimate alone have an estimate
    and the strata's totals add up to the pool's."""
    if pool is not None:
        return _pooled(events, by, tuple(pool), method, min_observed, options)
    presence, frame = _presence(events, by)
    results, refused = [], []
    groups = frame.groupby(list(by), dropna=False, sort=True) if by else [((), frame)]
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        label = stratum_label(by, values)
        lists = [s for s in presence.columns if group[s].sum() > 0]
        try:
            if len(lists) < MIN_LISTS:
                raise SerenoError("estimate.too_few_lists", n=len(lists), lists=", ".join(lists))
            patterns = group[lists].to_numpy(dtype=np.int8)
            histories = from_patterns(
                lists, patterns, np.ones(len(group), dtype=np.int64), min_observed=min_observed
            )
            results.append(estimate_population(histories, method, stratum=label, **options))
        except SerenoError as error:
            if error.key not in ("estimate.too_few_lists", "estimate.too_small"):
                raise
            refused.append({"stratum": label, "reason": error.key, "facts": error.facts})
    return StrataEstimates(method, tuple(by), tuple(results), tuple(refused))


def _presence(events: pd.DataFrame, by: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each event's presence (0/1) on each list, alone and beside its stratum keys."""
    presence = events["sources"].str.get_dummies(sep=",").astype("int8")
    frame = pd.concat([events[list(by)].reset_index(drop=True),
                       presence.reset_index(drop=True)], axis=1)  # fmt: skip
    return presence, frame


def _pooled(events, by, pool, method, min_observed, options) -> StrataEstimates:
    from sereno.estimate.pooling import allocate

    if set(pool) - set(by) or len(pool) >= len(by):
        raise SerenoError("estimate.bad_pool", by=",".join(by), pool=",".join(pool) or "-")
    pooled = estimate_strata(events, by=pool, method=method, min_observed=min_observed,
                             **options)  # fmt: skip
    presence, frame = _presence(events, by)
    estimates, refused = [], []
    by_label = {e.stratum: e for e in pooled.estimates}
    refused_pools = {r["stratum"]: r for r in pooled.refused}
    groups = frame.groupby(list(pool), dropna=False, sort=True) if pool else [((), frame)]
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        label = stratum_label(pool, values)
        fine = {
            stratum_label(by, key if isinstance(key, tuple) else (key,)): (
                len(part),
                {s: int(part[s].sum()) for s in presence.columns if part[s].sum() > 0},
            )
            for key, part in group.groupby(list(by), dropna=False, sort=True)
        }
        if label in by_label:
            estimates += allocate(by_label[label], fine, pool_label=label or "all",
                                  seed=int(options.get("seed", 7)))  # fmt: skip
        else:
            reason = refused_pools[label]
            refused += [{"stratum": s, "reason": reason["reason"], "facts": reason["facts"]}
                        for s in fine]  # fmt: skip
    return StrataEstimates(method, tuple(by), tuple(estimates), tuple(refused))


def save_estimates(observatory, estimates: StrataEstimates, run_id: str | None) -> str:
    """Store the estimates (table ``mse_estimates``); return the estimation's id."""
    import json
    import uuid

    import pyarrow as pa

    estimate_id = str(uuid.uuid4())
    rows = []
    for e in estimates.estimates:
        parts = e.stratum.split(" ")
        unit = parts[0] if "unit_code" in estimates.by else None
        details = e.to_dict()
        rows.append(
            {
                "estimate_id": estimate_id,
                "run_id": run_id,
                "stratum": e.stratum,
                "unit_code": unit,
                "period": parts[-1] if parts else None,
                "method": e.method,
                "lists": ",".join(e.lists),
                "n_observed": e.n_observed,
                "n_hat": e.N_hat,
                "n_lower": e.N_lower,
                "n_upper": e.N_upper,
                "details": json.dumps(
                    {
                        k: details[k]
                        for k in ("coverage", "diagnostics", "sensitivity", "linkage")
                        if k in details
                    },
                    default=str,
                ),
            }
        )
    if rows:
        frame = pd.DataFrame(rows)
        with observatory.engine.transaction():
            observatory.engine.insert("mse_estimates", pa.Table.from_pandas(frame))
    observatory.audit("estimate", estimate_id, method=estimates.method, strata=len(rows))
    return estimate_id
