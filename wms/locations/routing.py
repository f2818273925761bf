"""Pick-walk route planning for a warehouse of parallel aisles.

The warehouse is a grid: ``aisles`` parallel aisles, aisle ``i`` at ``x = i * aisle_pitch``, each
``aisle_length`` metres long, joined by a front cross-aisle (``y = 0``, where the depot is), a back
cross-aisle (``y = aisle_length``) and optional middle cross-aisles that cross every aisle. A picker
walks only along aisles and cross-aisles, so the distance between two points is a shortest path on
that grid. A depot beyond the outer aisles is reached along the front cross-aisle.

``plan_route`` solves the problem with the dynamic programme of Ratliff and Rosenthal (1983) in its
general "frontier" form. Columns (aisles, plus the depot when it stands between aisles) are swept left
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
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import product

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


# --- The frontier dynamic programme -------------------------------------------------------------------
#
# A state describes the cross-aisle vertices of the current column (front first). It is a tuple holding,
# for each vertex, its degree class (_ZERO, _ODD, _EVEN) followed by, for each vertex, a component label
# (-1 for a vertex not in the tour; other labels numbered in order of first appearance). _CLOSED is the
# state where a finished tour lies entirely to the left: nothing may be added after it.

_ZERO, _ODD, _EVEN = 0, 1, 2
_CLOSED: tuple = ()

# Ways to walk one sub-aisle: (edges added at its lower vertex, at its upper vertex, joins them).
_FULL1, _FULL2, _LOW, _HIGH, _GAP, _NONE = range(6)
_EFFECTS = {
    _FULL1: (1, 1, True),
    _FULL2: (2, 2, True),
    _LOW: (2, 0, False),
    _HIGH: (0, 2, False),
    _GAP: (2, 2, False),
    _NONE: (0, 0, False),
}
# The ways open to a sub-aisle by how many distinct stop positions it holds (0, 1, 2 or more). An
# empty one is never worth entering from just one end, and a gap needs a stop on each side of it.
_WAYS = (
    (_FULL1, _FULL2, _NONE),
    (_FULL1, _FULL2, _LOW, _HIGH),
    (_FULL1, _FULL2, _LOW, _HIGH, _GAP),
)


def _add_degree(d: int, k: int) -> int:
    if k == 0:
        return d
    return _ODD if (d == _ODD) != (k % 2 == 1) else _EVEN


def _canonical(degrees: list[int], labels: list[int]) -> tuple:
    names: dict[int, int] = {}
    out = []
    for d, label in zip(degrees, labels, strict=True):
        if d == _ZERO:
            out.append(-1)
        else:
            out.append(names.setdefault(label, len(names)))
    return (*degrees, *out)


class _Frontier:
    """The states and moves of the sweep for ``m`` cross-aisle levels.

    States are numbered, and their moves worked out, the first time the sweep meets them; they depend
    only on ``m``, so one instance serves every plan. Plans may run in several threads at once (one per
    web request): numbering and filling in moves happen under a lock, while reading finished entries
    needs none.
    """

    def __init__(self, m: int) -> None:
        self.m = m
        self.lock = threading.RLock()
        self.states: list[tuple] = []
        self.ids: dict[tuple, int] = {}
        self.empty = self.id(_canonical([_ZERO] * m, [-1] * m))
        # vertical[sub][stops][state id] -> ((way, new state id), ...)
        self.vertical: list[list[dict[int, tuple[tuple[int, int], ...]]]] = [
            [{}, {}, {}] for _ in range(m - 1)
        ]
        # horizontal[state id] -> ((copies in total, new state id, front vertex kept in the tour, copies), ...)
        self.horizontal: dict[int, tuple[tuple[int, int, bool, tuple[int, ...]], ...]] = {}

    def id(self, state: tuple) -> int:
        number = self.ids.get(state)
        if number is None:
            number = self.ids[state] = len(self.states)
            self.states.append(state)
        return number

    def vertical_moves(self, sid: int, sub: int, stops: int) -> tuple[tuple[int, int], ...]:
        """The ways worth trying to walk sub-aisle ``sub`` (between vertices ``sub`` and ``sub + 1``)
        when it holds ``stops`` distinct stop positions (0, 1, or 2 for two or more)."""
        with self.lock:
            return self._vertical_moves(sid, sub, stops)

    def _vertical_moves(self, sid: int, sub: int, stops: int) -> tuple[tuple[int, int], ...]:
        state = self.states[sid]
        m = self.m
        if state == _CLOSED:
            moves = [(_NONE, sid)] if stops == 0 else []
        else:
            moves = []
            for way in _WAYS[stops]:
                add_low, add_high, joins = _EFFECTS[way]
                degrees, labels = list(state[:m]), list(state[m:])
                fresh = m
                for vertex, add in ((sub, add_low), (sub + 1, add_high)):
                    if add:
                        if degrees[vertex] == _ZERO:
                            labels[vertex] = fresh
                            fresh += 1
                        degrees[vertex] = _add_degree(degrees[vertex], add)
                if joins:
                    gone, kept = labels[sub + 1], labels[sub]
                    labels = [kept if label == gone else label for label in labels]
                moves.append((way, self.id(_canonical(degrees, labels))))
            # Walking a sub-aisle twice through is never shorter than any other way (in and back from
            # one end, both ends, or not at all); drop it where one of those reaches the same state.
            others = {nid for way, nid in moves if way not in (_FULL1, _FULL2)}
            moves = [(way, nid) for way, nid in moves if way != _FULL2 or nid not in others]
        result = self.vertical[sub][stops][sid] = tuple(moves)
        return result

    def horizontal_moves(self, sid: int) -> tuple[tuple[int, int, bool, tuple[int, ...]], ...]:
        """Every way to walk the cross-aisle segments over to the next column."""
        with self.lock:
            return self._horizontal_moves(sid)

    def _horizontal_moves(self, sid: int) -> tuple[tuple[int, int, bool, tuple[int, ...]], ...]:
        state = self.states[sid]
        m = self.m
        moves = []
        if state == _CLOSED:
            moves.append((0, sid, False, (0,) * m))
        else:
            degrees, labels = state[:m], state[m:]
            # A vertex left behind must end with an even degree, which fixes the parity of its copies.
            choices = [(1,) if d == _ODD else (0, 2) for d in degrees]
            for copies in product(*choices):
                old = list(labels)
                fresh = m
                for level, c in enumerate(copies):
                    if c and degrees[level] == _ZERO:
                        old[level] = fresh
                        fresh += 1
                behind = {old[v] for v in range(m) if degrees[v] != _ZERO or copies[v]}
                new_degrees = [_add_degree(_ZERO, c) for c in copies]
                new_labels = [old[v] if copies[v] else -1 for v in range(m)]
                ahead = {new_labels[v] for v in range(m) if copies[v]}
                if not behind - ahead:
                    new_state = _canonical(new_degrees, new_labels)
                elif len(behind) == 1 and not ahead:
                    # The only component is finished: the tour is complete to the left.
                    new_state = _CLOSED
                else:
                    # A component would be cut off from the rest of the tour for good.
                    continue
                moves.append((sum(copies), self.id(new_state), degrees[0] != _ZERO or copies[0] != 0, copies))
        result = self.horizontal[sid] = tuple(moves)
        return result


_frontiers: dict[int, _Frontier] = {}


def _is_complete(state: tuple, depot_here: bool) -> bool:
    if state == _CLOSED:
        return not depot_here
    m = len(state) // 2
    if any(d == _ODD for d in state[:m]):
        return False
    components = {label for label in state[m:] if label >= 0}
    if len(components) != 1:
        return False
    return not depot_here or state[0] != _ZERO


@dataclass
class _Column:
    x: float
    aisle: int | None  # None for the depot standing between aisles
    # Per sub-aisle: distinct stop positions, front to back.
    picks: list[list[float]]


def _sub_aisle_prices(lo: float, hi: float, picks: list[float]) -> list[float]:
    """Length of each way to walk a sub-aisle, indexed by way; infinite where the way is not allowed."""
    length = hi - lo
    prices = [math.inf] * len(_EFFECTS)
    prices[_FULL1] = length
    prices[_FULL2] = 2 * length
    if not picks:
        prices[_NONE] = 0.0
        return prices
    prices[_LOW] = 2 * (picks[-1] - lo)
    prices[_HIGH] = 2 * (hi - picks[0])
    if len(picks) >= 2:
        gap = max(b - a for a, b in zip(picks, picks[1:], strict=False))
        prices[_GAP] = 2 * (length - gap)
    return prices


def _largest_gap_edge(picks: list[float]) -> int:
    gaps = [b - a for a, b in zip(picks, picks[1:], strict=False)]
    return gaps.index(max(gaps)) + 1


def _columns(
    layout: Layout, levels: tuple[float, ...], points: list[tuple[int, float]]
) -> tuple[list[_Column], int]:
    """The columns the sweep visits, left to right, and the index of the depot's column.

    Aisles beyond the outermost stops (and depot) are left out: an optimal tour never enters them.
    """
    m = len(levels)
    pitch = layout.aisle_pitch
    depot_x = layout.depot_x
    depot_aisle = round(depot_x / pitch)
    depot_on_aisle = abs(depot_aisle * pitch - depot_x) <= 1e-9 * max(1.0, pitch)

    per_aisle: dict[int, set[float]] = {}
    for aisle, y in points:
        per_aisle.setdefault(aisle, set()).add(y)
    lo_aisle, hi_aisle = min(per_aisle), max(per_aisle)
    if depot_on_aisle:
        lo_aisle, hi_aisle = min(lo_aisle, depot_aisle), max(hi_aisle, depot_aisle)
    else:
        # Reach out to the aisles either side of the depot so its column falls inside the sweep.
        lo_aisle = min(lo_aisle, math.floor(depot_x / pitch))
        hi_aisle = max(hi_aisle, math.ceil(depot_x / pitch))

    columns: list[_Column] = []
    depot_column = -1
    for aisle in range(lo_aisle, hi_aisle + 1):
        x = aisle * pitch
        if not depot_on_aisle and depot_column < 0 and depot_x < x:
            depot_column = len(columns)
            columns.append(_Column(depot_x, None, []))
        picks: list[list[float]] = [[] for _ in range(m - 1)]
        for y in sorted(per_aisle.get(aisle, ())):
            # A stop level with a middle cross-aisle joins the sub-aisle behind it; either would do.
            picks[min(bisect_right(levels, y) - 1, m - 2)].append(y)
        if depot_on_aisle and aisle == depot_aisle:
            depot_column = len(columns)
        columns.append(_Column(x, aisle, picks))
    return columns, depot_column


def _exact_tour(
    layout: Layout, levels: tuple[float, ...], points: list[tuple[int, float]]
) -> tuple[list, float]:
    """Optimal closed walk from the depot over the grid with cross-aisles at ``levels``.

    Returns the walk as a list of vertices (``("x", column, level)`` or ``("p", aisle, y)``) and its
    length. The depot must be within the aisles' span (the caller adds any walk beyond it).
    """
    m = len(levels)
    columns, depot_column = _columns(layout, levels, points)
    n = len(columns)
    prices = [
        [_sub_aisle_prices(levels[sub], levels[sub + 1], column.picks[sub]) for sub in range(m - 1)]
        if column.aisle is not None
        else []
        for column in columns
    ]
    frontier = _frontiers.get(m) or _frontiers.setdefault(m, _Frontier(m))
    inf = math.inf
    # costs maps a state id to the cheapest partial tour reaching it; each step keeps, for every state
    # it reached, the state it came from and the choice made, to rebuild the tour afterwards.
    costs: dict[int, float] = {frontier.empty: 0.0}
    steps: list[tuple[tuple, dict[int, tuple[int, object]]]] = []
    for ci, column in enumerate(columns):
        if ci > 0:
            width = column.x - columns[ci - 1].x
            leaving_depot = ci - 1 == depot_column
            known = frontier.horizontal
            new_costs: dict[int, float] = {}
            back: dict[int, tuple[int, object]] = {}
            for sid, cost in costs.items():
                moves = known.get(sid)
                if moves is None:
                    moves = frontier.horizontal_moves(sid)
                for total, nid, depot_in, copies in moves:
                    if leaving_depot and not depot_in:
                        continue
                    c = cost + total * width
                    if c < new_costs.get(nid, inf):
                        new_costs[nid] = c
                        back[nid] = (sid, copies)
            costs = new_costs
            steps.append((("h", ci), back))
        if column.aisle is None:
            continue
        for sub in range(m - 1):
            column_prices = prices[ci][sub]
            stops = min(len(column.picks[sub]), 2)
            known_v = frontier.vertical[sub][stops]
            new_costs = {}
            back = {}
            for sid, cost in costs.items():
                moves = known_v.get(sid)
                if moves is None:
                    moves = frontier.vertical_moves(sid, sub, stops)
                for way, nid in moves:
                    c = cost + column_prices[way]
                    if c < new_costs.get(nid, inf):
                        new_costs[nid] = c
                        back[nid] = (sid, way)
            costs = new_costs
            steps.append((("v", ci, sub), back))

    depot_last = depot_column == n - 1
    finals = [(cost, sid) for sid, cost in costs.items() if _is_complete(frontier.states[sid], depot_last)]
    best_cost, state = min(finals)

    # Walk the back-pointers to rebuild the tour subgraph as a list of edges (u, v).
    edges: list[tuple[tuple, tuple]] = []
    for meta, back in reversed(steps):
        state, choice = back[state]
        if meta[0] == "h":
            ci = meta[1]
            for level, c in enumerate(choice):
                edges.extend([(("x", ci - 1, level), ("x", ci, level))] * c)
        else:
            _, ci, sub = meta
            column = columns[ci]
            picks = column.picks[sub]
            chain = [("x", ci, sub), *(("p", column.aisle, y) for y in picks), ("x", ci, sub + 1)]
            segments = list(zip(chain, chain[1:], strict=False))
            if choice == _FULL1:
                used = segments
            elif choice == _FULL2:
                used = segments * 2
            elif choice == _LOW:
                used = segments[:-1] * 2
            elif choice == _HIGH:
                used = segments[1:] * 2
            elif choice == _GAP:
                skip = _largest_gap_edge(picks)
                used = (segments[:skip] + segments[skip + 1 :]) * 2
            else:
                used = []
            edges.extend(used)
    return _euler_walk(edges, ("x", depot_column, 0)), best_cost


def _euler_walk(edges: list[tuple[tuple, tuple]], start: tuple) -> list:
    """Hierholzer's algorithm: a closed walk using every edge once, from ``start``."""
    incident: dict[tuple, list[int]] = {}
    for i, (u, v) in enumerate(edges):
        incident.setdefault(u, []).append(i)
        incident.setdefault(v, []).append(i)
    used = [False] * len(edges)
    stack = [start]
    walk = []
    while stack:
        vertex = stack[-1]
        pending = incident.get(vertex, [])
        while pending and used[pending[-1]]:
            pending.pop()
        if pending:
            i = pending.pop()
            used[i] = True
            u, v = edges[i]
            stack.append(v if u == vertex else u)
        else:
            walk.append(stack.pop())
    walk.reverse()
    return walk


def _order_from_walk(walk: list, points: list[tuple[int, float]]) -> list[int]:
    at: dict[tuple[int, float], list[int]] = {}
    for index, point in enumerate(points):
        at.setdefault(point, []).append(index)
    order: list[int] = []
    for vertex in walk:
        if vertex[0] == "p":
            order.extend(at.pop((vertex[1], vertex[2]), ()))
    return order


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
    orders = [_order_from_walk(_exact_tour(layout, levels, points)[0], points) for levels in sub_layouts]
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
        order = _order_from_walk(_exact_tour(planning, planning.levels, points)[0], points)
    else:
        order = _heuristic_order(planning, points)
    return order, _walk_length(layout, [points[i] for i in order])
