"""Linkage runs in the observatory store, and clerical review fed back without re-running.

A run writes ``link_runs``, ``link_pairs``, ``events`` and ``event_records``. Clerical
decisions live in ``clerical_decisions`` and apply to every later run; ``apply_decisions``
re-clusters the latest run's stored pairs with them (a new run, no new Splink model).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa

from sereno.errors import SerenoError
from sereno.io import read_table, write_table
from sereno.link.linkage import LinkResult, check_decisions, cluster_events
from sereno.link.records import store_records

DECISIONS = ("match", "non_match")
FIELDS = ("source_id", "name_key", "sex", "age", "date", "unit_code", "weapon", "place")


def _insert(observatory, table: str, frame: pd.DataFrame) -> None:
    if len(frame):
        observatory.engine.insert(table, pa.Table.from_pandas(frame, preserve_index=False))


def decisions(observatory) -> pd.DataFrame:
    return observatory.engine.frame(
        "SELECT record_id_l, record_id_r, decision FROM clerical_decisions"
    )


def with_decisions(pairs: pd.DataFrame, decided: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` with the clerical decisions set (either orientation of a pair)."""
    out = pairs.drop(columns=["decision"], errors="ignore")
    lo = out[["record_id_l", "record_id_r"]].min(axis=1)
    hi = out[["record_id_l", "record_id_r"]].max(axis=1)
    key = pd.DataFrame({"lo": lo, "hi": hi})
    d = decided.assign(
        lo=decided[["record_id_l", "record_id_r"]].min(axis=1),
        hi=decided[["record_id_l", "record_id_r"]].max(axis=1),
    )[["lo", "hi", "decision"]]
    out["decision"] = key.merge(d, on=["lo", "hi"], how="left")["decision"].to_numpy()
    missing = d.merge(key, on=["lo", "hi"], how="left", indicator=True)
    extra = missing[missing["_merge"] == "left_only"]
    if len(extra):
        added = pd.DataFrame(
            {
                "record_id_l": extra["lo"].to_numpy(),
                "record_id_r": extra["hi"].to_numpy(),
                "match_weight": 0.0,
                "match_probability": 0.0,
                "decision": extra["decision"].to_numpy(),
            }
        )
        out = pd.concat([out, added], ignore_index=True)
    return out


def save_run(observatory, result: LinkResult, iccs: str = "0101") -> str:
    """Store a linkage run; return its id."""
    run_id = str(uuid.uuid4())
    engine = observatory.engine
    with engine.transaction():
        engine.execute(
            "INSERT INTO link_runs (run_id, iccs_code, threshold, review_low, review_high, "
            "records, events, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, iccs, result.threshold, *result.review, result.n_records, result.n_events,
             json.dumps(result.model, default=str)],
        )  # fmt: skip
        _insert(observatory, "link_pairs", result.pairs.assign(run_id=run_id))
        events = result.events.assign(run_id=run_id)
        events["date"] = pd.to_datetime(events["date"]).dt.date
        _insert(observatory, "events", events)
        _insert(observatory, "event_records", result.membership.assign(run_id=run_id))
    observatory.audit("link", run_id, records=result.n_records, events=result.n_events)
    return run_id


def latest_run(observatory) -> dict:
    row = observatory.engine.frame(
        "SELECT * FROM link_runs ORDER BY created_at DESC, run_id LIMIT 1"
    )
    if row.empty:
        raise SerenoError("link.no_run")
    return row.iloc[0].to_dict()


def export_review(observatory, path: Path, blind: bool = True) -> int:
    """Write the latest run's uncertain pairs (:func:`review_sheet`) for a person to mark
    ``decision`` as match or non_match. Returns the pairs written."""
    sheet = review_sheet(observatory, blind)
    write_table(sheet, Path(path), fallback=".csv")
    return len(sheet)


def review_sheet(observatory, blind: bool = True) -> pd.DataFrame:
    """The latest run's undecided uncertain pairs, the two records side by side, with empty
    ``decision`` and ``note``. ``blind`` leaves out the model's probability so that the
    reviewer is not anchored by it (splink issue 1375)."""
    run = latest_run(observatory)
    records = store_records(observatory, run["iccs_code"]).set_index("record_id")
    pairs = observatory.engine.frame(
        "SELECT record_id_l, record_id_r, match_probability FROM link_pairs WHERE run_id = ? "
        "AND decision IS NULL AND match_probability >= ? AND match_probability < ? "
        "ORDER BY match_probability DESC",
        [run["run_id"], run["review_low"], run["review_high"]],
    )
    sheet = pairs[["record_id_l", "record_id_r"]].copy()
    for side in ("l", "r"):
        fields = records.reindex(pairs[f"record_id_{side}"])[list(FIELDS)]
        for column in FIELDS:
            sheet[f"{column}_{side}"] = fields[column].to_numpy()
    if not blind:
        sheet["match_probability"] = pairs["match_probability"].round(4)
    sheet["decision"] = ""
    sheet["note"] = ""
    return sheet


def apply_decisions(observatory, path: Path, reviewer: str) -> tuple[str, int]:
    """Read a reviewed sheet, record its decisions and re-cluster the latest run with every
    decision so far. Returns the new run's id and how many decisions were read."""
    return apply_decision_sheet(observatory, read_table(Path(path)), reviewer)


