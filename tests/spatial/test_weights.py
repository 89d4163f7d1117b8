"""Our vectorised queen and rook contiguity gives libpysal's neighbours exactly."""

from __future__ import annotations

import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pytest
from libpysal import examples
from shapely.geometry import box

from sereno.spatial.weights import contiguity_matrix, spatial_weights


@pytest.mark.parametrize("name", ["stl_hom.shp", "columbus.shp", "sids2.shp", "us48.shp",
                                  "mexicojoin.shp", "baltim.shp"])  # fmt: skip
@pytest.mark.parametrize("rook", [False, True])
def test_contiguity_equals_libpysal_on_its_examples(name, rook):
    frame = gpd.read_file(examples.get_path(name))
    if not frame.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        pytest.skip(f"{name} has no polygons")
    builder = libpysal.weights.Rook if rook else libpysal.weights.Queen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = builder.from_dataframe(frame, use_index=False).sparse
    ours = contiguity_matrix(frame.geometry.to_numpy(), rook=rook)
    assert ours.shape == expected.shape and (ours != expected).nnz == 0
    assert ours.diagonal().sum() == 0 and ours.has_sorted_indices


def test_a_lattice_has_four_rook_and_eight_queen_neighbours_inside():
    side = 6
    # -0.0 and 0.0 are the same corner
    cells = [box(c - (c == 0) * 0.0, r, c + 1, r + 1) for r in range(side) for c in range(side)]
    cells[0] = box(-0.0, -0.0, 1, 1)
    frame = gpd.GeoDataFrame(geometry=cells)
    queen = np.diff(contiguity_matrix(frame.geometry.to_numpy()).indptr).reshape(side, side)
    rook = np.diff(contiguity_matrix(frame.geometry.to_numpy(), True).indptr).reshape(side, side)
    assert (queen[1:-1, 1:-1] == 8).all() and queen[0, 0] == 3 and queen[0, 1] == 5
    assert (rook[1:-1, 1:-1] == 4).all() and rook[0, 0] == 2 and rook[0, 1] == 3
    w = spatial_weights(frame, "queen")
    assert w.n == side * side and w.neighbors[0] == [1, 6, 7] and w.transform == "B"
