"""Maps a person can read: unit names inside the units where they fit, the parent units'
outlines, the legend beside the drawing, the offence named in words; on the portal's SVG
maps and on the printed (matplotlib) hot-spot map alike."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from sereno.spatial.labels import fitting_labels


def test_a_name_is_kept_only_where_its_box_fits():
    big, small = shapely.box(0, 0, 100, 20), shapely.box(200, 0, 203, 3)
    narrow = shapely.box(0, 100, 40, 120)
    names = ["Colonia San Cristóbal", "Colonia Tiny", "Barrio Sol"]
    found = fitting_labels(np.array([big, small, narrow]), names, size=8)
    assert found[0].text == names[0]
    assert shapely.contains(big, shapely.Point(found[0].x, found[0].y))
    assert found[1] is None
    assert found[2].text == "Sol"  # "Barrio Sol" is 44 wide at size 8: the short form fits


@pytest.mark.slow
def test_portal_maps_name_units_and_outline_their_parents(client):
    html = client.get("/map?level=colonia&lang=es").text
    names = re.findall(r'<text class="unit-label"[^>]*>([^<]+)</text>', html)
    units = client.get("/api/v1/units?level=colonia&limit=500").json()["items"]
    known = {u["unit_name"] for u in units} | {u["unit_name"].split(" ", 1)[-1] for u in units}
    assert len(names) >= 15 and set(names) <= known
    outlines = re.search(r'<g class="outlines".*?</g>', html).group(0)
    assert outlines.count("<path d=") == 6  # the six distritos
    hot = client.get("/hotspots?lang=es").text
    assert "Puntos calientes: Homicidios por colonia" in hot and "0101" not in re.sub(
        r'value="0101"|offence=0101', "", hot)  # fmt: skip


@pytest.mark.slow
def test_the_printed_hot_spot_map_names_units_and_keeps_its_legend_outside(app):
    from sereno.spatial.analyse import hotspots_from_store
    from sereno.spatial.maps import bin_map, store_map_context

    obs = app.state.portal.obs
    with app.state.portal.data.lock:
        result = hotspots_from_store(obs, "eb", level="colonia", source="forense",
                                     permutations=0)  # fmt: skip
        figure = bin_map(result, lang="es", **store_map_context(obs, result))
    ax = figure.axes[0]
    figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1 - 1  # beside the map, not over it
    assert len(ax.texts) >= 10
    title = ax.get_title(loc="left")
    assert "Homicidio intencional" in title and "0101" not in title
    assert len(ax.collections) >= 2  # units and the distritos' outlines
