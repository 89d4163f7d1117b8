"""The bulletin's "open alerts" section: what was detected and not yet dismissed, each alert
with its units by name (a reader knows "San Cristóbal", not "C120")."""

from __future__ import annotations

import math

from sereno.alerts.records import open_alerts
from sereno.i18n import format_number, t
from sereno.indicators.bulletin import BulletinSection
from sereno.store import Observatory

MAX_UNITS_SHOWN = 5


def open_alerts_section(observatory: Observatory, lang: str, limit: int = 20) -> BulletinSection:
    """The newest ``limit`` open alerts as a bulletin section in ``lang``."""
    alerts = open_alerts(observatory, limit=limit)
    names = observatory.engine.frame("SELECT unit_code, name FROM units").set_index("unit_code")[
        "name"
    ]

    def m(key: str, **values: object) -> str:
        return t(f"alerts.bulletin.{key}", lang, **values)

    def number(value: object, decimals: int = 0) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "—"
        return format_number(float(value), lang, decimals)

    rows = []
    for a in alerts.itertuples():
        units = [str(names.get(u, u)) for u in (a.unit_codes if a.unit_codes is not None else [])]
        shown = ", ".join(units[:MAX_UNITS_SHOWN]) + (" …" if len(units) > MAX_UNITS_SHOWN else "")
        rows.append(
            [
                str(a.alert_id),
                m(f"kind_{a.kind}") if a.kind in ("scan", "anomaly") else str(a.kind),
                shown,
                f"{str(a.start_date)[:10]} – {str(a.end_date)[:10]}",
                number(a.observed),
                number(a.expected, 1),
                number(a.p_value, 3),
                number(a.recurrence_days),
                m(f"severity_{a.severity}") if a.severity in ("high", "medium", "low") else "—",
                m(f"status_{a.status}"),
            ]
        )
    header = [
        m(k)
        for k in (
            "id",
            "what",
            "units",
            "window",
            "observed",
            "expected",
            "p",
            "recurrence",
            "severity",
            "status",
        )
    ]
    return BulletinSection(m("title"), m("intro"), header, rows, m("empty"))
