"""Indicators defined in files (TOML or YAML), not in code.

An indicator set is a file with a ``[set]`` table and a list of ``[[indicator]]`` tables::

    [set]
    name = "homicide"
    title = { es = "Homicidios", en = "Homicides" }

    [[indicator]]
    key = "homicides"
    name = { es = "Homicidios intencionales", en = "Intentional homicides" }
    iccs = ["0101"]          # ICCS codes; a code includes every code below it (0101 ⊃ 01011)
    counted = "victims"      # victims | incidents
    other_basis = "use"      # use | refuse: when no source counts it so but one counts the
                             # other (SESNSP counts carpetas), read that one and say so on
                             # every figure, or refuse with a sentence (see basis.py)
    sources = "all"          # "all" or a list of source ids
    combine = "largest"      # largest | each | sum | max | min: how sources are joined
    population = "total"     # population group of the rate, or false for a count only
    per = 100000
    victims = { sex = "male", age = [15, 29] }   # optional: only these victims
    provider = "observations"                    # where counts come from (see counts.py):
                                                 # "events" counts events linked across
                                                 # sources, "estimated" the yearly multiple
                                                 # systems estimate (see reconciled.py)

``combine``: ``largest`` uses the one source with the most records of the indicator, in every
unit and month (its figures reconcile with that source's own); ``each`` keeps every source as
its own series; ``sum`` adds sources that record different events; ``max``/``min`` take, in
each unit and month, the largest/smallest source count (``max`` can exceed the truth when
sources place the same death in different units).

Sets ship in ``sets/`` (``homicide``, ``mesa``, ``iccs-sections``); an observatory adds its
own in ``<observatory>/indicators/NAME.toml`` (or ``.yaml``), or any path is given directly.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sereno.errors import SerenoError
from sereno.i18n import default_language

COUNTED = ("victims", "incidents")
COMBINE = ("largest", "each", "sum", "max", "min")
OTHER_BASIS = ("use", "refuse")


@dataclass(frozen=True)
class Indicator:
    key: str
    name_es: str
    name_en: str
    iccs: tuple[str, ...]
    counted: str = "victims"
    sources: tuple[str, ...] | None = None  # None: all sources
    combine: str = "largest"
    population: str | None = "total"
    per: int = 100_000
    sex: str | None = None
    age: tuple[int, int] | None = None
    provider: str = "observations"
    other_basis: str = "use"

    def name(self, lang: str | None = None) -> str:
        return self.name_en if (lang or default_language()) == "en" else self.name_es

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class IndicatorSet:
    name: str
    title_es: str
    title_en: str
    indicators: tuple[Indicator, ...] = field(default_factory=tuple)
    path: str = ""

    def title(self, lang: str | None = None) -> str:
        return self.title_en if (lang or default_language()) == "en" else self.title_es

    def __getitem__(self, key: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.key == key:
                return indicator
        raise SerenoError("indicators.unknown_indicator", indicator=key, set=self.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title_es": self.title_es,
            "title_en": self.title_en,
            "indicators": [i.to_dict() for i in self.indicators],
        }


def shipped_sets() -> list[str]:
    """Names of the indicator sets that ship with Sereno."""
    folder = resources.files(__package__) / "sets"
    return sorted(
        e.name.rsplit(".", 1)[0] for e in folder.iterdir() if e.name[-5:] in (".toml", ".yaml")
    )


def load_set(name_or_path: str | Path, observatory_dir: Path | None = None) -> IndicatorSet:
    """An indicator set by path, by name in the observatory's ``indicators/``, or shipped."""
    path = Path(name_or_path)
    candidates = [path]
    if observatory_dir is not None:
        candidates += [
            Path(observatory_dir) / "indicators" / f"{name_or_path}.{x}"
            for x in ("toml", "yaml", "yml")
        ]
    for candidate in candidates:
        if candidate.suffix in (".toml", ".yaml", ".yml") and candidate.is_file():
            return parse_set(candidate.read_text(encoding="utf-8"), candidate)
    folder = resources.files(__package__) / "sets"
    for ext in ("toml", "yaml"):
        entry = folder / f"{name_or_path}.{ext}"
        if entry.is_file():
            return parse_set(entry.read_text(encoding="utf-8"), Path(entry.name))
    raise SerenoError(
        "indicators.unknown_set", name=str(name_or_path), sets=", ".join(shipped_sets())
    )


