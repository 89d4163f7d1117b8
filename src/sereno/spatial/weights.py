"""Spatial weights from unit polygons or points, through libpysal.

A weights specification is a short string: ``queen`` (units sharing an edge or a corner),
``rook`` (sharing an edge), ``knn:K`` (the K nearest centroids) or ``distance:METRES``
(centroids within that distance). Distances are measured in metres in the local UTM zone;
a layer without a coordinate system whose coordinates fit longitude and latitude is read as
EPSG:4326, any other layer without one is taken as already planar in metres.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from libpysal import weights as lw
from scipy import sparse

from sereno.errors import SerenoError

SPEC = re.compile(r"^(queen|rook|knn:(\d+)|distance:(\d+(?:\.\d+)?))$")


@dataclass(frozen=True)
class WeightsSpec:
    """A parsed ``--weights`` option."""

    kind: str  # queen | rook | knn | distance
    k: int = 0
    metres: float = 0.0

    @classmethod
    def parse(cls, text: str) -> WeightsSpec:
        match = SPEC.match(text.strip().lower())
        if not match:
            raise SerenoError("spatial.bad_weights", value=text)
        if match.group(2):
            return cls("knn", k=int(match.group(2)))
        if match.group(3):
            return cls("distance", metres=float(match.group(3)))
        return cls(match.group(1))

    def __str__(self) -> str:
        if self.kind == "knn":
            return f"knn:{self.k}"
        if self.kind == "distance":
            return f"distance:{self.metres:g}"
        return self.kind


def planar(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` in metres: its local UTM zone if geographic, as is if already projected."""
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
            frame = frame.set_crs("EPSG:4326")
        else:
            return frame
    if frame.crs.is_geographic:
        return frame.to_crs(frame.estimate_utm_crs())
    return frame


def contiguity_matrix(geometries: np.ndarray, rook: bool = False) -> sparse.csr_matrix:
    """Binary queen (a shared vertex) or rook (a shared edge: two consecutive vertices)
    contiguity of polygons, as an n x n CSR matrix with sorted indices and no diagonal.

    The neighbours are libpysal's ``Queen``/``Rook.from_dataframe`` (its
    ``ContiguityWeightsLists``: vertices equal as numbers, edges as consecutive points of each
    geometry's boundary coordinates), found with NumPy sorts instead of Python dictionaries:
    40-60 times faster on 100,000 polygons (benchmarks/README.md), same neighbours
    (tests/spatial/test_weights.py).
    """
    n = len(geometries)
    coordinates, owner = shapely.get_coordinates(geometries, return_index=True)
    label = _vertex_labels(coordinates)
    if rook:
        same = owner[1:] == owner[:-1]
        a, b = label[:-1][same], label[1:][same]
        key = np.minimum(a, b) * (int(label.max(initial=0)) + 1) + np.maximum(a, b)
        owner = owner[:-1][same]
    else:
        key = label
    order = np.lexsort((owner, key))
    key, owner = key[order], owner[order]
    distinct = np.ones(len(key), dtype=bool)
    distinct[1:] = (key[1:] != key[:-1]) | (owner[1:] != owner[:-1])
    key, owner = key[distinct], owner[distinct]
    rows, cols = [], []
    # the owners of one vertex (or edge) are consecutive after the sort: pair each with the
    # ones d places after it while any group is longer than d
    for d in range(1, len(key)):
        match = np.flatnonzero(key[d:] == key[:-d])
        if not len(match):
            break
        rows.append(owner[match])
        cols.append(owner[match + d])
    rows = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    cols = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    both = np.concatenate([rows, cols]), np.concatenate([cols, rows])
    matrix = sparse.csr_matrix((np.ones(len(both[0])), both), shape=(n, n))
    matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix


def _vertex_labels(coordinates: np.ndarray) -> np.ndarray:
    """The same integer for equal (x, y) pairs (-0.0 equal to 0.0, as in libpysal's tuple
    keys), numbered in sorted order."""
    x, y = coordinates[:, 0] + 0.0, coordinates[:, 1] + 0.0
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])
    label = np.empty(len(order), dtype=np.int64)
    label[order] = np.cumsum(new) - 1
    return label


def weights_matrix(frame: gpd.GeoDataFrame, spec: WeightsSpec | str) -> sparse.csr_matrix:
    """Binary spatial weights of the rows of ``frame`` as an n x n CSR matrix (no diagonal)."""
    spec = WeightsSpec.parse(spec) if isinstance(spec, str) else spec
    frame = frame.reset_index(drop=True)
    if spec.kind in ("queen", "rook"):
        if not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all():
            raise SerenoError("spatial.contiguity_needs_polygons", weights=str(spec))
        return contiguity_matrix(frame.geometry.to_numpy(), rook=spec.kind == "rook")
    points = planar(frame).geometry.centroid
    coordinates = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    with warnings.catch_warnings():
        # libpysal warns about islands and disconnected components; we report them ourselves
        warnings.simplefilter("ignore")
        if spec.kind == "knn":
            if spec.k >= len(frame):
                raise SerenoError("spatial.knn_too_large", k=spec.k, n=len(frame))
            w = lw.KNN(coordinates, k=spec.k)
        else:
            w = lw.DistanceBand(coordinates, threshold=spec.metres, binary=True)
    w.transform = "B"
    return w.sparse.tocsr()


def as_w(matrix: sparse.spmatrix) -> lw.W:
    """A libpysal ``W`` (ids 0..n-1, binary transform) of a weights matrix."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = lw.WSP(sparse.csr_matrix(matrix)).to_W()
    w.transform = "B"
    return w


def spatial_weights(frame: gpd.GeoDataFrame, spec: WeightsSpec | str) -> lw.W:
    """Binary libpysal weights for the rows of ``frame``, in row order (ids 0..n-1)."""
    return as_w(weights_matrix(frame, spec))


def subset_weights(w: lw.W, keep: np.ndarray) -> lw.W:
    """``w`` restricted to the rows where ``keep`` is true, renumbered 0..m-1."""
    return as_w(w.sparse.tocsr()[keep][:, keep])
