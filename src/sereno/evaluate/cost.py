"""Cost per homicide averted, with the interval that the effect's interval implies.

cost / averted, where averted comes from an evaluation (ITS, DiD, synthetic control) with its
95% interval [a_low, a_high]: the cost interval is [cost / a_high, cost / a_low], unbounded above
when a_low <= 0 (the program may have averted none). This is the ratio of two numbers, not a
full cost-effectiveness analysis (Drummond et al. 2015): what it leaves out is listed with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sereno.errors import SerenoError
from sereno.evaluate._common import Interval, number
from sereno.i18n import t
from sereno.result import Result, tidy_rows

NOT_COUNTED = ("other_costs", "other_benefits", "after_window", "spillovers")


@dataclass(frozen=True)
class CostEffectiveness(Result):
    cost: float
    currency: str
    averted: Interval
    cost_per_averted: float  # inf when the estimate averted none
    low: float
    high: float  # inf when the interval of averted reaches zero

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([self.to_dict()]).drop(columns=["summary", "not_counted"])

    def tidy(self):
        """The cost per homicide averted with the interval its averted interval implies."""
        row = {
            "term": "cost_per_averted",
            "estimate": self.cost_per_averted,
            "se": math.nan,
            "low": self.low,
            "high": self.high,
            "p": math.nan,
            "method": "cost_ratio",
        }
        return tidy_rows([row])

    def content(self) -> dict[str, Any]:
        return {
            "cost": self.cost,
            "currency": self.currency,
            "averted": self.averted,
            "cost_per_averted": self.cost_per_averted,
            "low": self.low,
            "high": self.high,
            "not_counted": list(NOT_COUNTED),
        }

    def summary(self, lang: str | None = None) -> str:
        missing = " ".join(t(f"evaluate.cost_not_{k}", lang) for k in NOT_COUNTED)
        if not math.isfinite(self.cost_per_averted):
            head = t(
                "evaluate.cost_none",
                lang,
                cost=number(self.cost, 0, lang=lang),
                currency=self.currency,
            )
        else:
            high = number(self.high, 0, lang=lang) if math.isfinite(self.high) else "∞"
            head = t(
                "evaluate.cost_summary",
                lang,
                cost=number(self.cost, 0, lang=lang),
                currency=self.currency,
                averted=number(self.averted.estimate, 1, lang=lang),
                per=number(self.cost_per_averted, 0, lang=lang),
                low=number(self.low, 0, lang=lang),
                high=high,
            )
        return f"{head} {t('evaluate.cost_missing', lang)} {missing}"


def cost_per_homicide_averted(
    cost: float, averted: Interval, currency: str = "USD"
) -> CostEffectiveness:
    """Cost per homicide averted and its interval from the interval of homicides averted."""
    if cost is None or not math.isfinite(cost) or cost < 0:
        raise SerenoError("evaluate.bad_cost", value=cost)
    per = cost / averted.estimate if averted.estimate > 0 else math.inf
    low = cost / averted.high if averted.high > 0 else math.inf
    high = cost / averted.low if averted.low > 0 else math.inf
    return CostEffectiveness(float(cost), currency, averted, per, low, high)
