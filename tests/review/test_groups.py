"""The group audit (issue 16): the demo's groups.geojson loads through ``load_groups``, its
rivalries become relations, a relations table adds dated ones, and the drawings render."""

from __future__ import annotations

from pathlib import Path

import pytest

from sereno.errors import SerenoError
from sereno.records import Actor, history
from sereno.review.groups import add_relation, groups, load_groups, relations, territories
from sereno.review.pictures import network_figure, svg, territory_figure

ANA = Actor("ana", "analyst", "ASJ", "cli")
BETO = Actor("beto", "analyst", "OTRA", "cli")


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    from sereno.demo.generate import generate_city

    return generate_city(tmp_path_factory.mktemp("city"), seed=7, years=(2023, 2023))


def test_demo_groups_load_with_rivalries_and_dated_relations(observatory, demo_files, tmp_path):
    rel = tmp_path / "relaciones.csv"
    rel.write_text(
        "group_a,group_b,kind,since,until,note\n"
        "G1,G3,conflict,2022-03-01,,guerra abierta\n"
        "G2,G1,split,2024-01-15,,\n"
        "G1,G9,alliance,2020-01-01,,grupo fuera de la auditoría\n",
        encoding="utf-8",
    )
    result = load_groups(observatory, demo_files.grupos, rel, actor=ANA, observed_on="2024-01-01")
    assert (result.rows_read, result.created, result.quarantined) == (5, 5, 0)
    seen = groups(observatory, ANA)
    assert seen["group_id"].tolist() == ["G1", "G2", "G3", "G4", "G5"]
    assert "members" not in seen.columns
    assert set(seen["kind"]) == {"gang", "clique", "self_defence"}
    rels = relations(observatory, ANA)
    kinds = sorted(zip(rels["group_a"], rels["group_b"], rels["kind"], strict=True))
    # The demo's five rivalries (each listed by both groups) are five relations.
    assert kinds == [
        ("G1", "G3", "conflict"),
        ("G1", "G3", "rivalry"),
        ("G1", "G4", "rivalry"),
        ("G2", "G1", "split"),
        ("G2", "G3", "rivalry"),
        ("G3", "G5", "rivalry"),
    ]
    # The layer's rivalries date from the audit (2024-01-01); the conflict from 2022.
    assert relations(observatory, ANA, on="2023-06-01")["kind"].tolist() == ["conflict"]
    assert len(relations(observatory, ANA, on="2024-01-10")) == 5  # before the split
    assert relations(observatory, BETO).empty and groups(observatory, BETO).empty
    again = load_groups(observatory, demo_files.grupos, actor=ANA, observed_on="2024-01-01")
    assert (again.created, again.updated, again.duplicates) == (0, 0, 5)
    add_relation(observatory, ANA, "G4", "G5", "alliance", since_on="2024-02-01")
    assert history(observatory, "group", "G4|alliance|G5")["actor"].tolist() == ["ana"]
    with pytest.raises(SerenoError):
        add_relation(observatory, BETO, "G4", "G5", "rivalry")
    with pytest.raises(SerenoError):
        add_relation(observatory, ANA, "G4", "G5", "friendship")
    shapes = territories(observatory, ANA)
    assert len(shapes) == 5 and shapes.to_crs(3857).area.min() > 0
    picture = svg(network_figure(groups(observatory, ANA), relations(observatory, ANA), "en"))
    assert picture.startswith("<svg") and "Relations between groups" in picture
    out = tmp_path / "territorio.png"
    territory_figure(shapes, lang="es").savefig(out)
    assert out.stat().st_size > 10_000


def test_bad_group_rows_are_quarantined(observatory, tmp_path):
    layer = tmp_path / "g.geojson"
    square = "[[[-88,15],[-87.99,15],[-87.99,15.01],[-88,15.01],[-88,15]]]"
    features = [
        f'{{"type":"Feature","properties":{{"group_id":"A","name":"Los A","kind":"pandilla"}},'
        f'"geometry":{{"type":"Polygon","coordinates":{square}}}}}',
        f'{{"type":"Feature","properties":{{"group_id":"B","name":"Los B","kind":"gang"}},'
        f'"geometry":{{"type":"Polygon","coordinates":{square}}}}}',
        f'{{"type":"Feature","properties":{{"group_id":"C","name":null,"kind":"gang"}},'
        f'"geometry":{{"type":"Polygon","coordinates":{square}}}}}',
    ]
    layer.write_text('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}")
    result = load_groups(observatory, Path(layer), actor=ANA)
    assert (result.created, result.quarantined) == (1, 2)
    assert result.reasons == {"bad_kind": 1, "missing_value": 1}
