"""Disclosure control: the field policy and small-cell suppression with complementary cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sereno.errors import ConfigError
from sereno.publish.privacy import PrivacyPolicy, suppress_small_cells


def table_with_margins(values: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cells of a rows x columns table plus its row, column and grand totals, and the
    relations (each row and each column, with its total) a reader can add up."""
    r, c = values.shape
    full = np.zeros((r + 1, c + 1), dtype=np.int64)
    full[:r, :c] = values
    full[:r, c] = values.sum(axis=1)
    full[r, :c] = values.sum(axis=0)
    full[r, c] = values.sum()
    ids = np.arange(full.size).reshape(full.shape)
    cells = pd.DataFrame({"row": np.repeat(np.arange(r + 1), c + 1),
                          "col": np.tile(np.arange(c + 1), r + 1), "n": full.ravel()})  # fmt: skip
    pairs = [(i, ids[i, j]) for i in range(r + 1) for j in range(c + 1)]
    pairs += [(r + 1 + j, ids[i, j]) for j in range(c + 1) for i in range(r + 1)]
    relations = pd.DataFrame(pairs, columns=["relation", "cell"])
    return cells, relations


def test_hand_worked_table_hides_the_small_cell_and_its_complements():
    # 3 is below 5. Alone in row 0 it would come back from the row total, so the row's
    # smallest other cell (7) goes too; likewise column 0 takes 8; then 7 is alone in
    # column 1, which takes 9. Every row and column now hides 0 or at least 2 cells.
    values = np.array([[3, 7, 20], [8, 9, 30]])
    cells, relations = table_with_margins(values)
    result = suppress_small_cells(cells, relations, threshold=5)
    hidden = result.suppressed.reshape(3, 4)
    assert hidden[0, 0] and result.primary.reshape(3, 4)[0, 0]
    assert result.primary.sum() == 1
    assert hidden[0, 1] and hidden[1, 0] and hidden[1, 1]
    assert hidden.sum() == 4
    assert not hidden[:, 3].any() and not hidden[2].any()


def _lonely_relations(result, relations) -> int:
    hidden = result.suppressed[relations["cell"].to_numpy()]
    per_relation = np.bincount(relations["relation"].to_numpy(), weights=hidden)
    return int((per_relation == 1).sum())


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda r: st.integers(1, 6).flatmap(
            lambda c: st.lists(st.integers(0, 30), min_size=r * c, max_size=r * c).map(
                lambda v: np.array(v).reshape(r, c)
            )
        )
    ),
    st.integers(2, 10),
)
def test_no_published_total_gives_back_a_hidden_cell(values: np.ndarray, threshold: int):
    cells, relations = table_with_margins(values)
    result = suppress_small_cells(cells, relations, threshold)
    n = cells["n"].to_numpy()
    assert result.suppressed[(n > 0) & (n < threshold)].all()
    assert _lonely_relations(result, relations) == 0
    frame = result.to_frame()
    assert frame.loc[result.suppressed, "n"].isna().all()
    assert (frame.loc[~result.suppressed, "n"].to_numpy() == n[~result.suppressed]).all()


def test_field_policy_from_config_with_defaults(observatory):
    doc = observatory.config.document
    doc["privacy"]["fields"] = {"sex": "restricted", "weapon": "public"}
    policy = PrivacyPolicy.from_config(observatory.config)
    assert policy.level("name") == "secret" and policy.level("lat") == "secret"
    assert policy.level("sex") == "restricted" and policy.level("age") == "public"
    assert policy.columns(["name", "sex", "age", "lon"]) == ["age"]
    assert policy.columns(["name", "sex", "age", "lon"], "restricted") == ["sex", "age"]
    nested = {"a": [{"name": "X", "lat": 1.0, "age": 3}], "sex": "m"}
    assert policy.scrub(nested) == {"a": [{"age": 3}]}
    doc["privacy"]["fields"] = {"name": "hidden"}
    with pytest.raises(ConfigError):
        PrivacyPolicy.from_config(observatory.config)
