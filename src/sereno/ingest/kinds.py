"""Record kinds beyond victims, incidents and counts, registered by the packages that own them.

A mapping whose ``layout`` names a registered kind (``displacement``, say) is parsed, its
rows harmonised and its harmonised fields written by that kind; everything else (reading,
duplicates, versions, quarantine, batches, dry runs, retries) stays ingestion's own. The
owning packages import ingestion, so ingestion cannot import them when it loads: they are
imported the first time a kind is looked up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Packages that register record kinds when imported.
PLUGINS = ("sereno.harms",)


@dataclass(frozen=True)
class RecordKind:
    """``parse(document, name, text) -> Mapping``; ``harmonise(observatory, raw, mapping,
    source, file_name) -> Split`` leaving ``harmonised_rows``; ``insert(observatory,
    mapping, source)`` writing the kind's table from ``new_records``."""

    name: str
    parse: Callable[..., Any]
    harmonise: Callable[..., Any]
    insert: Callable[..., None]


KINDS: dict[str, RecordKind] = {}
_loaded = False


def register_kind(kind: RecordKind) -> None:
    KINDS[kind.name] = kind


def record_kind(layout: object) -> RecordKind | None:
    """The record kind a mapping's layout names, or None for ingestion's own layouts."""
    global _loaded
    if layout in ("rows", "counts", "wide_months") or not isinstance(layout, str):
        return None
    if not _loaded:
        _loaded = True
        for name in PLUGINS:
            importlib.import_module(name)
    return KINDS.get(layout)
