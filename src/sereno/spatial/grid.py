"""Incident points to grids and density surfaces, for cities without neighbourhood polygons.

``point_grid`` counts points in regular square cells (``square:METRES``, in the local UTM
zone) or in H3 hexagons (``h3:RESOLUTION``, Uber's hierarchical grid), including the empty
cells of the study area (the points' bounding box, or the cells touching a boundary), so that
Gi* on the grid compares busy cells with quiet ones; an area of only non-empty cells would
have no cold spots. ``kernel_density`` is a quartic-kernel surface (Silverman 1986, eq. 4.5,
the kernel of ArcGIS's Kernel Density) in points per km².
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from scipy.signal import fftconvolve

from sereno.errors import SerenoError

GRID = re.compile(r"^(h3):(\d{1,2})$|^(square):(\d+(?:\.\d+)?)$")
MAX_CELLS = 500_000
STORE_CRS = "EPSG:4326"


@dataclass(frozen=True)
class GridSpec:
    """A parsed ``--grid`` option."""

    kind: str  # h3 | square
    size: float  # H3 resolution or square side in metres

    @classmethod
    def parse(cls, text: str) -> GridSpec:
        match = GRID.match(text.strip().lower())
        if not match or (match.group(1) and int(match.group(2)) > 15):
            raise SerenoError("spatial.bad_grid", value=text)
        if match.group(1):
            return cls("h3", int(match.group(2)))
        if float(match.group(4)) <= 0:
            raise SerenoError("spatial.bad_grid", value=text)
        return cls("square", float(match.group(4)))

    def __str__(self) -> str:
        return f"h3:{int(self.size)}" if self.kind == "h3" else f"square:{self.size:g}"


def points_frame(frame: pd.DataFrame, lat: str = "lat", lon: str = "lon") -> gpd.GeoDataFrame:
    """The rows of ``frame`` with valid coordinates, as points in EPSG:4326."""
    from sereno.spatial.hotspots import numeric_column

    y, x = numeric_column(frame, lat), numeric_column(frame, lon)
    ok = np.isfinite(x) & np.isfinite(y) & (np.abs(y) <= 90) & (np.abs(x) <= 180)
    if not ok.any():
        raise SerenoError("spatial.no_points", lat=lat, lon=lon)
    return gpd.GeoDataFrame(
        frame.loc[ok].reset_index(drop=True), geometry=shapely.points(x[ok], y[ok]), crs=STORE_CRS
    )


def point_grid(
    points: gpd.GeoDataFrame, grid: GridSpec | str, boundary: shapely.Geometry | None = None
) -> gpd.GeoDataFrame:
    """cell, count, geometry (EPSG:4326): points counted per cell over the study area."""
    grid = GridSpec.parse(grid) if isinstance(grid, str) else grid
    points = points.to_crs(STORE_CRS)
    if grid.kind == "square":
        return _square_grid(points, grid.size, boundary)
    return _h3_grid(points, int(grid.size), boundary)


def _lattice(xy: np.ndarray, cell: float, bounds: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Cell index of each point and the lattice shape, origin at the bounds' corner."""
    nx = int(np.floor((bounds[2] - bounds[0]) / cell)) + 1
    ny = int(np.floor((bounds[3] - bounds[1]) / cell)) + 1
    if nx * ny > MAX_CELLS:
        raise SerenoError("spatial.too_many_cells", cells=nx * ny, maximum=MAX_CELLS)
    ix = np.floor((xy[:, 0] - bounds[0]) / cell).astype(np.int64)
    iy = np.floor((xy[:, 1] - bounds[1]) / cell).astype(np.int64)
    return iy * nx + ix, nx, ny


