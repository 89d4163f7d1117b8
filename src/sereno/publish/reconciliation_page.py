"""The reconciliation page: per year, each source's homicide count, the deaths linkage finds
across sources, and the multiple systems estimate of the total with its 95% interval.

The figures are the indicators stage's (:mod:`sereno.indicators.reconciliation`); this page
chooses what the public sees. They are whole-city aggregates, so the estimate and its
interval are published as they are; any count below the observatory's threshold (a source
that recorded few deaths in a year, or few deaths seen by one source only) is suppressed
like every other small public count.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sereno.indicators.reconciliation import reconcile
from sereno.publish.pages import PAGES, PortalContext, PortalPage, register_page


def reconciliation_data(ctx: PortalContext) -> dict[str, Any]:
    """Per year: each source's homicide records, the linked events, the events seen by one
    source only, and the estimated total with its 95% interval, each source's estimated
    coverage and the share no source recorded."""
    return ctx.data.response(("reconciliation", ctx.lang), lambda: _reconciliation(ctx))


def _reconciliation(ctx: PortalContext) -> dict[str, Any]:
    threshold = ctx.data.policy.min_public_count
    with ctx.data.lock:
        found = reconcile(ctx.data.obs)
    if found is None or found.table.empty:
        return {"available": False, "threshold": threshold, "sources": [], "years": [],
                "message": ctx.t("publish.reconciliation.none")}  # fmt: skip
    years = []
    for row in found.table.to_dict(orient="records"):
        estimate = None
        if _finite(row.get("n_hat")) is not None:
            estimate = {
                k: _finite(row[k])
                for k in ("n_hat", "n_lower", "n_upper", "uncounted", "uncounted_lower",
                          "uncounted_upper")
            }  # fmt: skip
        years.append({
            "year": int(row["year"]),
            "sources": [
                {"source": s, **_cell(row[f"n_{s}"], threshold),
                 "coverage": _finite(row.get(f"coverage_{s}"))}
                for s in found.sources
            ],
            "linked": _cell(row["linked"], threshold),
            "single_source": _cell(row["single_source"], threshold),
            "estimate": estimate,
            "sentence": _sentence(ctx, found, int(row["year"]), threshold),
        })  # fmt: skip
    return {
        "available": True,
        "threshold": threshold,
        "iccs_code": found.iccs_code,
        "method": found.method,
        "sources": list(found.sources),
        "years": years,
    }


def _sentence(ctx: PortalContext, found: Any, year: int, threshold: int) -> str:
    """The plain sentence of a year, unless it would state a suppressed count."""
    row = found.table.set_index("year").loc[year]
    counts = [row[f"n_{s}"] for s in found.sources] + [row["linked"], row["single_source"]]
    if any(0 < n < threshold for n in counts):
        return ctx.t("publish.reconciliation.sentence_suppressed", threshold=threshold)
    return found.sentence(year, ctx.lang)


def _cell(n: Any, threshold: int) -> dict[str, Any]:
    value = int(n)
    hidden = 0 < value < threshold
    return {"n": None if hidden else value, "suppressed": hidden}


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def reconciliation_table(data: dict[str, Any]) -> pd.DataFrame:
    """One row per year: each source's count and coverage, linked, one source only, estimate."""
    rows = []
    for y in data["years"]:
        row: dict[str, Any] = {"year": y["year"]}
        for s in y["sources"]:
            row[f"n_{s['source']}"] = s["n"]
        row["linked"] = y["linked"]["n"]
        row["single_source"] = y["single_source"]["n"]
        row.update(y["estimate"] or {})
        for s in y["sources"]:
            row[f"coverage_{s['source']}"] = s["coverage"]
        rows.append(row)
    return pd.DataFrame(rows)


def chart_rows(data: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The rows of the page's interval chart: linked events as the bar, each source's count
    as a tick, the estimate with its interval."""
    from sereno.i18n import format_number, t

    out = []
    for y in data["years"]:
        e = y["estimate"]
        out.append({
            "label": str(y["year"]),
            "bar": y["linked"]["n"],
            "bar_title": t("publish.reconciliation.linked", lang) + ": "
            + format_number(y["linked"]["n"], lang),
            "ticks": [s["n"] for s in y["sources"]],
            "estimate": {"n": e["n_hat"], "low": e["n_lower"], "high": e["n_upper"]}
            if e else None,
            "estimate_title": t("publish.reconciliation.estimate_title", lang,
                                n=format_number(e["n_hat"], lang),
                                low=format_number(e["n_lower"], lang),
                                high=format_number(e["n_upper"], lang)) if e else "",
            "note": f"{format_number(e['n_hat'], lang)} ({format_number(e['n_lower'], lang)}–"
            f"{format_number(e['n_upper'], lang)})" if e else "",
        })  # fmt: skip
    return out


def reconciliation_chart(data: dict[str, Any], lang: str, title: str) -> str:
    """The page's inline SVG: per year, linked events, source ticks, estimate and interval."""
    from sereno.publish.svg import interval_chart

    return interval_chart(chart_rows(data, lang), title) if data["years"] else ""


def register_reconciliation_page() -> None:
    if "reconciliation" in PAGES:
        return
    register_page(PortalPage(
        "reconciliation", "/reconciliation", "publish.reconciliation.page",
        reconciliation_data, "reconciliation.html", order=15, table=reconciliation_table,
    ))  # fmt: skip
