"""The README and the guides point only at files a user has, and their sample mapping codes
carjacking as the Mesa's indicator counts it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# docs/mapping.md, the mapping reference, is written by its own change; links to it are
# checked once it is there.
PENDING = {ROOT / "docs" / "mapping.md"}


def test_every_relative_link_reaches_a_file_in_the_repository():
    checked = 0
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text and "DESIGN.md" not in text, doc.name
        for target in re.findall(r"\]\(([^)#\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path = (doc.parent / target).resolve()
            assert path.exists() or path in PENDING, f"{doc.name}: {target}"
            checked += 1
    assert checked >= 8


def test_the_sample_mappings_code_carjacking_as_the_mesa_does():
    from sereno.indicators import load_set

    carjacking = load_set("mesa")["carjacking"].iccs
    for doc in (ROOT / "README.md", ROOT / "docs" / "first-month.md",
                ROOT / "docs" / "first-month.en.md"):  # fmt: skip
        blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
        mappings = [yaml.safe_load(b) for b in blocks]
        offences = [m["offences"] for m in mappings if isinstance(m, dict) and "offences" in m]
        assert offences, doc.name
        for table in offences:
            assert (table["ROBO DE VEHICULO CON VIOLENCIA"],) == carjacking, doc.name
