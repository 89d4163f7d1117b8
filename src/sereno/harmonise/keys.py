"""Matching keys for labels and names: accent-, case- and space-insensitive.

The same SQL expression builds the key on both sides of every match (source labels against
label maps, unit names against the units table), so the two can never disagree.
"""

from sereno.store.dialect import Dialect


def text_key(expression: str, dialect: Dialect) -> str:
    """SQL for the matching key of a text: "  Colonia  El Álamo" -> "colonia el alamo"."""
    folded = f"regexp_replace(trim({expression}), '\\s+', ' ', 'g')"
    return f"lower({dialect.strip_accents(folded)})"
