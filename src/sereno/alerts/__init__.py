"""Early warning: the space-time scan statistic, unit-level anomalies, and alerts as records.

``space_time_scan`` finds clusters of cases in space and time (Kulldorff 2005, 2001, 1997);
``unit_anomalies`` flags units whose latest counts exceed what their own trend and season
predict, and CUSUM catches persistent shifts; ``record_alerts`` keeps each detection in the
store with its evidence, once.
"""

from sereno.alerts.scan import space_time_scan

__all__ = ["space_time_scan"]
