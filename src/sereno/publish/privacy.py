"""Disclosure control: the one place every public response passes through.

Two rules, enforced here and nowhere else:

* **Field policy.** Each field is ``public``, ``restricted`` (signed-in staff only) or
  ``secret`` (never leaves the store through the portal or an export). The policy comes from
  the observatory's ``sereno.toml``::

      [privacy]
      min_public_count = 5
      [privacy.fields]
      name = "secret"
      sex = "restricted"

  Unlisted fields are public, except the defaults below (names, narratives, informants,
  addresses, coordinates and the verbatim row are secret).
* **Small cells.** Public counts between 1 and ``min_public_count - 1`` are suppressed, and
  enough further cells are suppressed that no published total gives them back (complementary
  suppression; see :func:`suppress_small_cells`).

The public record-level file has a policy of its own (:class:`RecordPolicy`, section
``[privacy.records]``): it is not published unless asked for, and when it is,
:mod:`sereno.publish.microdata` generalises and withholds records so that it cannot undo the
small-cell suppression and no record is unique on what it shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from sereno.config import Config
from sereno.errors import ConfigError
from sereno.i18n import format_number, t
from sereno.result import Result, tidy_frame

PUBLIC, RESTRICTED, SECRET = "public", "restricted", "secret"
LEVELS = (PUBLIC, RESTRICTED, SECRET)
DEFAULT_FIELDS: dict[str, str] = {
    "name": SECRET,
    "nickname": SECRET,
    "narrative": SECRET,
    "informant": SECRET,
    "address": SECRET,
    "lat": SECRET,
    "lon": SECRET,
    "raw": SECRET,
    # Harms (issue 23): a displaced family's destination, an extorted business.
    "destination_unit": SECRET,
    "destination_shelter": SECRET,
    "origin_lat": SECRET,
    "origin_lon": SECRET,
    "business_name": SECRET,
}
# Who may see a field: the public sees public fields; signed-in staff also restricted ones.
AUDIENCES = {PUBLIC: {PUBLIC}, RESTRICTED: {PUBLIC, RESTRICTED}}


DATE_GRAINS = ("month", "year")
RECORD_COLUMNS = ("sex", "age", "weapon", "place")


@dataclass(frozen=True)
class RecordPolicy:
    """How the public record-level file is made, from ``[privacy.records]``::

        [privacy.records]
        publish = true          # off by default: only aggregate tables are published
        k = 5                   # every published combination is shared by k records or more
        date = "month"          # month | year: the finest date published
        level = "distrito"      # the unit level published (default: one above the smallest)
        age_band = 10           # ages published as bands of this many years (0: no age)
        columns = ["sex", "age"]   # besides source, offence, period and unit

    Every published column counts as a quasi-identifier (Sweeney 2002): the file is a list
    of records in which each combination of values appears at least ``k`` times.
    """

    publish: bool = False
    k: int = 5
    date: str = "month"
    level: str | None = None
    age_band: int = 10
    columns: tuple[str, ...] = ("sex", "age")

    @classmethod
    def from_config(cls, config: Config) -> RecordPolicy:
        section = dict(config.document.get("privacy", {}).get("records", {}))

        def bad(key: str, expected: str) -> ConfigError:
            return ConfigError(
                file=config.path, detail=f"[privacy.records] {key} = {section[key]!r}: {expected}"
            )

        k = section.get("k", config.min_public_count)
        if not isinstance(k, int) or isinstance(k, bool) or k < 2:
            raise bad("k", "an integer >= 2 / un entero >= 2")
        date_grain = str(section.get("date", "month"))
        if date_grain not in DATE_GRAINS:
            raise bad("date", " | ".join(DATE_GRAINS))
        levels = config.levels
        level = section.get("level")
        if level is not None and str(level) not in levels:
            raise bad("level", " | ".join(levels) or "(no levels loaded / sin niveles)")
        if level is None and levels:
            level = levels[-2] if len(levels) > 1 else levels[0]
        band = section.get("age_band", 10)
        if not isinstance(band, int) or isinstance(band, bool) or band < 0:
            raise bad("age_band", "0 or a number of years / 0 o un número de años")
        columns = tuple(str(c) for c in section.get("columns", cls.columns))
        unknown = [c for c in columns if c not in RECORD_COLUMNS]
        if unknown:
            raise bad("columns", " | ".join(RECORD_COLUMNS))
        if band == 0:
            columns = tuple(c for c in columns if c != "age")
        return cls(bool(section.get("publish", False)), k, date_grain,
                   None if level is None else str(level), band, columns)  # fmt: skip


@dataclass(frozen=True)
class PrivacyPolicy:
    """The field policy, the small-cell threshold and the record-level file's policy."""

    fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    min_public_count: int = 5
    records: RecordPolicy = field(default_factory=RecordPolicy)

    @classmethod
    def from_config(cls, config: Config) -> PrivacyPolicy:
        section = config.document.get("privacy", {})
        fields = dict(DEFAULT_FIELDS)
        for name, level in dict(section.get("fields", {})).items():
            if str(level) not in LEVELS:
                raise ConfigError(
                    file=config.path,
                    detail=f"[privacy.fields] {name} = '{level}': public | restricted | secret",
                )
            fields[str(name)] = str(level)
        records = RecordPolicy.from_config(config)
        # A field the policy keeps from the public is never in the record-level file either.
        records = replace(records, columns=tuple(c for c in records.columns
                                                 if fields.get(c, PUBLIC) == PUBLIC))  # fmt: skip
        return cls(fields, config.min_public_count, records)

    def level(self, name: str) -> str:
        return self.fields.get(name, PUBLIC)

    def visible(self, name: str, audience: str = PUBLIC) -> bool:
        return self.level(name) in AUDIENCES[audience]

    def columns(self, columns: Iterable[str], audience: str = PUBLIC) -> list[str]:
        """The columns ``audience`` may see, in their order."""
        return [c for c in columns if self.visible(c, audience)]

    def frame(self, frame: pd.DataFrame, audience: str = PUBLIC) -> pd.DataFrame:
        """``frame`` without the columns ``audience`` may not see."""
        return frame[self.columns(frame.columns, audience)]

    def scrub(self, data: Any, audience: str = PUBLIC) -> Any:
        """``data`` (JSON-like) with every key ``audience`` may not see removed, at any depth.

        Every public page and API response goes through this before it is rendered or sent,
        so a view that forgot the policy still cannot leak a secret field by its name.
        """
        if isinstance(data, dict):
            return {
                k: self.scrub(v, audience)
                for k, v in data.items()
                if not isinstance(k, str) or self.visible(k, audience)
            }
        if isinstance(data, list | tuple):
            return [self.scrub(v, audience) for v in data]
        return data


