"""The 17 categories of Emerging Hot Spot Analysis, by ArcGIS's rules or by sfdep's.

Each location has a series of T bins; a bin is a significant hot (cold) spot when it is
significant and its z is positive (negative). "At least 90 % of the time steps" is
``10 * count >= 9 * T`` in integers: 11 of 12 steps, 9 of 10, 18 of 20 (xarray-spatial's
``int(0.9 * 12) = 10`` takes 10 of 12, which is 83 %). sfdep's ``sum(x) / n >= 0.9`` in
floating point gives the same answers for every T (a ratio k / T that is not 9 / 10 lies
at least 1 / (10 T) away from it), so both rule sets use the integer form.

**ArcGIS** (ArcGIS Pro, "How Emerging Hot Spot Analysis works"), with the trend's
significance at the same ``alpha`` as the bins':

============== ===============================================================================
new            final step hot; never hot before
consecutive    a single run of at least two hot steps ending at the final step; never hot
               before the run; fewer than 90 % of steps hot
intensifying   at least 90 % of steps hot, the final one included; significant upward trend
diminishing    at least 90 % of steps hot, the final one included; significant downward trend
oscillating    final step hot; some earlier step cold; fewer than 90 % of steps hot
sporadic       final step hot; fewer than 90 % of steps hot; no step cold
historical     at least 90 % of steps hot; final step not hot
persistent     at least 90 % of steps hot; no significant trend
============== ===============================================================================

and the same for cold spots with hot and cold swapped and the trend's sign reversed.
ArcGIS's definitions overlap in a few series; they are tested in the order of the table,
so that a category about the final step wins over one about the past (a unit cold for 90 %
of the steps and hot in the final one is an oscillating hot spot, not a historical cold
spot) and historical comes before persistent. Every location whose final step is hot gets
a hot category, and every one whose final step is cold a cold one.

**sfdep** (``R/emerging-hostpot-classifications.R``, transcribed literally, in its order:
new, consecutive, intensifying, persistent, diminishing, oscillating, historical, sporadic,
hot before cold), with these documented differences: "new" and "consecutive" allow no
significant bin of either sign before; the consecutive run is a run of significant bins of
either sign ending in a hot one; "intensifying hot" counts significant bins of either sign
toward its 90 % and needs the final bin significant (either sign); persistent comes before
historical and diminishing; "historical" needs the final z below 0 (above 0 for cold);
"oscillating hot" takes at most 90 % (the cold one fewer than 90 %); "sporadic" does not
need the final step; a trend is significant at ``p < threshold`` for intensifying hot
spots, at ``p <= threshold`` for the others, and absent at ``p > threshold``. One
consequence: a cold spot with a significant upward trend is "intensifying hot" to sfdep
(tested first, either sign), so sfdep names a diminishing cold spot only when the trend's
p equals the threshold exactly (tests/spatial/test_emerging_rules.py).
"""

from __future__ import annotations

import numpy as np

CATEGORIES = (
    "new_hot",
    "consecutive_hot",
    "intensifying_hot",
    "persistent_hot",
    "diminishing_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
    "new_cold",
    "consecutive_cold",
    "intensifying_cold",
    "persistent_cold",
    "diminishing_cold",
    "sporadic_cold",
    "oscillating_cold",
    "historical_cold",
    "no_pattern",
)
NOT_TESTED = "not_tested"  # a unit without neighbours or values: no category
RULES = ("arcgis", "sfdep")


def at_least_90(count: np.ndarray, steps: int) -> np.ndarray:
    """count >= 90 % of steps, exactly: 10 * count >= 9 * steps."""
    return 10 * np.asarray(count) >= 9 * steps


