"""Armed groups of Ciudad Demo and their territories.

Each group holds a contiguous set of colonias grown from a seed colonia over the adjacency
graph, so that rival territories meet along borders, where violence is worst (Brantingham et
al. 2012, "The ecology of gang territorial boundaries", *Criminology* 50(3)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sereno.demo.city import RADIUS_M, City
from sereno.demo.names import GROUPS

TERRITORY_SIZE = (10, 4, 10, 7, 4)  # colonias per group, in the order of names.GROUPS
RIVALRIES = {"G1": ("G3", "G4"), "G2": ("G3",), "G3": ("G1", "G2", "G5"), "G4": ("G1",),
             "G5": ("G3",)}  # fmt: skip
PARENT = {"G2": "G1"}  # the clique answers to its gang


@dataclass(frozen=True)
class Groups:
    """Groups (aligned lists) and each colonia's group: ``member[i]`` indexes ``ids`` or -1."""

    ids: list[str]
    names: list[str]
    kinds: list[str]
    sizes: list[int]
    member: np.ndarray
    adjacency: np.ndarray

    def rivalries(self, group_id: str) -> list[str]:
        return list(RIVALRIES.get(group_id, ()))

    def parent(self, group_id: str) -> str | None:
        return PARENT.get(group_id)

    @property
    def armed(self) -> np.ndarray:
        """Colonias held by a gang or a clique (not by the self-defence group)."""
        kinds = np.array([*self.kinds, "none"])
        return np.isin(kinds[self.member], ["gang", "clique"])

    @property
    def contested(self) -> np.ndarray:
        """Colonias of a group that border a rival group's territory."""
        ids = np.array([*self.ids, ""])
        owner = ids[self.member]
        result = np.zeros(self.member.size, dtype=bool)
        for group_id, rivals in RIVALRIES.items():
            rival_land = np.isin(owner, rivals)
            result |= (owner == group_id) & self._touches(rival_land)
        return result

    def _touches(self, colonias: np.ndarray) -> np.ndarray:
        return self.adjacency[:, colonias].any(axis=1)


def build_groups(rng: np.random.Generator, city: City) -> Groups:
    """Five groups: three gangs and a clique in the middle ring, a self-defence group at the edge.

    Seeds are at least 4 km apart; territories then grow one colonia per group per round, each
    taking a random unclaimed neighbour. The clique grows last, from a colonia touching its
    gang's territory.
    """
    member = np.full(city.n, -1)
    middle = np.flatnonzero((city.radius > 0.2 * RADIUS_M) & (city.radius < 0.65 * RADIUS_M))
    edge = np.flatnonzero(city.radius > 0.7 * RADIUS_M)
    seeds: dict[int, int] = {}
    for group, pool in ((0, middle), (2, middle), (3, middle), (4, edge)):
        far = [
            c
            for c in rng.permutation(pool)
            if all(
                np.hypot(*(city.centroids[c] - city.centroids[s])) > 4_000 for s in seeds.values()
            )
        ]
        seeds[group] = int(far[0])
        member[far[0]] = group
    _grow(rng, city, member, [0, 2, 3, 4])
    gang_border = np.flatnonzero(city.adjacency[:, member == 0].any(axis=1) & (member == -1))
    member[rng.choice(gang_border)] = 1
    _grow(rng, city, member, [1])
    return Groups(
        ids=[f"G{i + 1}" for i in range(len(GROUPS))],
        names=[g[0] for g in GROUPS],
        kinds=[g[1] for g in GROUPS],
        sizes=[int(rng.integers(g[2], g[3] + 1)) for g in GROUPS],
        member=member,
        adjacency=city.adjacency,
    )


def _grow(rng: np.random.Generator, city: City, member: np.ndarray, groups: list[int]) -> None:
    """Grow ``groups`` in rounds until each holds its ``TERRITORY_SIZE`` or is boxed in."""
    for _ in range(max(TERRITORY_SIZE)):
        for group in groups:
            if (member == group).sum() >= TERRITORY_SIZE[group]:
                continue
            frontier = np.flatnonzero(
                city.adjacency[:, member == group].any(axis=1) & (member == -1)
            )
            if frontier.size:
                member[rng.choice(frontier)] = group
