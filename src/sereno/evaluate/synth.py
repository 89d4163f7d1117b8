"""Synthetic control (Abadie and Gardeazabal 2003; Abadie, Diamond and Hainmueller 2010).

The synthetic unit is a convex combination W of donors (w_j >= 0, sum w_j = 1) minimising

    (X1 - X0 W)' V (X1 - X0 W),

X holding pre-period predictors (rows scaled by their standard deviation across units, as in
Synth and pysyncon). With ``predictors`` the rows are their pre-period means plus the outcome's,
and the diagonal V minimises the pre-period mean squared prediction error of the outcome
(nested optimisation, Nelder-Mead); without them the rows are the pre-period outcomes and V is
the identity. Gaps are Y1 - Y0 W.

Inference is by placebos in space (Abadie et al. 2010): each donor in turn plays the treated
unit (with the same V), and the p-value is the share of units whose post/pre RMSPE ratio is at
least the treated unit's. The standard error reported is the standard deviation of the placebo
average post-period gaps among placebos fitting the pre-period no worse than five times the
treated unit (a placebo-based interval, not a sampling one). Leave-one-out drops each donor
with positive weight in turn and refits (Abadie 2021).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize, nnls

from sereno.errors import SerenoError
from sereno.evaluate._common import Interval, Periods, number, require_columns, subject
from sereno.evaluate._common import numeric as numeric_column
from sereno.i18n import t
from sereno.result import Result, figure_axes, tidy_rows

MIN_PRE = 3
POOR_FIT = 5.0


@dataclass(frozen=True)
class SynthResult(Result):
    outcome: str
    place: str
    treated: str
    start: str
    periods: list[str]
    observed: np.ndarray
    synthetic: np.ndarray
    weights: pd.DataFrame  # unit, weight
    v: pd.DataFrame  # predictor, v
    balance: pd.DataFrame  # predictor, treated, synthetic, donor_mean
    estimate: Interval  # mean post-period gap
    averted: Interval  # minus the sum of post-period gaps
    pre_rmspe: float
    post_rmspe: float
    p_value: float
    placebos: pd.DataFrame
    leave_one_out: pd.DataFrame
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def gaps(self) -> np.ndarray:
        return self.observed - self.synthetic

    @property
    def comparison(self) -> str:
        used = self.weights[self.weights["weight"] > 0.001]
        return ", ".join(
            f"{u} ({w:.3f})" for u, w in zip(used["unit"], used["weight"], strict=True)
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "period": self.periods,
                "observed": self.observed,
                "synthetic": self.synthetic,
                "gap": self.gaps,
            }
        )

    def tidy(self) -> pd.DataFrame:
        """The mean post-period gap (p from the placebo ranks) and the homicides averted."""
        return tidy_rows(
            [
                self.estimate.row("mean_post_gap", "synth", p=self.p_value),
                self.averted.row("averted", "synth", p=self.p_value),
            ]
        )

    def content(self) -> dict[str, Any]:
        return {
            "method": "synth",
            "outcome": self.outcome,
            "place": self.place,
            "treated": self.treated,
            "start": self.start,
            "estimate": self.estimate,
            "estimate_name": "mean_post_gap",
            "averted": self.averted,
            "comparison": self.comparison,
            "weights": self.weights,
            "v": self.v,
            "balance": self.balance,
            "pre_rmspe": self.pre_rmspe,
            "post_rmspe": self.post_rmspe,
            "rmspe_ratio": self.post_rmspe / self.pre_rmspe if self.pre_rmspe else None,
            "p_value": self.p_value,
            "placebos": self.placebos,
            "leave_one_out": self.leave_one_out,
            "diagnostics": self.diagnostics,
            "series": self.to_frame(),
        }

    def summary(self, lang: str | None = None) -> str:
        e = self.estimate
        loo = self.leave_one_out["estimate"]
        return " ".join(
            [
                t(
                    "evaluate.synth_summary",
                    lang,
                    subject=subject(self.outcome, self.place, lang),
                    treated=self.treated,
                    start=self.start,
                    estimate=number(e.estimate, lang=lang),
                    low=number(e.low, lang=lang),
                    high=number(e.high, lang=lang),
                    donors=self.comparison,
                    p=number(self.p_value, 3, lang=lang),
                    n=len(self.placebos) + 1,
                ),
                t(
                    "evaluate.synth_loo",
                    lang,
                    low=number(loo.min() if len(loo) else e.estimate, lang=lang),
                    high=number(loo.max() if len(loo) else e.estimate, lang=lang),
                ),
                t("evaluate.synth_caveat", lang, treated=self.treated),
            ]
        )

    def plot(self, ax: Any = None, lang: str | None = None) -> Any:
        """The treated unit and its synthetic control (``ax``: two axes), and the gaps."""
        fig, (top, bottom), lang = figure_axes(ax, lang, nrows=2, figsize=(8, 7), sharex=True)
        x = np.arange(len(self.periods))
        start = self.periods.index(self.start)
        top.plot(x, self.observed, "-", color="black", label=self.treated)
        top.plot(x, self.synthetic, "--", color="0.45", label=t("evaluate.synthetic", lang))
        top.legend(frameon=False)
        top.set_ylabel(self.outcome)
        for gaps in self.diagnostics.get("placebo_gaps", []):
            bottom.plot(x, gaps, "-", color="0.8", lw=0.7)
        bottom.plot(x, self.gaps, "-", color="black", lw=1.8)
        bottom.axhline(0, color="0.4", lw=0.8)
        bottom.set_ylabel(t("evaluate.gap", lang))
        for ax in (top, bottom):
            ax.axvline(start - 0.5, color="0.5", ls=":", lw=1)
        step = max(1, len(x) // 10)
        bottom.set_xticks(x[::step], [self.periods[i] for i in x[::step]], rotation=45)
        top.set_title(
            t(
                "evaluate.synth_title",
                lang,
                subject=subject(self.outcome, self.place, lang),
                treated=self.treated,
                first=self.periods[0],
                last=self.periods[-1],
            )
        )
        fig.tight_layout()
        return fig


def synthetic_control(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treated: str,
    start: Any,
    *,
    predictors: list[str] | None = None,
    donors: list[str] | None = None,
    v: list[float] | None = None,
    place: str = "",
) -> SynthResult:
    """Fit the synthetic control of ``treated`` from the other units (or ``donors``), with
    placebo-in-space inference and leave-one-out robustness. ``v`` fixes the predictor
    weights (one per predictor, the outcome's last) instead of optimising them."""
    require_columns(frame, [unit, time, outcome, *(predictors or [])])
    periods = Periods.detect(frame[time])
    codes = periods.code(frame[time], time)
    t0 = periods.one(start, "--start")
    data = pd.DataFrame(
        {"unit": frame[unit].astype(str), "period": codes, "y": numeric_column(frame, outcome)}
    )
    for name in predictors or []:
        data[name] = numeric_column(frame, name)
    y = data.pivot_table(index="unit", columns="period", values="y", aggfunc="first")
    treated = str(treated)
    if treated not in y.index:
        raise SerenoError("evaluate.unknown_unit", unit=treated, units=", ".join(y.index[:20]))
    pool = [u for u in (donors or y.index) if u != treated and u in y.index]
    y = y.loc[[treated, *pool]]
    y = y.loc[:, y.loc[treated].notna()]
    y = y[y.notna().all(axis=1)]
    pool = [u for u in pool if u in y.index]
    if len(pool) < 2:
        raise SerenoError("evaluate.no_donors", unit=treated, n=len(pool))
    pre = y.columns < t0
    if pre.sum() < MIN_PRE:
        raise SerenoError("evaluate.too_few_pre", n=int(pre.sum()), needed=MIN_PRE, start=start)
    if pre.all():
        raise SerenoError("evaluate.too_few_post", n=0, needed=1, start=start)
    if predictors:
        before = data[data["period"] < t0].groupby("unit")[[*predictors, "y"]].mean()
        x = before.loc[y.index].T.rename(index={"y": outcome})
    else:
        x = y.loc[:, pre].T
        x.index = [f"{outcome} {periods.label(p)}" for p in x.index]
    spread = x.std(axis=1)
    if (spread <= 0).any() or np.linalg.matrix_rank(x.to_numpy()) < min(x.shape):
        raise SerenoError("evaluate.collinear", columns=", ".join(map(str, x.index)))
    xs = (x.T / spread).T.to_numpy()
    z = y.loc[:, pre].to_numpy()
    if v is not None:
        v = np.asarray(v, dtype=float) / np.sum(v)
    elif predictors:
        v = _optimal_v(xs, z)
    else:
        v = np.full(xs.shape[0], 1.0 / xs.shape[0])

    def fit(target: int, pool_index: np.ndarray) -> np.ndarray:
        return _weights(xs[:, target], xs[:, pool_index], v)

    everyone = y.to_numpy()
    w = fit(0, np.arange(1, len(y)))
    synthetic = w @ everyone[1:]
    gaps = everyone[0] - synthetic
    pre_rmspe, post_rmspe = _rmspe(gaps[pre]), _rmspe(gaps[~pre])
    placebo_rows, placebo_gaps = [], []
    for j in range(1, len(y)):
        others = np.array([k for k in range(1, len(y)) if k != j])
        g = everyone[j] - fit(j, others) @ everyone[others]
        placebo_gaps.append(g)
        placebo_rows.append((y.index[j], _rmspe(g[pre]), _rmspe(g[~pre]), g[~pre].mean()))
    placebos = pd.DataFrame(placebo_rows, columns=["unit", "pre_rmspe", "post_rmspe", "estimate"])
    placebos["ratio"] = placebos["post_rmspe"] / placebos["pre_rmspe"]
    ratio = post_rmspe / pre_rmspe if pre_rmspe > 0 else np.inf
    p_value = float(((placebos["ratio"] >= ratio).sum() + 1) / (len(placebos) + 1))
    good = placebos[placebos["pre_rmspe"] <= POOR_FIT * max(pre_rmspe, 1e-12)]
    se = float(good["estimate"].std(ddof=1)) if len(good) > 1 else float("nan")
    loo_rows = []
    for j in np.flatnonzero(w > 1e-3) + 1:
        others = np.array([k for k in range(1, len(y)) if k != j])
        g = everyone[0] - fit(0, others) @ everyone[others]
        loo_rows.append((y.index[j], g[~pre].mean(), _rmspe(g[pre])))
    estimate = Interval.normal(float(gaps[~pre].mean()), se)
    n_post = int((~pre).sum())
    return SynthResult(
        outcome=outcome,
        place=place,
        treated=treated,
        start=periods.label(t0),
        periods=periods.labels(y.columns),
        observed=everyone[0],
        synthetic=synthetic,
        weights=pd.DataFrame({"unit": y.index[1:], "weight": w}),
        v=pd.DataFrame({"predictor": list(x.index), "v": v}),
        balance=pd.DataFrame(
            {
                "predictor": list(x.index),
                "treated": x.iloc[:, 0].to_numpy(),
                "synthetic": x.iloc[:, 1:].to_numpy() @ w,
                "donor_mean": x.iloc[:, 1:].mean(axis=1).to_numpy(),
            }
        ),
        estimate=estimate,
        averted=Interval(
            -estimate.estimate * n_post,
            se * n_post,
            -estimate.high * n_post,
            -estimate.low * n_post,
        ),
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        p_value=p_value,
        placebos=placebos,
        leave_one_out=pd.DataFrame(loo_rows, columns=["dropped", "estimate", "pre_rmspe"]),
        diagnostics={
            "n_donors": len(pool),
            "n_pre": int(pre.sum()),
            "n_post": n_post,
            "placebos_kept_for_se": len(good),
            "placebo_gaps": placebo_gaps,
        },
    )


def _rmspe(gaps: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gaps**2)))


