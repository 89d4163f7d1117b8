"""Harms the official counts miss: forced displacement, disappearances and extortion.

Each is a record kind of ingestion (``layout: displacement``, ``disappearance``,
``extortion`` in a source mapping; built-in mappings for HXL, the DTM's event tracking and
the RNPDNO's public layout), with its own table, indicators (stocks and flows of the
displaced, disappearances open and resolved, extortion by victim type and the share
reported), alerts (a mass displacement event), a bulletin section and a privacy policy
(destinations, identities and businesses never published).
"""

from sereno.harms import ingest as _ingest  # noqa: F401  (registers the record kinds)
