"""Ciudad Demo's geography and population: outline, colonias, districts, census figures.

The city is built in metres (UTM zone 16N, EPSG:32616) around lat 15.50, lon -88.00 and only
converted to EPSG:4326 when written, so that areas, distances and jitter are in metres.
Colonias are Voronoi cells of random sites clipped to the outline (Okabe et al. 2000,
*Spatial Tessellations*), so they tile the city exactly; districts are unions of colonias.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

from sereno.demo.names import COLONIA_BASES, COLONIA_PREFIXES

METRIC_CRS = "EPSG:32616"
CENTRE_LONLAT = (-88.00, 15.50)
RADIUS_M = 12_500.0
N_COLONIAS = 150
N_DISTRICTS = 6
CENSUS_YEARS = (2018, 2023)
POPULATION_2023 = 1_300_000
DENSITY_SCALE_M = 5_000.0


@dataclass(frozen=True)
class City:
    """Colonias (arrays aligned by position), their districts, adjacency and populations."""

    outline: shapely.Polygon
    centre: tuple[float, float]
    codes: np.ndarray
    names: np.ndarray
    districts: np.ndarray
    geometry: np.ndarray
    centroids: np.ndarray  # (n, 2) metres
    radius: np.ndarray  # distance of the centroid from the centre, metres
    adjacency: np.ndarray  # (n, n) bool: the two colonias share an edge
    population: dict[str, np.ndarray]  # "<group>_<year>" -> people per colonia

    @property
    def n(self) -> int:
        return len(self.codes)

    def district_geometry(self) -> tuple[list[str], np.ndarray]:
        """District codes and their polygons, each the union of its colonias."""
        codes = sorted(set(self.districts.tolist()))
        return codes, np.array(
            [shapely.union_all(self.geometry[self.districts == c]) for c in codes], dtype=object
        )

    def total_population(self, years: np.ndarray) -> np.ndarray:
        """Total population per colonia (rows) and year (columns).

        Linear between the two census years and held flat outside them, the rule Sereno's
        population loader applies, so that rates computed from the truth and from the store
        use the same denominators.
        """
        first, last = CENSUS_YEARS
        share = np.clip((np.asarray(years, dtype=float) - first) / (last - first), 0.0, 1.0)
        start = self.population[f"total_{first}"][:, None]
        end = self.population[f"total_{last}"][:, None]
        return start + (end - start) * share[None, :]


def to_lonlat(geometries: np.ndarray | shapely.Geometry) -> np.ndarray | shapely.Geometry:
    """Geometries from the city's metric CRS to EPSG:4326 (lon, lat order)."""
    transformer = pyproj.Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    return shapely.transform(
        geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def xy_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Point coordinates from metres to (lon, lat)."""
    transformer = pyproj.Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    return transformer.transform(x, y)


def build_city(rng: np.random.Generator) -> City:
    """A city of ``N_COLONIAS`` colonias, denser (smaller colonias, more people) at its centre."""
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    centre = to_metric.transform(*CENTRE_LONLAT)
    outline = _outline(rng, centre)
    cells = _colonia_cells(rng, outline, centre)
    centroids = shapely.get_coordinates(shapely.centroid(cells))
    offset = centroids - np.asarray(centre)
    radius = np.hypot(offset[:, 0], offset[:, 1])
    angle = np.arctan2(offset[:, 1], offset[:, 0])
    districts = _districts(rng, radius, angle)
    order = np.lexsort((radius, (angle - rng.uniform(-np.pi, np.pi)) % (2 * np.pi), districts))
    cells, centroids, radius, districts = (a[order] for a in (cells, centroids, radius, districts))
    codes = np.array([f"C{i:03d}" for i in range(1, len(cells) + 1)])
    return City(
        outline=shapely.union_all(cells),
        centre=centre,
        codes=codes,
        names=_colonia_names(rng, radius, districts),
        districts=districts,
        geometry=cells,
        centroids=centroids,
        radius=radius,
        adjacency=_adjacency(cells),
        population=_population(rng, cells, radius),
    )


def _outline(rng: np.random.Generator, centre: tuple[float, float]) -> shapely.Polygon:
    """A blob about 25 km across: a circle whose radius wobbles with a few low harmonics."""
    theta = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    harmonics = np.arange(2, 6)
    amplitude = rng.uniform(0.03, 0.08, harmonics.size)
    phase = rng.uniform(0, 2 * np.pi, harmonics.size)
    wobble = (amplitude[:, None] * np.cos(harmonics[:, None] * theta + phase[:, None])).sum(0)
    r = RADIUS_M * (1 + wobble)
    return shapely.Polygon(
        np.column_stack([centre[0] + r * np.cos(theta), centre[1] + r * np.sin(theta)])
    )


def _colonia_cells(
    rng: np.random.Generator, outline: shapely.Polygon, centre: tuple[float, float]
) -> np.ndarray:
    """Voronoi cells of sites drawn more densely near the centre, clipped to the outline.

    Three Lloyd iterations (each site moved to its cell's centroid) remove slivers while keeping
    most of the density gradient.
    """
    x0, y0, x1, y1 = outline.bounds
    candidates = rng.uniform((x0, y0), (x1, y1), size=(20 * N_COLONIAS, 2))
    r = np.hypot(candidates[:, 0] - centre[0], candidates[:, 1] - centre[1])
    accept = rng.uniform(size=r.size) < 0.25 + np.exp(-r / 3_500.0)
    accept &= shapely.contains_xy(outline, candidates[:, 0], candidates[:, 1])
    sites = candidates[accept][:N_COLONIAS]
    for _ in range(3):
        cells = _clipped_voronoi(sites, outline)
        sites = shapely.get_coordinates(shapely.centroid(cells))
    return cells


def _clipped_voronoi(sites: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    diagram = shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=outline, ordered=True)
    cells = shapely.intersection(np.asarray(shapely.get_parts(diagram)), outline)
    return np.asarray(shapely.make_valid(cells), dtype=object)


def _districts(rng: np.random.Generator, radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """D01 the centre, D02-D06 five angular sectors of the rest."""
    central = radius <= np.quantile(radius, 0.17)
    sector = ((angle - rng.uniform(-np.pi, np.pi)) % (2 * np.pi)) // (2 * np.pi / 5)
    number = np.where(central, 1, 2 + sector.astype(int))
    return np.array([f"D{d:02d}" for d in number])


def _colonia_names(
    rng: np.random.Generator, radius: np.ndarray, districts: np.ndarray
) -> np.ndarray:
    """Distinct names: a prefix that fits the place (old barrios in the centre, aldeas and
    residenciales at the edge) and a base name drawn without replacement."""
    bases = rng.choice(np.array(COLONIA_BASES), size=radius.size, replace=False)
    ring = np.where(districts == "D01", 0, np.where(radius > 0.7 * RADIUS_M, 2, 1))
    #   Colonia, Barrio, Residencial, Aldea, Lotificación, Fraccionamiento
    weights = np.array([
        [0.35, 0.55, 0.05, 0.00, 0.00, 0.05],
        [0.60, 0.10, 0.18, 0.00, 0.07, 0.05],
        [0.45, 0.00, 0.15, 0.25, 0.10, 0.05],
    ])  # fmt: skip
    cumulative = weights.cumsum(axis=1)[ring]
    prefix = (rng.uniform(size=(radius.size, 1)) > cumulative).sum(axis=1)
    names = np.char.add(np.char.add(np.array(COLONIA_PREFIXES)[prefix], " "), bases)
    return names


def name_key(text: str) -> str:
    """The key Sereno matches unit names on: accents, case and repeated spaces ignored."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def _adjacency(cells: np.ndarray) -> np.ndarray:
    """Rook contiguity: two colonias are neighbours when they share an edge, not a corner."""
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(cells[left], cells[right])) > 1.0
    adjacency = np.zeros((cells.size, cells.size), dtype=bool)
    adjacency[left[shared], right[shared]] = True
    return adjacency | adjacency.T


def _population(
    rng: np.random.Generator, cells: np.ndarray, radius: np.ndarray
) -> dict[str, np.ndarray]:
    """Census figures for 2018 and 2023 by colonia and group (total, men_15_29, women).

    Density falls exponentially from the centre; the edge grows faster between censuses, as
    informal settlements do.
    """
    density = np.exp(-radius / DENSITY_SCALE_M) * rng.lognormal(0.0, 0.35, radius.size)
    people = density * shapely.area(cells)
    total_2023 = POPULATION_2023 * rng.uniform(0.97, 1.03)
    last = people / people.sum() * total_2023
    growth = np.clip(
        0.03 + 0.10 * radius / RADIUS_M + rng.normal(0, 0.02, radius.size), -0.02, None
    )
    first = last / (1 + growth)
    men_share = np.clip(rng.normal(0.135, 0.012, radius.size), 0.09, 0.18)
    women_share = np.clip(rng.normal(0.515, 0.008, radius.size), 0.48, 0.55)
    population = {}
    for year, total in zip(CENSUS_YEARS, (first, last), strict=True):
        population[f"total_{year}"] = np.round(total).astype(np.int64)
        population[f"men_15_29_{year}"] = np.round(total * men_share).astype(np.int64)
        population[f"women_{year}"] = np.round(total * women_share).astype(np.int64)
    return population


def points_in(rng: np.random.Generator, polygons: np.ndarray) -> np.ndarray:
    """One uniform random point inside each polygon of ``polygons`` (metres, shape (n, 2)).

    Rejection sampling in each polygon's bounding box, vectorised over all polygons at once:
    a Voronoi cell fills about half its box, so a few rounds place every point.
    """
    bounds = shapely.bounds(polygons)
    points = np.full((polygons.size, 2), np.nan)
    todo = np.arange(polygons.size)
    while todo.size:
        low, high = bounds[todo, :2], bounds[todo, 2:]
        trial = low + (high - low) * rng.uniform(size=(todo.size, 2))
        inside = shapely.contains_xy(polygons[todo], trial[:, 0], trial[:, 1])
        points[todo[inside]] = trial[inside]
        todo = todo[~inside]
    return points
