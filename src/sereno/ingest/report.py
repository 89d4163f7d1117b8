"""The ingestion report: what each file gave, what went to quarantine and why, coverage.

Written in Spanish and in English as Markdown, for the observatory's own records and for the
demo; the monthly bulletin (indicators) is a separate report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sereno.i18n import LANGUAGES, format_number, t
from sereno.ingest.pipeline import IngestResult
from sereno.store import Observatory

FIGURES = ("rows_read", "stored", "quarantined", "duplicates", "excluded")


def write_ingestion_report(
    observatory: Observatory, batches: list[IngestResult], folder: Path
) -> Path:
    """Write ``ingesta.es.md`` and ``ingestion.en.md`` into ``folder``; return the Spanish one."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for lang in LANGUAGES:
        name = "ingesta.es.md" if lang == "es" else "ingestion.en.md"
        paths[lang] = folder / name
        paths[lang].write_text(ingestion_report(observatory, batches, lang), encoding="utf-8")
    return paths["es"]


def ingestion_report(observatory: Observatory, batches: list[IngestResult], lang: str) -> str:
    engine = observatory.engine

    def number(value: object) -> str:
        return format_number(value, lang)

    lines = [f"# {t('report.title', lang, name=observatory.config.name)}", ""]
    if observatory.config.document["observatory"].get("synthetic", False):
        lines += [t("report.synthetic", lang), ""]
    lines += [t("report.produced", lang, date=date.today().isoformat()), ""]
    population = engine.rows(
        "SELECT year, sum(population) FROM populations WHERE \"group\" = 'total' "
        "GROUP BY year ORDER BY year DESC LIMIT 1"
    )
    levels = observatory.config.levels
    lines += [
        t(
            "report.geography",
            lang,
            units=number(engine.scalar("SELECT count(*) FROM units")),
            levels=len(levels),
            level_list=", ".join(levels),
            population=number(population[0][1]) if population else "—",
            year=population[0][0] if population else "—",
        ),
        "",
    ]
    lines += [f"## {t('report.batches', lang)}", "", t("report.rule", lang), ""]
    header = [
        t("report.source", lang),
        t("report.file", lang),
        *(t(f"cli.{f}", lang) for f in FIGURES),
    ]
    lines += _table(
        header, [[b.source, b.file, *(number(getattr(b, f)) for f in FIGURES)] for b in batches]
    )
    reasons = engine.rows(
        "SELECT source_id, reason_code, count(*) FROM quarantine WHERE "
        "status = 'open' GROUP BY 1, 2 ORDER BY 1, 3 DESC"
    )
    if reasons:
        lines += ["", f"## {t('report.reasons', lang)}", ""]
        lines += _table(
            [t("report.source", lang), t("cli.reason", lang), t("cli.count", lang)],
            [[s, _reason(code, lang), number(n)] for s, code, n in reasons],
        )
    coverage = engine.rows(
        "SELECT source_id, counted, year, sum(n) FROM observations GROUP BY 1, 2, 3 ORDER BY 1, 3"
    )
    years = sorted({r[2] for r in coverage})
    by_source: dict[tuple[str, str], dict[int, int]] = {}
    for source, counted, year, n in coverage:
        by_source.setdefault((source, counted), {})[year] = n
    lines += ["", f"## {t('report.coverage', lang)}", ""]
    lines += _table(
        [t("report.source", lang), t("report.counted", lang), *map(str, years)],
        [
            [s, t(f"report.counted_{c}", lang), *(number(v.get(y, 0)) for y in years)]
            for (s, c), v in by_source.items()
        ],
    )
    return "\n".join(lines) + "\n"


def _reason(code: str, lang: str) -> str:
    text = t(f"quarantine.{code}", lang, value="…", column="…", field="…", expected="…")
    return f"`{code}`: {text}"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