def final_run(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True that ends at the last column of each row."""
    return np.cumprod(flags[:, ::-1], axis=1).sum(axis=1)


def classify(
    z: np.ndarray,
    significant: np.ndarray,
    tau: np.ndarray,
    trend_p: np.ndarray,
    alpha: float,
    rules: str = "arcgis",
) -> np.ndarray:
    """The category of each location (rows of ``z`` and ``significant``, units x steps)."""
    z = np.atleast_2d(z)
    sig = np.atleast_2d(significant).astype(bool)
    steps = z.shape[1]
    hot, cold = sig & (z > 0), sig & (z < 0)
    n_hot, n_cold, n_sig = hot.sum(axis=1), cold.sum(axis=1), sig.sum(axis=1)
    last_z, last_sig = z[:, -1], sig[:, -1]
    last_hot, last_cold = hot[:, -1], cold[:, -1]
    if rules == "arcgis":
        hot90, cold90 = at_least_90(n_hot, steps), at_least_90(n_cold, steps)
        trend = trend_p < alpha
        run_hot, run_cold = final_run(hot), final_run(cold)
        table = {
            "new_hot": last_hot & (n_hot == 1),
            "new_cold": last_cold & (n_cold == 1),
            "consecutive_hot": last_hot & (run_hot >= 2) & (n_hot == run_hot) & ~hot90,
            "consecutive_cold": last_cold & (run_cold >= 2) & (n_cold == run_cold) & ~cold90,
            "intensifying_hot": hot90 & last_hot & trend & (tau > 0),
            "intensifying_cold": cold90 & last_cold & trend & (tau < 0),
            "diminishing_hot": hot90 & last_hot & trend & (tau < 0),
            "diminishing_cold": cold90 & last_cold & trend & (tau > 0),
            "oscillating_hot": last_hot & ~hot90 & (n_cold > 0),
            "oscillating_cold": last_cold & ~cold90 & (n_hot > 0),
            "sporadic_hot": last_hot & ~hot90 & (n_cold == 0),
            "sporadic_cold": last_cold & ~cold90 & (n_hot == 0),
            "historical_hot": hot90 & ~last_hot,
            "historical_cold": cold90 & ~last_cold,
            "persistent_hot": hot90 & ~trend,
            "persistent_cold": cold90 & ~trend,
        }
    elif rules == "sfdep":
        below_hot, below_cold = 10 * n_hot < 9 * steps, 10 * n_cold < 9 * steps
        hot90, cold90 = ~below_hot, ~below_cold
        clean_run = n_sig == final_run(sig)
        table = {
            "new_hot": (n_sig == 1) & last_sig & (last_z > 0),
            "new_cold": (n_sig == 1) & last_sig & (last_z < 0),
            "consecutive_hot": last_sig & (last_z > 0) & clean_run & below_hot,
            "consecutive_cold": last_sig & (last_z < 0) & clean_run & below_cold,
            "intensifying_hot": at_least_90(n_sig, steps)
            & last_sig
            & (tau > 0)
            & (trend_p < alpha),
            "intensifying_cold": cold90 & last_sig & (tau < 0) & (trend_p <= alpha),
            "persistent_hot": hot90 & (trend_p > alpha),
            "persistent_cold": cold90 & (trend_p > alpha),
            "diminishing_hot": hot90 & last_sig & (tau < 0) & (trend_p <= alpha),
            "diminishing_cold": cold90 & last_sig & (tau > 0) & (trend_p <= alpha),
            "oscillating_hot": (10 * n_hot <= 9 * steps) & last_hot & (n_cold > 0),
            "oscillating_cold": below_cold & last_cold & (n_hot > 0),
            "historical_hot": hot90 & (last_z < 0),
            "historical_cold": (last_z > 0) & cold90,
            "sporadic_hot": below_hot & (n_cold == 0) & (n_hot > 0),
            "sporadic_cold": below_cold & (n_hot == 0) & (n_cold > 0),
        }
    else:
        raise ValueError(rules)
    names = list(table)
    return np.select([table[k] for k in names], names, default="no_pattern").astype(object)
