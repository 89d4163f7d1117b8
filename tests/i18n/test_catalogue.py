"""Every message exists in Spanish and English, with the same placeholders."""

from __future__ import annotations

import string

from sereno.i18n import LANGUAGES, _catalogue, t


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_both_languages_and_the_same_placeholders():
    catalogue = _catalogue()
    assert len(catalogue) > 50
    for key, entry in catalogue.items():
        assert set(entry) == set(LANGUAGES), key
        assert placeholders(entry["es"]) == placeholders(entry["en"]), key


def test_language_follows_the_environment(monkeypatch):
    monkeypatch.setenv("SERENO_LANG", "en")
    assert t("cli.stored") == "stored"
    monkeypatch.setenv("SERENO_LANG", "es")
    assert t("cli.stored") == "guardadas"
