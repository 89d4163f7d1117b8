"""What a multiple systems estimate returns: the total, its interval and its diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sereno.i18n import format_number, t
from sereno.result import Interval, Result, figure_axes, tidy_rows


@dataclass(frozen=True, eq=False)
class MSEResult(Result):
    """Estimated population size ``N_hat`` with its 95% interval (``N_lower``, ``N_upper``).

    ``n_observed`` is the union count (individuals seen by any list), ``coverage`` each list's
    share of ``N_hat``, ``diagnostics`` the convergence figures (LCMCR) or the model table
    summary (log-linear), ``sensitivity`` the estimate under alternative priors or models.
    ``linkage``, when the record linkage's uncertainty was propagated
    (``sereno.estimate.linkage_uncertainty``), holds the linkage draws, the estimate and
    interval with the linkage taken as certain (``fixed``) and at the review band's thresholds;
    ``N_hat`` and its interval then include the linkage uncertainty.
    """

    method: str
    lists: tuple[str, ...]
    n_observed: int
    N_hat: float
    N_lower: float
    N_upper: float
    list_totals: dict[str, int]
    diagnostics: dict[str, Any]
    sensitivity: dict[str, float]
    stratum: str = ""
    draws: np.ndarray | None = field(default=None, repr=False)
    models: pd.DataFrame | None = field(default=None, repr=False)
    linkage: dict[str, Any] | None = None
    level: float = 0.95

    @property
    def n_unobserved(self) -> float:
        """N̂ − n: the estimated number of individuals no list saw."""
        return self.N_hat - self.n_observed

    @property
    def coverage(self) -> dict[str, float]:
        return {k: v / self.N_hat for k, v in self.list_totals.items()}

    @property
    def union_coverage(self) -> float:
        return self.n_observed / self.N_hat

    @property
    def interval(self) -> Interval:
        """N̂ with its interval at ``level`` (a posterior or profile interval: no se)."""
        return Interval(self.N_hat, float("nan"), self.N_lower, self.N_upper, 1 - self.level)

    def tidy(self) -> pd.DataFrame:
        """N̂ (term ``N``, the stratum after a colon when there is one) and its interval."""
        term = f"N:{self.stratum}" if self.stratum else "N"
        return tidy_rows([self.interval.row(term, f"mse_{self.method}")])

    def content(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "stratum": self.stratum,
            "method": self.method,
            "lists": list(self.lists),
            "n_observed": self.n_observed,
            "N_hat": round(float(self.N_hat), 2),
            "N_lower": round(float(self.N_lower), 2),
            "N_upper": round(float(self.N_upper), 2),
            "level": self.level,
            "n_unobserved": round(float(self.n_unobserved), 2),
            "list_totals": self.list_totals,
            "coverage": {k: round(v, 4) for k, v in self.coverage.items()},
            "union_coverage": round(self.union_coverage, 4),
            "diagnostics": self.diagnostics,
            "sensitivity": {k: round(float(v), 2) for k, v in self.sensitivity.items()},
        }
        if self.models is not None:
            out["models"] = self.models.round(4).to_dict(orient="records")
        if self.linkage is not None:
            out["linkage"] = self.linkage
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row: stratum, method, n, N̂, interval (and with the linkage taken as certain,
        when its uncertainty was propagated), and each list's coverage."""
        row: dict[str, Any] = {
            "stratum": self.stratum,
            "method": self.method,
            "n_observed": self.n_observed,
            "N_hat": self.N_hat,
            "N_lower": self.N_lower,
            "N_upper": self.N_upper,
            "level": self.level,
        }
        if self.linkage is not None:
            row.update({f"{k}_fixed": v for k, v in self.linkage["fixed"].items()})
        row.update({f"coverage_{k}": v for k, v in self.coverage.items()})
        return pd.DataFrame([row])

    def summary(self, lang: str | None = None) -> str:
        """A plain paragraph: how many, how sure, how much each list saw."""
        coverage = ", ".join(
            f"{name} {format_number(100 * c, lang)}%" for name, c in self.coverage.items()
        )
        text = t(
            "estimate.summary",
            lang,
            stratum=self.stratum or t("estimate.all", lang),
            observed=format_number(self.n_observed, lang),
            lists=len(self.lists),
            estimate=format_number(self.N_hat, lang),
            low=format_number(self.N_lower, lang),
            high=format_number(self.N_upper, lang),
            unseen=format_number(self.n_unobserved, lang),
            method=t(f"estimate.method_{self.method}", lang),
            coverage=coverage,
        )
        if self.method == "loglinear" and "best_model" in self.diagnostics:
            text += " " + self._model_summary(lang)
        if "cross_check" in self.diagnostics:
            text += " " + self._cross_check_summary(lang)
        if self.diagnostics.get("rule") == "allocation":
            d = self.diagnostics
            text += " " + t("estimate.allocated", lang, pool=d["pooled_from"],
                            coverage=format_number(100 * d["pooled_coverage"], lang),
                            total=format_number(d["pooled_N_hat"], lang))  # fmt: skip
        if self.linkage is not None:
            text += " " + self._linkage_summary(lang)
        warnings = self.diagnostics.get("warnings") or [self.diagnostics.get("warning")]
        for warning in filter(None, warnings):
            text += " " + t(f"estimate.warning_{warning}", lang, **self._warning_facts(lang))
        return text

    def _cross_check_summary(self, lang: str) -> str:
        d = self.diagnostics
        check = d["cross_check"]
        low, high = d["lcmcr_interval"]
        return t("estimate.cross_check", lang, model=check["best_model"],
                 estimate=format_number(check["N_hat"], lang),
                 low=format_number(check["N_lower"], lang),
                 high=format_number(check["N_upper"], lang),
                 lcmcr_low=format_number(low, lang), lcmcr_high=format_number(high, lang),
                 models=d["models_in_window"])  # fmt: skip

    def _warning_facts(self, lang: str) -> dict[str, str]:
        """The figures a warning quotes: the spread across models and its limit."""
        d = self.diagnostics
        facts = {"spread": format_number(100 * d.get("spread", 0.0), lang),
                 "limit": format_number(100 * d.get("spread_limit", 0.0), lang),
                 "models": str(d.get("models_in_window", "")),
                 "delta": format_number(d.get("window_delta", 0.0), lang),
                 "rhat": format_number(d.get("rhat", 0.0), lang, 2),
                 "ess": format_number(d.get("ess", 0.0), lang),
                 "iterations": format_number(d.get("iterations", 0), lang),
                 "needed": format_number(d.get("iterations_needed", 0), lang)}  # fmt: skip
        hidden = d.get("hidden_class")
        if hidden:
            facts["upper"] = format_number(hidden["N_upper"], lang)
            facts["open"] = (
                t("estimate.hidden_class_open", lang, cap=format_number(hidden["cap"], lang))
                if hidden["upper_open"]
                else ""
            )
        window = d.get("window_models") or []
        if window:
            estimates = [self.N_hat, *(m["N_hat"] for m in window)]
            facts["lowest"] = format_number(min(estimates), lang)
            facts["highest"] = format_number(max(estimates), lang)
        return facts

    def _model_summary(self, lang: str) -> str:
        d = self.diagnostics
        low, high = d.get("selected_interval", (self.N_lower, self.N_upper))
        penalty = d.get("penalty")
        log_of = format_number(d.get("penalty_log_of"), lang)
        return t("estimate.loglinear_choice", lang, model=d["best_model"],
                 criterion=str(d["criterion"]).upper(),
                 penalty=t(f"estimate.penalty_{penalty}", lang, m=log_of) if penalty else "",
                 fitted=d["models_fitted"], search=t(f"estimate.search_{d['search']}", lang),
                 low=format_number(low, lang), high=format_number(high, lang))  # fmt: skip

    def _linkage_summary(self, lang: str) -> str:
        linkage = self.linkage or {}
        fixed = linkage["fixed"]
        (low, at_low), (high, at_high) = linkage["thresholds"].items()
        return " ".join(
            (
                t("estimate.linkage.summary", lang, draws=linkage["draws"],
                  threshold=format_number(linkage["threshold"], lang, 2),
                  low=format_number(fixed["N_lower"], lang),
                  high=format_number(fixed["N_upper"], lang)),
                t("estimate.linkage.thresholds", lang,
                  low_threshold=format_number(float(low), lang, 2),
                  high_threshold=format_number(float(high), lang, 2),
                  at_low=format_number(at_low, lang), at_high=format_number(at_high, lang)),
            )
        )  # fmt: skip

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        """Posterior (LCMCR) or model estimates (log-linear) of N, with n and the interval."""
        fig, ax, lang = figure_axes(ax, lang, figsize=(7, 3.5))
        if self.draws is not None:
            ax.hist(self.draws, bins=60, color="0.6", edgecolor="0.3")
        elif self.models is not None:
            ax.scatter(self.models["N_hat"], self.models["weight"], color="0.2")
            ax.set_ylabel(t("estimate.weight", lang))
        ax.axvline(self.n_observed, color="black", linestyle=":", label=t("estimate.seen", lang))
        ax.axvspan(self.N_lower, self.N_upper, color="0.85", zorder=0,
                   label=f"{round(100 * self.level)}%")  # fmt: skip
        ax.axvline(self.N_hat, color="black", label="N̂")
        ax.set_xlabel("N")
        ax.set_title(
            t(
                "estimate.plot_title",
                lang,
                stratum=self.stratum or t("estimate.all", lang),
                method=t(f"estimate.method_{self.method}", lang),
            )
        )
        ax.legend(frameon=False)
        return fig
