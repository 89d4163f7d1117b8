"""Typing errors of the kind clerks make when copying Spanish names.

Spelling confusions that Spanish pronunciation invites (b/v, s/z/c, ll/y, silent h) and
keyboard slips (a dropped, doubled or swapped letter). Used on the few records planted with an
error, so the per-string loop is short.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# c sounds like s only before e and i, so only there is it confused with s or z.
CONFUSIONS = (("V", "B"), ("B", "V"), ("Z", "S"), ("S", "Z"), ("CE", "SE"), ("CI", "SI"),
              ("SE", "CE"), ("SI", "CI"), ("LL", "Y"), ("Y", "LL"), ("H", ""), ("Ñ", "N"),
              ("QU", "K"))  # fmt: skip


def typo(rng: np.random.Generator, text: str) -> str:
    """``text`` with one error; the case of the result follows the case of ``text``."""
    upper = text.upper()
    found = [(a, b) for a, b in CONFUSIONS if a in upper]
    if found and rng.uniform() < 0.5:
        a, b = found[int(rng.integers(len(found)))]
        at = upper.find(a, int(rng.integers(len(upper) - len(a) + 1)))
        at = at if at >= 0 else upper.find(a)
        result = upper[:at] + b + upper[at + len(a) :]
    else:
        result = _slip(rng, upper)
    return result if text.isupper() else result.title()


def _slip(rng: np.random.Generator, text: str) -> str:
    """Drop, double or swap a letter inside a word (never the first letter)."""
    letters = [i for i in range(1, len(text)) if text[i].isalpha() and text[i - 1] != " "]
    if not letters:
        return text + text[-1]
    i = letters[int(rng.integers(len(letters)))]
    kind = int(rng.integers(3))
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if i + 1 < len(text) and text[i + 1].isalpha() and text[i + 1] != text[i]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i + 1 :]


def typo_unlike(
    rng: np.random.Generator, text: str, taken: set[str], key: Callable[[str], str]
) -> str:
    """A typo of ``text`` whose ``key`` is not in ``taken`` (so it matches no other name)."""
    for _ in range(20):
        result = typo(rng, text)
        if key(result) not in taken:
            return result
    return text + "X"
