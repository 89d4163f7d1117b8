"""The review's tabulations as the seed made them: group involvement and motives by unit.

* **Group involvement.** Of the homicides reviewed in a unit (and period), the share whose
  victim or offender (``side``: any, victim, offender) was a group member, *confirmed* and
  *suspected* kept apart (as Group Violence Intervention reviews publish them: "36 %
  confirmed plus 10 % suspected of 107 homicides"), each with its exact (Clopper-Pearson
  1934) interval; a homicide is ``any``-confirmed when either side is confirmed, else
  ``any``-suspected when either is suspected. Reviews answered *unknown* stay in the
  denominator: the share is of homicides reviewed. Beside it, the homicides the store
  counts in the unit and period (without a period: in the years the unit's reviews span),
  and the review's **coverage** (reviewed / counted): seed
  000's reviews were chosen non-randomly, so a share is of the reviewed homicides only.
* **Motives.** Each motive's share of the reviewed homicides; a homicide can have several
  motives, so the shares do not add up to 100 % (seed 000: "the codes used ... are not
  exclusive").
* **By group.** How many reviewed homicides name each group, as the victim's or the
  offender's, confirmed or suspected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from sereno.errors import SerenoError
from sereno.i18n import format_number, t

SIDES = ("any", "victim", "offender")
BY = ("unit_code", "period")
INVOLVEMENT = ("confirmed", "suspected", "none", "unknown")
METHOD = "Clopper-Pearson (exact binomial)"


def exact_interval(k: Sequence[int], n: Sequence[int], level: float = 0.95):
    """Clopper-Pearson bounds of k/n (statsmodels' ``method='beta'``), NaN where n is 0."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    low, high = np.full(k.shape, np.nan), np.full(k.shape, np.nan)
    ok = n > 0
    if ok.any():
        lo, hi = proportion_confint(k[ok], n[ok], alpha=1 - level, method="beta")
        low[ok], high[ok] = lo, hi
    return low, high


def involvement_of(reviews: pd.DataFrame, side: str) -> pd.Series:
    """Each review's group involvement on ``side`` (any: the stronger of the two sides)."""
    if side not in SIDES:
        raise SerenoError("review.bad_side", value=side, choices=", ".join(SIDES))
    if side != "any":
        return reviews[f"{side}_group"].fillna("unknown")
    v, o = reviews["victim_group"].fillna("unknown"), reviews["offender_group"].fillna("unknown")
    return pd.Series(
        np.select(
            [
                (v == "confirmed") | (o == "confirmed"),
                (v == "suspected") | (o == "suspected"),
                (v == "none") & (o == "none"),
            ],
            ["confirmed", "suspected", "none"],
            "unknown",
        ),
        index=reviews.index,
    )


@dataclass(frozen=True)
class ReviewTables:
    """The three tabulations of a set of reviews, keyed by ``by``."""

    involvement: pd.DataFrame
    motives: pd.DataFrame
    groups: pd.DataFrame
    by: tuple[str, ...]
    side: str
    level: float
    method: str = METHOD

    def to_frame(self) -> pd.DataFrame:
        return self.involvement.copy()

    def to_dict(self) -> dict[str, Any]:
        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")

        return {
            "by": list(self.by),
            "side": self.side,
            "level": self.level,
            "method": self.method,
            "involvement": rows(self.involvement),
            "motives": rows(self.motives),
            "groups": rows(self.groups),
            "summary": {lang: self.summary(lang) for lang in ("es", "en")},
        }

    def summary(self, lang: str = "es") -> str:
        parts = []
        for row in self.involvement.itertuples():
            where = " ".join(str(getattr(row, k)) for k in self.by)
            parts.append(
                t(
                    "review.summary_row",
                    lang,
                    where=where,
                    n=row.n_reviewed,
                    confirmed=_pct(row.share_confirmed, lang),
                    c_low=_pct(row.confirmed_low, lang),
                    c_high=_pct(row.confirmed_high, lang),
                    suspected=_pct(row.share_suspected, lang),
                    s_low=_pct(row.suspected_low, lang),
                    s_high=_pct(row.suspected_high, lang),
                    coverage=_coverage(row, lang),
                )
            )
        head = t(
            "review.summary_head",
            lang,
            side=t(f"review.side.{self.side}", lang),
            level=format_number(self.level * 100, lang),
        )
        return " ".join([head, *parts, t("review.motives_not_exclusive", lang)])


def _pct(value: float, lang: str) -> str:
    return "–" if pd.isna(value) else format_number(100 * value, lang, 1) + " %"


def _coverage(row: Any, lang: str) -> str:
    if pd.isna(row.homicides):
        return t("review.coverage_unknown", lang)
    return t("review.coverage", lang, homicides=int(row.homicides), share=_pct(row.coverage, lang))


def with_period(reviews: pd.DataFrame) -> pd.DataFrame:
    """``reviews`` with ``period``: the incident's year."""
    out = reviews.copy()
    out["period"] = pd.to_datetime(out["incident_date"]).dt.year.astype("Int64")
    return out


def tabulate_reviews(
    reviews: pd.DataFrame,
    by: Sequence[str] = ("unit_code",),
    side: str = "any",
    homicides: pd.DataFrame | None = None,
    level: float = 0.95,
) -> ReviewTables:
    """Group involvement, motive mix and groups of ``reviews`` (one row per review, with
    ``motives``, ``victim_groups`` and ``offender_groups`` as lists) by ``by`` (unit_code,
    period). ``homicides`` (``by`` columns and ``homicides``) gives the coverage."""
    by = tuple(by)
    unknown = [k for k in by if k not in BY]
    if unknown or not by:
        raise SerenoError("review.bad_by", value=",".join(by), choices=", ".join(BY))
    data = with_period(reviews)
    data["involvement"] = involvement_of(data, side)
    keys = data[list(by)].astype(str)
    counts = pd.crosstab([keys[k] for k in by], data["involvement"])
    counts = counts.reindex(columns=list(INVOLVEMENT), fill_value=0)
    table = counts.reset_index()
    table.columns.name = None
    table["n_reviewed"] = table[list(INVOLVEMENT)].sum(axis=1)
    for kind in ("confirmed", "suspected"):
        table[f"share_{kind}"] = table[kind] / table["n_reviewed"]
        table[f"{kind}_low"], table[f"{kind}_high"] = exact_interval(
            table[kind], table["n_reviewed"], level
        )
    table["involved"] = table["confirmed"] + table["suspected"]
    table["share_involved"] = table["involved"] / table["n_reviewed"]
    table["involved_low"], table["involved_high"] = exact_interval(
        table["involved"], table["n_reviewed"], level
    )
    if homicides is not None and len(homicides):
        h = homicides.assign(**{k: homicides[k].astype(str) for k in homicides if k in BY})
        if "period" in h and "period" not in by:
            # Coverage over the years the review spans in each unit, not the whole series.
            spans = data[["unit_code", "period"]].astype(str).drop_duplicates()
            h = h.merge(spans, on=["unit_code", "period"])
        h = h.groupby(list(by), as_index=False)["homicides"].sum()
        table = table.merge(h, on=list(by), how="left")
    else:
        table["homicides"] = np.nan
    table["coverage"] = table["n_reviewed"] / table["homicides"]
    return ReviewTables(
        table, _motives(data, keys, by, table, level), _groups(data, by), by, side, level
    )


def _motives(data, keys, by, table, level) -> pd.DataFrame:
    coded = data.assign(**{k: keys[k] for k in by})[[*by, "motives"]].explode("motives")
    coded = coded.dropna(subset=["motives"]).rename(columns={"motives": "motive"})
    n = coded.groupby([*by, "motive"]).size().rename("n").reset_index()
    n = n.merge(table[[*by, "n_reviewed"]], on=list(by))
    n["share"] = n["n"] / n["n_reviewed"]
    n["low"], n["high"] = exact_interval(n["n"], n["n_reviewed"], level)
    return n.sort_values(
        [*by, "n", "motive"], ascending=[*([True] * len(by)), False, True], ignore_index=True
    )


def _groups(data, by) -> pd.DataFrame:
    rows = []
    for side in ("victim", "offender"):
        named = data[[*by, f"{side}_groups", f"{side}_group"]].explode(f"{side}_groups")
        named = named.dropna(subset=[f"{side}_groups"])
        if named.empty:
            continue
        named = named.rename(columns={f"{side}_groups": "group_id", f"{side}_group": "inv"})
        g = pd.crosstab([named["group_id"]], named["inv"]).reindex(
            columns=["confirmed", "suspected"], fill_value=0
        )
        g["n"] = named.groupby("group_id").size()
        rows.append(g.reset_index().assign(side=side))
    if not rows:
        return pd.DataFrame(columns=["group_id", "side", "n", "confirmed", "suspected"])
    out = pd.concat(rows, ignore_index=True)
    out.columns.name = None
    return out[["group_id", "side", "n", "confirmed", "suspected"]].sort_values(
        ["n", "group_id"], ascending=[False, True], ignore_index=True
    )


def store_homicides(obs, by: Sequence[str], units: Sequence[str]) -> pd.DataFrame:
    """Homicides the store counts (the counts cube's rule: one source, never summed) in the
    reviewed units, by unit and/or year."""
    from sereno.indicators.cube import counts_cube

    if not units:
        return pd.DataFrame()
    marks = ", ".join("?" for _ in units)
    levels = obs.engine.rows(
        f"SELECT level, count(*) FROM units WHERE unit_code IN ({marks}) GROUP BY 1 ORDER BY 2 "
        "DESC",
        list(units),
    )
    if not levels:
        return pd.DataFrame()
    try:
        cube = counts_cube(obs, "0101", level=levels[0][0], period="year")
    except SerenoError:
        return pd.DataFrame()
    counts = cube.to_frame().rename(columns={"n": "homicides"})
    counts = counts.assign(period=counts["period"].astype("int64"))
    return counts.groupby(list(by), as_index=False)["homicides"].sum()


def review_tables(obs, actor, by=("unit_code",), side="any", level=0.95) -> ReviewTables:
    """The tabulations of the reviews ``actor`` may see, with the store's homicides."""
    from sereno.review.reviews import reviews

    frame = reviews(obs, actor)
    if frame.empty:
        raise SerenoError("review.no_reviews")
    homicides = store_homicides(obs, ("unit_code", "period"), sorted(frame["unit_code"].unique()))
    return tabulate_reviews(frame, by, side, homicides, level)


def public_cells(tables: ReviewTables, threshold: int) -> pd.DataFrame:
    """The involvement table as the public may see it: rows with fewer than ``threshold``
    reviews withheld whole, counts between 1 and ``threshold - 1`` shown as suppressed (the
    privacy policy's small-cell rule); no narrative, name or group is ever in it."""
    out = tables.involvement[
        [
            *tables.by,
            "n_reviewed",
            "confirmed",
            "suspected",
            "share_confirmed",
            "confirmed_low",
            "confirmed_high",
            "share_suspected",
            "suspected_low",
            "suspected_high",
            "homicides",
            "coverage",
        ]
    ].copy()
    out = out[out["n_reviewed"] >= threshold].reset_index(drop=True)
    for kind in ("confirmed", "suspected"):
        small = (out[kind] > 0) & (out[kind] < threshold)
        out[f"{kind}_suppressed"] = small
        out[kind] = out[kind].astype("Int64").mask(small)
        out.loc[small, [f"share_{kind}", f"{kind}_low", f"{kind}_high"]] = np.nan
    return out
