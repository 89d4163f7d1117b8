"""What an observatory holds: sources with their records, quarantine and years covered."""

from __future__ import annotations

from sereno.store.observatory import Observatory


def observatory_summary(observatory: Observatory) -> dict[str, object]:
    engine = observatory.engine
    sources = engine.rows("""
        SELECT s.source_id, s.kind, s.counts, s.definition_version,
               (SELECT count(*) FROM records r WHERE r.source_id = s.source_id),
               (SELECT count(*) FROM quarantine q WHERE q.source_id = s.source_id
                  AND q.status = 'open'),
               (SELECT min(year) || '-' || max(year) FROM observations o
                  WHERE o.source_id = s.source_id)
        FROM sources s ORDER BY s.source_id
    """)
    scalar = engine.scalar
    return {
        "name": observatory.config.name,
        "directory": str(observatory.directory),
        "store": str(observatory.config.store_path),
        "levels": observatory.config.levels,
        "units": scalar("SELECT count(*) FROM units"),
        "population_figures": scalar("SELECT count(*) FROM populations"),
        "records": scalar("SELECT count(*) FROM records"),
        "victims": scalar("SELECT count(*) FROM victims"),
        "incidents": scalar("SELECT count(*) FROM incidents"),
        "counts": scalar("SELECT count(*) FROM counts"),
        "quarantined_open": scalar("SELECT count(*) FROM quarantine WHERE status = 'open'"),
        "batches": scalar("SELECT count(*) FROM batches"),
        "interventions": scalar("SELECT count(*) FROM interventions"),
        "sources": [
            {
                "source": s[0],
                "kind": s[1],
                "counts": s[2],
                "definition_version": s[3],
                "records": s[4],
                "quarantined": s[5],
                "years": s[6],
            }
            for s in sources
        ],
    }
