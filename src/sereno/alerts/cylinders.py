"""The cylinders of a space-time scan: circles around each location, times a time window.

A circle around centre i holds the locations nearest to it, added in order of distance until
the circle would exceed the maximum spatial size (a share of the cases, or of the population,
and optionally a radius in metres). Locations at the same distance enter together, as they do
in a circle: a cylinder is evaluated only where the next location is strictly farther.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHUNK = 512


@dataclass(frozen=True, eq=False)
class Circles:
    """Neighbour lists: ``nbr[i, :nk[i]]`` are the locations of the circles around ``i``."""

    nbr: np.ndarray  # (centres, K) int64, location indices by distance, -1 padded
    distance: np.ndarray  # (centres, K) metres
    nk: np.ndarray  # (centres,) int64
    evaluate: np.ndarray  # (centres, K) bool: the first k+1 neighbours form a circle

    @property
    def cylinders_per_window(self) -> int:
        return int(self.evaluate.sum())


def circles(
    xy: np.ndarray, weight: np.ndarray, max_share: float, max_radius: float | None
) -> Circles:
    """Circles around every location of ``xy`` (metres), each holding at most ``max_share`` of
    ``weight`` (cases or population) and reaching at most ``max_radius`` metres."""
    n = len(xy)
    limit = max_share * float(weight.sum()) * (1 + 1e-12)
    radius = np.inf if max_radius is None else float(max_radius) * (1 + 1e-12)
    parts_nbr, parts_dist, parts_eval, nks = [], [], [], []
    for lo in range(0, n, CHUNK):
        centre = xy[lo : lo + CHUNK]
        d = np.hypot(centre[:, None, 0] - xy[None, :, 0], centre[:, None, 1] - xy[None, :, 1])
        order = np.argsort(d, axis=1, kind="stable")
        ds = np.take_along_axis(d, order, axis=1)
        inside = (np.cumsum(weight[order], axis=1) <= limit) & (ds <= radius)
        nk = inside.sum(axis=1)
        farther = np.concatenate([ds[:, 1:] > ds[:, :-1], np.ones((len(ds), 1), bool)], axis=1)
        k = max(int(nk.max()), 1)
        parts_nbr.append(order[:, :k])
        parts_dist.append(ds[:, :k])
        parts_eval.append((inside & farther)[:, :k])
        nks.append(nk)
    k_max = max(p.shape[1] for p in parts_nbr)

    def stack(parts: list[np.ndarray], fill: object) -> np.ndarray:
        return np.concatenate(
            [np.pad(p, ((0, 0), (0, k_max - p.shape[1])), constant_values=fill) for p in parts]
        )

    return Circles(
        stack(parts_nbr, -1).astype(np.int64),
        stack(parts_dist, np.inf),
        np.concatenate(nks).astype(np.int64),
        stack(parts_eval, False),
    )


def windows(n_periods: int, max_periods: int, prospective: bool) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) periods, inclusive, of every time window of at most ``max_periods``.

    Prospective (Kulldorff 2001): only windows that end with the last period, the ones still
    alive at the time of analysis. Retrospective: every window inside the study period.
    """
    lengths = np.arange(1, min(max_periods, n_periods) + 1)
    if prospective:
        end = np.full(lengths.size, n_periods - 1)
        return end - lengths + 1, end
    start, length = np.meshgrid(np.arange(n_periods), lengths, indexing="ij")
    end = start + length - 1
    keep = end < n_periods
    return start[keep].astype(np.int64), end[keep].astype(np.int64)


def project(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Longitude and latitude (EPSG:4326) to metres in the local UTM zone."""
    import geopandas as gpd

    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    projected = points.to_crs(points.estimate_utm_crs())
    return np.column_stack([projected.x.to_numpy(), projected.y.to_numpy()])


def looks_geographic(x: np.ndarray, y: np.ndarray) -> bool:
    return bool(np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90))
