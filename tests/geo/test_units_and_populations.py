"""Units from polygon files, point-in-polygon, and populations between censuses."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from sereno.errors import SerenoError
from sereno.geo.locate import units_of_points
from sereno.geo.populations import interpolate_populations, load_populations, populations
from sereno.geo.units import load_units, unit_polygons
from tests.conftest import grid_geojson


def test_units_from_geojson_gpkg_and_shapefile_agree(observatory, tmp_path):
    source = gpd.read_file(grid_geojson(tmp_path / "g.geojson"))
    source.to_file(tmp_path / "g.gpkg", driver="GPKG")
    # A projected Shapefile: units are reprojected to EPSG:4326 on load.
    source.to_crs("EPSG:32616").to_file(tmp_path / "g.shp")
    for name in ("g.gpkg", "g.shp"):
        result = load_units(observatory, tmp_path / name, "colonia", parent="parent")
        assert result.units == 9 and result.parents_unknown == ["D1"]
        frame = unit_polygons(observatory, "colonia")
        assert np.isclose(shapely.area(frame.geometry.values).sum(), 9e-4, rtol=1e-6)
    areas = observatory.engine.rows("SELECT area_km2 FROM units")
    # 0.01 degrees at latitude 15 is about 1.07 km east-west and 1.11 km north-south.
    assert all(1.15 < a[0] < 1.21 for a in areas)
    assert observatory.config.levels == ["colonia"]


def test_levels_are_ordered_by_parents(observatory, tmp_path):
    import json

    district = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "D1", "name": "Distrito Uno"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[-88, 15], [-87.97, 15], [-87.97, 15.03], [-88, 15.03], [-88, 15]]
                    ],
                },
            }
        ],
    }
    (tmp_path / "d.geojson").write_text(json.dumps(district))
    load_units(observatory, tmp_path / "d.geojson", "distrito")
    result = load_units(
        observatory, grid_geojson(tmp_path / "g.geojson"), "colonia", parent="parent"
    )
    assert result.parents_unknown == []
    assert observatory.config.levels == ["distrito", "colonia"]


def test_unit_file_errors_are_clear(observatory, tmp_path):
    path = grid_geojson(tmp_path / "g.geojson")
    with pytest.raises(SerenoError, match="codigo"):
        load_units(observatory, path, "colonia", code="codigo")
    frame = gpd.read_file(path)
    frame.loc[1, "code"] = "U1"
    frame.to_file(tmp_path / "dup.geojson")
    with pytest.raises(SerenoError, match="U1"):
        load_units(observatory, tmp_path / "dup.geojson", "colonia")


def test_points_in_polygons_with_borders_and_nan():
    squares = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    lon = np.array([0.5, 1.5, 1.0, 3.0, np.nan])
    lat = np.array([0.5, 0.5, 0.5, 0.5, 0.5])
    assert units_of_points(lon, lat, squares).tolist() == [0, 1, 0, -1, -1]
    # The answer does not depend on the order of the points.
    order = np.array([4, 2, 0, 3, 1])
    assert units_of_points(lon[order], lat[order], squares).tolist() == [-1, 0, 0, -1, 1]


def test_population_interpolated_between_censuses_and_flat_outside():
    given = pd.DataFrame(
        {"unit_code": ["A", "A", "B"], "year": [2018, 2023, 2020], "population": [1000, 2000, 500]}
    )
    out = interpolate_populations(given, [2017, 2018, 2020, 2023, 2025]).set_index(
        ["unit_code", "year"]
    )
    assert out.loc[("A", 2020), "population"] == 1400
    assert out.loc[("A", 2020), "method"] == "interpolated"
    assert out.loc[("A", 2018), "method"] == "given"
    assert out.loc[("A", 2025), "population"] == 2000
    assert out.loc[("A", 2025), "method"] == "extrapolated"
    assert out.loc[("A", 2017), "population"] == 1000
    assert (out.loc["B", "population"] == 500).all()


def test_population_file_loads_and_rejects_bad_numbers(grid_observatory, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        'unit_code,year,group,population\nU1,2018,total,"1,000"\n'
        "U1,2023,total,2000\nU1,2018,women,520\nZZ,2018,total,5\n"
    )
    result = load_populations(grid_observatory, path)
    assert result.figures == 4 and result.unknown_units == ["ZZ"]
    assert result.groups == ["total", "women"]
    frame = populations(grid_observatory, [2020], "total").set_index("unit_code")
    assert frame.loc["U1", "population"] == 1400
    path.write_text("unit_code,year,population\nU1,2018,mil\n")
    with pytest.raises(SerenoError, match="mil"):
        load_populations(grid_observatory, path)


def test_grid_lookup_gives_the_exact_answer_for_many_points():
    from sereno.geo import locate

    rng = np.random.default_rng(3)
    outline = shapely.box(-88.1, 15.4, -87.9, 15.6)
    seeds = shapely.multipoints(rng.uniform([-88.1, 15.4], [-87.9, 15.6], (150, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=outline))
    polygons = np.array([shapely.intersection(c, outline) for c in cells])
    n = locate.GRID_MIN_POINTS + 10_000
    lon = rng.uniform(-88.12, -87.88, n)
    lat = rng.uniform(15.38, 15.62, n)
    # Points exactly on shared borders and vertices must follow the same rule.
    vertices = shapely.get_coordinates(polygons)
    lon[: len(vertices)], lat[: len(vertices)] = vertices[:, 0], vertices[:, 1]
    with_grid = units_of_points(lon, lat, polygons)
    exact = locate._exact(lon, lat, polygons)
    assert (with_grid == exact).all()
    assert 0.6 < (with_grid >= 0).mean() < 0.75  # the outline covers (0.2/0.24)² of the box
