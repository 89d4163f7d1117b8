"""Indicator sets in files: the shipped ones and a user's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from sereno.errors import SerenoError
from sereno.i18n import has
from sereno.indicators.definitions import load_set, shipped_sets


def test_shipped_sets_load_with_both_languages():
    assert shipped_sets() == ["homicide", "iccs-sections", "mesa"]
    mesa = load_set("mesa")
    assert [i.key for i in mesa.indicators] == [
        "homicides",
        "car_theft",
        "carjacking",
        "kidnapping",
        "extortion",
        "business_robbery",
    ]
    assert mesa["homicides"].counted == "victims" and mesa["carjacking"].counted == "incidents"
    assert mesa["carjacking"].iccs == ("040121",)
    homicide = load_set("homicide")
    young = homicide["homicides_young_men"]
    assert young.population == "men_15_29" and young.sex == "male" and young.age == (15, 29)
    sections = load_set("iccs-sections")
    assert len(sections.indicators) == 13 and sections["iccs_01"].population is None
    for s in (mesa, homicide, sections):
        for i in s.indicators:
            assert i.name_es and i.name_en


def test_a_user_set_in_yaml(tmp_path: Path):
    path = tmp_path / "propio.yaml"
    path.write_text(
        "set: {name: propio, title: {es: Propio, en: Own}}\n"
        "indicator:\n"
        "  - key: robos\n"
        "    name: {es: Robos, en: Robberies}\n"
        "    iccs: '0401'\n"
        "    counted: incidents\n"
        "    sources: [policia]\n"
        "    combine: each\n"
        "    per: 1000\n"
    )
    s = load_set(path)
    assert s.title("en") == "Own" and s["robos"].sources == ("policia",) and s["robos"].per == 1000
    (tmp_path / "indicators").mkdir()
    (tmp_path / "indicators" / "propio.yaml").write_text(path.read_text())
    assert load_set("propio", tmp_path).name == "propio"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[[indicator]]\nkey = 'a'\niccs = []\n", "indicators.bad_field"),
        ("[[indicator]]\nkey = 'a'\niccs = ['0101']\ncounted = 'cases'\n", "indicators.bad_field"),
        (
            "[[indicator]]\nkey = 'a'\niccs = ['0101']\n" * 2,
            "indicators.duplicate_key",
        ),
        ("[set]\nname = 'x'\n", "indicators.no_indicators"),
        ("[[indicator]\n", "indicators.bad_file"),
    ],
)
def test_bad_set_files_are_user_errors(tmp_path: Path, text: str, key: str):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SerenoError) as error:
        load_set(path)
    assert error.value.key == key and has(key)


def test_unknown_set_names_the_shipped_ones():
    with pytest.raises(SerenoError) as error:
        load_set("nope")
    assert "mesa" in error.value.message("en")
