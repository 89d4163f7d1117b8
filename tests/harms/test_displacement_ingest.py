"""Displacement events through ingestion: HXL and DTM layouts, every row accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest

from sereno.errors import MappingError
from sereno.harms.displacement import displacement_flows
from sereno.ingest.mapping import load_mapping, parse_mapping
from sereno.ingest.pipeline import ingest_file
from sereno.ingest.quarantine import quarantine_rows, retry_quarantine

HXL_HEADER = (
    "evento,fecha,cod_origen,colonia_origen,destino,municipio_destino,pais,albergue,"
    "hogares,personas,mujeres,hombres,causa,grupo,confianza,retorno"
)
HXL_TAGS = (
    "#event+id,#date+occurred,#loc+origin+code,#loc+origin+name,#loc+dest+code,"
    "#adm2+dest+name,#country+dest+code,#loc+dest+shelter,#affected+idps+hh,#affected+idps+ind,"
    "#affected+idps+f,#affected+idps+m,#event+cause,#group+name,#meta+confidence,"
    "#date+returned"
)
HXL = (
    HXL_HEADER
    + "\n"
    + HXL_TAGS
    + "\n"
    + """E1,2023-01-05,U1,,U5,,,,3,12,7,5,amenazas,Grupo A,alta,
E2,2023-01-20,,Santa Fe,,San Pedro,,,20,,,,enfrentamientos entre grupos,,media,2023-03-02
E3,2023-02-11,U1,,,,USA,,1,4,,,reclutamiento forzado,,,
E4,2023-02-30,U2,,,,,,2,8,,,extorsión,,,
E5,2023-02-11,U99,,,,,,2,8,,,extorsión,,,
E6,2023-03-01,U2,,,,,Casa del Migrante,,3,,,homicidio de familiar,,,
E7,2023-03-02,U3,,,,,,,,,,amenazas,,,
E8,2023-03-03,U3,,,,,,1,5,,,lluvias,,,
E1,2023-01-05,U1,,U5,,,,3,12,7,5,amenazas,Grupo A,alta,
"""
)

DTM_HEADER = (
    "Event ID,Reported Date,Origin Administrative Level 2 Code,Origin Administrative Level 2 Name,"
    "Administrative Level 2 Code,Administrative Level 2 Name,Country Code,"
    "Affected IDPs Household Count,Affected IDPs Individual Count,Reason for Displacement"
)
DTM = (
    DTM_HEADER
    + "\n"
    + """D1,2023-04-02,U4,,U6,Santa Fe,HND,14,61,Clashes
