"""FEBRL on Splink's Spark backend: the same model and clustering as on DuckDB, with the
same precision and recall (pairs and clusters) and the same events."""

from __future__ import annotations

import numpy as np
import pytest

from sereno.link.accuracy import linkage_accuracy
from sereno.link.linkage import link_records
from sereno.store.spark_engine import SparkEngine
from tests.link.test_febrl_and_accuracy import febrl_model, load_febrl

pytestmark = pytest.mark.spark


def _link(records, db_api):
    settings, training = febrl_model()
    return link_records(records, settings=settings, training=training, db_api=db_api)


def _partition(result) -> set[frozenset]:
    members = result.membership.groupby("event_id")["record_id"].agg(frozenset)
    return set(members)


def test_febrl1_links_on_spark_as_on_duckdb(spark):
    raw = load_febrl("febrl1")
    records = raw.astype("string")
    records["record_id"] = np.arange(len(raw))
    records["source_id"] = raw["source_id"]
    records = records.drop(columns=["rec_id"])
    truth = raw["rec_id"].str.extract(r"rec-(\d+)")[0]
    duck = _link(records, None)
    on_spark = _link(records, SparkEngine(spark).splink_api())
    scores = []
    for result in (duck, on_spark):
        labels = result.membership.set_index("record_id")["event_id"].reindex(records["record_id"])
        scores.append(linkage_accuracy(labels.reset_index(drop=True), truth))
    keys = ("pair_precision", "pair_recall", "cluster_f1")
    assert {k: round(scores[1][k], 3) for k in keys} == {k: round(scores[0][k], 3) for k in keys}
    assert scores[1]["pair_precision"] >= 0.99 and scores[1]["pair_recall"] >= 0.99
    assert _partition(on_spark) == _partition(duck)
    # Same model: the trained m and u probabilities agree (u is sampled on each engine).
    both = on_spark.pairs.merge(duck.pairs, on=["record_id_l", "record_id_r"])
    assert len(both) >= 0.99 * len(duck.pairs)
