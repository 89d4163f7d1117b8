"""Locating points in units: vectorised point-in-polygon.

Two paths give the same answer. The exact path queries a spatial index (shapely's STRtree)
with every point. For many points, a lookup grid answers first: each grid cell that lies in
the interior of one polygon (``contains_properly``) belongs to it, so a point falling in such
a cell needs no geometry at all; only points in cells crossed by a border take the exact path.
"""

from __future__ import annotations

import numpy as np
import shapely

# Below this many points the grid costs more than it saves.
GRID_MIN_POINTS = 50_000
GRID_SIZE = 384


def units_of_points(lon: np.ndarray, lat: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Index into ``polygons`` of the polygon holding each point, or -1 for none.

    A point on a shared border goes to the polygon listed first, so the answer does not
    depend on row order. NaN coordinates give -1.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    result = np.full(len(lon), -1, dtype=np.int64)
    valid = np.isfinite(lon) & np.isfinite(lat)
    if not valid.any() or len(polygons) == 0:
        return result
    pending = np.flatnonzero(valid)
    if len(pending) >= GRID_MIN_POINTS:
        owner = _grid_owner(lon[pending], lat[pending], polygons)
        result[pending] = owner
        pending = pending[owner < 0]
    result[pending] = _exact(lon[pending], lat[pending], polygons)
    return result


def _exact(lon: np.ndarray, lat: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    result = np.full(len(lon), -1, dtype=np.int64)
    if len(lon) == 0:
        return result
    tree = shapely.STRtree(polygons)
    point_idx, polygon_idx = tree.query(shapely.points(lon, lat), predicate="intersects")
    # Sort by (point, polygon) so the first hit per point is the lowest polygon index.
    order = np.lexsort((polygon_idx, point_idx))
    point_idx, polygon_idx = point_idx[order], polygon_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    result[point_idx[first]] = polygon_idx[first]
    return result


def _grid_owner(lon: np.ndarray, lat: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """The polygon whose interior holds each point's grid cell, or -1 (border or outside)."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(polygons)
    size = GRID_SIZE
    width, height = (xmax - xmin) / size, (ymax - ymin) / size
    if width <= 0 or height <= 0:
        return np.full(len(lon), -1, dtype=np.int64)
    cols, rows = np.meshgrid(np.arange(size), np.arange(size))
    x0 = xmin + cols.ravel() * width
    y0 = ymin + rows.ravel() * height
    cells = shapely.box(x0, y0, x0 + width, y0 + height)
    polygon_idx, cell_idx = shapely.STRtree(cells).query(polygons, predicate="contains_properly")
    cell_owner = np.full(size * size, -1, dtype=np.int64)
    cell_owner[cell_idx] = polygon_idx
    col = np.floor((lon - xmin) / width)
    row = np.floor((lat - ymin) / height)
    inside = (col >= 0) & (col < size) & (row >= 0) & (row < size)
    owner = np.full(len(lon), -1, dtype=np.int64)
    owner[inside] = cell_owner[row[inside].astype(np.int64) * size + col[inside].astype(np.int64)]
    return owner
