"""Pick-walk route planning for a warehouse of parallel aisles.

The warehouse is a grid: ``aisles`` parallel aisles, aisle ``i`` at ``x = i * aisle_pitch``, each
``aisle_length`` metres long, joined by a front cross-aisle (``y = 0``, where the depot is), a back
cross-aisle (``y = aisle_length``) and optional middle cross-aisles that cross every aisle. A picker
walks only along aisles and cross-aisles, so the distance between two points is a shortest path on
that grid. A depot beyond the outer aisles is reached along the front cross-aisle.

``plan_route`` solves the problem with the dynamic programme of Ratliff and Rosenthal (1983) in its
general "frontier" form (wms/locations/route_programme.py). Columns (aisles, plus the depot when it stands between aisles) are swept left
to right; a partial tour subgraph is summarised by, for each cross-aisle vertex of the current column,
its degree class (zero, odd, even) and which of those vertices are already connected. With no middle
cross-aisle these are exactly Ratliff and Rosenthal's seven equivalence classes; middle cross-aisles
only add vertices to the frontier, as in Roodbergen and de Koster's (2001) extension to one middle
aisle. Each sub-aisle (an aisle between two neighbouring cross-aisles) is walked in one of six ways:
once through, twice through, in and back from its lower or its upper end, in and back from both ends
leaving the largest gap between stops, or not at all; an optimal tour subgraph needs nothing else and
walks no edge more than twice. The chosen subgraph is turned into a walk by Hierholzer's algorithm and
the stops are listed in the order the walk first reaches them.

Guarantees:

- up to ``EXACT_MAX_MIDDLE_CROSS_AISLES`` middle cross-aisles (that includes single-block layouts) the
  route is optimal;
- with more, the programme's frontier grows too large (569 states for three), so the planner solves it
  on every sub-layout that keeps at most one middle cross-aisle, walks the best of those orders and the
  S-shape order on the real layout, and improves it with 2-opt and or-opt moves on true grid distances.
  The route is then never longer than the optimum of any such sub-layout nor than the S-shape order,
  but it is not proven optimal (in bench/route.py, three middle cross-aisles and 8 or 12 stops: under
  0.1% above optimal on average, 4.5% at worst).
"""

from __future__ import annotations

import math
import numbers
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from .route_programme import exact_tour, order_from_walk

Point = tuple[int, float]

# The exact programme's frontier has 7 states with no middle cross-aisle, 25 with one, 113 with two and
# 569 with three. With two, 60 stops over 30 aisles take about 10 ms of CPU; with three the exact
# programme would take about 60 ms, so the heuristic takes over.
EXACT_MAX_MIDDLE_CROSS_AISLES = 2
# How many nearest stops or-opt considers as new neighbours for a run it moves.
_NEIGHBOURS = 8


