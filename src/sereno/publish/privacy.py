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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sereno.config import Config
from sereno.errors import ConfigError
from sereno.i18n import format_number, t

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
}
# Who may see a field: the public sees public fields; signed-in staff also restricted ones.
AUDIENCES = {PUBLIC: {PUBLIC}, RESTRICTED: {PUBLIC, RESTRICTED}}


@dataclass(frozen=True)
class PrivacyPolicy:
    """The field policy and the small-cell threshold of one observatory."""

    fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    min_public_count: int = 5

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
        return cls(fields, config.min_public_count)

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
class SuppressedCells:
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

    def to_dict(self) -> dict[str, object]:
        frame = self.to_frame().astype(object).where(lambda f: f.notna(), None)
        return {"threshold": self.threshold, "cells": frame.to_dict(orient="records")}

    def summary(self, lang: str = "es") -> str:
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
