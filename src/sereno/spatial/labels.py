"""Names on maps, where they fit: one rule for the portal's SVG and the printed maps.

A unit's name is placed at a point inside it (``shapely.point_on_surface``) and kept only if
the box the text takes lies inside the polygon; a name that does not fit is tried without
its first word ("Colonia San Cristóbal" -> "San Cristóbal", the place type most names start
with), then left off (the unit keeps its name in the table and in its tooltip). Boxes are
estimated from the font size (an average character is about 0.55 of it wide), in the
drawing's own units, so the caller says how big a character is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

CHAR_WIDTH = 0.55  # average width of a sans-serif character, as a share of the font size


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


def fitting_labels(geometries: np.ndarray, names: Sequence[str], size: float) -> list[Label | None]:
    """A label for each polygon whose name (or its shorter form) fits inside it at font
    ``size`` (in the geometries' units), else None."""
    if len(geometries) == 0:
        return []
    anchors = shapely.point_on_surface(np.asarray(geometries))
    x, y = shapely.get_x(anchors), shapely.get_y(anchors)
    out: list[Label | None] = [None] * len(geometries)
    for candidate in (list(names), [_short(n) for n in names]):
        width = np.array([len(text) for text in candidate]) * size * CHAR_WIDTH
        boxes = shapely.box(x - width / 2, y - size / 2, x + width / 2, y + size / 2)
        fits = shapely.contains(np.asarray(geometries), boxes)
        for i in np.flatnonzero(fits):
            if out[i] is None and candidate[i]:
                out[i] = Label(float(x[i]), float(y[i]), candidate[i])
    return out


def _short(name: str) -> str:
    words = str(name).split()
    return " ".join(words[1:]) if len(words) > 1 else ""
