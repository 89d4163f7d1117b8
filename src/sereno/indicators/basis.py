"""What each indicator counts, victims or incidents, and what it does when no source has it.

An indicator says what it counts (``counted``). Sources count one or the other: the
forensic institute counts deaths, a police file of cases and Mexico's SESNSP count incidents
(carpetas de investigación). When no source records the indicator's offence as it counts it
but some source records it the other way, the indicator reads that source and says so on
every figure (its rows carry ``counted`` and the source's own word for what it counts),
unless it asks otherwise (``other_basis = "refuse"``) or cannot be computed that way (a
victims' sex or age filter needs victims): then it is refused with a sentence naming the
source and why. No indicator of a set disappears without a sentence.
"""

from __future__ import annotations

from dataclasses import replace

from sereno.i18n import LANGUAGES, t
from sereno.indicators.cube import source_records
from sereno.indicators.definitions import Indicator, IndicatorSet
from sereno.store import Observatory

OTHER = {"victims": "incidents", "incidents": "victims"}


def counted_as(obs: Observatory, source: str, counted: str, lang: str) -> str:
    """What one of ``source``'s counts is, in words: its mapping's ``counted_as`` (SESNSP:
    "carpetas de investigación"), else victims or cases."""
    rows = obs.engine.rows(f"SELECT counted_as_{lang} FROM sources WHERE source_id = ?", [source])
    own = rows[0][0] if rows else None
    return own or t(f"indicators.counted_{counted}", lang)


def _records(obs, ind: Indicator, counted: str, through: int | None) -> dict[str, int]:
    found = source_records(obs, list(ind.iccs), counted=counted, through=through)
    if ind.sources is not None:
        found = {s: n for s, n in found.items() if s in set(ind.sources)}
    return found


def choose_bases(
    obs: Observatory, iset: IndicatorSet, through: int | None = None
) -> tuple[IndicatorSet, dict[str, dict], dict[str, dict]]:
    """``iset`` with each source-read indicator on the basis its sources offer; the facts of
    the indicators read on the other basis (key -> wanted, counted, source, counted_as,
    sentence) and the refused or empty ones (key -> reason, sentence in es and en)."""
    chosen, other, refused = [], {}, {}
    for ind in iset.indicators:
        if ind.provider != "observations" or _records(obs, ind, ind.counted, through):
            chosen.append(ind)
            continue
        basis = OTHER[ind.counted]
        found = _records(obs, ind, basis, through)
        codes = ", ".join(ind.iccs)
        if not found:
            refused[ind.key] = _fact("no_source", ind, codes=codes)
            continue
        source = next(iter(found))
        words = {lang: counted_as(obs, source, basis, lang) for lang in LANGUAGES}
        values = {"source": source, "codes": codes}
        if (ind.sex is not None or ind.age is not None) and basis == "incidents":
            refused[ind.key] = _fact("needs_victims", ind, words=words, **values)
        elif ind.other_basis == "refuse":
            refused[ind.key] = _fact("refused_other", ind, words=words, **values)
        else:
            chosen.append(replace(ind, counted=basis))
            other[ind.key] = {
                "wanted": ind.counted,
                "counted": basis,
                "source": source,
                "counted_as": words,
                **_fact("other_basis", ind, words=words, **values),
            }
    kept = replace(iset, indicators=tuple(chosen))
    return kept, other, refused


def _fact(reason: str, ind: Indicator, words: dict[str, str] | None = None, **values) -> dict:
    sentence = {
        lang: t(
            f"indicators.basis_{reason}",
            lang,
            name=ind.name(lang),
            wanted=t(f"indicators.counted_{ind.counted}", lang),
            counted_as=(words or {}).get(lang, ""),
            **values,
        )
        for lang in LANGUAGES
    }
    return {"reason": reason, "sentence": sentence}
