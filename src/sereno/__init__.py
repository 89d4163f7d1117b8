"""Sereno: an open violence observatory.

Sereno turns scattered, contradictory records from police, morgues, hospitals, the press and
NGOs into numbers an observatory can trust, act on and publish.
"""

__version__ = "0.1.0"
