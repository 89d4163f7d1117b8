"""The declarative risk index: a TOML file like the indicator sets.

name = "riesgo"
title = { es = "Índice de riesgo", en = "Risk index" }
unit = "unit_code"              # the id column of the data (and of the covariates)
normalisation = "zscore"        # zscore | minmax | rank | distance
aggregation = "arithmetic"      # arithmetic | geometric

[store]                         # optional: count indicators read from the observatory
set = "homicide"                # an indicator set (sereno indicators)
level = "colonia"
start = "2024-01"
end = "2024-12"

[[indicator]]                   # a rate from counts (EB-smoothed where counts are small)
key = "homicides"               # on the store: the set's indicator; on a file: a name
count = "homicides"             # on a file: the count column
population = "population"       # on a file: the population (person-years) column
smoothing = "eb"                # eb | none
per = 100000
weight = 0.5
direction = "+"                 # + more is riskier, - more is safer

[[indicator]]                   # a covariate read as it is
key = "poverty"
column = "poverty"
weight = 0.25
reference = 30.0                # for the distance-to-reference normalisation

[uncertainty]                   # the Monte Carlo of the Handbook's step 7
normalisations = ["zscore", "minmax", "rank"]
aggregations = ["arithmetic", "geometric"]
weight_spread = 0.25            # each weight uniform on w (1 ± 0.25), then rescaled
counts = true                   # redraw counts from their Poisson uncertainty
samples = 256                   # Saltelli base samples N: N (factors + 2) runs
seed = 12345
level = 0.90                    # rank interval level
top = 10                        # "stable in the top k"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sereno.errors import SerenoError
from sereno.i18n import default_language
from sereno.prioritise.composite import AGGREGATIONS, NORMALISATIONS

DIRECTIONS = {"+": 1, "-": -1, "1": 1, "-1": -1, "up": 1, "down": -1}


@dataclass(frozen=True)
class IndexIndicator:
    """One component: a rate from ``count`` / ``population`` or a ``column`` read as is."""

    key: str
    name_es: str
    name_en: str
    weight: float
    direction: int = 1
    column: str | None = None
    count: str | None = None
    population: str | None = None
    smoothing: str = "eb"
    per: float = 100_000.0
    reference: float | None = None

    @property
    def is_rate(self) -> bool:
        return self.count is not None

    def name(self, lang: str | None) -> str:
        return self.name_en if (lang or default_language()) == "en" else self.name_es


@dataclass(frozen=True)
class Uncertainty:
    """Which choices the Monte Carlo varies, and how much."""

    normalisations: tuple[str, ...] = ()
    aggregations: tuple[str, ...] = ()
    weight_spread: float = 0.0
    counts: bool = True
    samples: int = 256
    seed: int = 12345
    level: float = 0.90
    top: int = 10


@dataclass(frozen=True)
class IndexSpec:
    """A risk index: its components and the choices its uncertainty analysis varies."""

    name: str
    title_es: str
    title_en: str
    indicators: tuple[IndexIndicator, ...]
    unit: str = "unit_code"
    normalisation: str = "zscore"
    aggregation: str = "arithmetic"
    uncertainty: Uncertainty = field(default_factory=Uncertainty)
    store: dict[str, str] = field(default_factory=dict)
    path: str = ""

    def title(self, lang: str | None) -> str:
        return self.title_en if (lang or default_language()) == "en" else self.title_es

    def with_uncertainty(self, **changes: Any) -> IndexSpec:
        from dataclasses import replace

        return replace(self, uncertainty=replace(self.uncertainty, **changes))


def load_spec(path: str | Path) -> IndexSpec:
    """Read and check a risk index TOML file."""
    path = Path(path)
    if not path.is_file():
        raise SerenoError("error.file_missing", file=path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SerenoError("prioritise.spec_invalid", file=path, detail=str(exc)) from None
    return parse_spec(raw, str(path))


def parse_spec(raw: dict[str, Any], path: str = "") -> IndexSpec:
    def bad(detail: str) -> SerenoError:
        return SerenoError("prioritise.spec_invalid", file=path or "-", detail=detail)

    items = raw.get("indicator") or []
    if not isinstance(items, list) or not items:
        raise bad("[[indicator]]")
    normalisation = _choice(raw.get("normalisation", "zscore"), NORMALISATIONS, "normalisation")
    aggregation = _choice(raw.get("aggregation", "arithmetic"), AGGREGATIONS, "aggregation")
    indicators = tuple(_indicator(item, bad) for item in items)
    keys = [i.key for i in indicators]
    if len(set(keys)) < len(keys):
        raise bad(f"key {next(k for k in keys if keys.count(k) > 1)} twice")
    if sum(i.weight for i in indicators) <= 0:
        raise bad("weights")
    u = raw.get("uncertainty", {})
    uncertainty = Uncertainty(
        normalisations=tuple(
            _choice(v, NORMALISATIONS, "normalisation") for v in u.get("normalisations", [])
        ),
        aggregations=tuple(
            _choice(v, AGGREGATIONS, "aggregation") for v in u.get("aggregations", [])
        ),
        weight_spread=_number(u.get("weight_spread", 0.0), "weight_spread", 0.0, 0.99),
        counts=bool(u.get("counts", True)),
        samples=int(_number(u.get("samples", 256), "samples", 8, 1 << 16)),
        seed=int(u.get("seed", 12345)),
        level=_number(u.get("level", 0.90), "level", 0.5, 0.999),
        top=int(_number(u.get("top", 10), "top", 1, 1e9)),
    )
    title = raw.get("title", {})
    title = title if isinstance(title, dict) else {"es": str(title), "en": str(title)}
    name = str(raw.get("name", Path(path).stem if path else "index"))
    return IndexSpec(
        name=name,
        title_es=str(title.get("es", name)),
        title_en=str(title.get("en", title.get("es", name))),
        indicators=indicators,
        unit=str(raw.get("unit", "unit_code")),
        normalisation=normalisation,
        aggregation=aggregation,
        uncertainty=uncertainty,
        store={k: str(v) for k, v in raw.get("store", {}).items()},
        path=path,
    )


def _indicator(item: dict[str, Any], bad) -> IndexIndicator:
    if not isinstance(item, dict) or "key" not in item:
        raise bad("[[indicator]] key")
    key = str(item["key"])
    if ("column" in item) == ("count" in item):
        raise bad(f"{key}: column | count")
    direction = DIRECTIONS.get(str(item.get("direction", "+")).strip())
    if direction is None:
        raise SerenoError("prioritise.bad_direction", indicator=key, value=item.get("direction"))
    weight = _number(item.get("weight", 1.0), f"{key}.weight", 0.0, 1e12)
    smoothing = str(item.get("smoothing", "eb"))
    if smoothing not in ("eb", "none"):
        raise SerenoError("prioritise.bad_choice", option="smoothing", value=smoothing,
                          values="eb, none")  # fmt: skip
    name = item.get("name", {})
    name = name if isinstance(name, dict) else {"es": str(name), "en": str(name)}
    reference = item.get("reference")
    return IndexIndicator(
        key=key,
        name_es=str(name.get("es", key)),
        name_en=str(name.get("en", name.get("es", key))),
        weight=weight,
        direction=direction,
        column=item.get("column"),
        count=str(item["count"]) if "count" in item else None,
        population=str(item.get("population", "population")) if "count" in item else None,
        smoothing=smoothing,
        per=_number(item.get("per", 100_000), f"{key}.per", 1e-12, 1e15),
        reference=None if reference is None else float(reference),
    )


def _choice(value: Any, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise SerenoError(
            "prioritise.bad_choice", option=option, value=value, values=", ".join(allowed)
        )
    return str(value)


def _number(value: Any, option: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not low <= number <= high:
        raise SerenoError("prioritise.bad_number", option=option, value=value, low=low, high=high)
    return number
