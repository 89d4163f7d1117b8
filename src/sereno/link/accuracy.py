"""Linkage accuracy against known truth: pairwise and cluster precision, recall and F1.

Pairs are counted within clusters (the transitive closure of the links): a predicted pair is
two records put in one event, a true pair two records of one real victim. Cluster precision
is the share of predicted events whose records are exactly one victim's; cluster recall the
share of victims whose records form exactly one predicted event (Menestrina, Whang &
Garcia-Molina 2010, "Evaluating entity resolution results", *PVLDB* 3(1)).
"""

from __future__ import annotations

import pandas as pd


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def linkage_accuracy(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """``predicted`` and ``truth``: cluster labels of the same records (aligned indexes)."""
    frame = pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()})
    both = _pairs(frame.groupby(["p", "t"]).size())
    found, real = _pairs(frame.groupby("p").size()), _pairs(frame.groupby("t").size())
    pair_precision = both / found if found else 1.0
    pair_recall = both / real if real else 1.0
    signature = frame.groupby("p")["t"].agg(["nunique", "first", "size"])
    true_size = frame.groupby("t").size()
    exact = (signature["nunique"] == 1) & (
        signature["size"].to_numpy() == true_size.reindex(signature["first"]).to_numpy()
    )
    cluster_precision = float(exact.mean())
    cluster_recall = float(exact.sum() / len(true_size))
    return {
        "pair_precision": pair_precision,
        "pair_recall": pair_recall,
        "pair_f1": _f1(pair_precision, pair_recall),
        "cluster_precision": cluster_precision,
        "cluster_recall": cluster_recall,
        "cluster_f1": _f1(cluster_precision, cluster_recall),
        "true_pairs": real,
        "predicted_pairs": found,
    }
