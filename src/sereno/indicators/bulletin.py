"""The monthly bulletin: an indicator set for one month, in Spanish or English, HTML or PDF.

Sections: this month's figures against the same month a year before, each saying what it
counts (one source's records, events linked across sources, or an estimated total with its
95% interval); year to date and the last twelve months; 36-month trends with intervals; a
map of rates by the smallest unit; the units that changed most (with multiple-comparison
correction); coverage by source; the sections later stages add; method notes; and the date
it was produced. The HTML is self-contained (charts are inline SVG with text drawn as
paths), so it opens without a network; the PDF is the same page printed by WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sereno
from sereno.errors import SerenoError
from sereno.i18n import format_number, t
from sereno.indicators import charts
from sereno.indicators import periods as P
from sereno.indicators.api import compute_indicators
from sereno.indicators.counts import levels
from sereno.indicators.definitions import Indicator, load_set
from sereno.indicators.reconciled import ESTIMATED, LINKED, SOURCE
from sereno.indicators.result import signed
from sereno.indicators.stats import benjamini_hochberg
from sereno.store import Observatory


@dataclass(frozen=True)
class BulletinSection:
    """A section a later stage adds to the bulletin (open alerts, estimates...): a titled table.

    Later stages build these and the command that makes the report passes them in, so the
    bulletin needs no import of the stages after it.
    """

    title: str
    intro: str
    header: list[str]
    rows: list[list[str]]
    empty: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Bulletin:
    """A rendered bulletin: its HTML text and the facts it states (``to_dict``)."""

    period: str
    lang: str
    html: str
    facts: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "lang": self.lang, **self.facts}

    def write(self, path: Path, fmt: str = "html") -> Path:
        path = Path(path)
        if fmt == "html":
            path.write_text(self.html, encoding="utf-8")
        elif fmt == "pdf":
            try:
                from weasyprint import HTML
            except (ImportError, OSError) as exc:
                raise SerenoError("indicators.no_pdf", detail=str(exc).splitlines()[0]) from None
            HTML(string=self.html).write_pdf(path)
        else:
            raise SerenoError("indicators.bad_format", value=fmt)
        return path


def month_name(index: int, lang: str, with_year: bool = True) -> str:
    name = t("indicators.months", lang).split(",")[index % 12]
    return t("indicators.month_year", lang, month=name, year=index // 12) if with_year else name


def _sig(row: Any, c: str, lang: str) -> str:
    if not np.isfinite(getattr(row, f"p_{c}")):
        return t("indicators.b_na", lang)
    if not getattr(row, f"significant_{c}"):
        return t("indicators.b_no", lang)
    return t(
        "indicators.b_yes_up" if getattr(row, f"change_{c}") > 0 else "indicators.b_yes_down", lang
    )


def _num(value: float, lang: str, decimals: int = 0) -> str:
    return format_number(value, lang, decimals) if value is not None and np.isfinite(value) else "—"


def build_bulletin(
    obs: Observatory,
    period: str,
    lang: str = "es",
    indicator_set: str = "mesa",
    months: int = 36,
    sections: Sequence[BulletinSection] = (),
    count: str = SOURCE,
) -> Bulletin:
    """Compute every figure of the bulletin for month ``period`` (YYYY-MM) and render it,
    with the ``sections`` later stages contribute after the data coverage.

    ``count`` (source | linked | estimated) is what the figures count. Estimates exist for
    whole years only, so with ``estimated`` the monthly figures count linked events and the
    estimated totals of the complete years up to ``period`` head the bulletin.
    """
    month = P.parse_month(period)
    monthly_count = LINKED if count == ESTIMATED else count
    iset = load_set(indicator_set, obs.directory)
    tiers = levels(obs)
    if not tiers:
        raise SerenoError("indicators.no_units")
    top, finest = tiers[0], tiers[-1]
    first = P.month_label(month - months + 1)
    cache: dict = {}
    options = {"through": period, "cache": cache, "count": monthly_count}
    monthly = compute_indicators(obs, iset, level=top, period="month", start=first, **options)
    by_month = monthly.totals()
    ytd = compute_indicators(obs, iset, level=top, period="ytd", start=period, **options).totals()
    r12 = compute_indicators(obs, iset, level=top, period="r12", start=period, **options).totals()
    n_top = len(obs.engine.rows("SELECT 1 FROM units WHERE level = ?", [top]))
    where = (
        obs.engine.scalar("SELECT name FROM units WHERE level = ?", [top])
        if n_top == 1
        else t("indicators.all_units", lang, n=n_top, level=top)
    )
    mapped = next((i for i in iset.indicators if i.population is not None), iset.indicators[0])
    one = load_set_one(iset, mapped)
    local_r12 = compute_indicators(obs, one, level=finest, period="r12", start=period, **options)
    local_ytd = compute_indicators(obs, one, level=finest, period="ytd", start=period, **options)
    from sereno.geo.units import unit_polygons

    polygons = unit_polygons(obs, finest)
    label = P.month_label(month)
    used = {
        key: monthly.count_phrase(key, source, lang)
        for key, source in zip(by_month["indicator"], by_month["source"], strict=True)
    }
    rows, ytd_rows, trends = [], [], []
    for ind in iset.indicators:
        now = by_month[(by_month.indicator == ind.key) & (by_month.period == label)]
        for row in now.itertuples():
            rows.append(_key_row(ind, row, lang, monthly.count_phrase(ind.key, row.source, lang),
                                 monthly.counted_words(ind.key, lang)))  # fmt: skip
        y = ytd[ytd.indicator == ind.key].iloc[-1:]
        z = r12[r12.indicator == ind.key].iloc[-1:]
        for a, b in zip(y.itertuples(), z.itertuples(), strict=True):
            ytd_rows.append(_ytd_row(ind, a, b, lang))
        series = by_month[by_month.indicator == ind.key]
        for _, one_source in series.groupby("source", sort=False, observed=True):
            trends.append(charts.svg(charts.trend_chart(one_source, ind, where, lang)))
    local = local_r12.table[local_r12.table.period == local_r12.table.period.iloc[-1]]
    map_svg = charts.svg(
        charts.rate_map(
            polygons, local, mapped, finest, local["period"].iloc[0], lang, column="rate_eb"
        )
    )
    changed = _changed(local_ytd, lang, obs.config.min_public_count)
    coverage = _coverage(local_r12.coverage, month, lang)
    estimated = _estimated_rows(obs, iset, top, month, lang) if count == ESTIMATED else []
    bases = {b.get("count_basis", SOURCE) for b in monthly.bases.values()}
    last_given = obs.engine.scalar("SELECT max(year) FROM populations")
    extrapolated = list(range(int(last_given) + 1, month // 12 + 1)) if last_given else []
    context = {
        "lang": lang,
        "t": lambda key, **v: t(f"indicators.{key}", lang, **v),
        "num": lambda v, d=0: _num(v, lang, d),
        "observatory": obs.config.name,
        "synthetic": bool(obs.config.document.get("observatory", {}).get("synthetic", False)),
        "set_title": iset.title(lang),
        "month": month_name(month, lang),
        "month_only": month_name(month, lang, with_year=False),
        "year": month // 12,
        "last_year": month // 12 - 1,
        "last_year_month": month_name(month - 12, lang),
        "where": where,
        "alpha": format_number(0.05, lang, 2),
        "per": format_number(100_000, lang),
        "rows": rows,
        "ytd_rows": ytd_rows,
        "trends": trends,
        "map_svg": map_svg,
        "mapped": mapped.name(lang),
        "finest": finest,
        "changed": changed,
        "n_units": len(local_r12.unit_names),
        "min_count": obs.config.min_public_count,
        "coverage": coverage,
        "definitions": [_definition(i, used.get(i.key, "—"), lang) for i in iset.indicators],
        # What each figure counts, and a sentence for every indicator read on the other
        # basis or not computed, so that none disappears unsaid.
        "count_lines": [
            t("indicators.b_count_line", lang, name=r["name"], basis=r["basis"]) for r in rows
        ]
        + [f["sentence"][lang] for f in monthly.refused.values()],
        "estimated": estimated,
        "estimated_asked": count == ESTIMATED,
        "linked_used": LINKED in bases,
        "rules": [
            t(f"indicators.b_m_combine_{c}", lang)
            for c in dict.fromkeys(i.combine for i in iset.indicators)
        ],
        "set_file": Path(iset.path).name,
        "extrapolated": ", ".join(map(str, extrapolated)),
        "produced": dt.date.today().isoformat(),
        "version": sereno.__version__,
        "sections": list(sections),
    }
    html = _render(context)
    facts = {
        "rows": rows,
        "ytd": ytd_rows,
        "changed": changed,
        "coverage": coverage,
        "produced": context["produced"],
        "set": iset.name,
        "count": count,
        "count_lines": context["count_lines"],
        "estimated": estimated,
        "sections": [section.to_dict() for section in sections],
    }
    return Bulletin(label, lang, html, facts)


def load_set_one(iset, ind: Indicator):
    from sereno.indicators.definitions import IndicatorSet

    return IndicatorSet(iset.name, iset.title_es, iset.title_en, (ind,), iset.path)


def _key_row(ind: Indicator, row: Any, lang: str, basis: str, counted: str) -> dict[str, Any]:
    partial = bool(row.partial)
    return {
        "name": ind.name(lang),
        "counted": counted,
        "source": row.source,
        "basis": basis,
        "n": _num(row.n, lang),
        "rate": _num(row.rate, lang, 1),
        "ci": f"{_num(row.rate_lower, lang, 1)}–{_num(row.rate_upper, lang, 1)}"
        if np.isfinite(row.rate)
        else "",
        "n_before": _num(row.n_yago, lang),
        "change": signed(row.change_yago, lang),
        "significant": t("indicators.b_partial_note", lang) if partial else _sig(row, "yago", lang),
        "flag": bool(row.significant_yago),
    }


def _estimated_rows(obs: Observatory, iset, top: str, month: int, lang: str) -> list[dict]:
    """The estimated yearly totals of the complete years up to ``month`` (the two latest)."""
    result = compute_indicators(obs, iset, level=top, period="year", count=ESTIMATED)
    totals = result.totals()
    complete = totals["period"].astype(int) * 12 + 11 <= month
    totals = totals[(totals["count_basis"] == ESTIMATED) & complete & ~totals["partial"]]
    out = []
    for ind in iset.indicators:
        for row in totals[totals["indicator"] == ind.key].tail(2).itertuples():
            out.append(
                {
                    "name": ind.name(lang),
                    "year": str(row.period),
                    "n": _num(row.n, lang),
                    "n_ci": f"{_num(row.n_lower, lang)}–{_num(row.n_upper, lang)}",
                    "rate": _num(row.rate, lang, 1),
                    "ci": f"{_num(row.rate_lower, lang, 1)}–{_num(row.rate_upper, lang, 1)}",
                    "basis": result.count_phrase(ind.key, row.source, lang),
                }
            )
    return out


def _ytd_row(ind: Indicator, a: Any, b: Any, lang: str) -> dict[str, Any]:
    return {
        "name": ind.name(lang),
        "n": _num(a.n, lang),
        "n_before": _num(a.n_yago, lang),
        "change": signed(a.change_yago, lang),
        "significant": t("indicators.b_partial_note", lang) if a.partial else _sig(a, "yago", lang),
        "r12_rate": _num(b.rate, lang, 1),
        "r12_change": signed(b.change_yago, lang),
        "r12_significant": t("indicators.b_partial_note", lang)
        if b.partial
        else _sig(b, "yago", lang),
        "flag": bool(a.significant_yago or b.significant_yago),
    }


def _changed(result, lang: str, minimum: int, top: int = 10) -> list[dict[str, Any]]:
    table = result.table[result.table.period == result.table.period.iloc[-1]].copy()
    table["q"] = benjamini_hochberg(table["p_yago"].to_numpy())
    table = table[np.isfinite(table["p_yago"])].sort_values(["p_yago", "change_yago"]).head(top)

    def small(v: float) -> str:
        return f"<{minimum}" if np.isfinite(v) and 0 < v < minimum else _num(v, lang)

    return [
        {
            "unit": f"{result.unit_names.get(r.unit_code, r.unit_code)} ({r.unit_code})",
            "n": small(r.n),
            "n_before": small(r.n_yago),
            "change": "—"
            if min(r.n, r.n_yago) > 0 and min(r.n, r.n_yago) < minimum
            else signed(r.change_yago, lang),
            "p": format_number(r.p_yago, lang, 3),
            "q": format_number(r.q, lang, 3),
            "significant": bool(r.q < result.alpha),
            "direction": t(
                "indicators.b_yes_up" if r.change_yago > 0 else "indicators.b_yes_down", lang
            )
            if r.q < result.alpha
            else t("indicators.b_no", lang),
        }
        for r in table.itertuples()
    ]


def _coverage(cov: pd.DataFrame, month: int, lang: str) -> list[dict[str, Any]]:
    out = []
    for r in cov.itertuples():
        covers = r.last is not None and P.parse_month(r.last) >= month
        out.append(
            {
                "source": r.source_id,
                "kind": r.kind,
                "counted": t(f"indicators.counted_{r.counted}", lang),
                "first": r.first or "—",
                "last": r.last or "—",
                "n": _num(r.n, lang),
                "without_unit": _num(r.without_unit, lang),
                "without_month": _num(r.without_month, lang),
                "covers": t("indicators.b_yes" if covers else "indicators.b_no", lang),
            }
        )
    return out


def _definition(ind: Indicator, source: str, lang: str) -> str:
    return t(
        "indicators.b_m_def_line",
        lang,
        name=ind.name(lang),
        codes=", ".join(ind.iccs),
        counted=t(f"indicators.counted_{ind.counted}", lang),
        sources=", ".join(ind.sources) if ind.sources else t("indicators.b_m_all_sources", lang),
        source=source,
        per=format_number(ind.per, lang),
        population=ind.population or t("indicators.b_m_no_population", lang),
    )


def _render(context: dict[str, Any]) -> str:
    from jinja2 import Environment, StrictUndefined

    text = (resources.files(__package__) / "templates" / "bulletin.html.j2").read_text("utf-8")
    env = Environment(
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return env.from_string(text).render(**context)
