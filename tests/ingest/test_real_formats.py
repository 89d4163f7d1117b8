"""Published layouts round-tripped: SESNSP municipal incidence and INEGI death microdata."""

from __future__ import annotations

import pandas as pd

from sereno.ingest.pipeline import ingest_file


def test_sesnsp_counts_per_unit_month_and_code_match_the_published_file(observatory, data_dir):
    result = ingest_file(
        observatory, data_dir / "sesnsp_municipal_sample.csv", "sesnsp", "sesnsp-municipal"
    )
    assert (result.rows_read, result.stored, result.quarantined) == (47, 47, 0)
    expected = pd.read_csv(
        data_dir / "sesnsp_municipal_sample.expected.csv",
        dtype={"unit_code": str, "iccs_code": str},
    )
    got = observatory.engine.frame(
        "SELECT unit_code, year::INT AS year, month::INT AS month, iccs_code, "
        "sum(n)::INT AS n FROM observations WHERE source_id = 'sesnsp' GROUP BY 1, 2, 3, 4"
    )
    merged = expected.merge(
        got,
        on=["unit_code", "year", "month", "iccs_code"],
        how="outer",
        suffixes=("_expected", "_got"),
    )
    assert len(merged) == len(expected) == 352
    assert (merged.n_expected == merged.n_got).all()


def test_sesnsp_months_not_yet_published_are_absent_not_zero(observatory, data_dir):
    ingest_file(observatory, data_dir / "sesnsp_municipal_sample.csv", "sesnsp", "sesnsp-municipal")
    months_2024 = observatory.engine.rows(
        "SELECT DISTINCT month FROM counts WHERE year = 2024 ORDER BY 1"
    )
    assert [m[0] for m in months_2024] == list(range(1, 9))
    assert observatory.engine.scalar("SELECT min(n) FROM counts") == 0  # real zeros are kept


def test_sesnsp_counts_are_incidents_and_latin1_names_survive(observatory, data_dir):
    ingest_file(observatory, data_dir / "sesnsp_municipal_sample.csv", "sesnsp", "sesnsp-municipal")
    assert observatory.engine.rows("SELECT DISTINCT counted FROM counts") == [("incidents",)]
    raw = observatory.engine.scalar(
        "SELECT raw->>'Municipio' FROM records WHERE raw->>'Cve. Municipio' = '8037' LIMIT 1"
    )
    assert raw == "Juárez"


def test_inegi_homicides_by_unit_and_month(observatory, data_dir):
    result = ingest_file(
        observatory, data_dir / "inegi_defunciones_sample.csv", "inegi", "inegi-defunciones"
    )
    assert result.rows_read == 60
    assert result.stored == 40 and result.excluded == 20 and result.quarantined == 0
    assert result.stored + result.quarantined + result.duplicates + result.excluded == 60
    expected = pd.read_csv(
        data_dir / "inegi_defunciones_sample.expected.csv", dtype={"unit_code": str}
    )
    got = observatory.engine.frame(
        "SELECT unit_code, year::INT AS year, month::INT AS month, count(*)::INT AS n "
        "FROM victims GROUP BY 1, 2, 3"
    )
    merged = expected.merge(got, on=["unit_code", "year", "month"], how="outer")
    assert len(merged) == len(expected)
    assert (merged.n_homicides == merged.n).all()


def test_inegi_codes_are_decoded(observatory, data_dir):
    ingest_file(
        observatory, data_dir / "inegi_defunciones_sample.csv", "inegi", "inegi-defunciones"
    )
    victims = observatory.engine.frame(
        "SELECT v.*, r.raw->>'edad' AS edad, "
        "r.raw->>'dia_ocurr' AS dia FROM victims v "
        "JOIN records r USING (record_id)"
    )
    years = victims[victims.edad.str.startswith("4") & (victims.edad != "4998")]
    assert (years.age == years.edad.astype(int) - 4000).all()
    assert victims[victims.edad == "4998"].age.isna().all()
    assert set(victims.sex) <= {"male", "female", "unknown"}
    unknown_day = victims[victims.dia == "99"]
    assert len(unknown_day) and (unknown_day.date_precision == 3).all()
    assert unknown_day.date.isna().all()
    assert (victims.iccs_code == "0101").all()