def _square_grid(
    points: gpd.GeoDataFrame, cell: float, boundary: shapely.Geometry | None
) -> gpd.GeoDataFrame:
    crs = points.estimate_utm_crs()
    projected = points.to_crs(crs)
    xy = shapely.get_coordinates(projected.geometry.values)
    area = gpd.GeoSeries([boundary], crs=STORE_CRS).to_crs(crs).iloc[0] if boundary else None
    bounds = np.array(area.bounds if area is not None else projected.total_bounds, dtype=float)
    index, nx, ny = _lattice(xy, cell, bounds)
    inside = (index >= 0) & (index < nx * ny)
    counts = np.bincount(index[inside], minlength=nx * ny)
    ix, iy = np.arange(nx * ny) % nx, np.arange(nx * ny) // nx
    x0, y0 = bounds[0] + ix * cell, bounds[1] + iy * cell
    cells = gpd.GeoSeries(shapely.box(x0, y0, x0 + cell, y0 + cell), crs=crs)
    keep = np.ones(nx * ny, dtype=bool)
    if area is not None:
        keep = cells.intersects(area).to_numpy()
    frame = gpd.GeoDataFrame(
        {
            "cell": [f"{int(cell)}m_{i}_{j}" for i, j in zip(ix[keep], iy[keep], strict=True)],
            "count": counts[keep],
        },
        geometry=cells[keep].values,
        crs=crs,
    )
    return frame.to_crs(STORE_CRS).reset_index(drop=True)


def _h3_grid(
    points: gpd.GeoDataFrame, resolution: int, boundary: shapely.Geometry | None
) -> gpd.GeoDataFrame:
    # h3-py indexes one coordinate per call: we call it once per distinct point
    coordinates = np.unique(
        shapely.get_coordinates(points.geometry.values), axis=0, return_inverse=True
    )
    distinct, inverse = coordinates[0], coordinates[1].ravel()
    cell_of = np.array([h3.latlng_to_cell(y, x, resolution) for x, y in distinct])[inverse]
    counts = pd.Series(cell_of).value_counts()
    area = boundary if boundary is not None else shapely.box(*points.total_bounds)
    cells = set(h3.geo_to_cells(area.__geo_interface__, resolution)) | set(counts.index)
    if len(cells) > MAX_CELLS:
        raise SerenoError("spatial.too_many_cells", cells=len(cells), maximum=MAX_CELLS)
    codes = np.array(sorted(cells))
    polygons = [shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(c)]) for c in codes]
    return gpd.GeoDataFrame(
        {"cell": codes, "count": counts.reindex(codes, fill_value=0).to_numpy()},
        geometry=polygons,
        crs=STORE_CRS,
    )


def kernel_density(
    points: gpd.GeoDataFrame,
    bandwidth: float,
    cell: float,
    boundary: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """cell, density (points per km²), geometry: a quartic-kernel density surface.

    ``f(s) = Σ_i 3 / (π h²) · (1 - d_i² / h²)²`` over points within the bandwidth ``h`` of
    ``s``. Points are first counted in cells of side ``cell`` and the counts convolved with
    the kernel (FFT), which places each point at its cell's centre: keep ``cell`` well
    below ``bandwidth`` (a tenth or less).
    """
    if bandwidth <= 0 or cell <= 0:
        raise SerenoError("spatial.bad_bandwidth", bandwidth=bandwidth, cell=cell)
    crs = points.to_crs(STORE_CRS).estimate_utm_crs()
    projected = points.to_crs(crs)
    xy = shapely.get_coordinates(projected.geometry.values)
    area = gpd.GeoSeries([boundary], crs=STORE_CRS).to_crs(crs).iloc[0] if boundary else None
    bounds = np.array(area.bounds if area is not None else projected.total_bounds, dtype=float)
    bounds += np.array([-bandwidth, -bandwidth, bandwidth, bandwidth])
    index, nx, ny = _lattice(xy, cell, bounds)
    counts = np.bincount(index, minlength=nx * ny).reshape(ny, nx).astype(float)
    reach = int(np.ceil(bandwidth / cell))
    offsets = np.arange(-reach, reach + 1) * cell
    d2 = (offsets[None, :] ** 2 + offsets[:, None] ** 2) / bandwidth**2
    kernel = np.where(d2 < 1, 3 / (np.pi * bandwidth**2) * (1 - d2) ** 2, 0.0)
    density = np.clip(fftconvolve(counts, kernel, mode="same"), 0, None) * 1e6
    ix, iy = np.arange(nx * ny) % nx, np.arange(nx * ny) // nx
    x0, y0 = bounds[0] + ix * cell, bounds[1] + iy * cell
    cells = gpd.GeoSeries(shapely.box(x0, y0, x0 + cell, y0 + cell), crs=crs)
    frame = gpd.GeoDataFrame(
        {"cell": np.arange(nx * ny), "density": density.ravel()}, geometry=cells.values, crs=crs
    )
    if area is not None:
        frame = frame[frame.intersects(area)]
    return frame.to_crs(STORE_CRS).reset_index(drop=True)
