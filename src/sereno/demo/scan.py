"""The demo's early warning: the scan a monthly meeting would have run, and its review.

``sereno demo`` runs the prospective space-time scan (Kulldorff 2001) of the month in which
the planted flare-up ended, on the store's homicides of the largest source, as the meeting of
that month would have, and records its alerts. The portal publishes only alerts an analyst
has reviewed (``[privacy] public_alerts``), so the demo then plays the analyst: each alert
over the planted colonias is confirmed, with a note saying so, through the records service
(versioned and audited); the others stay new, for staff only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sereno.alerts import space_time_scan
from sereno.alerts.records import record_alerts, scan_alerts, set_status
from sereno.alerts.store import store_series
from sereno.store import Observatory

NOTE = (
    "Ciudad Demo: confirmada contra el brote plantado (verdad.json) / "
    "confirmed against the planted flare-up (verdad.json)"
)


def scan_demo(obs: Observatory, truth: Path, replications: int = 199, seed: int = 7) -> dict:
    """Scan as of the end of the planted flare-up's last month; confirm the alerts over it."""
    flare = json.loads(Path(truth).read_text(encoding="utf-8"))["flare_up"]
    end = (pd.Period(flare["end"], freq="M").end_time.date()).isoformat()
    series = store_series(obs, "0101")
    result = space_time_scan(
        series.data, time="month", unit="unit_code", count="n", locations=series.locations,
        end=end, replications=replications, seed=seed, place=series.place,
    )  # fmt: skip
    recorded = record_alerts(obs, scan_alerts(result, series.indicator, "0101"))
    planted = set(flare["unit_codes"])
    stored = obs.engine.frame("SELECT alert_id, unit_codes FROM alerts ORDER BY alert_id")
    stored = stored[stored["alert_id"].isin(recorded.alert_ids)]
    confirmed = []
    for row in stored.itertuples():
        if len(set(row.unit_codes) & planted) > len(planted) // 2:
            set_status(obs, int(row.alert_id), "confirmed", NOTE)
            confirmed.append(int(row.alert_id))
    return {"recorded": recorded.new + recorded.updated, "confirmed": confirmed, "end": end}
