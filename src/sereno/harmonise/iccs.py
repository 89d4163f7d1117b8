"""The International Classification of Crime for Statistical Purposes (UNODC, 2015).

``data/iccs.csv`` holds the code table with English and Spanish labels (the Spanish from the
official CICE), plus Sereno's ``SRN`` codes for humanitarian events ICCS does not cover
(forced displacement, disappearance). ``data/offence_labels_es.csv`` maps the common Spanish
labels of police, prosecutors, forensic institutes and the press to ICCS codes.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd
import pyarrow as pa

from sereno.i18n import default_language

BUILTIN_PRIORITY = 1
MAPPING_PRIORITY = 0


def _data(name: str) -> pd.DataFrame:
    with resources.files(__package__).joinpath("data", name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


@cache
def iccs_codes() -> pd.DataFrame:
    """code, level, parent, label_en, label_es."""
    table = _data("iccs.csv")
    table["level"] = table["level"].astype(int)
    return table


def offence_label(code: str, lang: str | None = None) -> str:
    """The ICCS label of ``code`` in ``lang``."""
    row = iccs_codes().set_index("code").loc[code]
    return str(row[f"label_{lang or default_language()}"])


def section(code: str) -> str:
    """The level-1 section a code belongs to (its first two characters, or itself for SRN)."""
    return code if code.startswith("SRN") else code[:2]


@cache
def builtin_offence_labels() -> pd.DataFrame:
    """label, iccs_code: the built-in Spanish labels, plus every ICCS code as its own label."""
    labels = _data("offence_labels_es.csv")[["label", "iccs_code"]]
    codes = iccs_codes()[["code"]].rename(columns={"code": "label"})
    codes["iccs_code"] = codes["label"]
    return pd.concat([labels, codes], ignore_index=True)


def offence_lookup(mapping_offences: dict[str, str], use_builtin: bool) -> pa.Table:
    """label, iccs_code, priority: the mapping's own labels first, then the built-in ones.

    Raises ``ValueError`` naming a mapping label whose code is not in ICCS.
    """
    known = set(iccs_codes()["code"])
    wrong = {label: code for label, code in mapping_offences.items() if code not in known}
    if wrong:
        raise ValueError(f"codes not in ICCS / códigos que no están en ICCS: {wrong}")
    own = pd.DataFrame(
        {"label": list(mapping_offences), "iccs_code": list(mapping_offences.values())}
    )
    own["priority"] = MAPPING_PRIORITY
    frames = [own]
    if use_builtin:
        builtin = builtin_offence_labels().copy()
        builtin["priority"] = BUILTIN_PRIORITY
        frames.append(builtin)
    table = pd.concat(frames, ignore_index=True)
    return pa.Table.from_pandas(table.astype({"priority": "int32"}), preserve_index=False)


def _folded(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().split())


@cache
def _offence_names() -> dict[str, str]:
    """Every name a user may give an offence (ICCS labels in both languages and the common
    Spanish labels), folded (no accents, lower case), to its code."""
    codes = iccs_codes()
    names = dict(zip(builtin_offence_labels()["label"].map(_folded),
                     builtin_offence_labels()["iccs_code"], strict=True))  # fmt: skip
    for lang in ("es", "en"):
        names.update(zip(codes[f"label_{lang}"].map(_folded), codes["code"], strict=True))
    return names


def offence_code(text: str) -> str:
    """The ICCS code a user means by ``text``: a code (``0101``), an ICCS label in Spanish or
    English (``homicidio intencional``, ``Intentional homicide``) or a common Spanish label
    (``homicidio doloso``); accents and case do not matter. An unknown name raises
    ``SerenoError`` with the closest names."""
    import difflib

    from sereno.errors import SerenoError

    value = str(text).strip()
    if value in set(iccs_codes()["code"]):
        return value
    names = _offence_names()
    folded = _folded(value)
    if folded in names:
        return names[folded]
    close = difflib.get_close_matches(folded, list(names), n=3, cutoff=0.75)
    hint = ""
    if close:
        from sereno.i18n import t

        hint = t("cli.option.did_you_mean", names=", ".join(f"{c} ({names[c]})" for c in close))
    raise SerenoError("cli.option.unknown_offence", value=value, hint=hint)
