"""Controlled vocabularies for victim sex, weapon and place, with ES/EN labels.

A source's value is harmonised through its mapping's ``values:`` first, then through the
built-in Spanish and English labels (``data/vocabulary_labels_es.csv``); a value neither knows
is quarantined, never added (Uwazi's CSV import added unknown categories silently).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd
import pyarrow as pa

from sereno.harmonise.iccs import BUILTIN_PRIORITY, MAPPING_PRIORITY


def _data(name: str) -> pd.DataFrame:
    with resources.files(__package__).joinpath("data", name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


@cache
def vocabularies() -> pd.DataFrame:
    """field, value, label_en, label_es."""
    return _data("vocabularies.csv")


def vocabulary_lookup(mapping_values: dict[str, dict[str, str]]) -> pa.Table:
    """field, label, value, priority for every vocabulary field.

    Raises ``ValueError`` naming a mapping value that is not in the vocabulary.
    """
    allowed = vocabularies().groupby("field")["value"].apply(set).to_dict()
    rows = []
    for field, values in mapping_values.items():
        for label, value in values.items():
            if value not in allowed.get(field, set()):
                raise ValueError(
                    f"values: {field}: '{value}' ∉ {sorted(allowed.get(field, set()))}"
                )
            rows.append((field, label, value, MAPPING_PRIORITY))
    builtin = _data("vocabulary_labels_es.csv")
    rows += [(r.field, r.source_label, r.value, BUILTIN_PRIORITY) for r in builtin.itertuples()]
    rows += [(r.field, r.value, r.value, BUILTIN_PRIORITY) for r in vocabularies().itertuples()]
    frame = pd.DataFrame(rows, columns=["field", "label", "value", "priority"])
    return pa.Table.from_pandas(frame.astype({"priority": "int32"}), preserve_index=False)
