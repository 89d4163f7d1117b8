"""The result of a hot-spot analysis: one object for the CLI, the portal and the bulletin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sereno.i18n import format_number, t
from sereno.result import Result, records, tidy_frame
from sereno.spatial.bins import BIN_KEYS


@dataclass(frozen=True)
class Title:
    """What, where and when, for titles and sentences."""

    indicator: str
    level: str = ""
    period: str = ""


@dataclass(frozen=True)
class GlobalMoran:
    """Global Moran's I with its normal-approximation and permutation inference (esda)."""

    I: float  # noqa: E741 (the statistic's name in the literature)
    EI: float
    z_norm: float
    p_norm: float
    p_sim: float | None


@dataclass(frozen=True)
class HotSpots(Result):
    """Local statistics per unit, aligned with ``unit_codes``.

    ``statistic`` is Gi*, Gi or local Moran's I; ``z`` and ``p`` (two-sided) their analytic
    inference; ``p_sim`` the conditional-permutation pseudo p-value (None without
    permutations); ``bins`` from -3 (cold spot, 99%) to 3 (hot spot, 99%); ``quadrant`` for
    local Moran (HH, LL, HL, LH, ns); ``status`` ok, missing or island.
    """

    method: str
    weights: str
    transform: str
    value_name: str
    unit_codes: np.ndarray
    status: np.ndarray
    value: np.ndarray
    statistic: np.ndarray
    z: np.ndarray
    p: np.ndarray
    p_sim: np.ndarray | None
    bins: np.ndarray
    quadrant: np.ndarray | None
    significance: str
    permutations: int
    seed: int
    alpha: float
    fdr: bool
    n_significant: int
    n_significant_fdr: int | None
    moran: GlobalMoran
    title: Title
    geometry: Any = field(default=None, repr=False, compare=False)

    @property
    def n_tested(self) -> int:
        return int((self.status == "ok").sum())

    def bin_label(self, lang: str | None = None) -> list[str]:
        labels = {b: t(key, lang) for b, key in BIN_KEYS.items()}
        return [labels[int(b)] for b in self.bins]

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """id, value, statistic, z, p, p_sim, bin, bin_label, quadrant, status."""
        frame = pd.DataFrame(
            {
                "id": self.unit_codes,
                "value": self.value,
                "statistic": self.statistic,
                "z": self.z,
                "p": self.p,
            }
        )
        if self.p_sim is not None:
            frame["p_sim"] = self.p_sim
        frame["bin"] = self.bins
        frame["bin_label"] = self.bin_label(lang)
        if self.quadrant is not None:
            frame["quadrant"] = self.quadrant
        frame["status"] = self.status
        return frame

    def counts(self) -> dict[str, int]:
        return {
            "hot": int((self.bins > 0).sum()),
            "cold": int((self.bins < 0).sum()),
            "missing": int((self.status == "missing").sum()),
            "island": int((self.status == "island").sum()),
        }

    def tidy(self) -> pd.DataFrame:
        """Each unit's local statistic (term the method, e.g. ``gi_star``) with the p-value
        its significance uses (the pseudo p-value with permutation inference); the statistic
        has no standard error of its own, so se, low and high are empty."""
        p = self.p_sim if self.significance == "permutation" else self.p
        return tidy_frame(self.method, self.statistic, self.method, p=p, unit_code=self.unit_codes)

    def to_dict(self, lang: str | None = None) -> dict[str, object]:
        """The contract's ``to_dict`` and one row per unit (``results``, labels in ``lang``)."""
        return {**super().to_dict(), "results": records(self.to_frame(lang))}

    def content(self) -> dict[str, object]:
        return {
            "method": self.method,
            "weights": self.weights,
            "transform": self.transform,
            "value": self.value_name,
            "title": self.title.__dict__,
            "units": len(self.unit_codes),
            "tested": self.n_tested,
            **self.counts(),
            "significance": self.significance,
            "permutations": self.permutations,
            "seed": self.seed,
            "alpha": self.alpha,
            "fdr": self.fdr,
            "significant": self.n_significant,
            "significant_fdr": self.n_significant_fdr,
            "global_moran": self.moran,
        }

    def summary(self, lang: str | None = None) -> str:
        """A plain-language paragraph on what was found."""
        c = self.counts()
        where = ", ".join(x for x in (self.title.level, self.title.period) if x)
        parts = [
            t(
                f"spatial.summary_{self.method}",
                lang,
                indicator=self.title.indicator,
                where=where or "-",
                tested=self.n_tested,
                hot=c["hot"],
                cold=c["cold"],
            ),
            t(
                "spatial.summary_significant",
                lang,
                n=self.n_significant,
                alpha=format_number(self.alpha, lang, significant=3),
                how=t(f"spatial.inference_{self.significance}", lang),
            ),
        ]
        if self.n_significant_fdr is not None:
            parts.append(t("spatial.summary_fdr", lang, n=self.n_significant_fdr))
        m = self.moran
        parts.append(
            t(
                "spatial.summary_moran",
                lang,
                I=format_number(m.I, lang, 3),
                z=format_number(m.z_norm, lang, 2),
                p=format_number(m.p_norm, lang, significant=3),
            )
        )
        if c["missing"] or c["island"]:
            parts.append(
                t("spatial.summary_left_out", lang, missing=c["missing"], island=c["island"])
            )
        return " ".join(parts)

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        """A choropleth of the bins (needs the units' geometry)."""
        from sereno.spatial.maps import bin_map  # maps draws results; it imports none back

        return bin_map(self, ax=ax, lang=lang)
