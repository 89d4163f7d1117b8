"""Staggered adoption: the group-time ATT of Callaway and Sant'Anna (2021).

For the cohort g first treated in period g and a period t, with base period b = g - 1 for
t >= g (and b = t - 1 before g, the "varying" base used for the pre-trend check),

    ATT(g, t) = E[Y_t - Y_b | G = g] - E[Y_t - Y_b | C],

C being the never-treated units (or those not yet treated by max(t, b)). Without covariates
the doubly robust, regression and IPW estimators coincide with this difference of mean
changes. Its influence function for unit i (n units in all) is

    psi_i = n/N_g 1[G_i = g] (dY_i - m_g) - n/N_C 1[i in C] (dY_i - m_C),

and SE = sqrt(sum psi_i^2) / n. Aggregations weight ATT(g, t) by cohort size, with the extra
influence-function term for estimated weights, as in the ``did`` R package (``aggte``): the
overall ATT ("simple") over post-treatment cells and the event-study ATT(e) over cells with
t - g = e.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sereno.errors import SerenoError
from sereno.evaluate._common import Interval
from sereno.evaluate.panel import Panel, averted_from, mean_paths, wide
from sereno.evaluate.results import DiDResult

Z95 = 1.959963984540054


def callaway_santanna(
    panel: Panel,
    *,
    control_group: str = "never_treated",
    anticipation: int = 0,
    weights: bool = False,
    place: str = "",
) -> DiDResult:
    """Group-time ATTs, their overall (simple) and event-time aggregations, with analytic
    standard errors from the influence functions (clustered by unit)."""
    if weights:
        raise SerenoError("evaluate.weights_staggered")
    if control_group not in ("never_treated", "not_yet_treated"):
        raise SerenoError(
            "evaluate.bad_choice",
            option="--control-group",
            value=control_group,
            choices="never_treated, not_yet_treated",
        )
    _, periods, y, cohort = wide(panel)
    n = y.shape[0]
    position = {int(p): i for i, p in enumerate(periods)}
    cohort_index = np.array([position.get(int(c), -1) if c == c else -1 for c in cohort])
    never = np.isnan(cohort)
    cells, effects, psi = [], [], []
    for g in np.unique(cohort[~never]):
        gi = position.get(int(g), -1)
        in_g = cohort == g
        for ti in range(periods.size):
            bi = gi - 1 - anticipation if ti >= gi - anticipation else ti - 1
            if gi < 1 or bi < 0:
                continue
            if control_group == "never_treated":
                control = never
            else:
                horizon = max(ti, bi) + anticipation
                control = (never | (cohort_index > horizon)) & ~in_g
            if not control.any():
                continue
            dy = y[:, ti] - y[:, bi]
            m_g, m_c = dy[in_g].mean(), dy[control].mean()
            cells.append((g, periods[ti], periods[bi], ti - gi))
            effects.append(m_g - m_c)
            psi.append(
                n / in_g.sum() * in_g * (dy - m_g) - n / control.sum() * control * (dy - m_c)
            )
    if not cells:
        raise SerenoError("evaluate.no_comparison_cells")
    att = np.array(effects)
    psi_matrix = np.column_stack(psi)
    table = pd.DataFrame(cells, columns=["cohort", "period", "base_period", "relative_period"])
    table["att"] = att
    table["se"] = np.sqrt((psi_matrix**2).sum(axis=0)) / n
    table["low"], table["high"] = table["att"] - Z95 * table["se"], table["att"] + Z95 * table["se"]
    for column in ("cohort", "period", "base_period"):
        table[column] = panel.periods.labels(table[column])

    share = {g: float((cohort == g).mean()) for g in np.unique(cohort[~never])}
    cell_cohort = np.array([c[0] for c in cells])
    relative = table["relative_period"].to_numpy()
    simple, simple_if = _aggregate(att, psi_matrix, cell_cohort, relative >= 0, cohort, share)
    rows, event_ifs = [], {}
    for e in np.unique(relative):
        value, influence = _aggregate(att, psi_matrix, cell_cohort, relative == e, cohort, share)
        se = float(np.sqrt((influence**2).sum()) / n)
        rows.append((int(e), value, se, value - Z95 * se, value + Z95 * se))
        event_ifs[int(e)] = influence
    events = pd.DataFrame(rows, columns=["relative_period", "estimate", "se", "low", "high"])
    leads = [e for e in event_ifs if e < 0]
    pretrend = _pretrend(events, event_ifs, leads, n) if leads else None

    data = panel.data
    post = data[data["treated"] == 1]
    estimate = Interval.normal(simple, float(np.sqrt((simple_if**2).sum()) / n))
    diagnostics = {
        "n_obs": int(y.size),
        "n_units": int(n),
        "n_treated_units": int((~never).sum()),
        "n_never_treated": int(never.sum()),
        "n_periods": int(periods.size),
        "n_cohorts": len(share),
        "control_group": control_group,
        "anticipation": anticipation,
        "pretrend": pretrend,
    }
    return DiDResult(
        method="staggered",
        family="ols",
        outcome=panel.outcome,
        place=place,
        estimate=estimate,
        averted=averted_from(estimate, False, float(post["y"].sum()), len(post)),
        events=events,
        cohort_effects=table,
        diagnostics=diagnostics,
        means=mean_paths(panel),
    )


def _aggregate(
    att: np.ndarray,
    psi: np.ndarray,
    cell_cohort: np.ndarray,
    keep: np.ndarray,
    cohort: np.ndarray,
    share: dict[float, float],
) -> tuple[float, np.ndarray]:
    """Cohort-size weighted mean of the kept ATT(g, t) and its influence function, including
    the term for the estimated weights (Callaway and Sant'Anna 2021, appendix)."""
    pg = np.array([share[g] for g in cell_cohort[keep]])
    total = pg.sum()
    value = float(att[keep] @ pg / total)
    member = (cohort[:, None] == cell_cohort[keep][None, :]).astype(float) - pg[None, :]
    wif = member / total - member.sum(axis=1, keepdims=True) * pg[None, :] / total**2
    influence = psi[:, keep] @ (pg / total) + wif @ att[keep]
    return value, influence


def _pretrend(
    events: pd.DataFrame, influence: dict[int, np.ndarray], leads: list[int], n: int
) -> dict[str, float]:
    """Joint Wald test that every pre-period event-time ATT(e), e < 0, is zero."""
    b = events.set_index("relative_period").loc[leads, "estimate"].to_numpy()
    ifs = np.column_stack([influence[e] for e in leads])
    vcov = ifs.T @ ifs / n**2
    chi2 = float(b @ np.linalg.pinv(vcov) @ b)
    return {"chi2": chi2, "df1": len(leads), "p": float(stats.chi2.sf(chi2, len(leads)))}
