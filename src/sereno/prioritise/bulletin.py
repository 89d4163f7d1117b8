"""The bulletin's "where to intervene first" section: the public parts of a sequencing plan.

Only aggregates leave: per phase the number of units, the units' names (public geography),
the shares of homicides and population and the budget; no victim-level data. The command
that makes the report passes it to ``build_bulletin(sections=...)``.
"""

from __future__ import annotations

from sereno.i18n import format_number, t
from sereno.indicators.bulletin import BulletinSection
from sereno.prioritise.sequencing import Sequencing

MAX_UNITS_SHOWN = 8


def sequencing_section(
    result: Sequencing, lang: str, names: dict[str, str] | None = None
) -> BulletinSection:
    """One row per phase of ``result`` in ``lang``; ``names`` maps unit codes to names."""
    names = names or {}
    units = result.units
    rows = []
    for phase in result.phases.itertuples():
        members = [names.get(u, u) for u in units.loc[units["phase"] == phase.phase, "unit"]]
        shown = ", ".join(members[:MAX_UNITS_SHOWN])
        if len(members) > MAX_UNITS_SHOWN:
            shown += " …"
        rows.append(
            [
                str(phase.phase),
                shown,
                format_number(100 * phase.homicide_share, lang, 0) + "%",
                format_number(100 * phase.population_share, lang, 0) + "%",
                format_number(phase.allocation, lang, 0) if result.split else "—",
            ]
        )
    header = [
        t(f"prioritise.col_{k}", lang)
        for k in ("phase", "units", "homicide_share", "population_share", "allocation")
    ]
    return BulletinSection(
        t("prioritise.sequence_title", lang),
        result.summary(lang),
        header,
        rows,
        t("prioritise.bulletin_empty", lang),
    )