D2,2023-04-09,,Los Pinos,,,HND,,9,Threats
D3,09/04/2023,U7,,,,HND,2,7,
D4,2023-04-10,U8,,,,HND,2,seven,Threats
"""
)


def test_hxl_round_trip_every_row_accounted_for(grid_observatory, tmp_path: Path):
    path = tmp_path / "eventos_hxl.csv"
    path.write_text(HXL, encoding="utf-8")
    result = ingest_file(grid_observatory, path, "refugio", "hxl-displacement")
    assert result.rows_read == 9
    assert (result.stored, result.quarantined, result.duplicates, result.excluded) == (4, 4, 1, 0)
    assert result.reasons == {
        "bad_date": 1, "unknown_unit_code": 1, "harm_no_people": 1, "unknown_value": 1}  # fmt: skip
    events = grid_observatory.engine.frame(
        "SELECT event_key, origin_unit, destination_unit, destination_municipality, "
        "destination_country, destination_shelter, destination_kind, households, people, "
        "people_estimated, female, cause, group_name, mass, confidence, returned_date "
        "FROM displacement_events ORDER BY event_key"
    ).set_index("event_key")
    assert list(events.index) == ["E1", "E2", "E3", "E6"]
    e1, e2 = events.loc["E1"], events.loc["E2"]
    assert (e1.origin_unit, e1.destination_unit, e1.destination_kind) == ("U1", "U5", "unit")
    assert (e1.people, e1.female, e1.cause, e1.group_name, e1.confidence) == (
        12, 7, "threat", "Grupo A", "high")  # fmt: skip
    # Households only: people = households x the household size (4.0), and 20 households is
    # a mass displacement (ten households or more, Colombia's Decreto 2569 de 2000).
    assert (e2.origin_unit, e2.people, bool(e2.people_estimated), bool(e2.mass)) == (
        "U6", 80, True, True)  # fmt: skip
    assert (e2.destination_kind, e2.destination_municipality) == ("municipality", "San Pedro")
    assert events.loc["E3", "destination_kind"] == "country"
    assert events.loc["E6", "destination_kind"] == "shelter"
    assert str(e2.returned_date)[:10] == "2023-03-02"
    # Re-ingesting the same file adds nothing.
    again = ingest_file(grid_observatory, path, "refugio", "hxl-displacement")
    assert (again.stored, again.duplicates + again.quarantined) == (0, 9)


def test_quarantine_reasons_name_the_row_and_value(grid_observatory, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(HXL, encoding="utf-8")
    ingest_file(grid_observatory, path, "refugio", "hxl-displacement")
    reasons = quarantine_rows(grid_observatory, "refugio", lang="en").set_index("row_number")
    assert reasons.loc[4, "reason"].startswith("date '2023-02-30'")
    assert reasons.loc[5, "value"] == "U99"
    assert reasons.loc[7, "reason"] == "the event gives neither households nor people displaced"
    assert "lluvias" in reasons.loc[8, "reason"] and "#event+cause" in reasons.loc[8, "reason"]


def test_dtm_event_tracking_round_trip(grid_observatory, tmp_path: Path):
    path = tmp_path / "dtm_eet.csv"
    path.write_text(DTM, encoding="utf-8")
    result = ingest_file(grid_observatory, path, "dtm", "dtm-event-tracking")
    assert result.rows_read == result.stored + result.quarantined + result.duplicates
    assert (result.stored, result.quarantined) == (3, 1)
    assert result.reasons == {"bad_count": 1}
    rows = grid_observatory.engine.frame(
        "SELECT event_key, origin_unit, destination_unit, destination_country, people, cause, "
        "mass, date FROM displacement_events ORDER BY event_key"
    )
    assert rows["origin_unit"].tolist() == ["U4", "U7", "U7"]
    assert rows["people"].tolist() == [61, 9, 7]
    assert rows["cause"].tolist() == ["clashes", "threat", "unknown"]
    assert rows["mass"].tolist() == [True, False, False]


def test_a_fixed_mapping_retries_the_quarantine(grid_observatory, tmp_path: Path):
    path = tmp_path / "e.csv"
    path.write_text(
        "source_record_id,date,unit_code,victim_type,reported_police\n"
        "X1,2023-01-02,U1,negocio,no\nX2,2023-01-03,U2,tortillería,sí\n",
        encoding="utf-8",
    )
    first = ingest_file(grid_observatory, path, "camara", "generic-extortion")
    assert (first.stored, first.quarantined) == (1, 1)
    kept = grid_observatory.mapping_path("camara")
    kept.write_text(
        kept.read_text(encoding="utf-8") + "values:\n  victim_type: {tortillería: business}\n",
        encoding="utf-8",
    )
    retried = retry_quarantine(grid_observatory, "camara")
    assert (retried.resolved, retried.still_quarantined) == (1, 0)
    types = grid_observatory.engine.frame("SELECT victim_type FROM extortion_reports")
    assert types["victim_type"].tolist() == ["business", "business"]


def test_harm_mappings_are_validated_when_loaded():
    assert load_mapping("hxl-displacement").layout == "displacement"
    with pytest.raises(MappingError, match="households or people"):
        parse_mapping({"layout": "displacement", "fields": {"date": "d", "origin_unit_code": "o"}},
                      "m")  # fmt: skip
    with pytest.raises(MappingError, match="unknown fields"):
        parse_mapping(
            {
                "layout": "extortion",
                "fields": {"date": "d", "unit_code": "u", "victim_type": "v", "colour": "c"},
            },
            "m",
        )
    with pytest.raises(MappingError, match="values"):
        parse_mapping({"layout": "extortion", "fields": {"date": "d", "unit_code": "u",
                                                         "victim_type": "v"},
                       "values": {"victim_type": {"x": "bakery"}}}, "m")  # fmt: skip


def test_stocks_and_flows_per_unit_and_month(grid_observatory, tmp_path: Path):
    path = tmp_path / "e.csv"
    path.write_text(HXL, encoding="utf-8")
    ingest_file(grid_observatory, path, "refugio", "hxl-displacement")
    flows = displacement_flows(grid_observatory)
    table = flows.to_frame().set_index(["unit_code", "month"])
    assert table.loc[("U1", "2023-01"), "new"] == 12
    assert table.loc[("U1", "2023-02"), "new"] == 4
    assert table.loc[("U1", "2023-03"), "stock"] == 16
    assert table.loc[("U5", "2023-01"), "arrived"] == 12
    # E2: 80 people from Santa Fe (U6) in January, back in March.
    assert table.loc[("U6", "2023-01"), "stock"] == 80
    assert table.loc[("U6", "2023-02"), "stock"] == 80
    assert table.loc[("U6", "2023-03"), ["returned", "stock"]].tolist() == [80, 0]
    assert flows.totals()["new"].sum() == 12 + 80 + 4 + 3
    assert len(flows.mass_events()) == 1
    assert flows.summary("en").startswith("Between 2023-01 and 2023-03, 99 people were displaced")
