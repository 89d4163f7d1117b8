"""Probabilistic record linkage with Splink, clustering into events, and their confidence.

``link_records`` trains a Fellegi-Sunter model (Splink: u by random sampling, m by EM, the
prior from deterministic rules), scores the blocked pairs, and clusters the pairs at or above
``threshold`` into events (connected components of mutual best links). A record's link
probability is its best pair inside its event (for a record alone, one minus its best pair
anywhere); an event's is its weakest record's. Pairs with probability in ``review`` (default
0.2 to 0.8) are uncertain and go to clerical review (``sereno.link.store``); decisions
re-cluster without re-running Splink: a "match" always links, a "non_match" is a cannot-link
constraint (the two records never share an event, not even through a third).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from sereno.errors import SerenoError
from sereno.i18n import format_number, t
from sereno.link import model as victim_model
from sereno.result import Result, tidy_frame

THRESHOLD = 0.5
REVIEW = (0.2, 0.8)
PAIR_FLOOR = 0.01  # pairs below this are not kept (they change no decision)
LOG = logging.getLogger("sereno.link")


@dataclass(frozen=True, eq=False)
class LinkResult(Result):
    """``pairs`` (record_id_l, record_id_r, match_weight, match_probability, decision),
    ``membership`` (record_id, source_id, event_id, probability) and ``events`` (one row per
    event with consolidated fields, ``sources``, ``n_records`` and ``probability``)."""

    threshold: float
    review: tuple[float, float]
    pairs: pd.DataFrame = field(repr=False)
    membership: pd.DataFrame = field(repr=False)
    events: pd.DataFrame = field(repr=False)
    model: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n_records(self) -> int:
        return len(self.membership)

    @property
    def n_events(self) -> int:
        return len(self.events)

    def uncertain_pairs(self) -> pd.DataFrame:
        """Pairs a person should review: probability within ``review``, not yet decided."""
        p = self.pairs
        mask = p["match_probability"].between(*self.review, inclusive="left")
        return p[mask & p["decision"].isna()].sort_values("match_probability", ascending=False)

    def to_frame(self) -> pd.DataFrame:
        return self.membership

    def tidy(self) -> pd.DataFrame:
        """Each scored pair's match probability (term ``pair``), with both record ids."""
        p = self.pairs
        return tidy_frame(
            "pair",
            p["match_probability"],
            "splink_fellegi_sunter",
            record_id_l=p["record_id_l"],
            record_id_r=p["record_id_r"],
        )

    def summary(self, lang: str | None = None) -> str:
        """How many records became how many events, and what waits for a person."""
        return t("link.result_summary", lang, records=format_number(self.n_records, lang),
                 sources=self.membership["source_id"].nunique(),
                 events=format_number(self.n_events, lang),
                 links=format_number(int(self.linked_mask().sum()), lang),
                 threshold=format_number(self.threshold, lang, 2),
                 uncertain=format_number(len(self.uncertain_pairs()), lang),
                 low=format_number(self.review[0], lang, 2),
                 high=format_number(self.review[1], lang, 2))  # fmt: skip

    def content(self) -> dict[str, Any]:
        per_source = self.membership.groupby("source_id").size()
        return {
            "threshold": self.threshold,
            "review": list(self.review),
            "records": self.n_records,
            "pairs_scored": len(self.pairs),
            "links": int((self.linked_mask()).sum()),
            "events": self.n_events,
            "uncertain_pairs": len(self.uncertain_pairs()),
            "records_per_source": {k: int(v) for k, v in per_source.items()},
            "events_by_sources": {
                k: int(v) for k, v in self.events["sources"].value_counts().sort_index().items()
            },
        }

    def linked_mask(self) -> pd.Series:
        p = self.pairs
        decided = p["decision"].map({"match": True, "non_match": False})
        return decided.fillna(p["match_probability"] >= self.threshold).astype(bool)


