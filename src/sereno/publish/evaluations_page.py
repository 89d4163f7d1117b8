"""The evaluations page: every recorded program's estimated effect, with its interval.

Estimates are aggregates over a program's units and months (no person-level data), so they
are public; each is computed once per store state and kept with the other responses.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sereno.errors import SerenoError
from sereno.publish.pages import PAGES, PortalContext, PortalPage, register_page


def evaluations_data(ctx: PortalContext) -> dict[str, Any]:
    """One row per recorded intervention with its difference-in-differences estimate."""
    return ctx.data.response(("evaluations", ctx.lang), lambda: _evaluate_all(ctx))


def _evaluate_all(ctx: PortalContext) -> dict[str, Any]:
    from sereno.evaluate.store import evaluate_intervention

    items = []
    for record in ctx.data.interventions().itertuples():
        item: dict[str, Any] = {
            "intervention_id": record.intervention_id,
            "program": record.name_es if ctx.lang == "es" else record.name_en,
            "unit_codes": [str(u) for u in record.unit_codes if u is not None],
            "start": str(record.start_date)[:10],
            "funder": record.funder,
        }
        try:
            with ctx.data.lock:
                result, cost = evaluate_intervention(ctx.data.obs, record.intervention_id, "did")
        except SerenoError as error:
            items.append({**item, "error": error.message(ctx.lang)})
            continue
        item.update(
            rate_ratio=_interval(result.estimate),
            averted=_interval(result.averted),
            cost_per_averted=_cost(cost),
            summary=result.summary(ctx.lang),
        )
        items.append(item)
    return {"items": items}


def _interval(value: Any) -> dict[str, float | None] | None:
    if value is None:
        return None
    return {k: _finite(getattr(value, k)) for k in ("estimate", "low", "high")}


def _cost(cost: Any) -> dict[str, float | None] | None:
    if cost is None:
        return None
    return {
        "estimate": _finite(cost.cost_per_averted),
        "low": _finite(cost.low),
        "high": _finite(cost.high),
        "currency": cost.currency,
    }


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def register_evaluations_page() -> None:
    if "evaluations" in PAGES:
        return
    register_page(PortalPage(
        "evaluations", "/evaluations", "publish.evaluations.page", evaluations_data,
        "evaluations.html", order=45,
        table=lambda d: pd.DataFrame([
            {"intervention_id": i["intervention_id"], "program": i["program"], "start": i["start"],
             **{f"rate_ratio_{k}": (i.get("rate_ratio") or {}).get(k)
                for k in ("estimate", "low", "high")}}
            for i in d["items"]
        ]),
    ))  # fmt: skip
