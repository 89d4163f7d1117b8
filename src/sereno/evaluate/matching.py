"""Choosing comparison units: propensity score or Mahalanobis matching, with a balance table.

Each treated unit gets ``ratio`` comparison units, chosen without replacement by optimal
matching (Rosenbaum 1989): the assignment minimising the total distance, solved exactly as a
linear assignment problem (Crouse 2016, ``scipy.optimize.linear_sum_assignment``). Distances
are |logit e(x_i) - logit e(x_j)| for the propensity score e(x) of a logistic regression
(Rosenbaum and Rubin 1983), or the Mahalanobis distance on the covariates. Balance is the
standardised mean difference (m_t - m_c) / sqrt((s_t^2 + s_c^2) / 2), with the pre-matching
variances in the denominator both before and after (Austin 2009); |SMD| < 0.1 is the usual
bar. ``baseline_features`` turns a panel into per-unit baseline level and trend, so that
comparison neighbourhoods can be matched on their homicide history as the seed asks.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from sereno.errors import SerenoError
from sereno.evaluate._common import Interval, Periods, number, require_columns
from sereno.evaluate._common import numeric as numeric_column
from sereno.i18n import t
from sereno.result import Result, figure_axes, tidy_rows


@dataclass(frozen=True)
class MatchResult(Result):
    method: str
    pairs: pd.DataFrame  # treated, comparison, distance
    balance: pd.DataFrame  # covariate, mean_treated, mean_all_comparison, mean_matched, smd_*
    propensity: pd.DataFrame | None  # unit, treated, score
    estimate: Interval | None  # ATT on the outcome, if given
    outcome: str | None
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def comparison_units(self) -> list[str]:
        return sorted(self.pairs["comparison"].unique())

    def to_frame(self) -> pd.DataFrame:
        return self.balance

    def tidy(self) -> pd.DataFrame:
        """The ATT on the outcome, when one was given (else no row)."""
        rows = [] if self.estimate is None else [self.estimate.row("att", f"match_{self.method}")]
        return tidy_rows(rows)

    def content(self) -> dict[str, Any]:
        return {
            "method": "match",
            "distance": self.method,
            "estimate": self.estimate,
            "outcome": self.outcome,
            "comparison": self.comparison_units,
            "pairs": self.pairs,
            "balance": self.balance,
            "propensity": self.propensity,
            "diagnostics": self.diagnostics,
        }

    def summary(self, lang: str | None = None) -> str:
        before = self.balance["smd_before"].abs().max()
        after = self.balance["smd_after"].abs().max()
        parts = [
            t(
                "evaluate.match_summary",
                lang,
                treated=self.pairs["treated"].nunique(),
                comparison=len(self.comparison_units),
                method=self.method,
                before=number(before, lang=lang),
                after=number(after, lang=lang),
            )
        ]
        if self.estimate is not None:
            e = self.estimate
            parts.append(
                t(
                    "evaluate.match_estimate",
                    lang,
                    outcome=self.outcome,
                    estimate=number(e.estimate, lang=lang),
                    low=number(e.low, lang=lang),
                    high=number(e.high, lang=lang),
                )
            )
        parts.append(t("evaluate.match_caveat", lang))
        return " ".join(parts)

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        b = self.balance
        y = np.arange(len(b))
        fig, ax, lang = figure_axes(ax, lang, figsize=(7, 0.5 * len(b) + 1.5))
        ax.plot(
            b["smd_before"].abs(),
            y,
            "o",
            mfc="white",
            color="black",
            label=t("evaluate.before_matching", lang),
        )
        ax.plot(
            b["smd_after"].abs(), y, "s", color="black", label=t("evaluate.after_matching", lang)
        )
        ax.axvline(0.1, color="0.5", ls=":")
        ax.set_yticks(y, b["covariate"])
        ax.set_xlabel("|SMD|")
        ax.set_title(t("evaluate.match_title", lang, method=self.method))
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig


def match_units(
    frame: pd.DataFrame,
    unit: str,
    treatment: str,
    covariates: list[str],
    *,
    method: str = "propensity",
    ratio: int = 1,
    outcome: str | None = None,
) -> MatchResult:
    """Match each treated unit (one row per unit) to ``ratio`` comparison units."""
    if method not in ("propensity", "mahalanobis"):
        raise SerenoError(
            "evaluate.bad_choice",
            option="--method",
            value=method,
            choices="propensity, mahalanobis",
        )
    require_columns(frame, [unit, treatment, outcome, *covariates])
    if not covariates:
        raise SerenoError("evaluate.no_covariates")
    units = frame[unit].astype(str).to_numpy()
    d = numeric_column(frame, treatment)
    if not np.isin(d, (0.0, 1.0)).all():
        row = int(np.flatnonzero(~np.isin(d, (0.0, 1.0)))[0])
        raise SerenoError("evaluate.not_binary", column=treatment, row=row + 1, value=d[row])
    x = np.column_stack([numeric_column(frame, c) for c in covariates])
    treated, control = np.flatnonzero(d == 1), np.flatnonzero(d == 0)
    if treated.size == 0:
        raise SerenoError("evaluate.no_treated")
    if control.size < ratio * treated.size:
        raise SerenoError("evaluate.too_few_controls", n=control.size, needed=ratio * treated.size)
    centred = np.column_stack([np.ones(len(x)), x - x.mean(axis=0)])
    if np.linalg.matrix_rank(centred) < centred.shape[1]:
        raise SerenoError("evaluate.collinear", columns=", ".join(covariates))
    propensity = None
    if method == "propensity":
        score = _propensity(d, x, covariates)
        logit = np.log(score / (1 - score))
        distance = np.abs(logit[treated][:, None] - logit[control][None, :])
        propensity = pd.DataFrame({"unit": units, "treated": d.astype(int), "score": score})
    else:
        inverse = np.linalg.inv(np.cov(x, rowvar=False).reshape(x.shape[1], x.shape[1]))
        distance = cdist(x[treated], x[control], "mahalanobis", VI=inverse)
    rows, cols = linear_sum_assignment(np.repeat(distance, ratio, axis=0))
    t_index, c_index = treated[rows // ratio], control[cols]
    pairs = pd.DataFrame(
        {
            "treated": units[t_index],
            "comparison": units[c_index],
            "distance": distance[rows // ratio, cols],
        }
    )
    balance = _balance(x, covariates, treated, control, c_index)
    estimate = None
    if outcome is not None:
        y = numeric_column(frame, outcome)
        gaps = y[treated] - pd.Series(y[c_index]).groupby(rows // ratio).mean().to_numpy()
        estimate = Interval.normal(gaps.mean(), gaps.std(ddof=1) / np.sqrt(gaps.size))
    diagnostics = {
        "n_treated": int(treated.size),
        "n_candidates": int(control.size),
        "ratio": ratio,
        "max_abs_smd_after": float(balance["smd_after"].abs().max()),
    }
    return MatchResult(method, pairs, balance, propensity, estimate, outcome, diagnostics)


def _propensity(d: np.ndarray, x: np.ndarray, covariates: list[str]) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.Logit(d, sm.add_constant(x, has_constant="add")).fit(disp=0, maxiter=200)
        except np.linalg.LinAlgError:
            raise SerenoError("evaluate.collinear", columns=", ".join(covariates)) from None
    score = np.asarray(fit.predict())
    if score.min() < 1e-8 or score.max() > 1 - 1e-8:
        raise SerenoError("evaluate.separation", columns=", ".join(covariates))
    return score


def _balance(
    x: np.ndarray, names: list[str], treated: np.ndarray, control: np.ndarray, matched: np.ndarray
) -> pd.DataFrame:
    mt, mc, mm = x[treated].mean(0), x[control].mean(0), x[matched].mean(0)
    pooled = np.sqrt((x[treated].var(0, ddof=1) + x[control].var(0, ddof=1)) / 2)
    pooled = np.where(pooled > 0, pooled, 1.0)
    return pd.DataFrame(
        {
            "covariate": names,
            "mean_treated": mt,
            "mean_all_comparison": mc,
            "mean_matched": mm,
            "smd_before": (mt - mc) / pooled,
            "smd_after": (mt - mm) / pooled,
        }
    )


def baseline_features(
    frame: pd.DataFrame, unit: str, time: str, outcome: str, start: Any
) -> pd.DataFrame:
    """Per unit, before ``start``: the mean of ``outcome`` (baseline_level) and its OLS slope
    per period (baseline_trend)."""
    require_columns(frame, [unit, time, outcome])
    periods = Periods.detect(frame[time])
    data = pd.DataFrame(
        {
            "unit": frame[unit].astype(str),
            "t": periods.code(frame[time], time),
            "y": numeric_column(frame, outcome),
        }
    )
    data = data[data["t"] < periods.one(start, "--start")]
    if data.empty:
        raise SerenoError("evaluate.too_few_pre", n=0, needed=2, start=start)
    data["tc"] = data["t"] - data.groupby("unit")["t"].transform("mean")
    data["ty"] = data["tc"] * data["y"]
    data["tt"] = data["tc"] ** 2
    sums = data.groupby("unit")[["y", "ty", "tt"]].agg({"y": "mean", "ty": "sum", "tt": "sum"})
    slope = sums["ty"] / sums["tt"].where(sums["tt"] > 0)
    return pd.DataFrame(
        {
            "unit": sums.index,
            "baseline_level": sums["y"].to_numpy(),
            "baseline_trend": slope.fillna(0.0).to_numpy(),
        }
    )