def apply_decision_sheet(observatory, sheet: pd.DataFrame, reviewer: str) -> tuple[str, int]:
    """:func:`apply_decisions` on a sheet already read (the workspace's review screen)."""
    for column in ("record_id_l", "record_id_r", "decision"):
        if column not in sheet.columns:
            raise SerenoError(
                "link.missing_column", column=column, columns=", ".join(map(str, sheet))
            )
    marked = sheet[sheet["decision"].fillna("").astype(str).str.strip() != ""].copy()
    marked["decision"] = marked["decision"].astype(str).str.strip().str.lower()
    wrong = ~marked["decision"].isin(DECISIONS)
    if wrong.any():
        raise SerenoError(
            "link.bad_decision", value=marked["decision"][wrong].iloc[0], choices="match, non_match"
        )
    ids = marked[["record_id_l", "record_id_r"]].apply(pd.to_numeric, errors="coerce")
    if ids.isna().any().any():
        raise SerenoError("link.bad_decision", value="record_id", choices="integers")
    lo, hi = ids.min(axis=1).astype("int64"), ids.max(axis=1).astype("int64")
    engine = observatory.engine
    table = pd.DataFrame(
        {"record_id_l": lo, "record_id_r": hi, "decision": marked["decision"].to_numpy()}
    ).drop_duplicates(["record_id_l", "record_id_r"], keep="last")
    _check_consistent(pd.concat([decisions(observatory), table], ignore_index=True))
    note = marked["note"].astype(str) if "note" in marked else pd.Series("", index=marked.index)
    table["reviewer"] = reviewer
    table["note"] = note.reindex(table.index).to_numpy()
    with engine.transaction():
        engine.register("new_decisions", table)
        engine.execute(
            "DELETE FROM clerical_decisions c USING new_decisions n "
            "WHERE c.record_id_l = n.record_id_l AND c.record_id_r = n.record_id_r"
        )
        engine.execute(
            "INSERT INTO clerical_decisions (record_id_l, record_id_r, decision, reviewer, note) "
            "SELECT record_id_l, record_id_r, decision, reviewer, note FROM new_decisions"
        )
        engine.unregister("new_decisions")
    run, records, pairs = run_linkage(observatory)
    pairs = with_decisions(pairs, decisions(observatory))
    review = (run["review_low"], run["review_high"])
    model = json.loads(run["model"]) if run["model"] else {}
    result = cluster_events(records, pairs, run["threshold"], review, model)
    return save_run(observatory, result, run["iccs_code"]), len(table)


def _check_consistent(decided: pd.DataFrame) -> None:
    """Refuse a set of decisions (later rows replace earlier ones on the same pair) whose
    matches join a non-match, before anything is stored."""
    last = decided.drop_duplicates(["record_id_l", "record_id_r"], keep="last")
    match, apart = last[last["decision"] == "match"], last[last["decision"] == "non_match"]
    check_decisions(*(frame[f"record_id_{side}"].to_numpy(dtype="int64")
                      for frame in (match, apart) for side in "lr"))  # fmt: skip


def run_linkage(observatory) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The latest run, the records it linked and its stored scored pairs with the decisions
    it applied: what ``cluster_events`` needs to re-cluster it without Splink."""
    run = latest_run(observatory)
    records = store_records(observatory, run["iccs_code"])
    linked = observatory.engine.frame(
        "SELECT record_id FROM event_records WHERE run_id = ?", [run["run_id"]]
    )
    records = records[records["record_id"].isin(linked["record_id"])].reset_index(drop=True)
    pairs = observatory.engine.frame(
        "SELECT record_id_l, record_id_r, match_weight, match_probability, decision "
        "FROM link_pairs WHERE run_id = ?",
        [run["run_id"]],
    )
    return run, records, pairs


def run_event_count(observatory, run_id: str) -> int:
    """How many events linkage run ``run_id`` made."""
    return int(observatory.engine.scalar("SELECT events FROM link_runs WHERE run_id = ?",
                                         [run_id]))  # fmt: skip


def run_records(observatory, run_id: str) -> pd.DataFrame:
    """source_id, unit_code, year, month of every victim record in run ``run_id``'s events."""
    return observatory.engine.frame(
        "SELECT r.source_id, v.unit_code, v.year, v.month FROM event_records r "
        "JOIN victims v USING (record_id) WHERE r.run_id = ?",
        [run_id],
    )


def run_events(observatory, run_id: str | None = None) -> tuple[str, pd.DataFrame]:
    """Events of a run (default the latest), one row each."""
    run_id = run_id or latest_run(observatory)["run_id"]
    return run_id, observatory.engine.frame(
        "SELECT * FROM events WHERE run_id = ? ORDER BY event_id", [run_id]
    )


def link_store(
    observatory, *, iccs: str = "0101", threshold: float | None = None, review=None
) -> tuple[str, LinkResult]:
    """Link the store's victim records of ``iccs``, apply every clerical decision so far,
    and save the run."""
    from sereno.link.linkage import REVIEW, THRESHOLD, link_records

    threshold = THRESHOLD if threshold is None else threshold
    review = tuple(review or REVIEW)
    records = store_records(observatory, iccs)
    result = link_records(records, threshold=threshold, review=review)
    decided = decisions(observatory)
    if len(decided):
        pairs = with_decisions(result.pairs, decided)
        result = cluster_events(records, pairs, threshold, review, result.model)
    return save_run(observatory, result, iccs), result