@dataclass(frozen=True)
class SuppressedCells(Result):
    """Counts after primary and complementary small-cell suppression.

    ``n`` holds the counts, ``primary`` the cells below the threshold, ``suppressed`` those
    plus the complementary ones; ``relations`` lists the published linear relations
    (relation id, cell index) the suppression protects.
    """

    cells: pd.DataFrame
    n: np.ndarray
    primary: np.ndarray
    suppressed: np.ndarray
    threshold: int
    relations: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The cells with ``n`` (missing where suppressed), ``suppressed`` and ``primary``."""
        out = self.cells.copy()
        out["n"] = pd.array(np.where(self.suppressed, 0, self.n), dtype="Int64")
        out.loc[self.suppressed, "n"] = pd.NA
        out["suppressed"] = self.suppressed
        out["primary"] = self.primary
        return out

    def tidy(self) -> pd.DataFrame:
        """Each cell's count as published (empty where suppressed)."""
        n = np.where(self.suppressed, np.nan, self.n.astype(float))
        cells = {str(c): self.cells[c].to_numpy() for c in self.cells.columns}
        return tidy_frame("cell", n, "small_cell_suppression", **cells)

    def content(self) -> dict[str, object]:
        return {"threshold": self.threshold, "cells": self.to_frame()}

    def summary(self, lang: str | None = None) -> str:
        return t(
            "publish.suppression_summary",
            lang,
            primary=int(self.primary.sum()),
            secondary=int(self.suppressed.sum() - self.primary.sum()),
            cells=len(self.n),
            threshold=self.threshold,
        )


def suppress_small_cells(
    cells: pd.DataFrame, relations: pd.DataFrame, threshold: int, value: str = "n"
) -> SuppressedCells:
    """Primary and complementary suppression of a table of counts with published totals.

    A cell is primary-suppressed when ``0 < n < threshold``. A published relation (a total
    and the cells that add up to it, given as rows ``relation, cell`` of ``relations``, the
    total being one of its cells) with exactly one suppressed cell would give it back by
    subtraction, so the smallest other cell of that relation is suppressed too (a zero only
    when nothing else is left), and this repeats until no relation has exactly one
    suppressed cell. This is the minimum-protection heuristic for linear tables described by
    Cox (1980), "Properties of the sensitivity criteria...", and Hundepool et al. (2012),
    *Statistical Disclosure Control*, section 4.2.2; it protects against exact recovery by
    one relation, not against interval attacks that combine several.
    """
    n = cells[value].to_numpy(dtype=np.int64)
    primary = (n > 0) & (n < threshold)
    suppressed = primary.copy()
    rel = relations["relation"].to_numpy()
    member = relations["cell"].to_numpy()
    # Cost of suppressing a cell: its count, zeros last (hiding a zero gives nothing away).
    cost = np.where(n > 0, n, np.iinfo(np.int64).max // 4).astype(np.int64)
    for _ in range(len(n) + 1):
        hidden = np.bincount(
            rel, weights=suppressed[member], minlength=rel.max() + 1 if len(rel) else 0
        )
        lonely = hidden[rel] == 1
        candidates = lonely & ~suppressed[member]
        if not candidates.any():
            break
        r, c = rel[candidates], member[candidates]
        order = np.lexsort((c, cost[c], r))
        first = np.r_[True, r[order][1:] != r[order][:-1]]
        suppressed[c[order][first]] = True
    return SuppressedCells(
        cells.drop(columns=[value]).reset_index(drop=True),
        n,
        primary,
        suppressed,
        threshold,
        relations,
    )


def shown(n: int | None, suppressed: bool, threshold: int, lang: str) -> str:
    """A count as the public reads it: the number, or "<5" when it is suppressed."""
    return f"<{threshold}" if suppressed else format_number(n, lang)
