"""Interrupted time series: segmented Poisson or negative binomial regression.

The monthly count y_t is modelled (Wagner et al. 2002; Bernal, Cummins and Gasparrini 2017) as

    log E[y_t] = b0 + b1 (t - T0) + b2 D_t + b3 (t - T0) D_t + s(t) [+ c log(x_t + 0.5)]

where T0 is the first period of the program, D_t = 1 from T0 on, s(t) are Fourier terms of the
season (two harmonics) and x_t an optional comparison series (a control series absorbs shocks
common to both, such as a city-wide truce). exp(b2) is the rate ratio of the level change at T0
and exp(b3) the change in the monthly trend. The counterfactual sets D_t = 0; homicides averted
over a window W are sum_W (mu0_t - mu1_t), with a 95% interval from 2,000 draws of the
coefficients from their estimated normal distribution (King, Tomz and Wittenberg 2000).

``poisson`` is quasi-Poisson: standard errors are scaled by the Pearson dispersion when it
exceeds 1, so overdispersed counts do not give falsely narrow intervals. ``negbin`` fits an NB2
model with its dispersion estimated by maximum likelihood.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from sereno.errors import SerenoError
from sereno.evaluate._common import (
    Interval,
    Periods,
    counts,
    number,
    require_columns,
    subject,
)
from sereno.i18n import t
from sereno.result import Result, figure_axes, tidy_rows

MIN_PRE = 8
MIN_POST = 3
HARMONICS = 2


@dataclass(frozen=True)
class ITSResult(Result):
    """An interrupted time series fit: level and trend change, counterfactual, averted."""

    outcome: str
    place: str
    family: str
    periods: list[str]
    observed: np.ndarray
    fitted: np.ndarray
    counterfactual: np.ndarray
    counterfactual_low: np.ndarray
    counterfactual_high: np.ndarray
    start: str
    level_change: Interval  # rate ratio exp(b2)
    slope_change: Interval  # rate ratio per period exp(b3)
    averted: Interval  # sum over the window of mu0 - mu1
    window: tuple[str, str]
    control: str | None
    coefficients: pd.DataFrame
    diagnostics: dict[str, Any] = field(default_factory=dict)
    control_observed: np.ndarray | None = None

    @property
    def estimate(self) -> Interval:
        """The level change as a rate ratio (the headline number, as in the other results)."""
        return self.level_change

    @property
    def comparison(self) -> str:
        return "pre_trend_season" + ("+control_series" if self.control else "")

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "period": self.periods,
                "observed": self.observed,
                "fitted": self.fitted,
                "counterfactual": self.counterfactual,
                "counterfactual_low": self.counterfactual_low,
                "counterfactual_high": self.counterfactual_high,
            }
        )
        if self.control_observed is not None:
            frame["control"] = self.control_observed
        return frame

    def tidy(self) -> pd.DataFrame:
        """The level and slope changes (rate ratios) and the homicides averted."""
        return tidy_rows(
            [
                self.level_change.row("level_change_rate_ratio", "its"),
                self.slope_change.row("slope_change_rate_ratio", "its"),
                self.averted.row("averted", "its"),
            ]
        )

    def content(self) -> dict[str, Any]:
        return {
            "method": "its",
            "outcome": self.outcome,
            "place": self.place,
            "family": self.family,
            "start": self.start,
            "estimate": self.level_change,
            "estimate_name": "level_change_rate_ratio",
            "slope_change": self.slope_change,
            "averted": self.averted,
            "window": list(self.window),
            "comparison": self.comparison,
            "control": self.control,
            "coefficients": self.coefficients.reset_index(),
            "diagnostics": self.diagnostics,
            "series": self.to_frame(),
        }

    def summary(self, lang: str | None = None) -> str:
        rr = self.level_change
        key = "evaluate.its_control" if self.control else "evaluate.its_own"
        return " ".join(
            [
                t(
                    "evaluate.its_summary",
                    lang,
                    subject=subject(self.outcome, self.place, lang),
                    start=self.start,
                    change=number(abs(100 * (rr.estimate - 1)), 1, lang=lang),
                    direction=t("evaluate.lower" if rr.estimate < 1 else "evaluate.higher", lang),
                    rr=number(rr.estimate, lang=lang),
                    low=number(rr.low, lang=lang),
                    high=number(rr.high, lang=lang),
                    averted=number(self.averted.estimate, 1, lang=lang),
                    averted_low=number(self.averted.low, 1, lang=lang),
                    averted_high=number(self.averted.high, 1, lang=lang),
                    first=self.window[0],
                    last=self.window[1],
                ),
                t(key, lang, control=self.control or ""),
                t("evaluate.its_caveat", lang, start=self.start),
            ]
        )

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        fig, ax, lang = figure_axes(ax, lang, figsize=(9, 4.5))
        x = np.arange(len(self.periods))
        post = np.array([p >= self.start for p in self.periods])
        ax.plot(x, self.observed, "o", color="black", ms=3, label=t("evaluate.observed", lang))
        ax.plot(x, self.fitted, "-", color="black", lw=1.2, label=t("evaluate.fitted", lang))
        ax.plot(
            x[post],
            self.counterfactual[post],
            "--",
            color="0.35",
            lw=1.5,
            label=t("evaluate.counterfactual", lang),
        )
        ax.fill_between(
            x[post], self.counterfactual_low[post], self.counterfactual_high[post], color="0.85"
        )
        ax.axvline(int(np.argmax(post)), color="0.5", ls=":", lw=1)
        step = max(1, len(x) // 10)
        ax.set_xticks(x[::step], [self.periods[i] for i in x[::step]], rotation=45, ha="right")
        ax.set_ylabel(self.outcome)
        ax.set_title(
            t(
                "evaluate.its_title",
                lang,
                subject=subject(self.outcome, self.place, lang),
                first=self.periods[0],
                last=self.periods[-1],
            )
        )
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig


def interrupted_time_series(
    frame: pd.DataFrame,
    time: str,
    outcome: str,
    start: Any,
    end: Any = None,
    *,
    family: str = "poisson",
    season: int | None = 12,
    control: str | None = None,
    window: tuple[Any, Any] | None = None,
    place: str = "",
    draws: int = 2000,
    seed: int = 7,
) -> ITSResult:
    """Fit a segmented regression to one series (one row per period) and return the level
    change at ``start``, the counterfactual path and homicides averted over ``window`` (default:
    ``start`` to the last period, or ``end`` when the program ended; later periods are left out).
    """
    if family not in ("poisson", "negbin"):
        raise SerenoError(
            "evaluate.bad_choice", option="--family", value=family, choices="poisson, negbin"
        )
    require_columns(frame, [time, outcome, control])
    periods = Periods.detect(frame[time])
    codes = periods.code(frame[time], time)
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    if (np.diff(codes) == 0).any():
        dup = codes[np.flatnonzero(np.diff(codes) == 0)[0]]
        raise SerenoError("evaluate.duplicate_time", column=time, value=periods.label(dup))
    y = counts(frame, outcome)[order]
    x_control = counts(frame, control)[order] if control else None
    t0 = periods.one(start, "--start")
    keep = codes <= periods.one(end, "--end") if end is not None else np.ones_like(codes, bool)
    codes, y = codes[keep], y[keep]
    x_control = x_control[keep] if x_control is not None else None
    n_pre, n_post = int((codes < t0).sum()), int((codes >= t0).sum())
    needed = max(MIN_PRE, season or 0)
    if n_pre < needed:
        raise SerenoError("evaluate.too_few_pre", n=n_pre, needed=needed, start=start)
    if n_post < MIN_POST:
        raise SerenoError("evaluate.too_few_post", n=n_post, needed=MIN_POST, start=start)

    design = _design(codes, t0, season, x_control)
    if np.linalg.matrix_rank(design.to_numpy()) < design.shape[1]:
        raise SerenoError("evaluate.collinear", columns=", ".join(design.columns))
    stacked = y if x_control is None else np.concatenate([y, x_control])
    model, beta, cov, dispersion, extra = _fit(stacked, design, family)
    x1 = design.to_numpy()[: y.size]
    x0 = design.assign(level=0.0, slope=0.0).to_numpy()[: y.size]
    mu1, mu0 = np.exp(x1 @ beta), np.exp(x0 @ beta)

    lo, hi = (periods.one(w, "--window") for w in window) if window else (t0, codes[-1])
    in_window = (codes >= lo) & (codes <= hi) & (codes >= t0)
    rng = np.random.default_rng(seed)
    sims = rng.multivariate_normal(beta, cov, size=draws, method="cholesky")
    mu0_sims = np.exp(sims @ x0.T)
    averted_sims = (mu0_sims[:, in_window] - np.exp(sims @ x1.T)[:, in_window]).sum(axis=1)
    averted = float((mu0 - mu1)[in_window].sum())
    a_low, a_high = np.quantile(averted_sims, [0.025, 0.975])

    names = list(design.columns)
    se = np.sqrt(np.diag(cov))
    level, slope = names.index("level"), names.index("slope")
    pearson = (y - mu1) / np.sqrt(mu1 * (1 + extra.get("alpha", 0.0) * mu1))
    diagnostics = {
        "n_pre": n_pre,
        "n_post": n_post,
        "dispersion": dispersion,
        "residual_autocorrelation_lag1": float(np.corrcoef(pearson[:-1], pearson[1:])[0, 1]),
        "level_change_p": Interval.normal(beta[level], se[level]).p,
        "aic": float(model.aic),
        **extra,
    }
    return ITSResult(
        outcome=outcome,
        place=place,
        family=family,
        periods=periods.labels(codes),
        observed=y,
        fitted=mu1,
        counterfactual=mu0,
        counterfactual_low=np.quantile(mu0_sims, 0.025, axis=0),
        counterfactual_high=np.quantile(mu0_sims, 0.975, axis=0),
        start=periods.label(t0),
        level_change=Interval.log_normal(beta[level], se[level]),
        slope_change=Interval.log_normal(beta[slope], se[slope]),
        averted=Interval(averted, float(averted_sims.std(ddof=1)), float(a_low), float(a_high)),
        window=(periods.label(max(lo, t0)), periods.label(hi)),
        control=control,
        coefficients=pd.DataFrame({"coefficient": beta, "se": se}, index=names),
        diagnostics=diagnostics,
        control_observed=x_control,
    )


def _design(
    codes: np.ndarray, t0: int, season: int | None, control: np.ndarray | None
) -> pd.DataFrame:
    """Segmented-regression columns; with a control series, the two series are stacked
    (treated rows first) and ``level``/``slope`` are the treated series' departures from the
    changes common to both (comparative ITS; Lopez Bernal, Cummins and Gasparrini 2018)."""
    trend = (codes - t0).astype(float)
    post = (codes >= t0).astype(float)
    columns: dict[str, np.ndarray] = {"const": np.ones(codes.size), "trend": trend}
    if season and season > 1:
        for k in range(1, min(HARMONICS, season // 2) + 1):
            angle = 2 * np.pi * k * codes / season
            columns[f"sin{k}"] = np.sin(angle)
            if 2 * k < season:
                columns[f"cos{k}"] = np.cos(angle)
    columns["level"], columns["slope"] = post, trend * post
    single = pd.DataFrame(columns)
    if control is None:
        return single
    common = single.rename(columns={"level": "common_level", "slope": "common_slope"})
    treated = pd.DataFrame(
        {"group": 1.0, "group_trend": trend, "level": post, "slope": trend * post},
        index=single.index,
    )
    return pd.concat(
        [pd.concat([common, treated], axis=1), pd.concat([common, treated * 0.0], axis=1)],
        ignore_index=True,
    )


def _fit(y: np.ndarray, design: pd.DataFrame, family: str):
    """Fit; return (model, beta, covariance of beta, dispersion, extra diagnostics)."""
    if family == "poisson":
        model = sm.GLM(y, design, family=sm.families.Poisson()).fit()
        dispersion = float(model.pearson_chi2 / model.df_resid)
        cov = np.asarray(model.cov_params()) * max(dispersion, 1.0)
        return model, np.asarray(model.params), cov, dispersion, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = sm.NegativeBinomial(y, design, loglike_method="nb2").fit(disp=0, maxiter=200)
    # As R's glm.nb: alpha by maximum likelihood, then the mean model given alpha.
    alpha = max(float(np.asarray(nb.params)[-1]), 1e-8)
    model = sm.GLM(y, design, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
    dispersion = float(model.pearson_chi2 / model.df_resid)
    extra = {"alpha": alpha, "converged": bool(nb.mle_retvals["converged"])}
    return model, np.asarray(model.params), np.asarray(model.cov_params()), dispersion, extra