@dataclass(frozen=True)
class Layout:
    """A warehouse of parallel aisles, in metres.

    Aisle ``i`` (from 0) runs along ``x = i * aisle_pitch``. ``cross_aisles`` lists the middle
    cross-aisles by distance from the front, front to back; the front (0) and back (``aisle_length``)
    cross-aisles always exist. The depot stands on the front cross-aisle at ``depot_x``.
    """

    aisles: int
    aisle_length: float
    aisle_pitch: float
    cross_aisles: tuple[float, ...] = ()
    depot_x: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.aisles, bool) or not isinstance(self.aisles, int) or self.aisles < 1:
            raise ValueError(f"aisles must be a positive whole number, got {self.aisles!r}")
        for name in ("aisle_length", "aisle_pitch", "depot_x"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number of metres, got {value!r}")
        if self.aisle_length <= 0:
            raise ValueError(f"aisle_length must be positive, got {self.aisle_length!r}")
        if self.aisle_pitch <= 0:
            raise ValueError(f"aisle_pitch must be positive, got {self.aisle_pitch!r}")
        # Accept any sequence, but store a tuple so the layout stays hashable.
        object.__setattr__(self, "cross_aisles", tuple(self.cross_aisles))
        previous = 0.0
        for y in self.cross_aisles:
            if isinstance(y, bool) or not isinstance(y, int | float) or not math.isfinite(y):
                raise ValueError(f"cross-aisle position must be a finite number of metres, got {y!r}")
            if not 0 < y < self.aisle_length:
                raise ValueError(
                    f"middle cross-aisle at {y} m must lie strictly between the front (0 m) and the "
                    f"back ({self.aisle_length} m) cross-aisles"
                )
            if y <= previous:
                raise ValueError(
                    f"middle cross-aisles must be listed front to back without repeats: {self.cross_aisles}"
                )
            previous = y

    @cached_property
    def levels(self) -> tuple[float, ...]:
        """Positions along the aisles of every cross-aisle, front to back."""
        return (0.0, *map(float, self.cross_aisles), float(self.aisle_length))


def _check_point(layout: Layout, point: Sequence, what: str) -> tuple[int, float]:
    try:
        aisle, y = point
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an (aisle, metres from front) pair, got {point!r}") from None
    if isinstance(aisle, bool) or not isinstance(aisle, numbers.Integral):
        raise ValueError(f"{what}: aisle index must be a whole number, got {aisle!r}")
    aisle = int(aisle)
    if not 0 <= aisle < layout.aisles:
        raise ValueError(
            f"{what}: aisle {aisle} does not exist; this layout has aisles 0 to {layout.aisles - 1}"
        )
    if isinstance(y, bool) or not isinstance(y, numbers.Real) or not math.isfinite(y):
        raise ValueError(f"{what}: position in the aisle must be a finite number of metres, got {y!r}")
    if not 0 <= y <= layout.aisle_length:
        raise ValueError(
            f"{what}: {y} m is outside aisle {aisle}, which runs from 0 to {layout.aisle_length} m"
        )
    return aisle, float(y)


def _check_points(layout: Layout, points: Sequence) -> list[tuple[int, float]]:
    return [_check_point(layout, p, f"stop {i}") for i, p in enumerate(points)]


def _distance(layout: Layout, a: tuple[int, float], b: tuple[int, float]) -> float:
    low, high = (a[1], b[1]) if a[1] <= b[1] else (b[1], a[1])
    if a[0] == b[0]:
        return high - low
    # Changing aisle means walking to some cross-aisle, along it, and back up or down. A cross-aisle
    # between the two points costs no detour; otherwise both lie in one block, so take its nearer end.
    across = abs(a[0] - b[0]) * layout.aisle_pitch
    levels = layout.levels
    above = bisect_left(levels, low)
    if levels[above] <= high:
        return across + high - low
    return across + min(low + high - 2 * levels[above - 1], 2 * levels[above] - low - high)


def _depot_distance(layout: Layout, p: tuple[int, float]) -> float:
    # The depot is on the front cross-aisle, so this Manhattan distance is always walkable.
    return abs(layout.depot_x - p[0] * layout.aisle_pitch) + p[1]


def grid_distance(layout: Layout, a: Point, b: Point) -> float:
    """Shortest walking distance between two points ``(aisle, metres from front)``."""
    return _distance(layout, _check_point(layout, a, "first point"), _check_point(layout, b, "second point"))


def _walk_length(layout: Layout, points: list[tuple[int, float]]) -> float:
    if not points:
        return 0.0
    total = _depot_distance(layout, points[0]) + _depot_distance(layout, points[-1])
    for a, b in zip(points, points[1:], strict=False):
        total += _distance(layout, a, b)
    return total


def route_length(layout: Layout, order_points: Sequence[Point]) -> float:
    """Length of the walk depot -> each point in turn -> depot, using shortest paths between them."""
    return _walk_length(layout, _check_points(layout, order_points))


def s_shape_order(layout: Layout, stops: Sequence[Point]) -> tuple[list[int], float]:
    """The S-shape (traversal) order most systems print.

    Aisles holding stops are visited in turn from the end nearer the depot; stops are taken front to back
    in the first aisle, back to front in the next, and so on. The distance is that of walking the stops in
    this order by shortest paths, which is never longer than the textbook S-shape walk (which crosses
    every aisle fully and goes to the farthest stop and back in an odd last aisle).
    """
    points = _check_points(layout, stops)
    if not points:
        return [], 0.0
    by_aisle: dict[int, list[int]] = {}
    for index, (aisle, _y) in enumerate(points):
        by_aisle.setdefault(aisle, []).append(index)
    aisles = sorted(by_aisle)
    x_first, x_last = aisles[0] * layout.aisle_pitch, aisles[-1] * layout.aisle_pitch
    if abs(layout.depot_x - x_last) < abs(layout.depot_x - x_first):
        aisles.reverse()
    order: list[int] = []
    for turn, aisle in enumerate(aisles):
        # Sorting on the index as well keeps stops at one spot together and the order deterministic.
        indexes = sorted(by_aisle[aisle], key=lambda i: (points[i][1], i), reverse=turn % 2 == 1)
        order.extend(indexes)
    return order, _walk_length(layout, [points[i] for i in order])


def _improve(dist: list[list[float]], tour: list[int]) -> list[int]:
    """2-opt and or-opt moves until none shortens the closed tour (node 0, the depot, stays first).

    Or-opt only tries to reinsert a run next to the nearest neighbours of its ends: that is where
    nearly all improving moves are, and it keeps a pass affordable in pure Python.
    """
    tour = list(tour)
    n = len(tour)
    eps = 1e-9
    near = [sorted(range(n), key=row.__getitem__)[:_NEIGHBOURS] for row in dist]
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                a, b, c, d = tour[i - 1], tour[i], tour[j], tour[(j + 1) % n]
                if dist[a][c] + dist[b][d] < dist[a][b] + dist[c][d] - eps:
                    tour[i : j + 1] = tour[i : j + 1][::-1]
                    improved = True
        for size in (1, 2, 3):
            i = 1
            while i + size <= n:
                run = tour[i : i + size]
                first, last = run[0], run[-1]
                p, q = tour[i - 1], tour[(i + size) % n]
                best = dist[p][first] + dist[last][q] - dist[p][q] - eps
                if best > 0:
                    rest = tour[:i] + tour[i + size :]
                    m = len(rest)
                    at, flip = -1, False
                    for u in {*near[first], *near[last]}:
                        if u in run:
                            continue
                        k = rest.index(u)
                        for left in (k - 1, k):
                            x, y = rest[left], rest[(left + 1) % m]
                            forward = dist[x][first] + dist[last][y] - dist[x][y]
                            backward = dist[x][last] + dist[first][y] - dist[x][y]
                            if forward < best:
                                best, at, flip = forward, left % m, False
                            if backward < best:
                                best, at, flip = backward, left % m, True
                    if at >= 0:
                        tour = rest[: at + 1] + (run[::-1] if flip else run) + rest[at + 1 :]
                        improved = True
                i += 1
    return tour


def _heuristic_order(layout: Layout, points: list[tuple[int, float]]) -> list[int]:
    """A short walk for layouts with too many middle cross-aisles for the exact programme.

    Solves the exact programme on every sub-layout that keeps at most one middle cross-aisle, walks the
    best of those orders and the S-shape order on the real layout (shortest paths may use the other
    cross-aisles) and then improves it with 2-opt and or-opt on true grid distances.
    """
    front, back = layout.levels[0], layout.levels[-1]
    sub_layouts = [(front, back)] + [(front, float(y), back) for y in layout.cross_aisles]
    orders = [order_from_walk(exact_tour(layout, levels, points)[0], points) for levels in sub_layouts]
    # The S-shape order is a cheap extra start, and makes sure the plan never loses to it.
    orders.append(s_shape_order(layout, points)[0])
    order = min(orders, key=lambda o: _walk_length(layout, [points[i] for i in o]))

    # Local search runs over distinct spots; stops sharing a spot are always picked together.
    spots: list[tuple[int, float]] = []
    at_spot: dict[tuple[int, float], list[int]] = {}
    for i in order:
        if points[i] not in at_spot:
            spots.append(points[i])
            at_spot[points[i]] = []
        at_spot[points[i]].append(i)
    # Node 0 is the depot, node k the k-th spot.
    nodes = len(spots) + 1
    dist = [[0.0] * nodes for _ in range(nodes)]
    for a in range(1, nodes):
        dist[0][a] = dist[a][0] = _depot_distance(layout, spots[a - 1])
        for b in range(a + 1, nodes):
            dist[a][b] = dist[b][a] = _distance(layout, spots[a - 1], spots[b - 1])
    tour = _improve(dist, list(range(nodes)))
    return [i for node in tour[1:] for i in at_spot[spots[node - 1]]]


def plan_route(layout: Layout, stops: Sequence[Point]) -> tuple[list[int], float]:
    """Shortest pick walk from the depot through every stop and back.

    ``stops`` are ``(aisle index, metres from the front)``. Returns the stop indexes in walking order
    and the walk's length in metres. Exact for up to ``EXACT_MAX_MIDDLE_CROSS_AISLES`` middle
    cross-aisles; see the module documentation for larger layouts.
    """
    points = _check_points(layout, stops)
    if not points:
        return [], 0.0
    # A depot beyond the outer aisles is reached along the front cross-aisle through the outer aisle's
    # front end, so plan from there; the walk to the real depot is counted by the length below.
    span = (layout.aisles - 1) * layout.aisle_pitch
    planning = layout
    if not 0 <= layout.depot_x <= span:
        planning = replace(layout, depot_x=min(max(layout.depot_x, 0.0), span))
    if len(layout.cross_aisles) <= EXACT_MAX_MIDDLE_CROSS_AISLES:
        order = order_from_walk(exact_tour(planning, planning.levels, points)[0], points)
    else:
        order = _heuristic_order(planning, points)
    return order, _walk_length(layout, [points[i] for i in order])
