"""Points to grids and density surfaces: counts conserved, planted cluster found."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from sereno.spatial import hot_spots, kernel_density, point_grid


@pytest.fixture(scope="module")
def points() -> gpd.GeoDataFrame:
    """2,000 uniform points over ~4 x 4 km near Tegucigalpa plus 300 within 250 m of a spot."""
    rng = np.random.default_rng(11)
    lon = np.concatenate([rng.uniform(-87.24, -87.20, 2000), -87.21 + rng.normal(0, 0.0012, 300)])
    lat = np.concatenate([rng.uniform(14.06, 14.10, 2000), 14.09 + rng.normal(0, 0.0012, 300)])
    return gpd.GeoDataFrame(geometry=shapely.points(lon, lat), crs="EPSG:4326")


HOT = shapely.Point(-87.21, 14.09)


@pytest.mark.parametrize("grid", ["square:400", "h3:9"])
def test_grid_keeps_every_point_and_gi_star_finds_the_planted_cluster(points, grid):
    cells = point_grid(points, grid)
    assert cells["count"].sum() == len(points)
    assert (cells["count"] == 0).sum() > 0 or grid.startswith("h3")
    result = hot_spots(cells, "count", id_column="cell")
    hot_cells = cells.geometry[result.bins == 3]
    assert hot_cells.intersects(HOT).any()
    # every 99% hot cell is within 1.2 km of the planted centre (0.011 degrees)
    assert (shapely.distance(shapely.centroid(hot_cells.values), HOT) < 0.011).all()


def test_kernel_density_integrates_to_the_number_of_points(points):
    surface = kernel_density(points, bandwidth=300, cell=30)
    projected = surface.to_crs(surface.estimate_utm_crs())
    cell_km2 = projected.area.iloc[0] / 1e6
    # the surface is padded by the bandwidth, so no mass is cut at the edges: within 0.5%
    assert abs(surface["density"].sum() * cell_km2 - len(points)) / len(points) < 0.005
    peak = surface.geometry.iloc[int(surface["density"].argmax())].centroid
    assert peak.distance(HOT) < 0.003


def test_kernel_density_matches_the_quartic_formula_at_a_cell(points):
    surface = kernel_density(points.iloc[:50], bandwidth=500, cell=25)
    crs = surface.estimate_utm_crs()
    centres = surface.to_crs(crs).centroid
    xy = np.column_stack([centres.x, centres.y])
    p = points.iloc[:50].to_crs(crs)
    pts = np.column_stack([p.geometry.x, p.geometry.y])
    i = int(surface["density"].argmax())
    d2 = ((pts - xy[i]) ** 2).sum(1) / 500**2
    direct = (3 / (np.pi * 500**2) * np.where(d2 < 1, (1 - d2) ** 2, 0)).sum() * 1e6
    # binning to 25 m cells moves each point by at most 18 m: within 5%
    assert abs(surface["density"].iloc[i] - direct) / direct < 0.05
