"""Offence names as the observatory's own indicator sets say them.

A working group knows its offences by its own words ("Robo a negocio"), not by the ICCS
wording ("Robbery of business premises"): where an indicator of the observatory's sets (its
``indicators/`` folder first, then the shipped sets, the Mesa's first) counts exactly one
ICCS code, the portal names the code as that indicator does; other codes keep their ICCS
label (UNODC 2015), and an unknown code is shown as itself.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sereno.errors import SerenoError
from sereno.harmonise.iccs import iccs_codes
from sereno.indicators.definitions import load_set, shipped_sets

SHIPPED_FIRST = ("mesa", "homicide")


@lru_cache(maxsize=16)
def indicator_names(directory: str | None) -> dict[str, tuple[str, str]]:
    """ICCS code -> (Spanish, English) name of the first single-code indicator naming it."""
    paths: list[str | Path] = []
    if directory is not None:
        folder = Path(directory) / "indicators"
        paths += sorted(p for p in folder.glob("*") if p.suffix in (".toml", ".yaml", ".yml"))
    paths += [*SHIPPED_FIRST, *(s for s in shipped_sets() if s not in SHIPPED_FIRST)]
    names: dict[str, tuple[str, str]] = {}
    for path in paths:
        try:
            found = load_set(path)
        except SerenoError:  # a broken set of the observatory's is reported by `indicators`
            continue
        for indicator in found.indicators:
            if len(indicator.iccs) == 1 and indicator.sex is None and indicator.age is None:
                code = indicator.iccs[0]
                # Sets that name sections by code and words ("01 Actos ...") keep the words.
                es, en = (
                    n.removeprefix(code + " ") for n in (indicator.name_es, indicator.name_en)
                )
                names.setdefault(code, (es, en))
    return names


def offence_name(code: str, lang: str, data: Any = None) -> str:
    """The name of ICCS ``code`` in ``lang``: the observatory's indicator name, else ICCS's."""
    directory = None if data is None else str(data.obs.directory)
    named = indicator_names(directory).get(code)
    if named is not None:
        return named[0] if lang == "es" else named[1]
    table = iccs_codes().set_index("code")
    return str(table.loc[code, f"label_{lang}"]) if code in table.index else code
