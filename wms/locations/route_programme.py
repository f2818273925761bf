"""The frontier dynamic programme of Ratliff and Rosenthal (1983) behind `routing.plan_route`: the optimal tour
subgraph of a pick walk over a grid of parallel aisles and cross-aisles (see wms/locations/routing.py for the
layout and the guarantees), and the walk's stop order from it (Hierholzer's algorithm)."""

from __future__ import annotations

import math
import threading
from bisect import bisect_right
from dataclasses import dataclass
from itertools import product
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .routing import Layout

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


def exact_tour(
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


def order_from_walk(walk: list, points: list[tuple[int, float]]) -> list[int]:
    at: dict[tuple[int, float], list[int]] = {}
    for index, point in enumerate(points):
        at.setdefault(point, []).append(index)
    order: list[int] = []
    for vertex in walk:
        if vertex[0] == "p":
            order.extend(at.pop((vertex[1], vertex[2]), ()))
    return order
