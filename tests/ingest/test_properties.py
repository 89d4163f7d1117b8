"""Invariants of ingestion, for any file (hypothesis): every row accounted for, once."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sereno.ingest.pipeline import ingest_file

CELLS = {
    "date": st.sampled_from(["2023-01-05", "05/01/2023", "2023-13-01", "", "ayer", "2099-01-01"]),
    "unit_code": st.sampled_from(["U1", "U5", "U9", "U10", "", "u1"]),
    "offence": st.sampled_from(
        ["homicidio doloso", "Feminicidio", "EXTORSIÓN", "riña", "", "0101"]
    ),
    "sex": st.sampled_from(["hombre", "Mujer", "X", "", "no especificado"]),
    "age": st.sampled_from(["30", "0", "121", "-1", "", "treinta", "25.0"]),
    "source_record_id": st.sampled_from(["", "1", "2", "3"]),
}
ROW = st.fixed_dictionaries(CELLS)


def csv_text(rows: list[dict], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CELLS), delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(ROW, min_size=1, max_size=30),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "latin-1"]),
)
def test_every_row_is_accounted_for_and_reingestion_adds_nothing(
    grid_observatory, tmp_path_factory, rows, delimiter, encoding
):
    path = tmp_path_factory.mktemp("p") / "f.csv"
    path.write_bytes(csv_text(rows, delimiter).encode(encoding))
    engine = grid_observatory.engine
    records_before = engine.scalar("SELECT count(*) FROM records")
    first = ingest_file(grid_observatory, path, "fuente", "generic-victims")
    assert first.rows_read == len(rows)
    assert first.stored + first.quarantined + first.duplicates + first.excluded == len(rows)
    assert engine.scalar("SELECT count(*) FROM records") - records_before == first.stored
    open_before = engine.scalar("SELECT count(*) FROM quarantine WHERE status = 'open'")
    second = ingest_file(grid_observatory, path, "fuente", "generic-victims")
    assert second.stored == 0
    assert second.stored + second.quarantined + second.duplicates == len(rows)
    assert engine.scalar("SELECT count(*) FROM records") - records_before == first.stored
    assert engine.scalar("SELECT count(*) FROM quarantine WHERE status = 'open'") == open_before
    # Every stored record has exactly one harmonised victim row.
    assert (
        engine.scalar(
            "SELECT count(*) FROM records r LEFT JOIN victims v USING "
            "(record_id) WHERE v.record_id IS NULL"
        )
        == 0
    )
