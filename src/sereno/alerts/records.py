"""Alerts as records: each detection kept once in the store, with its evidence and status.

A re-run of the same analysis finds the same fingerprint (kind, method, indicator, sorted
units, start) and updates the alert's numbers, keeping its status and note: never a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from sereno.alerts.anomaly_result import AnomalyResult
from sereno.alerts.result import ScanResult
from sereno.errors import SerenoError
from sereno.records import Actor, Resource, cli_actor, write_version
from sereno.store import Observatory

STATUSES = ("new", "seen", "confirmed", "dismissed")
OPEN = ("new", "seen", "confirmed")
SERIES_PERIODS = 24
COLUMNS = [
    "kind",
    "method",
    "indicator",
    "iccs_code",
    "unit_codes",
    "start_date",
    "end_date",
    "observed",
    "expected",
    "statistic",
    "p_value",
    "recurrence_days",
    "severity",
    "evidence",
    "fingerprint",
]

# The DOUBLE columns, typed as numbers even when all empty (CUSUM gives no p-value, anomalies
# no recurrence): a column of None alone would reach PostgreSQL as text.
NUMBERS = ("observed", "expected", "statistic", "p_value", "recurrence_days")


@dataclass(frozen=True)
class AlertsRecorded:
    new: int
    updated: int
    alert_ids: list[int]

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def fingerprint(kind: str, method: str, indicator: str, units: list[str], start: str) -> str:
    key = json.dumps([kind, method, indicator, sorted(units), start])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def scan_alerts(result: ScanResult, indicator: str, iccs_code: str | None = None) -> pd.DataFrame:
    """One alert row per significant cluster (p <= the result's alpha)."""
    method = f"scan-{result.model}-{'prospective' if result.prospective else 'retrospective'}"
    rows = []
    for c in result.significant:
        series = result.series(c).tail(SERIES_PERIODS)
        members = list(c.member_index)
        lonlat = result.lonlat[members] if result.lonlat is not None else result.xy[members]
        evidence = {
            "cluster": c.to_dict(),
            "analysis": result.to_dict() | {"clusters": None},
            "series": series.to_dict(orient="records"),
            "map": [
                {
                    "unit_code": u,
                    "x": float(p[0]),
                    "y": float(p[1]),
                    "observed": float(result.cases[m].sum()),
                    "expected": float(result.expected[m].sum()),
                }
                for u, m, p in zip(c.unit_codes, members, lonlat, strict=True)
            ],
        }
        severity = _scan_severity(c.p_value, c.recurrence_days)
        rows.append(
            dict(
                kind="scan",
                method=method,
                indicator=indicator,
                iccs_code=iccs_code,
                unit_codes=list(c.unit_codes),
                start_date=c.start,
                end_date=c.end,
                observed=c.observed,
                expected=c.expected,
                statistic=c.llr,
                p_value=c.p_value,
                recurrence_days=c.recurrence_days,
                severity=severity,
                evidence=json.dumps(evidence, default=_json),
                fingerprint=fingerprint("scan", method, indicator, list(c.unit_codes), c.start),
            )
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def anomaly_alerts(
    result: AnomalyResult, indicator: str, iccs_code: str | None = None
) -> pd.DataFrame:
    """One alert row per unit-period above its bound, and per unit whose CUSUM signals."""
    rows = []
    for a in result.alerts.itertuples():
        _, end = _period_end(a.period, result.period)
        severity = "high" if a.p_tail <= 0.001 else "medium" if a.p_tail <= 0.01 else "low"
        evidence = {
            "unit_code": a.unit_code,
            "period": a.period,
            "observed": a.observed,
            "expected": a.expected,
            "upper": a.upper,
            "p_tail": a.p_tail,
            "dispersion": a.dispersion,
            "alpha": result.alpha,
            "series": _unit_series(result, a.unit_code),
        }
        rows.append(
            dict(
                kind="anomaly",
                method="nb-bound",
                indicator=indicator,
                iccs_code=iccs_code,
                unit_codes=[a.unit_code],
                start_date=a.period,
                end_date=end,
                observed=a.observed,
                expected=a.expected,
                statistic=-np.log10(max(a.p_tail, 1e-300)),
                p_value=a.p_tail,
                recurrence_days=None,
                severity=severity,
                evidence=json.dumps(evidence, default=_json),
                fingerprint=fingerprint("anomaly", "nb-bound", indicator, [a.unit_code], a.period),
            )
        )
    for s in result.shifts.itertuples():
        evidence = {
            "unit_code": s.unit_code,
            "cusum": s.cusum,
            "k": result.cusum_k,
            "h": result.cusum_h,
            "arl0": result.arl0,
            "observed": s.observed,
            "expected": s.expected,
            "series": _unit_series(result, s.unit_code),
        }
        rows.append(
            dict(
                kind="anomaly",
                method="cusum",
                indicator=indicator,
                iccs_code=iccs_code,
                unit_codes=[s.unit_code],
                start_date=s.since,
                end_date=result.study_end,
                observed=s.observed,
                expected=s.expected,
                statistic=s.cusum,
                p_value=None,
                recurrence_days=None,
                severity="high" if s.cusum > 2 * result.cusum_h else "medium",
                evidence=json.dumps(evidence, default=_json),
                fingerprint=fingerprint("anomaly", "cusum", indicator, [s.unit_code], s.since),
            )
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def record_alerts(observatory: Observatory, alerts: pd.DataFrame) -> AlertsRecorded:
    """Store new alerts; update the numbers of those already stored (same fingerprint)."""
    if alerts.empty:
        return AlertsRecorded(0, 0, [])
    alerts = alerts.drop_duplicates("fingerprint")
    table = pa.Table.from_pandas(
        alerts.astype({"start_date": str, "end_date": str} | dict.fromkeys(NUMBERS, float)),
        preserve_index=False,
    )
    engine = observatory.engine
    with engine.transaction(), engine.registered("new_alerts", table):
        known = engine.scalar(
            "SELECT count(*) FROM alerts WHERE fingerprint IN (SELECT fingerprint FROM new_alerts)"
        )
        engine.execute(
            "UPDATE alerts SET end_date = n.end_date::DATE, observed = n.observed, "
            "expected = n.expected, statistic = n.statistic, p_value = n.p_value, "
            "recurrence_days = n.recurrence_days, severity = n.severity, "
            "evidence = n.evidence::JSON, updated_at = current_timestamp "
            "FROM new_alerts n WHERE alerts.fingerprint = n.fingerprint"
        )
        engine.execute(
            "INSERT INTO alerts (alert_id, kind, method, indicator, iccs_code, unit_codes, "
            "start_date, end_date, observed, expected, statistic, p_value, recurrence_days, "
            "severity, evidence, fingerprint) "
            "SELECT nextval('alert_id_seq'), kind, method, indicator, iccs_code, unit_codes, "
            "start_date::DATE, end_date::DATE, observed, expected, statistic, p_value, "
            "recurrence_days, severity, evidence::JSON, fingerprint FROM new_alerts "
            "WHERE fingerprint NOT IN (SELECT fingerprint FROM alerts) ORDER BY fingerprint"
        )
        ids = [
            r[0]
            for r in engine.rows(
                "SELECT alert_id FROM alerts WHERE fingerprint IN "
                "(SELECT fingerprint FROM new_alerts) ORDER BY alert_id"
            )
        ]
    observatory.audit("alerts.record", None, new=len(alerts) - known, updated=known)
    return AlertsRecorded(len(alerts) - int(known), int(known), ids)


def list_alerts(
    observatory: Observatory,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> pd.DataFrame:
    """Alerts, newest first; ``status='open'`` means new, seen or confirmed."""
    statuses = list(OPEN) if status == "open" else [status] if status else list(STATUSES)
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise SerenoError(
            "error.bad_option", option="--status", detail="open | " + " | ".join(STATUSES)
        )
    return observatory.engine.frame(
        "SELECT alert_id, kind, method, indicator, unit_codes, start_date, end_date, observed, "
        "expected, statistic, p_value, recurrence_days, severity, status, note, created_at, "
        f"updated_at FROM alerts WHERE {observatory.engine.dialect.list_contains('?', 'status')} "
        "AND (? IS NULL OR kind = ?) "
        "ORDER BY end_date DESC, alert_id DESC LIMIT ?",
        [statuses, kind, kind, limit],
    )


def open_alerts(observatory: Observatory, limit: int = 100) -> pd.DataFrame:
    """The alerts a bulletin or the portal shows: new, seen or confirmed."""
    return list_alerts(observatory, "open", limit=limit)


def set_status(
    observatory: Observatory,
    alert_id: int,
    status: str | None = None,
    note: str | None = None,
    actor: Actor | None = None,
) -> dict[str, object]:
    """Mark an alert seen, confirmed or dismissed, and/or write its note, as ``actor`` (the
    command line's account by default): checked, versioned and audited by the records
    service."""
    if status is not None and status not in STATUSES:
        raise SerenoError("error.bad_option", option="--status", detail=" | ".join(STATUSES))
    engine = observatory.engine
    if not engine.scalar("SELECT count(*) FROM alerts WHERE alert_id = ?", [alert_id]):
        raise SerenoError("alerts.no_such_alert", alert_id=alert_id)
    actor = actor or cli_actor(observatory)
    with engine.transaction():
        write_version(observatory, actor, "alerts.status", Resource("alert", str(alert_id)),
                      {"status": status, "note": note})  # fmt: skip
        engine.execute(
            "UPDATE alerts SET status = coalesce(?, status), note = coalesce(?, note), "
            "updated_at = current_timestamp WHERE alert_id = ?",
            [status, note, alert_id],
        )
    row = engine.frame("SELECT alert_id, status, note FROM alerts WHERE alert_id = ?", [alert_id])
    return row.iloc[0].to_dict()


def _scan_severity(p_value: float, recurrence_days: float | None) -> str:
    """Prospective: by recurrence interval (a year or more high, 100 days or more medium, the
    New York City threshold); retrospective: by p-value (0.001 high, 0.01 medium)."""
    if recurrence_days is not None:
        return (
            "high" if recurrence_days >= 365.25 else "medium" if recurrence_days >= 100 else "low"
        )
    return "high" if p_value <= 0.001 else "medium" if p_value <= 0.01 else "low"


def _unit_series(result: AnomalyResult, unit: str) -> list[dict[str, object]]:
    row = result.series.loc[unit].tail(SERIES_PERIODS)
    return [{"period": str(p)[:10], "observed": float(v)} for p, v in row.items()]


def _period_end(period_start: str, period: str) -> tuple[str, str]:
    from sereno.alerts.periods import period_bounds, period_index

    index = period_index(np.array([period_start], dtype="datetime64[D]"), period)
    first, last = period_bounds(index, period)
    return str(first[0]), str(last[0])


def _json(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return str(value)
