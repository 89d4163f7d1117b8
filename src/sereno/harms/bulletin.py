"""The bulletin's section "Lo que no cuentan las cifras oficiales" / "What the official counts
miss": displacement, disappearances and extortion in the bulletin's month and year to date.

A bulletin is public: each figure goes through the privacy policy's small-cell rule (a count
from 1 to ``min_public_count - 1`` is shown as "<n"), and nothing restricted (destinations,
names, businesses) is in it. Each harm is read from its own largest source, as the rest of
the bulletin reads offences.
"""

from __future__ import annotations

from sereno.errors import SerenoError
from sereno.harms.disappearances import disappearance_counts
from sereno.harms.displacement import displacement_flows
from sereno.harms.extortion import dark_figure, extortion_figures
from sereno.harms.records import harm_records
from sereno.i18n import format_number, t
from sereno.indicators.bulletin import BulletinSection
from sereno.indicators.periods import month_label, parse_month
from sereno.store import Observatory


def harms_section(obs: Observatory, period: str, lang: str) -> BulletinSection:
    """The harms of ``period`` ("YYYY-MM") and of its year up to it, as a bulletin section."""
    month = parse_month(period)
    first = month - month % 12
    threshold = obs.config.min_public_count  # the privacy policy's small-cell rule

    def m(key: str, **values: object) -> str:
        return t(f"harms.bulletin.{key}", lang, **values)

    def count(n: int) -> str:
        return f"<{threshold}" if 0 < int(n) < threshold else format_number(int(n), lang)

    rows = []
    for build in (_displacement, _disappearances, _extortion):
        try:
            rows += build(obs, month, first, lang, count, m)
        except SerenoError as error:
            if error.key != "harms.no_records":
                raise
    return BulletinSection(
        m("title"),
        m("intro", month=month_label(month)),
        [m("what"), m("month"), m("year"), m("note")],
        rows,
        m("empty"),
    )


def _window(table, column: str, month: int, first: int) -> tuple[int, int]:
    in_month = table.loc[table["period"] == month, column].sum()
    to_date = table.loc[(table["period"] >= first) & (table["period"] <= month), column].sum()
    return int(in_month), int(to_date)


def _displacement(obs, month, first, lang, count, m):
    flows = displacement_flows(obs)
    table = flows.to_frame()
    new = _window(table, "new", month, first)
    mass = _window(table, "mass_events", month, first)
    stock = int(table.loc[table["period"] == month, "stock"].sum())
    return [
        [m("displaced"), count(new[0]), count(new[1]),
         m("displaced_note", stock=count(stock), mass=format_number(mass[1], lang),
           source=flows.source)],
    ]  # fmt: skip


def _disappearances(obs, month, first, lang, count, m):
    counts = disappearance_counts(obs)
    table = counts.to_frame()
    reported = _window(table, "reported", month, first)
    dead = _window(table, "found_dead", month, first)
    alive = _window(table, "found_alive", month, first)
    still = int(table.loc[table["period"] == month, "open"].sum())
    return [
        [m("disappeared"), count(reported[0]), count(reported[1]),
         m("disappeared_note", open=count(still), alive=count(alive[1]), dead=count(dead[1]),
           source=counts.source)],
    ]  # fmt: skip


def _extortion(obs, month, first, lang, count, m):
    figures = extortion_figures(obs)
    reports = harm_records(obs, "extortion", figures.source)
    period = reports["year"] * 12 + reports["month"] - 1
    in_month = int((period == month).sum())
    window = reports[(period >= first) & (period <= month)]
    # The dark figure of the year to date: the police's count over the same months.
    dark = dark_figure(obs, window) if len(window) else None
    note = m("extortion_note", source=figures.source)
    if dark is not None:
        note = m("extortion_dark", share=format_number(100 * dark.share, lang, 0),
                 total=format_number(round(dark.total), lang), police=count(dark.police),
                 first=dark.first, last=dark.last, source=figures.source)  # fmt: skip
    return [[m("extortion"), count(in_month), count(len(window)), note]]
