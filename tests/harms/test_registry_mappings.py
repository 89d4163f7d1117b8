"""Disappearance records: the RNPDNO layout round trip, and a person's status over time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sereno.geo.units import load_units
from sereno.harms.disappearances import disappearance_counts
from sereno.ingest.pipeline import ingest_file


def _square(code: str, x0: float, parent: str | None) -> dict:
    ring = [[x0, 31.0], [x0 + 0.1, 31.0], [x0 + 0.1, 31.1], [x0, 31.1], [x0, 31.0]]
    return {"type": "Feature", "properties": {"code": code, "name": code, "parent": parent},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


@pytest.fixture
def mexico(observatory, tmp_path: Path):
    states = tmp_path / "states.geojson"
    states.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _square("08", -106.5, None)]}))  # fmt: skip
    municipalities = tmp_path / "municipalities.geojson"
    municipalities.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _square("08037", -106.5, "08"), _square("08019", -106.4, "08")]}))  # fmt: skip
    load_units(observatory, states, "state")
    load_units(observatory, municipalities, "municipality", parent="parent")
    return observatory


HEADER = "ID,CVE_ENT,CVE_MUN,ENTIDAD,MUNICIPIO,SEXO,EDAD,FECHA_DESAPARICION,ESTATUS,"
RNPDNO = (
    HEADER
    + """FECHA_LOCALIZACION
R1,8,37,CHIHUAHUA,JUÁREZ,HOMBRE,23,03/02/2021,DESAPARECIDA,
R2,08,037,CHIHUAHUA,JUÁREZ,MUJER,17,11/05/2021,LOCALIZADA CON VIDA,20/05/2021
R3,08,019,CHIHUAHUA,CHIHUAHUA,HOMBRE,41,01/06/2021,LOCALIZADA SIN VIDA,30/06/2021
R4,08,999,CHIHUAHUA,NO ESPECIFICADO,INDETERMINADO,,15/07/2021,NO LOCALIZADA,
R5,08,037,CHIHUAHUA,JUÁREZ,HOMBRE,230,01/08/2021,DESAPARECIDA,
R6,08,037,CHIHUAHUA,JUÁREZ,X,30,01/08/2021,DESAPARECIDA,
R7,19,039,NUEVO LEÓN,MONTERREY,HOMBRE,30,01/08/2021,DESAPARECIDA,
R8,08,037,CHIHUAHUA,JUÁREZ,HOMBRE,30,01/08/2021,RETENIDA,
"""
)


def test_rnpdno_round_trip_every_row_accounted_for(mexico, tmp_path: Path):
    path = tmp_path / "rnpdno.csv"
    path.write_text(RNPDNO, encoding="utf-8")
    result = ingest_file(mexico, path, "rnpdno", "rnpdno")
    assert result.rows_read == 8
    assert (result.stored, result.quarantined, result.duplicates) == (4, 4, 0)
    assert result.reasons == {"bad_age": 1, "unknown_value": 2, "unknown_unit_code": 1}
    rows = mexico.engine.frame(
        "SELECT person_key, unit_code, state, sex, age, status, status_date, reported_by, "
        "name FROM disappearances ORDER BY person_key"
    ).set_index("person_key")
    assert rows["unit_code"].tolist() == ["08037", "08037", "08019", "08"]
    assert rows["status"].tolist() == ["missing", "found_alive", "found_dead", "missing"]
    assert rows["sex"].tolist() == ["male", "female", "male", "unknown"]
    assert set(rows["reported_by"]) == {"registry"} and rows["name"].isna().all()
    assert str(rows.loc["R3", "status_date"])[:10] == "2021-06-30"
    # Rolled up to the state: 4 reported, one found alive, one found dead, two open.
    totals = disappearance_counts(mexico, level="state").totals()
    assert totals == {"reported": 4, "found_alive": 1, "found_dead": 1, "open": 2}


def test_a_new_status_is_a_new_version_and_the_history_keeps_both(mexico, tmp_path: Path):
    first = tmp_path / "lista1.csv"
    first.write_text("source_record_id,name,date,unit_code,status\n"
                     "F1,Ana Pérez,2022-01-03,08037,desaparecida\n", encoding="utf-8")  # fmt: skip
    later = tmp_path / "lista2.csv"
    later.write_text("source_record_id,name,date,unit_code,status,status_date\n"
                     "F1,Ana Pérez,2022-01-03,08037,localizada con vida,2022-02-10\n",
                     encoding="utf-8")  # fmt: skip
    ingest_file(mexico, first, "familias", "generic-disappearances")
    second = ingest_file(mexico, later, "familias", "generic-disappearances")
    assert (second.stored, second.new_versions) == (1, 1)
    history = mexico.engine.frame(
        "SELECT status, status_date FROM disappearance_status ORDER BY record_id"
    )
    assert history["status"].tolist() == ["missing", "found_alive"]
    assert str(history["status_date"].iloc[0])[:10] == "2022-01-03"
    totals = disappearance_counts(mexico, level="municipality").totals()
    assert totals == {"reported": 1, "found_alive": 1, "found_dead": 0, "open": 0}


def test_restricted_harm_records_go_through_the_records_service(mexico, tmp_path: Path):
    from sereno.errors import SerenoError
    from sereno.harms.access import restricted_harm_records
    from sereno.records import OWNER, Actor
    from sereno.records.ownership import set_owner

    path = tmp_path / "lista.csv"
    path.write_text("source_record_id,name,date,unit_code\nF1,Ana Pérez,2022-01-03,08037\n",
                    encoding="utf-8")  # fmt: skip
    ingest_file(mexico, path, "familias", "generic-disappearances")
    set_owner(mexico, OWNER, "familias", "colectivo_a")
    own = Actor("lucia", "analyst", "colectivo_a")
    other = Actor("omar", "analyst", "ong_b")
    frame = restricted_harm_records(mexico, own, "disappearance", "familias")
    assert frame["name"].tolist() == ["Ana Pérez"]
    with pytest.raises(SerenoError) as refused:
        restricted_harm_records(mexico, other, "disappearance", "familias")
    assert refused.value.key == "records.forbidden"
    audit = mexico.engine.frame(
        "SELECT actor, object FROM audit_log WHERE action = 'harms.view_restricted'"
    )
    assert audit.values.tolist() == [["lucia", "disappearances:familias"]]
