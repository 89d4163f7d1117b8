"""A mass displacement event is an alert: kept once in the alerts table, with its evidence.

The threshold is the observatory's (``[harms] mass_households``, ``mass_people``; by default
Colombia's definition of a mass displacement, ten households or fifty people). The evidence
says where from, when, how many and why, never where to (a destination is restricted).
"""

from __future__ import annotations

import json

import pandas as pd

from sereno.alerts.records import COLUMNS, AlertsRecorded, fingerprint, record_alerts
from sereno.harms.displacement import displacement_flows
from sereno.store import Observatory

METHOD = "mass-displacement"


def mass_displacement_alerts(obs: Observatory, source: str | None = None) -> pd.DataFrame:
    """One alert row per event at or over the mass threshold (in ``alerts.records`` form)."""
    flows = displacement_flows(obs, source=source)
    rows = []
    for e in flows.mass_events().itertuples():
        indicator = f"harm:displacement:{e.source_id}"
        day = str(e.date)[:10]
        threshold = flows.mass_people
        evidence = {
            "record_id": int(e.record_id), "event": e.event_key, "date": day,
            "date_precision": int(e.date_precision), "origin_unit": e.origin_unit,
            "households": None if pd.isna(e.households) else int(e.households),
            "people": int(e.people), "cause": e.cause, "confidence": e.confidence,
            "threshold": {"households": flows.mass_households, "people": flows.mass_people},
        }  # fmt: skip
        rows.append(dict(
            kind="harm", method=METHOD, indicator=indicator, iccs_code="SRN01",
            unit_codes=[e.origin_unit], start_date=day, end_date=day, observed=float(e.people),
            expected=float(threshold), statistic=float(e.people) / threshold, p_value=None,
            recurrence_days=None, severity="high" if e.people >= 2 * threshold else "medium",
            evidence=json.dumps(evidence), fingerprint=fingerprint(
                "harm", METHOD, indicator, [e.origin_unit], f"{day}:{e.record_id}"),
        ))  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def record_mass_displacement(obs: Observatory, source: str | None = None) -> AlertsRecorded:
    """Store the mass displacement alerts (a re-run updates them, never duplicates)."""
    return record_alerts(obs, mass_displacement_alerts(obs, source))