def train_and_predict(records: pd.DataFrame, settings=None, training=None, db_api=None):
    """Splink's scored pairs (a DataFrame) and the trained model (a dict). The seconds spent
    training and predicting are logged (``sereno.link``, INFO, with ``stage`` and ``seconds``
    in the record) for benchmarks and long runs."""
    from splink import DuckDBAPI, Linker

    db_api = db_api or DuckDBAPI()
    settings = settings or victim_model.victim_settings(db_api.sql_dialect.sql_dialect_str)
    training = training or victim_model.victim_training()
    start = time.perf_counter()
    linker = Linker(db_api.register(records), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        training["deterministic"], recall=training["recall"]
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=training.get("u_pairs", 1e6),
                                                     seed=1)  # fmt: skip
    trained = 0
    for rule in training["em"]:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True,
                max_pairs=training.get("em_max_pairs"),
            )  # fmt: skip
            trained += 1
        except ValueError as error:
            # Splink 5 refuses an m probability that EM drove to 0 (a level never seen among
            # the likely matches of this rule: small or very clean lists). The other rules
            # still estimate those levels; the rule's session is dropped, not the linkage.
            if "below the minimum allowed" not in str(error):
                raise
            LOG.info("EM session skipped", extra={"stage": "training", "rule": str(rule)})
    if training["em"] and not trained:
        raise SerenoError("link.training.untrainable", n=len(records))
    _log_stage("training", start)
    start = time.perf_counter()
    predicted = linker.inference.predict(threshold_match_probability=PAIR_FLOOR)
    unique_id = getattr(settings, "unique_id_column_name", "unique_id")
    table = predicted.as_pandas_dataframe()
    pairs = pd.DataFrame(
        {
            "record_id_l": table[f"{unique_id}_l"].astype("int64"),
            "record_id_r": table[f"{unique_id}_r"].astype("int64"),
            "match_weight": table["match_weight"].astype(float),
            "match_probability": table["match_probability"].astype(float),
        }
    )
    _log_stage("prediction", start, pairs=len(pairs))
    return pairs, linker.misc.save_model_to_json()


def _log_stage(stage: str, start: float, **extra: int) -> None:
    seconds = time.perf_counter() - start
    LOG.info("%s: %.1f s", stage, seconds, extra={"stage": stage, "seconds": seconds, **extra})


def link_records(
    records: pd.DataFrame,
    *,
    threshold: float = THRESHOLD,
    review: tuple[float, float] = REVIEW,
    settings=None,
    training=None,
    db_api=None,
) -> LinkResult:
    """Link ``records`` (as from ``prepare_records``) into events."""
    if not (0 < threshold < 1 and 0 <= review[0] <= review[1] <= 1):
        raise SerenoError("link.bad_threshold", threshold=threshold, review=list(review))
    if len(records) < 2:
        raise SerenoError("link.too_few", n=len(records))
    pairs, trained = train_and_predict(records, settings, training, db_api)
    pairs["decision"] = pd.Series([None] * len(pairs), dtype="object")
    return cluster_events(records, pairs, threshold, review, trained)


def cluster_events(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    threshold: float,
    review: tuple[float, float] = REVIEW,
    trained: dict | None = None,
) -> LinkResult:
    """Events: connected components of the linked pairs (probability ≥ threshold and mutual
    best, or a clerical "match"), split where a clerical "non_match" would share an event
    (``event_components``), with link probabilities."""
    ids = records["record_id"].to_numpy()
    index = pd.Index(ids)
    left = index.get_indexer(pairs["record_id_l"])
    right = index.get_indexer(pairs["record_id_r"])
    probability = decided_probability(pairs)
    component, linked = event_components(
        ids, left, right, probability, probability >= threshold, pairs["decision"],
        records["source_id"].to_numpy(),
    )  # fmt: skip
    same = np.zeros(len(pairs), dtype=bool)
    valid = (left >= 0) & (right >= 0)
    same[valid] = component[left[valid]] == component[right[valid]]
    # Best pair of each record inside its event, and best pair anywhere (for singletons).
    both = pd.DataFrame(
        {
            "i": np.concatenate([left[valid], right[valid]]),
            "p": np.tile(probability[valid], 2),
            "inside": np.tile(same[valid] & linked[valid], 2),
        }
    )
    best_inside = both[both["inside"]].groupby("i")["p"].max()
    best_any = both.groupby("i")["p"].max()
    position = np.arange(len(ids))
    inside = best_inside.reindex(position).to_numpy()
    anywhere = best_any.reindex(position).fillna(0.0).to_numpy()
    member_probability = np.where(np.isnan(inside), 1.0 - anywhere, inside)
    order = pd.Series(component).rank(method="dense").astype(int).to_numpy()
    membership = pd.DataFrame(
        {
            "record_id": ids,
            "source_id": records["source_id"].to_numpy(),
            "event_id": order.astype("int64"),
            "probability": np.round(member_probability, 6),
        }
    )
    events = consolidate_events(records, membership)
    return LinkResult(threshold, tuple(review), pairs, membership, events, trained or {})


