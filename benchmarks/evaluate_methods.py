"""Evaluation estimators next to their reference implementations, in the same process.

* Callaway-Sant'Anna ATT(g,t) with analytic SEs and the simple and event aggregations: ours
  against the ``differences`` package, on the castle-doctrine panel (50 x 11) and on a
  synthetic panel of 2,000 units x 60 periods (the scale of a city's colonias by month).
* Synthetic control weights for a fixed V: ours (Lawson-Hanson NNLS) against pysyncon's
  SLSQP, on causaldata's Texas panel (50 donors, 8 predictors), repeated for 51 placebo fits.
* TWFE with clustered SEs: ours (pyfixest inside, plus panel checks) against bare pyfixest on
  the synthetic panel.

Run: .venv/bin/python benchmarks/evaluate_methods.py
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from sereno.evaluate import difference_in_differences, synthetic_control

warnings.filterwarnings("ignore")


def clock(function: Callable[[], object], repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def report(name: str, ours: float, reference: float, what: str) -> None:
    print(
        f"{name:<44} ours {ours:8.3f} s   {what} {reference:8.3f} s   ratio {ours / reference:6.2f}"
    )


def staggered_panel(units: int, periods: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    cohort = rng.choice([periods // 3, periods // 2, 2 * periods // 3, np.nan], size=units)
    unit = np.repeat(np.arange(units), periods)
    t = np.tile(np.arange(periods), units)
    g = np.repeat(cohort, periods)
    y = (
        rng.normal(size=units)[unit]
        + 0.1 * t
        + np.where(t >= g, 1.0, 0.0)
        + rng.normal(size=t.size)
    )
    return pd.DataFrame({"u": unit, "t": t, "y": y, "d": (t >= g).astype(int), "g": g})


def bench_staggered(
    frame: pd.DataFrame,
    label: str,
    unit: str,
    time_: str,
    outcome: str,
    cohort: pd.Series,
    treatment: str,
) -> None:
    from differences import ATTgt

    data = frame.assign(cohort=cohort)

    def reference() -> None:
        att = ATTgt(data=data.set_index([unit, time_]), cohort_column="cohort")
        att.fit(outcome, progress_bar=False)
        att.aggregate("simple")
        att.aggregate("event")

    def ours() -> None:
        difference_in_differences(frame, unit, time_, outcome, treatment, method="staggered")

    report(f"Callaway-Sant'Anna, {label}", clock(ours), clock(reference), "differences")


def main() -> None:
    from causaldata import castle, texas

    panel = castle.load_pandas().data
    first = panel[panel["post"] == 1].groupby("sid")["year"].min()
    bench_staggered(
        panel, "castle 50 x 11", "sid", "year", "l_homicide", panel["sid"].map(first), "post"
    )
    big = staggered_panel(2000, 60)
    bench_staggered(big, "2,000 units x 60 periods", "u", "t", "y", big["g"], "d")

    import pyfixest as pf

    def bare() -> None:
        pf.feols("y ~ d | u + t", data=big, vcov={"CRV1": "u"})

    def twfe() -> None:
        difference_in_differences(big, "u", "t", "y", "d")

    report("TWFE clustered, 2,000 units x 60 periods", clock(twfe), clock(bare), "pyfixest")

    from pysyncon import Synth

    states = texas.load_pandas().data
    predictors = ["alcohol", "income", "ur", "poverty", "black", "perc1519", "aidscapita"]
    pre = states[states["year"] < 1993]
    x = pre.groupby("state")[[*predictors, "bmprison"]].mean().T
    z = pre.pivot(index="year", columns="state", values="bmprison")
    v = np.full(len(predictors) + 1, 1 / (len(predictors) + 1))

    def reference_placebos() -> None:
        for state in x.columns:
            Synth().fit(
                X0=x.drop(columns=state),
                X1=x[state],
                Z0=z.drop(columns=state),
                Z1=z[state],
                custom_V=v,
            )

    def ours_placebos() -> None:
        synthetic_control(
            states, "state", "year", "bmprison", "Texas", 1993, predictors=predictors, v=list(v)
        )

    report(
        "Synthetic control + 50 placebos + LOO, Texas",
        clock(ours_placebos, 1),
        clock(reference_placebos, 1),
        "pysyncon (51 fits, no LOO)",
    )


if __name__ == "__main__":
    main()
