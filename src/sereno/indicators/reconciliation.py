"""Reconciliation of sources by year: what each source counted, what linkage made of it, and
what multiple systems estimation says none of them saw.

For each year: each source's records of the offence, the events linked across sources (each
death once), the events seen by one source only, and the latest estimate of the total with
its 95% interval, the share no source recorded (1 − n / N̂, n the deaths some source saw)
and each source's estimated coverage (its deaths over N̂). This is the table behind the
bulletin's "Reconciliation" section and the portal's reconciliation page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sereno.i18n import format_number, t
from sereno.indicators import periods as P
from sereno.indicators.reconciled import covering_run, latest_estimates, run_sources
from sereno.result import Result, records, tidy_frame
from sereno.store import Observatory

if TYPE_CHECKING:
    from sereno.indicators.bulletin import BulletinSection

HOMICIDE = ("0101",)


@dataclass(frozen=True)
class Reconciliation(Result):
    """Yearly reconciliation of one linkage run (``table``: one row per year).

    Columns: year, months (months counted: 12, or fewer for a year cut at ``through``),
    n_<source> per source, linked, single_source, and when the year was estimated: method,
    n_observed, n_hat, n_lower, n_upper (95% interval), uncounted (share no source saw) with
    uncounted_lower and uncounted_upper, and coverage_<source>.
    """

    run_id: str
    iccs_code: str
    sources: tuple[str, ...]
    method: str | None
    table: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def tidy(self) -> pd.DataFrame:
        """The estimated total of each estimated year (term ``N:YEAR``) and its interval."""
        tb = self.table
        if "n_hat" not in tb:
            return tidy_frame([], [], [])
        tb = tb[np.isfinite(tb["n_hat"].astype(float))]
        return tidy_frame(
            "N:" + tb["year"].astype(str),
            tb["n_hat"],
            "mse_" + tb["method"],
            low=tb["n_lower"],
            high=tb["n_upper"],
        )

    def content(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "iccs_code": self.iccs_code,
            "sources": list(self.sources),
            "method": self.method,
            "years": records(self.table),
        }

    def sentence(self, year: int, lang: str = "es") -> str:
        """A plain sentence about one year: sources, linked events, estimate."""
        row = self.table.set_index("year").loc[year]
        counts = ", ".join(f"{s} {format_number(row[f'n_{s}'], lang)}" for s in self.sources)
        text = t(
            "indicators.reconciliation.sentence_counts",
            lang,
            year=year,
            counts=counts,
            linked=format_number(row["linked"], lang),
            single=format_number(row["single_source"], lang),
        )
        if np.isfinite(row.get("n_hat", np.nan)):
            text += " " + t(
                "indicators.reconciliation.sentence_estimate",
                lang,
                method=str(row["method"]).upper(),
                n_hat=format_number(row["n_hat"], lang),
                lower=format_number(row["n_lower"], lang),
                upper=format_number(row["n_upper"], lang),
                share=format_number(100 * row["uncounted"], lang),
                share_lower=format_number(100 * row["uncounted_lower"], lang),
                share_upper=format_number(100 * row["uncounted_upper"], lang),
            )
        else:
            text += " " + t("indicators.reconciliation.sentence_no_estimate", lang)
        return text

    def summary(self, lang: str | None = None) -> str:
        return " ".join(self.sentence(int(y), lang) for y in self.table["year"])


def reconcile(
    obs: Observatory,
    years: Sequence[int] | None = None,
    through: int | None = None,
    iccs: Sequence[str] = HOMICIDE,
) -> Reconciliation | None:
    """The yearly reconciliation of the newest linkage run covering ``iccs`` (None when
    there is none). ``through`` (a month index) cuts counts at that month; a year it cuts
    short shows no estimate, since estimates are made for whole years."""
    run = covering_run(obs, iccs)
    if run is None:
        return None
    run_id = run["run_id"]
    sources = tuple(run_sources(obs, run_id))
    cut = "AND {t}.year * 12 + coalesce({t}.month, 1) - 1 <= ?" if through is not None else ""
    extra = [through] if through is not None else []
    per_source = obs.engine.frame(
        "SELECT v.year::INTEGER AS year, r.source_id, count(*)::BIGINT AS n "
        "FROM event_records r JOIN victims v USING (record_id) "
        f"WHERE r.run_id = ? AND v.year IS NOT NULL {cut.format(t='v')} GROUP BY 1, 2",
        [run_id, *extra],
    )
    events = obs.engine.frame(
        "SELECT e.year::INTEGER AS year, count(*)::BIGINT AS linked, "
        "count(*) FILTER (WHERE NOT contains(e.sources, ','))::BIGINT AS single_source "
        "FROM events e "
        f"WHERE e.run_id = ? AND e.year IS NOT NULL {cut.format(t='e')} GROUP BY 1",
        [run_id, *extra],
    )
    wide = per_source.pivot_table(index="year", columns="source_id", values="n", aggfunc="sum")
    wide = wide.reindex(columns=list(sources)).fillna(0).astype(np.int64).add_prefix("n_")
    table = events.merge(wide.reset_index(), on="year", how="outer").sort_values("year")
    if years is not None:
        table = table[table["year"].isin(list(years))]
    if through is not None:
        table["months"] = np.minimum(12, through - table["year"] * 12 + 1)
    else:
        table["months"] = 12
    table = table.fillna(0).reset_index(drop=True)
    estimates = latest_estimates(obs, run_id, by_unit=False)
    method = str(estimates["method"].iloc[0]) if len(estimates) else None
    whole = estimates[estimates["year"].isin(table.loc[table["months"] == 12, "year"])].set_index(
        "year"
    )
    table = table.merge(_estimate_columns(whole, sources), on="year", how="left")
    return Reconciliation(run_id, run["iccs_code"], sources, method, table)


def _estimate_columns(estimates: pd.DataFrame, sources: Sequence[str]) -> pd.DataFrame:
    """Per estimated year: method, N̂ and interval, share uncounted, coverage of each source.

    The share no source saw, 1 − n/N, grows with N, so the bounds of N give its bounds."""
    out = pd.DataFrame(
        {
            "year": estimates.index.astype(int),
            "method": estimates["method"].to_numpy(),
            "n_observed": estimates["n_observed"].to_numpy(dtype=float),
            "n_hat": estimates["n_hat"].to_numpy(dtype=float),
            "n_lower": estimates["n_lower"].to_numpy(dtype=float),
            "n_upper": estimates["n_upper"].to_numpy(dtype=float),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        for column, total in (("", "n_hat"), ("_lower", "n_lower"), ("_upper", "n_upper")):
            out[f"uncounted{column}"] = 1 - out["n_observed"] / out[total]
    details = [json.loads(d) if isinstance(d, str) else (d or {}) for d in estimates["details"]]
    for source in sources:
        out[f"coverage_{source}"] = [
            float(d.get("coverage", {}).get(source, np.nan)) for d in details
        ]
    return out


def reconciliation_section(obs: Observatory, period: str, lang: str) -> BulletinSection:
    """The bulletin's "Reconciliation" section for month ``period`` (YYYY-MM): its year
    (counted through that month) and the year before."""
    # The bulletin module loads matplotlib; the portal uses this module without it.
    from sereno.indicators.bulletin import BulletinSection, month_name

    month = P.parse_month(period)
    year = month // 12

    def m(key: str, **values: object) -> str:
        return t(f"indicators.reconciliation.{key}", lang, **values)

    found = reconcile(obs, years=[year - 1, year], through=month)
    ytd = t("indicators.b_ytd", lang, month=month_name(month, lang, False)[:3], year=year)
    if found is None or found.table.empty:
        return BulletinSection(m("title"), m("intro_none"), [], [], m("empty"))
    rows = []
    for r in found.table.to_dict(orient="records"):
        label = str(r["year"]) if r["months"] == 12 else ytd
        estimated = np.isfinite(r.get("n_hat", np.nan))
        rows.append(
            [
                label,
                *[_n(r[f"n_{s}"], lang) for s in found.sources],
                _n(r["linked"], lang),
                _n(r["single_source"], lang),
                f"{_n(r['n_hat'], lang)} ({_n(r['n_lower'], lang)}–{_n(r['n_upper'], lang)})"
                if estimated
                else m("not_estimated"),
                m("percent", value=_n(100 * r["uncounted"], lang))
                + f" ({_n(100 * r['uncounted_lower'], lang)}–"
                + m("percent", value=_n(100 * r["uncounted_upper"], lang))
                + ")"
                if estimated
                else "—",
            ]
        )
    header = [
        m("year"),
        *[m("source_records", source=s) for s in found.sources],
        m("linked"),
        m("single"),
        m("estimated", method=(found.method or "").upper()),
        m("uncounted"),
    ]
    intro = m("intro", n=len(found.sources), code=found.iccs_code)
    return BulletinSection(m("title"), intro, header, rows, m("empty"))


def _n(value: float, lang: str) -> str:
    return format_number(value, lang) if value is not None and np.isfinite(value) else "—"


MISSED_BY = ("sex", "age_band", "weapon", "place")
MIN_EVENTS = 5  # a share over fewer events says little and could point at a person


def missed_section(obs: Observatory, period: str, lang: str) -> BulletinSection:
    """The bulletin's "Who misses what" section: over the twelve months through ``period``,
    the share of the linked deaths of each kind (sex, age band, weapon, place) that each
    source did not record (``sereno.link.discrepancy.missed_by``). Kinds with fewer than
    ``MIN_EVENTS`` deaths are left out."""
    from sereno.harmonise.vocabularies import vocabularies
    from sereno.indicators.bulletin import BulletinSection
    from sereno.link.discrepancy import missed_by

    def m(key: str, **values: object) -> str:
        return t(f"indicators.missed.{key}", lang, **values)

    run = covering_run(obs, HOMICIDE)
    month = P.parse_month(period)
    if run is None:
        return BulletinSection(m("title"), m("intro_none"), [], [], m("empty"))
    events = obs.engine.frame(
        "SELECT sources, sex, age, weapon, place FROM events WHERE run_id = ? "
        "AND year * 12 + month - 1 BETWEEN ? AND ?",
        [run["run_id"], month - 11, month],
    )
    if events.empty:
        return BulletinSection(m("title"), m("intro_none"), [], [], m("empty"))
    # Events carry linkage's folded values ("public road" for public_road).
    vocab = vocabularies()
    keys = zip(vocab["field"], vocab["value"].str.replace("_", " "), strict=True)
    labels = dict(zip(keys, vocab[f"label_{lang}"], strict=True))
    sources = sorted(set(",".join(events["sources"]).split(",")))
    rows = []
    for by in MISSED_BY:
        table = missed_by(events, by)
        wide = table.pivot_table(index=[by, "events"], columns="source_id", values="missed_share")
        for (value, n), shares in wide.iterrows():
            if n < MIN_EVENTS or value == "?":
                continue
            name = labels.get((by, value), m("age", band=value) if by == "age_band" else value)
            rows.append(
                [f"{m(by)}: {name}", format_number(n, lang)]
                + [m("percent", value=format_number(100 * shares[s], lang)) for s in sources]
            )
    header = [m("kind"), m("events"), *[m("missed", source=s) for s in sources]]
    intro = m("intro", start=P.month_label(month - 11), end=P.month_label(month), n=MIN_EVENTS)
    return BulletinSection(m("title"), intro, header, rows, m("empty"))
