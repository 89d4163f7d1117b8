"""Record linkage across sources (Splink), events, clerical review, discrepancy reports.

``store_records`` or ``prepare_records`` give the records to link; ``link_records`` returns a
``LinkResult`` (scored pairs, events, membership with link probabilities); ``sereno.link.store``
saves runs and feeds clerical decisions back; ``discrepancy_report`` and ``missed_by`` say what
each source counted and missed; ``linkage_accuracy`` scores against known truth.
"""

from __future__ import annotations

from sereno.link.accuracy import linkage_accuracy
from sereno.link.discrepancy import discrepancy_report, missed_by
from sereno.link.linkage import LinkResult, cluster_events, link_records
from sereno.link.records import prepare_records, store_records

__all__ = [
    "LinkResult",
    "cluster_events",
    "discrepancy_report",
    "link_records",
    "linkage_accuracy",
    "missed_by",
    "prepare_records",
    "store_records",
]
