"""The result of a difference-in-differences design (TWFE, event study, staggered)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sereno.evaluate._common import Interval, number, subject
from sereno.i18n import t
from sereno.result import Result, figure_axes, tidy_frame, tidy_rows


@dataclass(frozen=True)
class DiDResult(Result):
    """A DiD estimate: ``estimate`` is the ATT (a difference in outcome units, or a rate ratio
    for ``family="poisson"``); ``events`` the event-study coefficients by relative period;
    ``cohort_effects`` the group-time ATT(g, t) of Callaway and Sant'Anna."""

    method: str
    family: str
    outcome: str
    place: str
    estimate: Interval
    averted: Interval
    events: pd.DataFrame | None
    cohort_effects: pd.DataFrame | None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    means: pd.DataFrame | None = None

    @property
    def scale(self) -> str:
        return "rate_ratio" if self.family == "poisson" else "difference"

    @property
    def comparison(self) -> str:
        if self.method == "staggered":
            return self.diagnostics.get("control_group", "never_treated")
        return "untreated_and_not_yet_treated_units"

    def to_frame(self) -> pd.DataFrame:
        if self.events is not None:
            return self.events
        row = {"method": self.method, "scale": self.scale, **self.estimate.__dict__}
        return pd.DataFrame([row])

    def tidy(self) -> pd.DataFrame:
        """The ATT (a rate ratio for Poisson), the homicides averted and, for an event study,
        each relative period's coefficient."""
        method = f"did_{self.method}"
        rows = [self.estimate.row(self.scale, method), self.averted.row("averted", method)]
        frames = [tidy_rows(rows)]
        if self.events is not None:
            ev = self.events
            value = ev["rate_ratio"] if "rate_ratio" in ev else ev["estimate"]
            term = "event:" + ev["relative_period"].astype(int).astype(str)
            se, p = ev.get("se", np.nan), ev.get("p", np.nan)
            frames.append(
                tidy_frame(term, value, method, se=se, low=ev["low"], high=ev["high"], p=p)
            )
        return pd.concat(frames, ignore_index=True)

    def content(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "family": self.family,
            "outcome": self.outcome,
            "place": self.place,
            "scale": self.scale,
            "estimate": self.estimate,
            "averted": self.averted,
            "comparison": self.comparison,
            "events": self.events,
            "cohort_effects": self.cohort_effects,
            "diagnostics": self.diagnostics,
        }

    def summary(self, lang: str | None = None) -> str:
        e = self.estimate
        values = {
            "subject": subject(self.outcome, self.place, lang),
            "estimate": number(e.estimate, 3, lang=lang),
            "low": number(e.low, 3, lang=lang),
            "high": number(e.high, 3, lang=lang),
            "treated": self.diagnostics.get("n_treated_units"),
            "units": self.diagnostics.get("n_units"),
        }
        parts = [
            t(f"evaluate.did_{self.scale}", lang, **values),
            t(f"evaluate.did_method_{self.method}", lang),
        ]
        pretrend = self.diagnostics.get("pretrend")
        if pretrend:
            key = "evaluate.pretrend_reject" if pretrend["p"] < 0.05 else "evaluate.pretrend_ok"
            parts.append(t(key, lang, p=number(pretrend["p"], 3, lang=lang)))
        parts.append(t("evaluate.did_caveat", lang))
        return " ".join(parts)

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        fig, ax, lang = figure_axes(ax, lang, figsize=(8, 4.5))
        title = t(
            f"evaluate.did_title_{self.method}",
            lang,
            subject=subject(self.outcome, self.place, lang),
        )
        if self.events is not None:
            ev = self.events
            value = ev["rate_ratio"] if "rate_ratio" in ev else ev["estimate"]
            ax.errorbar(
                ev["relative_period"],
                value,
                yerr=[value - ev["low"], ev["high"] - value],
                fmt="o",
                color="black",
                ecolor="0.5",
                capsize=2,
            )
            ax.axhline(1.0 if "rate_ratio" in ev else 0.0, color="0.4", lw=0.8)
            ax.axvline(-0.5, color="0.5", ls=":", lw=1)
            ax.set_xlabel(t("evaluate.relative_period", lang))
        elif self.means is not None:
            x = np.arange(len(self.means))
            ax.plot(
                x,
                self.means["treated"],
                "-o",
                color="black",
                ms=3,
                label=t("evaluate.treated", lang),
            )
            ax.plot(
                x,
                self.means["comparison"],
                "--s",
                color="0.5",
                ms=3,
                label=t("evaluate.comparison_units", lang),
            )
            step = max(1, len(x) // 10)
            ax.set_xticks(x[::step], self.means["period"].iloc[::step], rotation=45, ha="right")
            ax.legend(frameon=False)
        ax.set_ylabel(self.outcome)
        ax.set_title(title)
        fig.tight_layout()
        return fig
