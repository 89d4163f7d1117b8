"""The discrepancy report: what each source counted, what linkage found, who misses what.

For each unit and period: each source's own count (its records, placed by its own unit and
date), the linked events, the events seen by one source only, and the events each pair of
sources shares. ``missed_by`` tells which source misses which victims (by sex, age band,
place or weapon): the share of events in a category that a source did not record.
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from sereno.errors import SerenoError

PERIODS = {"year": "year", "month": "month"}
AGE_BANDS = [0, 15, 30, 45, 60, 200]
AGE_LABELS = ["0-14", "15-29", "30-44", "45-59", "60+"]


def source_matrix(events: pd.DataFrame) -> pd.DataFrame:
    """Presence (0/1) of each source in each event, from the ``sources`` column."""
    return events["sources"].str.get_dummies(sep=",").astype("int8")


def _period(frame: pd.DataFrame, period: str) -> pd.Series:
    if period == "year":
        return frame["year"].astype("Int64").astype("string")
    if period == "month":
        return (
            frame["year"].astype("Int64").astype("string")
            + "-"
            + frame["month"].astype("Int64").astype("string").str.zfill(2)
        )
    raise SerenoError("link.bad_choice", option="--period", value=period, choices="year, month")


def discrepancy_report(
    events: pd.DataFrame, records: pd.DataFrame, period: str = "year", by_unit: bool = True
) -> pd.DataFrame:
    """One row per unit (if ``by_unit``) and period; ``records`` has source_id, unit_code,
    year and month of every record."""
    presence = source_matrix(events)
    sources = list(presence.columns)
    keys = ["unit_code", "period"] if by_unit else ["period"]
    ev = events.assign(period=_period(events, period))
    table = pd.concat([ev[keys], presence], axis=1)
    grouped = table.groupby(keys, dropna=False)
    out = pd.DataFrame({"events": grouped.size()})
    single = presence.sum(axis=1) == 1
    for source in sources:
        out[f"only_{source}"] = (
            table[single & (presence[source] == 1)].groupby(keys, dropna=False).size()
        )
    for a, b in combinations(sources, 2):
        both = (presence[a] == 1) & (presence[b] == 1)
        out[f"{a}&{b}"] = table[both].groupby(keys, dropna=False).size()
    rec = records.assign(period=_period(records, period))
    counts = rec.groupby([*keys, "source_id"], dropna=False).size().unstack("source_id")
    counts.columns = [f"n_{c}" for c in counts.columns]
    out = counts.join(out, how="outer").fillna(0).astype("int64")
    return out.reset_index().sort_values(keys, kind="stable").reset_index(drop=True)


def missed_by(events: pd.DataFrame, by: str) -> pd.DataFrame:
    """For each source and each value of ``by`` (sex, age_band, place, weapon): events,
    events the source recorded, and the share it missed."""
    if by == "age_band":
        column = pd.cut(events["age"], AGE_BANDS, right=False, labels=AGE_LABELS)
        column = column.astype("string")
    elif by in ("sex", "place", "weapon"):
        column = events[by].astype("string")
    else:
        raise SerenoError("link.bad_choice", option="--by", value=by,
                          choices="sex, age_band, place, weapon")  # fmt: skip
    presence = source_matrix(events)
    frame = presence.assign(value=column.fillna("?").to_numpy())
    grouped = frame.groupby("value")
    rows = []
    total = grouped.size()
    for source in presence.columns:
        seen = grouped[source].sum()
        rows.append(
            pd.DataFrame(
                {
                    "source_id": source,
                    by: total.index,
                    "events": total.to_numpy(),
                    "recorded": seen.to_numpy(),
                    "missed_share": (1 - seen / total).round(4).to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)
