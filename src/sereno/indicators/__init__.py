"""Indicators: declarative definitions, counts and rates with exact intervals, the bulletin.

    from sereno.indicators import compute_indicators, table_rates, build_bulletin
    result = compute_indicators(obs, "mesa", level="colonia", period="ytd", through="2024-08")
    result.to_frame(); result.totals(); result.summary("en"); result.plot(indicator="homicides")
    table_rates(frame, count="HC8893", population="PO8893", unit="FIPS").table
    build_bulletin(obs, "2024-08", lang="es").write("boletin.pdf", "pdf")
    compute_indicators(obs, "homicide", period="year", count="estimated").totals()

Counts come from providers (``counts.register_provider``): the store's observations by
default; events linked across sources (``events``) and multiple systems estimates
(``estimated``) are chosen with ``count="linked"`` or ``count="estimated"``, and every row
says which count it is (``count_basis``; see ``reconciled``). ``reconciliation.reconcile``
sets them side by side, year by year.
"""

from typing import Any

from sereno.indicators.api import compute_indicators
from sereno.indicators.counts import register_provider
from sereno.indicators.definitions import Indicator, IndicatorSet, load_set, shipped_sets
from sereno.indicators.result import Indicators
from sereno.indicators.table import TableRates, table_rates

__all__ = [
    "Bulletin",
    "Indicator",
    "IndicatorSet",
    "Indicators",
    "TableRates",
    "build_bulletin",
    "compute_indicators",
    "load_set",
    "register_provider",
    "shipped_sets",
    "table_rates",
]


def __getattr__(name: str) -> Any:  # the bulletin loads matplotlib and jinja2 only when used
    if name in ("Bulletin", "build_bulletin"):
        from sereno.indicators import bulletin

        return getattr(bulletin, name)
    raise AttributeError(name)
