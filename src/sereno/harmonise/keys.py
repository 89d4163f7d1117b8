"""Matching keys for labels and names: accent-, case- and space-insensitive.

The same SQL expression builds the key on both sides of every match (source labels against
label maps, unit names against the units table), so the two can never disagree.
"""


def text_key(expression: str) -> str:
    """SQL for the matching key of a text: "  Colonia  El Álamo" -> "colonia el alamo"."""
    return f"lower(strip_accents(regexp_replace(trim({expression}), '\\s+', ' ', 'g')))"
