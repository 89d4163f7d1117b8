"""Spatial analysis: hot spots (Getis-Ord Gi*, Gi), local Moran's I, FDR, rates, grids,
kernel density and maps, on PySAL (libpysal, esda)."""

from sereno.spatial.analyse import hotspots_from_file, hotspots_from_store, write_output
from sereno.spatial.grid import kernel_density, point_grid
from sereno.spatial.hotspots import hot_spots
from sereno.spatial.result import GlobalMoran, HotSpots, Title

__all__ = [
    "GlobalMoran",
    "HotSpots",
    "Title",
    "hot_spots",
    "hotspots_from_file",
    "hotspots_from_store",
    "kernel_density",
    "point_grid",
    "write_output",
]
