"""Interventions: programs in some units over a period, with cost and funder.

A CSV with ``intervention_id, name_es, name_en, unit_codes`` (codes separated by ``;``),
``start, end`` (YYYY-MM-DD; end may be empty), ``cost_usd, funder``. Loading replaces the
interventions with the same ids. Unknown unit codes are refused, naming them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from sereno.errors import InputFileError, SerenoError
from sereno.io import read_file
from sereno.store import Observatory

COLUMNS = (
    "intervention_id",
    "name_es",
    "name_en",
    "unit_codes",
    "start",
    "end",
    "cost_usd",
    "funder",
)


@dataclass(frozen=True)
class InterventionsLoaded:
    interventions: int
    units: int

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def load_interventions(observatory: Observatory, path: Path) -> InterventionsLoaded:
    raw = read_file(Path(path))
    frame = raw.table.to_pandas()
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise SerenoError(
            "error.units_column",
            file=path,
            column=missing[0],
            role="intervention",
            columns=", ".join(raw.columns),
        )
    start = pd.to_datetime(frame["start"], errors="coerce", format="%Y-%m-%d")
    end = pd.to_datetime(frame["end"], errors="coerce", format="%Y-%m-%d")
    cost = pd.to_numeric(frame["cost_usd"], errors="coerce")
    bad = start.isna() | (frame["end"].notna() & end.isna())
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputFileError(file=path, detail=f"row {row + 1}: start/end not YYYY-MM-DD")
    links = (
        frame[["intervention_id", "unit_codes"]]
        .assign(unit_code=frame["unit_codes"].str.split(";"))
        .explode("unit_code")
    )
    links["unit_code"] = links["unit_code"].str.strip()
    engine = observatory.engine
    known = {r[0] for r in engine.rows("SELECT unit_code FROM units")}
    unknown = sorted(set(links["unit_code"]) - known)
    if known and unknown:
        raise InputFileError(file=path, detail=f"unknown unit codes: {', '.join(unknown[:10])}")
    table = pa.table(
        {
            "intervention_id": frame["intervention_id"],
            "name_es": frame["name_es"],
            "name_en": frame["name_en"],
            "start_date": start.dt.date,
            "end_date": end.dt.date,
            "cost_usd": cost,
            "funder": frame["funder"],
        }
    )
    link_table = pa.Table.from_pandas(links[["intervention_id", "unit_code"]], preserve_index=False)
    with (
        engine.transaction(),
        engine.registered("new_interventions", table),
        engine.registered("new_links", link_table),
    ):
        for target in ("intervention_units", "interventions"):
            engine.execute(
                f"DELETE FROM {target} WHERE intervention_id IN "
                "(SELECT intervention_id FROM new_interventions)"
            )
        engine.execute("INSERT INTO interventions SELECT * FROM new_interventions")
        engine.execute("INSERT INTO intervention_units SELECT * FROM new_links")
    observatory.audit("interventions.load", str(path), interventions=len(frame))
    return InterventionsLoaded(len(frame), len(links))