def _weights(x1: np.ndarray, x0: np.ndarray, v: np.ndarray) -> np.ndarray:
    """argmin (x1 - x0 w)' diag(v) (x1 - x0 w) over the simplex w >= 0, sum w = 1.

    Lawson-Hanson non-negative least squares with the sum constraint as a heavily weighted
    extra row (its violation shrinks with the square of the weight), then renormalised.
    """
    a = x0 * np.sqrt(v)[:, None]
    b = x1 * np.sqrt(v)
    heavy = 1e4 * max(float(np.abs(a).max()), 1.0)
    a = np.vstack([a, np.full((1, x0.shape[1]), heavy)])
    w, _ = nnls(a, np.append(b, heavy), maxiter=50 * x0.shape[1])
    return w / w.sum()


def _optimal_v(xs: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Diagonal V minimising the pre-period outcome MSPE of the synthetic control."""

    def loss(s: np.ndarray) -> float:
        v = np.abs(s) / max(np.abs(s).sum(), 1e-12)
        w = _weights(xs[:, 0], xs[:, 1:], v)
        return float(np.mean((z[0] - w @ z[1:]) ** 2))

    k = xs.shape[0]
    result = minimize(
        loss,
        np.full(k, 1.0 / k),
        method="Nelder-Mead",
        options={"maxiter": 400 * k, "xatol": 1e-6, "fatol": 1e-10},
    )
    s = np.abs(result.x)
    return s / s.sum()
