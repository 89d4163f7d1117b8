"""Every user-facing word in Spanish and English.

Messages live in the ``*.toml`` catalogues of this package (``messages.toml`` for the
foundation, one file per later stage), keyed by a dotted name, each with an ``es`` and an
``en`` text written as a ``str.format`` template. Code asks for a key; it never writes a
sentence. A key defined twice is an error.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources

LANGUAGES = ("es", "en")


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict) and set(value) - set(LANGUAGES):
                walk(name, value)
            else:
                if name in flat:
                    raise ValueError(f"message {name} is defined twice")
                flat[name] = value

    for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            walk("", tomllib.loads(entry.read_text(encoding="utf-8")))
    return flat


def default_language() -> str:
    """The user's language: ``SERENO_LANG``, else the locale, else Spanish."""
    for var in ("SERENO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value[:2] in LANGUAGES:
            return value[:2]
    return "es"


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The message ``key`` in ``lang`` (default: the user's language), filled with ``values``."""
    entry = _catalogue()[key]
    return entry[lang or default_language()].format(**values)


def has(key: str) -> bool:
    return key in _catalogue()


def format_number(
    value: float | int | None,
    lang: str | None = None,
    decimals: int = 0,
    significant: int | None = None,
) -> str:
    """A number as the language writes it: 1.234,5 in Spanish, 1,234.5 in English; "—" when
    missing (None, NaN) and "∞" for infinity. ``significant`` digits (for p-values: 0,0123)
    replace ``decimals``. The one number formatter of the CLI, the bulletin and the portal."""
    if value is None or value != value:
        return "—"
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "−∞"
    spec = f",.{significant}g" if significant is not None else f",.{decimals}f"
    text = format(value, spec)
    if (lang or default_language()) == "es":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text
