"""Clerical non-matches as cannot-link constraints: a chain of links never joins two records a
person said are different victims; contradicting decisions are refused with both records."""

from __future__ import annotations

import pandas as pd
import pytest

from sereno.errors import SerenoError
from sereno.link.linkage import cluster_events


def records(sources: str) -> pd.DataFrame:
    return pd.DataFrame({"record_id": range(1, len(sources) + 1), "source_id": list(sources)})


def pairs(*rows: tuple[int, int, float, str | None]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["record_id_l", "record_id_r", "match_probability",
                                        "decision"])  # fmt: skip
    frame["match_weight"] = 0.0
    frame["decision"] = frame["decision"].astype("object")
    return frame


def events_of(result) -> dict[int, int]:
    return result.membership.set_index("record_id")["event_id"].to_dict()


def test_chain_with_a_non_match_splits_at_its_weakest_link() -> None:
    """A(1)–B(2) 0.9, B(2)–C(3) 0.8: one event; with non_match(A, C) the stronger link A–B
    stays and C is alone. A fourth record D(4) linked to E(5) in another component keeps its
    event (the fast path), and the non-match pair is never together."""
    chain = [(1, 2, 0.9, None), (2, 3, 0.8, None), (4, 5, 0.95, None)]
    linked = events_of(cluster_events(records("abcab"), pairs(*chain), 0.5))
    assert linked[1] == linked[2] == linked[3] and linked[4] == linked[5] != linked[1]
    result = cluster_events(records("abcab"), pairs(*chain, (1, 3, 0.05, "non_match")), 0.5)
    split = events_of(result)
    assert split[1] == split[2] and split[3] not in (split[1], split[4])
    assert split[4] == split[5]
    assert result.n_events == 3
    # C is alone: its probability is one minus its best pair (B–C 0.8).
    assert result.membership.set_index("record_id").loc[3, "probability"] == pytest.approx(0.2)


def test_non_match_keeps_the_stronger_side_of_a_star() -> None:
    """B(2) links to A(1) at 0.7 and C(3) at 0.95, D(4) links to A at 0.9; non_match(B, D):
    greedy by probability merges B–C, D–A, then refuses B–A; two events {B, C} and {A, D}."""
    rows = [(1, 2, 0.7, None), (2, 3, 0.95, None), (1, 4, 0.9, None), (2, 4, 0.0, "non_match")]
    split = events_of(cluster_events(records("abcd"), pairs(*rows), 0.5))
    assert split[2] == split[3] and split[1] == split[4] and split[1] != split[2]


def test_a_clerical_match_wins_over_a_stronger_score() -> None:
    """A(1)–B(2) 0.99 and B(2)–C(3) 0.6, with match(B, C) and non_match(A, C): the decided
    match is merged first, so A is the one left out although its link scored higher."""
    rows = [(1, 2, 0.99, None), (2, 3, 0.6, "match"), (1, 3, 0.0, "non_match")]
    split = events_of(cluster_events(records("abc"), pairs(*rows), 0.5))
    assert split[2] == split[3] != split[1]


def test_contradicting_decisions_are_refused_naming_the_records() -> None:
    rows = [(1, 2, 0.9, "match"), (2, 3, 0.4, "match"), (3, 1, 0.0, "non_match")]
    with pytest.raises(SerenoError) as error:
        cluster_events(records("abc"), pairs(*rows), 0.5)
    assert error.value.key == "link.clerical.contradiction"
    assert {error.value.facts["left"], error.value.facts["right"]} == {1, 3}
    assert error.value.facts["chain"] in ("1 – 2 – 3", "3 – 2 – 1")
    assert "non_match" in error.value.message("es") and "2" in error.value.message("en")
