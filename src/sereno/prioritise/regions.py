"""Contiguous regions with a population floor and a ceiling: our own algorithm.

No Python library makes them: spopt's max-p (Duque, Anselin and Rey 2012; Wei, Rey and Knaap
2020) takes a floor but no ceiling (pysal/spopt#274), and SKATER's floor counts areas, not
people. Ours has three steps, each of which keeps every region contiguous, made of whole
units and within [L, U]:

1. Growth, as max-p's construction phase, but bounded and led by risk: from the riskiest unit
   not yet placed, add the neighbour with most links into the region (compact shapes; ties
   to the riskier) while the region holds fewer than L people and the neighbour keeps it
   under U. A region that cannot reach L gives its units back (its seed becomes an
   enclave; the others may join later regions).
2. Enclaves join a neighbouring region that has room for them (max-p's enclave step, with
   the ceiling).
3. Repair: a group of units still left over is merged with up to three neighbouring regions
   and the union is cut again by an exact test on one of its spanning trees.

The exact test: a tree can be cut into connected pieces each of population in [L, U] if and
only if its root can close such a piece. Working up from the leaves, S(v), the set of
populations the still open piece containing v can have, is {w_v} ⊕ T(c_1) ⊕ ... ⊕ T(c_m) over
v's children, where T(c) = S(c), plus 0 when c's own piece can be closed there
(S(c) ∩ [L, U] ≠ ∅), ⊕ is the sumset and values above U are dropped (populations only grow).
Sets are bit arrays of length U + 1; sumsets are shifts for small sets and FFT convolutions
otherwise. Walking back down from a root value in [L, U] gives the cuts. The test is exact for
the tree, not for the graph, so several spanning trees are tried: the minimum spanning tree of
risk differences |r_i − r_j| (SKATER's, Assunção et al. 2006) first, then random ones
(seeded). What no repair places is left out with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.signal import fftconvolve
from scipy.sparse.csgraph import breadth_first_order, connected_components, minimum_spanning_tree

ISLAND = "island"
SMALL_COMPONENT = "component_below_floor"
NO_FIT = "no_fit"
SPARSE_SET = 48  # a set with fewer members is shifted, not convolved


@dataclass(frozen=True)
class Partition:
    """``labels`` 0..k-1 per unit (-1: left out, with its ``reasons``); ``repaired`` counts
    the regions the exact repair step redrew."""

    labels: np.ndarray
    reasons: np.ndarray
    repaired: int


def bounded_regions(
    graph: sparse.spmatrix,
    population: np.ndarray,
    floor: int,
    ceiling: int,
    risk: np.ndarray | None = None,
    seed: int = 12345,
    tries: int = 6,
) -> Partition:
    """Contiguous regions of ``floor`` to ``ceiling`` people over ``graph`` (units x units,
    nonzero = neighbours). Populations are whole numbers, each at most ``ceiling`` (the
    caller checks)."""
    pop = np.asarray(population, dtype=np.int64)
    n = len(pop)
    graph = sparse.csr_matrix(graph, dtype=float)
    graph = ((graph + graph.T) > 0).astype(np.int8).tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    risk = np.zeros(n) if risk is None else np.asarray(risk, dtype=float)
    rng = np.random.default_rng(seed)
    labels = np.full(n, -1, dtype=np.int64)
    reasons = np.full(n, "", dtype=object)
    k, component = connected_components(graph, directed=False)
    totals = np.bincount(component, weights=pop, minlength=k)
    sizes = np.bincount(component, minlength=k)
    small = totals[component] < floor
    reasons[small] = np.where(sizes[component[small]] == 1, ISLAND, SMALL_COMPONENT)
    held = _grow(graph, pop, risk, labels, small, floor, ceiling)
    _enclaves(graph, pop, labels, held, small, ceiling)
    repaired = _repair(graph, pop, risk, labels, held, small, floor, ceiling, rng, tries)
    reasons[(labels < 0) & ~small] = NO_FIT
    return Partition(labels, reasons, repaired)


def _grow(graph, pop, risk, labels, excluded, floor: int, ceiling: int) -> list[int]:
    """Step 1; returns the population of each region, indexed by label."""
    indptr, indices = graph.indptr, graph.indices
    tried = excluded.copy()
    held: list[int] = []
    for seed in np.lexsort((np.arange(len(pop)), -risk)):
        if tried[seed]:
            continue
        region, total = [int(seed)], int(pop[seed])
        tried[seed] = True
        links: dict[int, int] = {}
        for u in indices[indptr[seed] : indptr[seed + 1]]:
            if not tried[u]:
                links[int(u)] = links.get(int(u), 0) + 1
        while total < floor:
            fits = [u for u in links if total + pop[u] <= ceiling]
            if not fits:
                break
            best = max(fits, key=lambda u: (links[u], risk[u], -u))
            del links[best]
            region.append(best)
            total += int(pop[best])
            tried[best] = True
            for u in indices[indptr[best] : indptr[best + 1]]:
                if not tried[u]:
                    links[int(u)] = links.get(int(u), 0) + 1
        # a region short of the floor gives back all but its seed: later regions may take
        # them (max-p's construction keeps them out of every later region, which leaves far
        # more enclaves when the band between floor and ceiling is narrow)
        if total >= floor:
            labels[region] = len(held)
            held.append(total)
        else:
            tried[region[1:]] = False
    return held


def _enclaves(graph, pop, labels, held: list[int], excluded, ceiling: int) -> None:
    """Step 2: each enclave joins the emptiest neighbouring region with room, until none
    can move."""
    indptr, indices = graph.indptr, graph.indices
    changed = True
    while changed:
        changed = False
        for u in np.flatnonzero((labels < 0) & ~excluded):
            near = labels[indices[indptr[u] : indptr[u + 1]]]
            room = [p for p in np.unique(near[near >= 0]) if held[p] + pop[u] <= ceiling]
            if room:
                best = min(room, key=lambda p: (held[p], p))
                labels[u] = best
                held[best] += int(pop[u])
                changed = True


def _repair(graph, pop, risk, labels, held, excluded, floor, ceiling, rng, tries) -> int:
    """Step 3: cut each left-over group together with 0 to 3 neighbouring regions again."""
    from itertools import combinations

    indptr, indices = graph.indptr, graph.indices
    repaired = 0
    left = np.flatnonzero((labels < 0) & ~excluded)
    if not left.size:
        return 0
    k, comp = connected_components(graph[left][:, left], directed=False)
    for c in range(k):
        group = left[comp == c]
        if (labels[group] >= 0).any():
            continue  # an earlier repair already placed it
        near = np.unique(
            np.concatenate([labels[indices[indptr[u] : indptr[u + 1]]] for u in group])
        )
        near = sorted((int(p) for p in near if p >= 0), key=lambda p: held[p])
        done = False
        for m in range(0, min(3, len(near)) + 1):
            for chosen in combinations(near, m):
                units = np.concatenate([group, *(np.flatnonzero(labels == p) for p in chosen)])
                total = int(pop[units].sum())
                if -(-total // ceiling) > total // floor:
                    continue  # no whole number of pieces of L to U people adds up to it
                pieces = _cut_union(graph, units, pop, risk, floor, ceiling, rng, tries)
                if pieces is None:
                    continue
                names = [*chosen] + [len(held) + i for i in range(pieces.max() + 1 - m)]
                held.extend([0] * (pieces.max() + 1 - m))
                for i, name in enumerate(names):
                    labels[units[pieces == i]] = name
                    held[name] = int(pop[units[pieces == i]].sum())
                repaired += int(pieces.max()) + 1
                done = True
                break
            if done:
                break
    _drop_empty(labels, held)
    return repaired


def _cut_union(graph, units, pop, risk, floor, ceiling, rng, tries):
    sub = graph[units][:, units].tocoo()
    for attempt in range(tries):
        tree = _spanning_tree(sub, risk[units], rng, attempt)
        found = _exact_cut(tree, pop[units], floor, ceiling)
        if found is not None:
            return found
    return None


def _drop_empty(labels: np.ndarray, held: list[int]) -> None:
    """Renumber the regions 0..k-1: a repair that cuts a union into fewer pieces than the
    regions it took leaves some numbers empty."""
    present = np.unique(labels[labels >= 0])
    remap = np.full(len(held), -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    labels[labels >= 0] = remap[labels[labels >= 0]]
    held[:] = [held[p] for p in present]


def _spanning_tree(
    sub: sparse.coo_matrix, risk: np.ndarray, rng: np.random.Generator, attempt: int
) -> sparse.csr_matrix:
    if attempt == 0:
        # risk differences, tie-broken so the tree does not depend on the storage order
        weight = np.abs(risk[sub.row] - risk[sub.col]) + 1e-9 * (1 + rng.random(sub.nnz))
    else:
        weight = rng.random(sub.nnz) + 1e-12
    upper = sub.row < sub.col
    m = len(risk)
    weights = sparse.coo_matrix((weight[upper], (sub.row[upper], sub.col[upper])), shape=(m, m))
    tree = minimum_spanning_tree(weights.tocsr())
    return ((tree + tree.T) > 0).astype(np.int8).tocsr()


def _rooted(tree: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    order, parent = breadth_first_order(tree, 0, directed=False, return_predecessors=True)
    return order, parent


def _children(order: np.ndarray, parent: np.ndarray) -> list[list[int]]:
    kids: list[list[int]] = [[] for _ in range(len(parent))]
    for v in order[1:]:
        kids[parent[v]].append(int(v))
    return kids


def _sumset(a: np.ndarray, b: np.ndarray, cap: int) -> np.ndarray:
    """{x + y : x in a, y in b} as a bit array truncated at ``cap``."""
    length = min(len(a) + len(b) - 1, cap + 1)
    ia, ib = np.flatnonzero(a), np.flatnonzero(b)
    if len(ib) > len(ia):
        a, b, ia, ib = b, a, ib, ia
    out = np.zeros(length, dtype=bool)
    if len(ib) <= SPARSE_SET:
        for shift in ib:
            if shift >= length:
                break
            span = min(len(a), length - shift)
            out[shift : shift + span] |= a[:span]
        return out
    full = fftconvolve(a.astype(np.float64), b.astype(np.float64))[:length]
    return full > 0.5


def _exact_cut(tree: sparse.csr_matrix, pop: np.ndarray, floor: int, ceiling: int):
    """Piece numbers per unit if the tree can be cut within the bounds, else None."""
    order, parent = _rooted(tree)
    kids = _children(order, parent)
    n = len(pop)
    final: list[np.ndarray | None] = [None] * n  # S(v), packed
    sizes = np.zeros(n, dtype=np.int64)
    closable = np.zeros(n, dtype=bool)
    prefixes: list[list[tuple[np.ndarray, int]]] = [[] for _ in range(n)]
    for v in order[::-1]:
        s = np.zeros(int(pop[v]) + 1, dtype=bool)
        s[pop[v]] = True
        for c in kids[v]:
            t = np.unpackbits(final[c], count=sizes[c]).astype(bool)
            if closable[c]:
                t[0] = True
            prefixes[v].append((np.packbits(s), len(s)))
            s = _sumset(s, t, ceiling)
        final[v] = np.packbits(s)
        sizes[v] = len(s)
        closable[v] = s[floor : ceiling + 1].any()
    if not closable[order[0]]:
        return None
    piece = np.full(n, -1, dtype=np.int64)
    pieces = 0
    target = (floor + ceiling) / 2
    root = int(order[0])
    stack = [(root, _closing_value(final[root], sizes[root], floor, ceiling, target), pieces)]
    pieces += 1
    while stack:
        v, value, label = stack.pop()
        piece[v] = label
        for j in range(len(kids[v]) - 1, -1, -1):
            c = kids[v][j]
            packed, size = prefixes[v][j]
            before = np.unpackbits(packed, count=size).astype(bool)
            sc = np.unpackbits(final[c], count=sizes[c]).astype(bool)
            if closable[c] and value < size and before[value]:
                stack.append(
                    (c, _closing_value(final[c], sizes[c], floor, ceiling, target), pieces)
                )
                pieces += 1
                continue
            # the child stays in v's piece with some t in S(c) such that value - t is open
            t = np.arange(0, min(len(sc), value + 1))
            ok = t[sc[t] & (value - t < size)]
            ok = ok[before[value - ok]]
            take = int(ok.max())
            stack.append((c, take, label))
            value -= take
    return piece


def _closing_value(packed: np.ndarray, size: int, floor: int, ceiling: int, target: float) -> int:
    s = np.unpackbits(packed, count=size).astype(bool)
    values = np.flatnonzero(s[: ceiling + 1])
    values = values[values >= floor]
    return int(values[np.argmin(np.abs(values - target))])
