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
from libpysal import weights as lw

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


def spatial_weights(frame: gpd.GeoDataFrame, spec: WeightsSpec | str) -> lw.W:
    """Binary libpysal weights for the rows of ``frame``, in row order (ids 0..n-1)."""
    spec = WeightsSpec.parse(spec) if isinstance(spec, str) else spec
    frame = frame.reset_index(drop=True)
    with warnings.catch_warnings():
        # libpysal warns about islands and disconnected components; we report them ourselves
        warnings.simplefilter("ignore")
        if spec.kind in ("queen", "rook"):
            if not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all():
                raise SerenoError("spatial.contiguity_needs_polygons", weights=str(spec))
            builder = lw.Queen if spec.kind == "queen" else lw.Rook
            w = builder.from_dataframe(frame, use_index=False)
        else:
            points = planar(frame).geometry.centroid
            coordinates = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
            if spec.kind == "knn":
                if spec.k >= len(frame):
                    raise SerenoError("spatial.knn_too_large", k=spec.k, n=len(frame))
                w = lw.KNN(coordinates, k=spec.k)
            else:
                w = lw.DistanceBand(coordinates, threshold=spec.metres, binary=True)
    w.transform = "B"
    return w


def subset_weights(w: lw.W, keep: np.ndarray) -> lw.W:
    """``w`` restricted to the rows where ``keep`` is true, renumbered 0..m-1."""
    matrix = w.sparse.tocsr()[keep][:, keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sub = lw.WSP(matrix.tocsr()).to_W()
    sub.transform = "B"
    return sub
