"""The shipped ICCS table and label maps are consistent."""

from __future__ import annotations

from sereno.harmonise.iccs import builtin_offence_labels, iccs_codes, offence_label
from sereno.harmonise.vocabularies import vocabularies, vocabulary_lookup
from sereno.ingest.mapping import builtin_names, load_mapping


def test_iccs_codes_form_a_tree_with_both_languages():
    codes = iccs_codes()
    assert codes["code"].is_unique
    sections = codes[codes.level == 1]
    assert {f"{i:02d}" for i in range(1, 12)} <= set(sections.code)
    known = set(codes.code)
    for row in codes[codes.level > 1].itertuples():
        assert row.parent in known and row.code.startswith(row.parent), row.code
        assert len(row.code) == len(row.parent) + (2 if row.level == 2 else 1), row.code
    assert (codes.label_es.str.len() > 0).all() and (codes.label_en.str.len() > 0).all()
    assert offence_label("0101", "en") == "Intentional homicide"
    assert offence_label("0101", "es") == "Homicidio intencional"


def test_every_label_and_mapping_points_to_a_real_code():
    known = set(iccs_codes()["code"])
    labels = builtin_offence_labels()
    assert set(labels.iccs_code) <= known
    for required in (
        "homicidio doloso",
        "feminicidio",
        "secuestro",
        "extorsión",
        "robo de vehículo con violencia",
        "robo a negocio",
    ):
        assert required in set(labels.label), required
    for name in builtin_names():
        assert set(load_mapping(name).offences.values()) <= known, name


def test_vocabulary_labels_point_to_vocabulary_values():
    lookup = vocabulary_lookup({}).to_pandas()
    allowed = vocabularies().groupby("field")["value"].apply(set).to_dict()
    for row in lookup.itertuples():
        assert row.value in allowed[row.field], (row.field, row.label)
    assert {"male", "female", "unknown"} == allowed["sex"]