def parse_set(text: str, path: Path) -> IndicatorSet:
    """Parse and validate an indicator set file's text (TOML, or YAML by the file's suffix)."""
    try:
        data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        detail = str(exc).splitlines()[0]
        raise SerenoError("indicators.bad_file", file=str(path), detail=detail) from None
    if not isinstance(data, dict) or not data.get("indicator"):
        raise SerenoError("indicators.no_indicators", file=str(path))
    head = data.get("set") or {}
    title = _names(head.get("title"), head.get("name", path.stem), path, "title")
    indicators = tuple(_indicator(raw, path) for raw in data["indicator"])
    keys = [i.key for i in indicators]
    if len(set(keys)) != len(keys):
        raise SerenoError("indicators.duplicate_key", file=str(path), indicator=_first_repeat(keys))
    return IndicatorSet(str(head.get("name", path.stem)), *title, indicators, str(path))


def _indicator(raw: Any, path: Path) -> Indicator:
    if not isinstance(raw, dict) or "key" not in raw:
        raise SerenoError(
            "indicators.bad_field", file=str(path), indicator="?", field="key", value=raw
        )
    key = str(raw["key"])

    def bad(name: str) -> SerenoError:
        return SerenoError(
            "indicators.bad_field", file=str(path), indicator=key, field=name, value=raw.get(name)
        )

    iccs = raw.get("iccs")
    if isinstance(iccs, str):
        iccs = [iccs]
    if not iccs or not all(isinstance(c, str) and c for c in iccs):
        raise bad("iccs")
    counted = raw.get("counted", "victims")
    if counted not in COUNTED:
        raise bad("counted")
    other_basis = raw.get("other_basis", "use")
    if other_basis not in OTHER_BASIS:
        raise bad("other_basis")
    combine = raw.get("combine", "largest")
    if combine not in COMBINE:
        raise bad("combine")
    sources = raw.get("sources", "all")
    if sources == "all":
        sources = None
    elif isinstance(sources, str):
        sources = (sources,)
    elif isinstance(sources, list) and sources:
        sources = tuple(str(s) for s in sources)
    else:
        raise bad("sources")
    population = raw.get("population", "total")
    if population is False or population == "none":
        population = None
    elif not isinstance(population, str):
        raise bad("population")
    per = raw.get("per", 100_000)
    if not isinstance(per, int) or per <= 0:
        raise bad("per")
    victims = raw.get("victims") or {}
    age = victims.get("age")
    if age is not None and not (isinstance(age, list) and len(age) == 2):
        raise bad("victims")
    if victims and counted != "victims":
        raise bad("victims")
    names = _names(raw.get("name"), key, path, "name")
    return Indicator(
        key=key,
        name_es=names[0],
        name_en=names[1],
        iccs=tuple(iccs),
        counted=counted,
        sources=sources,
        combine=combine,
        population=population,
        per=per,
        sex=victims.get("sex"),
        age=tuple(int(a) for a in age) if age else None,
        provider=str(raw.get("provider", "observations")),
        other_basis=other_basis,
    )


def _names(value: Any, fallback: str, path: Path, name: str) -> tuple[str, str]:
    if value is None:
        return str(fallback), str(fallback)
    if isinstance(value, str):
        return value, value
    if isinstance(value, dict) and "es" in value and "en" in value:
        return str(value["es"]), str(value["en"])
    raise SerenoError(
        "indicators.bad_field", file=str(path), indicator=fallback, field=name, value=value
    )


def _first_repeat(keys: list[str]) -> str:
    seen: set[str] = set()
    for k in keys:
        if k in seen:
            return k
        seen.add(k)
    return ""