def mutual_best(
    left: np.ndarray, right: np.ndarray, probability: np.ndarray, sources: np.ndarray
) -> np.ndarray:
    """Pairs that are each record's best among the other's source (ties to the lower id), so
    that one ambiguous record does not chain two victims of one source into one event (the
    single best links rule of Splink's one-to-one clustering). Pairs within one source are
    exempt: a source may hold several records of one victim (a press monitor's notes, a
    register's repeated entries; FEBRL 2 and 3 have up to nine), and the rule would cap such
    a group at two."""
    valid = (left >= 0) & (right >= 0)
    n = len(left)
    rows = np.flatnonzero(valid)
    frame = pd.DataFrame(
        {
            "pair": np.concatenate([rows, rows]),
            "record": np.concatenate([left[rows], right[rows]]),
            "other": np.concatenate([right[rows], left[rows]]),
            "p": np.tile(probability[rows], 2),
        }
    )
    frame["other_source"] = sources[frame["other"].to_numpy()]
    frame = frame.sort_values(["record", "other_source", "p", "other"],
                              ascending=[True, True, False, True])  # fmt: skip
    best = ~frame.duplicated(["record", "other_source"])
    votes = np.bincount(frame["pair"].to_numpy()[best.to_numpy()], minlength=n)
    same_source = np.zeros(n, dtype=bool)
    same_source[rows] = sources[left[rows]] == sources[right[rows]]
    return (votes == 2) | same_source


