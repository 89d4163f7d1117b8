"""Harm records in full (names, destinations, businesses, points), for those allowed.

The restricted parts of harm records are read only through the records service: the actor
must be allowed to ``view`` the source's records (``sereno.records.allowed``: staff of the
organisation that brought the source, or of one it was granted to), and every reading is
audited, as the portal audits its restricted views.
"""

from __future__ import annotations

import pandas as pd

from sereno.harms.records import TABLES, harm_records
from sereno.records import Actor, require
from sereno.records.permissions import source_resource
from sereno.store import Observatory


def restricted_harm_records(obs: Observatory, actor: Actor, kind: str, source: str) -> pd.DataFrame:
    """Every column of ``source``'s current ``kind`` records, restricted ones included, if
    ``actor`` may view that source's records; a refusal otherwise. The reading is audited."""
    require(actor, "view", source_resource(obs, source))
    frame = harm_records(obs, kind, source)
    obs.audit("harms.view_restricted", f"{TABLES[kind]}:{source}", actor=actor.username,
              via=actor.via, organisation=actor.organisation, rows=len(frame))  # fmt: skip
    return frame
