"""Prioritise: where to intervene first.

    from sereno.prioritise import load_spec, risk_index
    result = risk_index(table, load_spec("riesgo.toml"), covariates=covariates)
    result.to_frame()      # score, rank and its Monte Carlo interval per unit
    result.sobol.to_frame()

A composite risk index with the OECD/JRC Handbook's uncertainty and sensitivity analysis
(``risk_index``), contiguous target polygons with a population floor and ceiling
(``target_polygons``), money set against need (``funding_against_need``) and geographic
sequencing of the intervention (``sequence_phases``).
"""

from sereno.prioritise.index_result import RiskIndex
from sereno.prioritise.risk_index import risk_index
from sereno.prioritise.spec import IndexIndicator, IndexSpec, load_spec, parse_spec

__all__ = [
    "IndexIndicator",
    "IndexSpec",
    "RiskIndex",
    "load_spec",
    "parse_spec",
    "risk_index",
]