def decided_probability(pairs: pd.DataFrame) -> np.ndarray:
    """Each pair's match probability, 1 for a clerical "match" and 0 for a "non_match"."""
    decided = pairs["decision"].map({"match": 1.0, "non_match": 0.0})
    return decided.fillna(pairs["match_probability"]).to_numpy(dtype=float)


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def event_components(
    ids: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    probability: np.ndarray,
    candidate: np.ndarray,
    decision: pd.Series,
    sources: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The event of each record (a component label) and which pairs link, from the
    ``candidate`` pairs (those at or above the threshold, or one draw of them).

    A pair links when it is a clerical "match", or a candidate that is mutual best
    (``mutual_best``, among the candidates); a clerical "non_match" is a cannot-link
    constraint: records a person said are different victims never share an event, even through
    a chain of other links (must-link and cannot-link constraints, Wagstaff & Cardie 2000,
    "Clustering with instance-level constraints", ICML). Components holding such a pair are
    rebuilt by constrained agglomeration in single linkage (Davidson & Ravi 2005,
    "Agglomerative hierarchical clustering with constraints: theoretical and empirical
    results", PKDD): clerical matches first, then links by descending probability, refusing
    a merge that would join a non-match.
    Components without a non-match keep their connected components (the fast path).
    """
    valid = (left >= 0) & (right >= 0)
    match = valid & (decision == "match").to_numpy()
    cannot = valid & (decision == "non_match").to_numpy()
    check_decisions(ids[left[match]], ids[right[match]], ids[left[cannot]], ids[right[cannot]])
    candidate = valid & (candidate | match) & ~cannot
    best = mutual_best(np.where(candidate, left, -1), np.where(candidate, right, -1),
                       probability, sources)  # fmt: skip
    linked = candidate & (best | match)
    component = _components(len(ids), left[linked], right[linked])
    conflict = cannot & (component[np.maximum(left, 0)] == component[np.maximum(right, 0)])
    if conflict.any():
        component = _separate_cannot_links(component, left, right, probability, linked,
                                           match, conflict)  # fmt: skip
    return component, linked


def _separate_cannot_links(
    component: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    probability: np.ndarray,
    linked: np.ndarray,
    match: np.ndarray,
    conflict: np.ndarray,
) -> np.ndarray:
    """Rebuild the components holding a ``conflict`` pair by constrained greedy union-find.
    The loop runs only over the links of those few components (a handful of records each),
    and is sequential by nature: each merge depends on the ones before it."""
    split = np.unique(component[left[conflict]])
    edges = np.flatnonzero(linked & np.isin(component[np.maximum(left, 0)], split))
    order = np.lexsort((right[edges], left[edges], -probability[edges], ~match[edges]))
    edges = edges[order]
    parent: dict[int, int] = {}
    forbidden: dict[int, set[int]] = {}
    for a, b in zip(left[conflict].tolist(), right[conflict].tolist(), strict=True):
        forbidden.setdefault(a, set()).add(b)
        forbidden.setdefault(b, set()).add(a)

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in zip(left[edges].tolist(), right[edges].tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb or any(find(x) == rb for x in forbidden.get(ra, ())):
            continue
        parent[rb] = ra
        forbidden[ra] = forbidden.get(ra, set()) | forbidden.pop(rb, set())
    members = np.flatnonzero(np.isin(component, split))
    out = component.copy()
    out[members] = component.max() + 1 + np.array([find(int(x)) for x in members])
    return out


def check_decisions(
    match_l: np.ndarray, match_r: np.ndarray, apart_l: np.ndarray, apart_r: np.ndarray
) -> None:
    """Refuse clerical decisions that contradict each other: "match" decisions joining,
    directly or through other records, two records decided as a "non_match" (record ids)."""
    if not (len(match_l) and len(apart_l)):
        return
    ids = pd.Index(np.unique(np.concatenate([match_l, match_r, apart_l, apart_r])))
    ml, mr = ids.get_indexer(match_l), ids.get_indexer(match_r)
    al, ar = ids.get_indexer(apart_l), ids.get_indexer(apart_r)
    component = _components(len(ids), ml, mr)
    wrong = np.flatnonzero(component[al] == component[ar])
    if not wrong.size:
        return
    start, end = al[wrong[0]], ar[wrong[0]]
    graph = coo_matrix((np.ones(len(ml)), (ml, mr)), shape=(len(ids), len(ids)))
    _, previous = breadth_first_order(graph, start, directed=False)
    chain = [end]
    while chain[-1] != start:
        chain.append(previous[chain[-1]])
    raise SerenoError(
        "link.clerical.contradiction",
        left=int(ids[start]),
        right=int(ids[end]),
        chain=" – ".join(str(int(ids[i])) for i in reversed(chain)),
    )


def _mode(frame: pd.DataFrame, column: str) -> pd.Series:
    counts = frame.dropna(subset=[column]).groupby(["event_id", column]).size()
    counts = counts.reset_index(name="n").sort_values(["event_id", "n", column],
                                                      ascending=[True, False, True])  # fmt: skip
    return counts.drop_duplicates("event_id").set_index("event_id")[column]


def _source_sets(frame: pd.DataFrame) -> pd.Series:
    """Each event's sources, sorted and comma-separated. Sources are few, so each event's set
    is a bit mask and only the distinct masks are joined into text (a Python join per event
    was most of the clustering time at 300,000 records)."""
    names = np.sort(frame["source_id"].unique())
    if len(names) > 62:  # more sources than bits in a mask: join per event
        unique = frame[["event_id", "source_id"]].drop_duplicates().sort_values("source_id")
        return unique.groupby("event_id")["source_id"].agg(",".join)
    bit = np.left_shift(1, np.searchsorted(names, frame["source_id"].to_numpy()))
    pairs = pd.DataFrame({"event_id": frame["event_id"].to_numpy(), "bit": bit})
    masks = pairs.drop_duplicates().groupby("event_id")["bit"].sum()
    text = {m: ",".join(names[[(m >> j) & 1 == 1 for j in range(len(names))]])
            for m in masks.unique()}  # fmt: skip
    return masks.map(text)


def consolidate_events(records: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """One row per event: the most common unit, sex, weapon and place among its records, the
    median age, the earliest day-precise date (else the earliest date), its sources. Fields
    missing from ``records`` (another kind of list) are left out."""
    frame = records.drop(columns=["source_id"]).merge(membership, on="record_id")
    grouped = frame.groupby("event_id")
    columns: dict[str, pd.Series] = {}
    if {"date", "precise_date"} <= set(frame.columns):
        precise = frame[frame["precise_date"]].groupby("event_id")["date"].min()
        columns["date"] = precise.combine_first(grouped["date"].min())
    for column in ("unit_code", "sex", "weapon", "place"):
        if column in frame.columns:
            columns[column] = _mode(frame, column)
    if "age" in frame.columns:
        columns["age"] = grouped["age"].median()
    columns["sources"] = _source_sets(frame)
    columns["n_records"] = grouped.size()
    columns["probability"] = grouped["probability"].min()
    events = pd.DataFrame(columns)
    events.index.name = "event_id"
    events = events.reset_index()
    if "date" in events.columns:
        stamp = pd.to_datetime(events["date"])
        events["year"] = stamp.dt.year.astype("Int64")
        events["month"] = stamp.dt.month.astype("Int64")
    return events
