"""The values that fail, grouped: what a person fixes in a mapping, most frequent first.

Each quarantined row lists every check it fails (``reasons``: code, field, column, value,
expected). Grouped by field, column, value and reason, three weapon labels that are 5,223 of
5,884 quarantined rows are three lines, each with the sentence that says what to do.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

import pandas as pd

from sereno.i18n import t

KEYS = ("field", "column", "value", "code", "expected")
COLUMNS = [*KEYS, "rows"]


def group_failures(reasons: Iterable[str | None], limit: int | None = None) -> list[dict]:
    """Every failing check of rows given by their ``reasons`` JSON, grouped, most rows first."""
    counts: Counter = Counter()
    for text in reasons:
        for r in json.loads(text or "[]"):
            counts[tuple(r.get(k) for k in KEYS)] += 1
    return [{**dict(zip(KEYS, k, strict=True)), "rows": n} for k, n in counts.most_common(limit)]


def explain(group: dict, lang: str | None = None) -> str:
    """A group's reason as a sentence in ``lang``, saying what to do."""
    return t(
        f"quarantine.{group['code']}",
        lang,
        value=group.get("value") or "",
        column=group.get("column") or "",
        field=group.get("field") or "",
        expected=group.get("expected") or "",
    )


def failure_frame(groups: list[dict], lang: str | None = None) -> pd.DataFrame:
    """The groups as a table with the reason written out: field, column, value, code,
    expected, rows, reason."""
    frame = pd.DataFrame(groups, columns=COLUMNS)
    frame["reason"] = [explain(g, lang) for g in groups]
    return frame
