"""The result of an indicator computation: a tidy table with its metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sereno.i18n import format_number, t
from sereno.indicators.definitions import Indicator
from sereno.indicators.stats import compare_rates, poisson_interval
from sereno.result import Result, deprecated, jsonable, plot_arguments, records, tidy_frame

clean = deprecated("sereno.indicators.result.clean", "sereno.result.jsonable", jsonable)


@dataclass(frozen=True)
class Indicators(Result):
    """Counts and rates of an indicator set by unit and period (one row each in ``table``).

    Columns of ``table``: indicator, source, count_basis (source: one source's records;
    linked: events linked across sources; estimated: multiple systems estimate), interval
    (poisson | mse), unit_code, period, first, last, months, months_covered, partial, n with
    its interval n_lower, n_upper, population, person_years, rate, rate_lower, rate_upper
    (exact Poisson, Garwood 1936, or the estimate's 95% interval over the person-years),
    rate_eb (empirical Bayes, Marshall 1991), and for the previous period (``prev``) and the
    same period a year before (``yago``): n_, rate_, change_ (per cent), rate_ratio_ with
    its interval, p_ (conditional exact test) and significant_; estimates have no
    comparisons (the test assumes Poisson counts). Rates are per ``per`` person-years.
    """

    set_name: str
    title_es: str
    title_en: str
    indicators: tuple[Indicator, ...]
    level: str
    period: str
    alpha: float
    through: str | None
    unit_names: dict[str, str]
    coverage: pd.DataFrame
    table: pd.DataFrame = field(repr=False)
    bases: dict[str, dict] = field(default_factory=dict)
    refused: dict[str, dict] = field(default_factory=dict)

    def count_phrase(self, key: str, source: str, lang: str = "es") -> str:
        """What indicator ``key``'s figures from ``source`` count, in words (and, when read
        on the other basis than the indicator's own, which and why: see ``basis``)."""
        from sereno.indicators.reconciled import count_phrase

        facts = self.bases.get(key, {})
        phrase = count_phrase(facts, source, lang)
        if "counted_as" in facts:
            phrase += " " + t("indicators.basis_note", lang, counted_as=facts["counted_as"][lang],
                              wanted=t(f"indicators.counted_{facts['wanted']}", lang))  # fmt: skip
        return phrase

    def counted_words(self, key: str, lang: str = "es") -> str:
        """What one of indicator ``key``'s counts is: victims, cases, or the source's own
        word (carpetas de investigación)."""
        facts = self.bases.get(key, {})
        if "counted_as" in facts:
            return facts["counted_as"][lang]
        return t(f"indicators.counted_{self.indicator(key).counted}", lang)

    def notes(self, lang: str = "es") -> list[str]:
        """A sentence for each indicator read on the other basis, refused, or without data."""
        other = [f["sentence"][lang] for f in self.bases.values() if "counted_as" in f]
        return other + [f["sentence"][lang] for f in self.refused.values()]

    def indicator(self, key: str) -> Indicator:
        return next(i for i in self.indicators if i.key == key)

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out.insert(3, "unit_name", out["unit_code"].map(self.unit_names))
        return out

    def tidy(self) -> pd.DataFrame:
        """Each unit-period's count (term ``n:KEY``) and rate (``rate:KEY``) with their
        intervals; ``method`` is the interval's (poisson or mse)."""
        tb = self.table
        keys = {k: tb[k].astype(str) for k in ("unit_code", "period", "source")}
        indicator, method = tb["indicator"].astype(str), tb["interval"].astype(str)
        parts = [
            tidy_frame(
                f"{c}:" + indicator,
                tb[c],
                method,
                low=tb[f"{c}_lower"],
                high=tb[f"{c}_upper"],
                **keys,
            )
            for c in ("n", "rate")
        ]
        return pd.concat(parts, ignore_index=True)

    def content(self) -> dict[str, Any]:
        return {
            "set": self.set_name,
            "title_es": self.title_es,
            "title_en": self.title_en,
            "level": self.level,
            "period": self.period,
            "alpha": self.alpha,
            "through": self.through,
            "indicators": [i.to_dict() for i in self.indicators],
            "bases": self.bases,
            "refused": self.refused,
            "coverage": records(self.coverage),
            "rows": records(self.to_frame()),
        }

    def totals(self) -> pd.DataFrame:
        """The whole area (all units summed) by indicator, source and period, re-tested."""
        return area_totals(self.table, self.alpha, {i.key: i.per for i in self.indicators})

    def latest_period(self) -> str | None:
        complete = self.table[~self.table["partial"]]
        return None if complete.empty else str(complete["period"].iloc[-1])

    def summary(self, lang: str | None = None) -> str:
        from sereno.i18n import default_language

        lang = lang or default_language()
        totals = self.totals()
        period = self.latest_period()
        if period is None:
            return " ".join([t("indicators.summary_none", lang), *self.notes(lang)])
        lines = [
            t(
                "indicators.summary_head",
                lang,
                title=self.title_es if lang == "es" else self.title_en,
                period=period,
                units=len(self.unit_names),
                level=self.level,
            )
        ]
        for ind in self.indicators:
            rows = totals[(totals["indicator"] == ind.key) & (totals["period"] == period)]
            for row in rows.itertuples():
                lines.append(sentence(ind, row, lang, self.count_phrase(ind.key, row.source, lang),
                                      self.counted_words(ind.key, lang)))  # fmt: skip
        return " ".join(lines + self.notes(lang))

    def plot(
        self,
        ax: Any = None,
        lang: str | None = None,
        indicator: str | None = None,
        unit: str | None = None,
    ) -> Any:
        """The trend of ``indicator`` (default: the set's first) in ``unit`` (default: all
        units summed), with its interval."""
        from sereno.i18n import default_language
        from sereno.indicators.charts import trend_chart

        if isinstance(ax, str) and ax in {i.key for i in self.indicators}:
            ax, indicator = plot_arguments(ax, None)[0], ax  # the old plot(indicator)
        ax, lang = plot_arguments(ax, lang)
        lang = lang or default_language()

        key = indicator or self.indicators[0].key
        if unit is None:
            frame = self.totals()
            where = t("indicators.all_units", lang, n=len(self.unit_names), level=self.level)
        else:
            frame = self.table[self.table["unit_code"] == unit]
            where = self.unit_names.get(unit, unit)
        frame = frame[frame["indicator"] == key]
        return trend_chart(frame, self.indicator(key), where, lang, ax=ax)


def area_totals(table: pd.DataFrame, alpha: float, per: dict[str, int]) -> pd.DataFrame:
    """Sum units by indicator, source and period; recompute rates, intervals and tests.

    An estimate's interval is kept when the area is one estimated stratum; intervals of
    separately estimated strata do not add up, so a sum of several (``strata`` > 1) has none.
    """
    keys = ["indicator", "source", "count_basis", "counted", "interval", "period", "first",
            "last", "months"]  # fmt: skip
    keys = [k for k in keys if k in table.columns]
    g = table.groupby(keys, sort=False, as_index=False, observed=True).agg(
        months_covered=("months_covered", "min"),
        partial=("partial", "any"),
        n=("n", "sum"),
        strata=("n", "size"),
        mse_lower=("n_lower", "sum"),
        mse_upper=("n_upper", "sum"),
        person_years=("person_years", lambda s: s.sum(min_count=len(s))),
        n_prev=("n_prev", lambda s: s.sum(min_count=len(s))),
        n_yago=("n_yago", lambda s: s.sum(min_count=len(s))),
        py_prev=("person_years_prev", lambda s: s.sum(min_count=len(s))),
        py_yago=("person_years_yago", lambda s: s.sum(min_count=len(s))),
    )
    scale = g["indicator"].map(per).to_numpy(dtype=float)
    py = g["person_years"].to_numpy(dtype=float)
    g["population"] = py * 12 / g["months"]
    ok = ~g["partial"].to_numpy() & np.isfinite(py)
    mse = (g["interval"] == "mse").to_numpy()
    one = (g["strata"] == 1).to_numpy()
    lo, hi = poisson_interval(np.where(mse, 0, g["n"].to_numpy()))
    g["n_lower"] = np.where(mse, np.where(one, g["mse_lower"], np.nan), lo)
    g["n_upper"] = np.where(mse, np.where(one, g["mse_upper"], np.nan), hi)
    g = g.drop(columns=["mse_lower", "mse_upper"])
    with np.errstate(divide="ignore", invalid="ignore"):
        g["rate"] = np.where(ok, g["n"] / py * scale, np.nan)
        g["rate_lower"] = np.where(ok, g["n_lower"] / py * scale, np.nan)
        g["rate_upper"] = np.where(ok, g["n_upper"] / py * scale, np.nan)
    for c in ("prev", "yago"):
        n0 = g[f"n_{c}"].to_numpy(dtype=float)
        e0 = g[f"py_{c}"].to_numpy(dtype=float)
        good = ok & np.isfinite(n0) & np.isfinite(e0)
        test = compare_rates(g["n"].to_numpy(), py, np.nan_to_num(n0), e0, alpha)
        g[f"rate_{c}"] = np.where(good, n0 / e0 * scale, np.nan)
        g[f"change_{c}"] = np.where(good & (n0 > 0), (test["rate_ratio"] - 1) * 100, np.nan)
        g[f"p_{c}"] = np.where(good, test["p_value"], np.nan)
        g[f"significant_{c}"] = good & (test["p_value"] < alpha)
    return g


def sentence(
    ind: Indicator, row: Any, lang: str, counts: str | None = None, counted: str | None = None
) -> str:
    """One plain-language sentence about an indicator's latest figure and its change;
    ``counts`` says what the figure counts (default: the source's records), ``counted`` what
    one of them is (default: victims or cases, as the indicator counts)."""
    n = format_number(round(row.n), lang)
    text = t(
        "indicators.summary_count",
        lang,
        name=ind.name(lang),
        n=n,
        counted=counted or t(f"indicators.counted_{ind.counted}", lang),
        source=counts or t("indicators.basis_source", lang, source=row.source),
    )
    mse = getattr(row, "interval", "poisson") == "mse"
    if mse and not np.isfinite(row.n_lower):
        text += " " + t("indicators.summary_estimate_sum", lang, strata=int(row.strata))
    elif np.isfinite(row.rate):
        text += " " + t(
            "indicators.summary_rate",
            lang,
            rate=format_number(row.rate, lang, 1),
            lower=format_number(row.rate_lower, lang, 1),
            upper=format_number(row.rate_upper, lang, 1),
            per=format_number(ind.per, lang),
        )
    if mse and np.isfinite(row.n_lower):
        text += " " + t(
            "indicators.summary_estimate",
            lang,
            lower=format_number(row.n_lower, lang),
            upper=format_number(row.n_upper, lang),
        )
    if np.isfinite(row.change_yago):
        key = "summary_change_sig" if row.significant_yago else "summary_change_ns"
        text += " " + t(
            f"indicators.{key}",
            lang,
            change=signed(row.change_yago, lang),
            before=format_number(row.n_yago, lang),
            p=format_number(row.p_yago, lang, 3),
        )
    return text


def signed(value: float, lang: str, decimals: int = 0) -> str:
    if not np.isfinite(value):
        return "—"
    text = format_number(abs(value), lang, decimals)
    return ("+" if value > 0 else "−" if value < 0 else "") + text + " %"
