"""Program evaluation: did it work, compared with what, and at what cost per homicide averted.

Every function takes tidy data and returns a frozen result with the estimate, its standard
error and 95% interval, the comparison it rests on, diagnostics, ``to_frame()``,
``to_dict()``, ``summary(lang)`` and ``plot(lang)``.

- ``interrupted_time_series``: segmented Poisson / negative binomial regression.
- ``difference_in_differences``: TWFE, event study (pyfixest) and Callaway-Sant'Anna.
- ``synthetic_control``: donor weights, placebos in space, leave-one-out.
- ``match_units`` and ``baseline_features``: comparison units and their balance.
- ``cost_per_homicide_averted``.
- ``evaluate_intervention``: any of these on an intervention record of the store.
"""

from sereno.evaluate.cost import cost_per_homicide_averted
from sereno.evaluate.did import difference_in_differences
from sereno.evaluate.its import interrupted_time_series
from sereno.evaluate.matching import baseline_features, match_units
from sereno.evaluate.store import evaluate_intervention
from sereno.evaluate.synth import synthetic_control

__all__ = [
    "baseline_features",
    "cost_per_homicide_averted",
    "difference_in_differences",
    "evaluate_intervention",
    "interrupted_time_series",
    "match_units",
    "synthetic_control",
]
