"""Clerical review of record linkage on screen: the uncertain pairs, side by side, blind.

The pairs are the linkage stage's review sheet (:func:`sereno.link.store.review_sheet`),
always blind: the model's score is never shown, so the reviewer is not anchored by it
(splink#1375). Decisions go back the way the CLI sheet does
(:func:`sereno.link.store.apply_decision_sheet`: recorded, then the latest run re-clustered
with every decision so far), after each is written as a version of the pair
(``link_review``) with its audit entry. *Unsure* is recorded as a version only: the pair
stays in the queue for another reviewer, marked.
"""

from __future__ import annotations

import pandas as pd

from sereno.errors import SerenoError
from sereno.records import Actor, Resource, history, require, write_version

DECISIONS = ("match", "non_match", "unsure")


def pair_id(left: int, right: int) -> str:
    low, high = sorted((int(left), int(right)))
    return f"{low}-{high}"


def pairs_to_review(obs, actor: Actor, limit: int = 50) -> pd.DataFrame:
    """The latest run's undecided uncertain pairs, without the model's score, with who (if
    anyone) marked each *unsure*."""
    from sereno.link.store import review_sheet

    require(actor, "update", Resource("link_review"))
    sheet = review_sheet(obs, blind=True).drop(columns=["decision", "note"])
    if "match_probability" in sheet:  # never: the screen is always blind
        sheet = sheet.drop(columns=["match_probability"])
    sheet["pair_id"] = [
        pair_id(a, b) for a, b in zip(sheet["record_id_l"], sheet["record_id_r"], strict=True)
    ]
    unsure = obs.engine.frame(
        "SELECT resource_id AS pair_id, actor FROM versions WHERE resource_kind = 'link_review' "
        "AND action = 'link.unsure' ORDER BY version"
    ).drop_duplicates("pair_id", keep="last")
    sheet["unsure_by"] = sheet["pair_id"].map(unsure.set_index("pair_id")["actor"])
    return sheet.head(limit).reset_index(drop=True)


def decide_pairs(obs, actor: Actor, decisions: list[dict]) -> dict[str, object]:
    """Record ``decisions`` (each: record_id_l, record_id_r, decision, note) and feed the
    match / non_match ones back to the linkage; returns the counts and the new run's id."""
    require(actor, "update", Resource("link_review"))
    marked = [d for d in decisions if str(d.get("decision") or "").strip()]
    for d in marked:
        if d["decision"] not in DECISIONS:
            raise SerenoError(
                "link.bad_decision", value=d["decision"], choices=", ".join(DECISIONS)
            )
    sheet = pd.DataFrame(
        [d for d in marked if d["decision"] != "unsure"],
        columns=["record_id_l", "record_id_r", "decision", "note"],
    )
    run_id = None
    if len(sheet):
        from sereno.link.store import apply_decision_sheet

        # Applied first: a set that joins a non-match is refused before anything is written.
        run_id, _ = apply_decision_sheet(obs, sheet, actor.username)
    with obs.engine.transaction():
        for d in marked:
            pid = pair_id(d["record_id_l"], d["record_id_r"])
            action = "link.unsure" if d["decision"] == "unsure" else "link.decision"
            write_version(
                obs,
                actor,
                action,
                Resource("link_review", pid),
                {"pair": pid, "decision": d["decision"], "note": d.get("note")},
            )
    return {"decided": len(sheet), "unsure": len(marked) - len(sheet), "run_id": run_id}


def pair_history(obs, left: int, right: int) -> pd.DataFrame:
    return history(obs, "link_review", pair_id(left, right))
