"""Locating points in units: vectorised point-in-polygon through a spatial index."""

from __future__ import annotations

import numpy as np
import shapely


def units_of_points(lon: np.ndarray, lat: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Index into ``polygons`` of the polygon holding each point, or -1 for none.

    A point on a shared border goes to the polygon listed first, so the answer does not
    depend on row order. NaN coordinates give -1.
    """
    result = np.full(len(lon), -1, dtype=np.int64)
    valid = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if valid.size == 0 or len(polygons) == 0:
        return result
    tree = shapely.STRtree(polygons)
    points = shapely.points(lon[valid], lat[valid])
    point_idx, polygon_idx = tree.query(points, predicate="intersects")
    # Sort by (point, polygon) so the first hit per point is the lowest polygon index.
    order = np.lexsort((polygon_idx, point_idx))
    point_idx, polygon_idx = point_idx[order], polygon_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    result[valid[point_idx[first]]] = polygon_idx[first]
    return result
