"""The pick-walk planner against hand-worked walks, brute force and a graph search of the grid."""

import heapq
import itertools
import math
import random
import statistics
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wms.locations import route_programme, routing
from wms.locations.routing import Layout, grid_distance, plan_route, route_length, s_shape_order

# --- Independent references ---------------------------------------------------------------------------


def depot_distance(layout, point):
    aisle, y = point
    return abs(layout.depot_x - aisle * layout.aisle_pitch) + y


def brute_force(layout, stops):
    """Shortest tour over the distinct stop spots by trying every order."""
    spots = sorted(set(stops))
    if not spots:
        return 0.0
    d = {(a, b): grid_distance(layout, a, b) for a in spots for b in spots}
    best = math.inf
    for perm in itertools.permutations(spots):
        total = depot_distance(layout, perm[0]) + depot_distance(layout, perm[-1])
        for a, b in itertools.pairwise(perm):
            total += d[a, b]
        best = min(best, total)
    return best


def held_karp(layout, stops):
    """Shortest tour by Held and Karp's dynamic programme, for a few more stops than brute force."""
    spots = sorted(set(stops))
    n = len(spots)
    start = [depot_distance(layout, p) for p in spots]
    d = [[grid_distance(layout, a, b) for b in spots] for a in spots]
    best = {(1 << i, i): start[i] for i in range(n)}
    for size in range(2, n + 1):
        for subset in itertools.combinations(range(n), size):
            mask = sum(1 << i for i in subset)
            for last in subset:
                rest = mask ^ (1 << last)
                best[mask, last] = min(best[rest, k] + d[k][last] for k in subset if k != last)
    full = (1 << n) - 1
    return min(best[full, i] + start[i] for i in range(n))


def dijkstra_distance(layout, a, b):
    """Shortest path between two points on an explicit graph of aisles and cross-aisles."""
    levels = [0.0, *layout.cross_aisles, float(layout.aisle_length)]
    # Vertices are (aisle, y); each aisle is a chain through its cross-aisle levels and the two points.
    edges = {}

    def link(u, v, w):
        edges.setdefault(u, []).append((v, w))
        edges.setdefault(v, []).append((u, w))

    for aisle in range(layout.aisles):
        ys = sorted({*levels, *(p[1] for p in (a, b) if p[0] == aisle)})
        for y1, y2 in itertools.pairwise(ys):
            link((aisle, y1), (aisle, y2), y2 - y1)
    for aisle in range(layout.aisles - 1):
        for y in levels:
            link((aisle, y), (aisle + 1, y), layout.aisle_pitch)
    source, target = (a[0], float(a[1])), (b[0], float(b[1]))
    done = {}
    queue = [(0.0, source)]
    while queue:
        dist, vertex = heapq.heappop(queue)
        if vertex in done:
            continue
        done[vertex] = dist
        if vertex == target:
            return dist
        for other, w in edges.get(vertex, ()):
            if other not in done:
                heapq.heappush(queue, (dist + w, other))
    raise AssertionError("grid not connected")


def random_layout(rng, middle_cross_aisles):
    aisles = rng.randint(1, 8)
    length = rng.choice([8.0, 10.0, 24.0])
    pitch = rng.choice([1.5, 3.0, 4.0])
    cross = tuple(sorted(rng.sample([length * i / 8 for i in range(1, 8)], middle_cross_aisles)))
    depot = rng.choice([0.0, rng.randrange(aisles) * pitch, rng.uniform(0, (aisles - 1) * pitch)])
    return Layout(aisles, length, pitch, cross, depot)


def random_stops(rng, layout, n):
    def position():
        r = rng.random()
        if r < 0.1:
            return 0.0
        if r < 0.2:
            return layout.aisle_length
        if r < 0.3 and layout.cross_aisles:
            return rng.choice(layout.cross_aisles)
        return round(rng.uniform(0, layout.aisle_length), 1)

    stops = [(rng.randrange(layout.aisles), position()) for _ in range(n)]
    if stops and rng.random() < 0.2:
        stops.append(rng.choice(stops))
    return stops


def assert_valid_plan(layout, stops, order, distance):
    assert sorted(order) == list(range(len(stops)))
    assert distance == pytest.approx(route_length(layout, [stops[i] for i in order]), rel=1e-12, abs=1e-12)


# --- Hand-worked walks ----------------------------------------------------------------------------------

WAREHOUSE = Layout(aisles=6, aisle_length=20.0, aisle_pitch=3.0)


def test_no_stops_is_an_empty_walk():
    assert plan_route(WAREHOUSE, []) == ([], 0.0)
    assert s_shape_order(WAREHOUSE, []) == ([], 0.0)
    assert route_length(WAREHOUSE, []) == 0.0


def test_one_stop_in_the_depot_aisle_is_there_and_back():
    assert plan_route(WAREHOUSE, [(0, 7.5)]) == ([0], 15.0)


def test_one_stop_further_along_the_front_adds_the_cross_aisle_both_ways():
    assert plan_route(WAREHOUSE, [(2, 5.0)]) == ([0], 2 * (6.0 + 5.0))


def test_two_stops_in_one_aisle_are_picked_on_one_trip_to_the_farther():
    order, distance = plan_route(WAREHOUSE, [(0, 12.0), (0, 3.0)])
    assert order == [1, 0]
    assert distance == 24.0


def test_deep_stops_in_neighbouring_aisles_are_walked_through():
    # Through aisle 0, along the back, down aisle 1: 20 + 3 + 20 + 3, not 2 * (18 + 18 + 3).
    order, distance = plan_route(WAREHOUSE, [(1, 18.0), (0, 18.0)])
    assert order in ([1, 0], [0, 1])
    assert distance == 46.0


def test_shallow_stops_in_neighbouring_aisles_are_visited_from_the_front():
    _, distance = plan_route(WAREHOUSE, [(0, 2.0), (1, 2.0)])
    assert distance == 2 * 2.0 + 2 * 2.0 + 2 * 3.0


def test_stops_at_the_front_and_back_ends_of_an_aisle():
    assert plan_route(WAREHOUSE, [(2, 0.0)]) == ([0], 12.0)
    assert plan_route(WAREHOUSE, [(0, 20.0), (0, 0.0)])[1] == 40.0


def test_stops_at_the_same_spot_are_picked_together():
    order, distance = plan_route(WAREHOUSE, [(1, 5.0), (4, 5.0), (1, 5.0), (1, 5.0)])
    assert distance == 2 * 12.0 + 2 * 5.0 + 2 * 5.0
    spot = [i for i in order if i != 1]
    assert spot == [0, 2, 3]
    assert order in ([0, 2, 3, 1], [1, 0, 2, 3])


def test_every_stop_at_the_depot_walks_nothing():
    assert plan_route(WAREHOUSE, [(0, 0.0), (0, 0.0)]) == ([0, 1], 0.0)


def test_depot_between_aisles():
    layout = Layout(aisles=4, aisle_length=10.0, aisle_pitch=3.0, depot_x=4.5)
    assert plan_route(layout, [(1, 2.0)]) == ([0], 2 * (1.5 + 2.0))
    order, distance = plan_route(layout, [(0, 9.0), (3, 9.0)])
    # Out to aisle 0, through it, along the back to aisle 3, down it, back to the depot: 4.5 + 10 + 9 +
    # 10 + 4.5; picking each as a return trip would cost 2 * (4.5 + 9) twice.
    assert distance == 38.0
    assert sorted(order) == [0, 1]


def test_depot_beyond_the_outer_aisle_is_reached_along_the_front():
    layout = Layout(aisles=3, aisle_length=10.0, aisle_pitch=3.0, depot_x=-2.0)
    assert plan_route(layout, [(0, 5.0)]) == ([0], 14.0)
    far = Layout(aisles=3, aisle_length=10.0, aisle_pitch=3.0, depot_x=10.0)
    assert plan_route(far, [(0, 5.0)]) == ([0], 2 * (10.0 + 5.0))


def test_a_middle_cross_aisle_shortcuts_between_aisles():
    layout = Layout(aisles=4, aisle_length=20.0, aisle_pitch=3.0, cross_aisles=(10.0,))
    # Up aisle 0 to the middle cross-aisle, over to aisle 1 and back down: 10 + 3 + 10 + 3.
    assert plan_route(layout, [(0, 9.0), (1, 9.0)])[1] == 26.0
    assert plan_route(WAREHOUSE, [(0, 9.0), (1, 9.0)])[1] == 42.0


def test_a_single_aisle_warehouse():
    layout = Layout(aisles=1, aisle_length=10.0, aisle_pitch=2.0, cross_aisles=(4.0,))
    order, distance = plan_route(layout, [(0, 7.0), (0, 4.0), (0, 1.0)])
    assert order == [2, 1, 0]
    assert distance == 14.0


def test_grid_distance_by_hand():
    layout = Layout(aisles=5, aisle_length=20.0, aisle_pitch=3.0, cross_aisles=(10.0,))
    assert grid_distance(layout, (1, 4.0), (1, 15.0)) == 11.0
    assert grid_distance(layout, (0, 4.0), (2, 15.0)) == 6.0 + 11.0
    assert grid_distance(layout, (0, 12.0), (3, 14.0)) == 9.0 + 2.0 + 4.0
    assert grid_distance(layout, (0, 18.0), (3, 17.0)) == 9.0 + 2.0 + 3.0
    assert grid_distance(layout, (0, 10.0), (4, 10.0)) == 12.0


def test_route_length_counts_the_walk_from_and_back_to_the_depot():
    layout = Layout(aisles=3, aisle_length=10.0, aisle_pitch=2.0, depot_x=1.0)
    assert route_length(layout, [(0, 2.0), (2, 3.0)]) == 3.0 + (4.0 + 5.0) + 6.0


def test_s_shape_goes_up_one_aisle_and_down_the_next():
    stops = [(3, 5.0), (0, 15.0), (0, 2.0), (3, 12.0), (1, 8.0)]
    order, distance = s_shape_order(WAREHOUSE, stops)
    assert order == [2, 1, 4, 0, 3]
    assert distance == route_length(WAREHOUSE, [stops[i] for i in order])
    # Crossing at the back from aisle 0 to aisle 3 and fetching aisle 1's stop from the front is shorter.
    assert distance == 82.0
    assert plan_route(WAREHOUSE, stops)[1] == 74.0


def test_s_shape_starts_from_the_end_nearer_the_depot():
    layout = Layout(aisles=6, aisle_length=20.0, aisle_pitch=3.0, depot_x=15.0)
    order, _ = s_shape_order(layout, [(1, 5.0), (5, 5.0), (4, 9.0)])
    assert order == [1, 2, 0]


# --- Validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stop", "message"),
    [
        ((6, 1.0), "aisle 6 does not exist"),
        ((-1, 1.0), "aisle -1 does not exist"),
        ((0, -0.5), "outside aisle 0"),
        ((2, 20.5), "outside aisle 2"),
        ((2, math.nan), "finite number"),
        ((1.0, 2.0), "whole number"),
        ((True, 2.0), "whole number"),
        ((1,), "pair"),
        (None, "pair"),
    ],
)
def test_bad_stops_are_refused_with_a_clear_message(stop, message):
    for planner in (plan_route, s_shape_order, route_length):
        with pytest.raises(ValueError, match=message):
            planner(WAREHOUSE, [(0, 1.0), stop])
    with pytest.raises(ValueError, match=message):
        grid_distance(WAREHOUSE, stop, (0, 1.0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"aisles": 0}, "aisles must be a positive whole number"),
        ({"aisles": 2.5}, "aisles must be a positive whole number"),
        ({"aisle_length": 0.0}, "aisle_length must be positive"),
        ({"aisle_pitch": -3.0}, "aisle_pitch must be positive"),
        ({"depot_x": math.inf}, "depot_x must be a finite number"),
        ({"cross_aisles": (0.0,)}, "strictly between"),
        ({"cross_aisles": (20.0,)}, "strictly between"),
        ({"cross_aisles": (12.0, 8.0)}, "front to back"),
        ({"cross_aisles": (8.0, 8.0)}, "front to back"),
    ],
)
def test_bad_layouts_are_refused(kwargs, message):
    values = {"aisles": 5, "aisle_length": 20.0, "aisle_pitch": 3.0} | kwargs
    with pytest.raises(ValueError, match=message):
        Layout(**values)


def test_cross_aisles_given_as_a_list_are_kept_as_a_tuple():
    layout = Layout(aisles=3, aisle_length=10.0, aisle_pitch=2.0, cross_aisles=[5.0])
    assert layout.cross_aisles == (5.0,)
    assert hash(layout) == hash(Layout(3, 10.0, 2.0, (5.0,)))


# --- Against brute force and graph search ----------------------------------------------------------------


def test_grid_distance_matches_a_graph_search():
    rng = random.Random(20261123)
    for _ in range(300):
        layout = random_layout(rng, rng.choice([0, 1, 2, 3]))
        a, b = random_stops(rng, layout, 2)[:2]
        assert grid_distance(layout, a, b) == pytest.approx(dijkstra_distance(layout, a, b), abs=1e-9)


@pytest.mark.parametrize("middle_cross_aisles", [0, 1, 2])
def test_exact_against_brute_force_on_random_pick_lists(middle_cross_aisles):
    rng = random.Random(1000 + middle_cross_aisles)
    for _ in range(150):
        layout = random_layout(rng, middle_cross_aisles)
        stops = random_stops(rng, layout, rng.randint(1, 6))
        order, distance = plan_route(layout, stops)
        assert_valid_plan(layout, stops, order, distance)
        assert distance == pytest.approx(brute_force(layout, stops), rel=1e-9, abs=1e-9), (layout, stops)


@pytest.mark.parametrize("middle_cross_aisles", [0, 1, 2])
def test_exact_against_brute_force_on_seven_and_eight_stops(middle_cross_aisles):
    rng = random.Random(2000 + middle_cross_aisles)
    for n in (7, 7, 8):
        layout = random_layout(rng, middle_cross_aisles)
        stops = [
            (rng.randrange(layout.aisles), round(rng.uniform(0, layout.aisle_length), 1)) for _ in range(n)
        ]
        _, distance = plan_route(layout, stops)
        assert distance == pytest.approx(brute_force(layout, stops), rel=1e-9), (layout, stops)


@pytest.mark.parametrize("middle_cross_aisles", [0, 1, 2])
def test_exact_against_held_karp_on_larger_pick_lists(middle_cross_aisles):
    rng = random.Random(3000 + middle_cross_aisles)
    for _ in range(4):
        layout = Layout(
            12,
            30.0,
            3.0,
            tuple(30.0 * (i + 1) / (middle_cross_aisles + 1) for i in range(middle_cross_aisles)),
            rng.uniform(0, 33),
        )
        stops = [(rng.randrange(12), round(rng.uniform(0, 30), 1)) for _ in range(10)]
        _, distance = plan_route(layout, stops)
        assert distance == pytest.approx(held_karp(layout, stops), rel=1e-9), (layout, stops)


def test_the_recovered_walk_is_as_long_as_the_programme_says():
    rng = random.Random(4000)
    for _ in range(100):
        layout = random_layout(rng, rng.choice([0, 1, 2]))
        stops = random_stops(rng, layout, rng.randint(1, 30))
        _, optimum = route_programme.exact_tour(layout, layout.levels, [(a, float(y)) for a, y in stops])
        _, distance = plan_route(layout, stops)
        assert distance == pytest.approx(optimum, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("middle_cross_aisles", [3, 4])
def test_many_cross_aisles_stay_close_to_brute_force(middle_cross_aisles):
    rng = random.Random(5000 + middle_cross_aisles)
    ratios = []
    for _ in range(60):
        layout = random_layout(rng, middle_cross_aisles)
        stops = random_stops(rng, layout, rng.randint(1, 7))
        order, distance = plan_route(layout, stops)
        assert_valid_plan(layout, stops, order, distance)
        optimum = brute_force(layout, stops)
        assert distance >= optimum - 1e-9
        ratios.append(distance / optimum if optimum else 1.0)
    assert max(ratios) <= 1.10
    assert statistics.mean(ratios) <= 1.01


def test_many_cross_aisles_never_lose_to_any_one_of_them():
    rng = random.Random(6000)
    for _ in range(30):
        layout = Layout(10, 40.0, 3.0, (8.0, 16.0, 24.0, 32.0), rng.uniform(0, 27))
        stops = [(rng.randrange(10), rng.uniform(0, 40)) for _ in range(rng.randint(5, 40))]
        _, distance = plan_route(layout, stops)
        for kept in [(), *((y,) for y in layout.cross_aisles)]:
            fewer = Layout(10, 40.0, 3.0, kept, layout.depot_x)
            assert distance <= plan_route(fewer, stops)[1] + 1e-9


# --- Properties -----------------------------------------------------------------------------------------


@st.composite
def layouts_and_stops(draw, max_stops=6):
    aisles = draw(st.integers(1, 7))
    length = draw(st.sampled_from([6.0, 10.0, 25.0]))
    pitch = draw(st.sampled_from([1.0, 2.5, 4.0]))
    cross = draw(st.lists(st.sampled_from([length * i / 5 for i in range(1, 5)]), max_size=4, unique=True))
    depot = draw(
        st.one_of(
            st.just(0.0),
            st.integers(0, aisles - 1).map(lambda i: i * pitch),
            st.floats(-pitch, aisles * pitch, allow_nan=False),
        )
    )
    layout = Layout(aisles, length, pitch, tuple(sorted(cross)), depot)
    position = st.one_of(
        st.sampled_from([0.0, length, *cross]),
        st.floats(0, length, allow_nan=False),
        st.integers(0, int(length)),
    )
    spot = st.tuples(st.integers(0, aisles - 1), position)
    stops = draw(st.lists(spot, max_size=max_stops))
    if stops and draw(st.booleans()):
        stops.append(draw(st.sampled_from(stops)))
    return layout, stops


@settings(max_examples=300, deadline=None)
@given(layouts_and_stops())
def test_plan_is_a_permutation_whose_length_is_its_walk_and_never_beats_brute_force(case):
    layout, stops = case
    order, distance = plan_route(layout, stops)
    assert_valid_plan(layout, stops, order, distance)
    optimum = brute_force(layout, stops)
    assert distance >= optimum - 1e-9 * max(1.0, optimum)
    if len(layout.cross_aisles) <= routing.EXACT_MAX_MIDDLE_CROSS_AISLES:
        assert distance == pytest.approx(optimum, rel=1e-9, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(layouts_and_stops(max_stops=25))
def test_plan_never_loses_to_the_s_shape(case):
    layout, stops = case
    order, distance = s_shape_order(layout, stops)
    assert sorted(order) == list(range(len(stops)))
    assert distance == pytest.approx(route_length(layout, [stops[i] for i in order]), rel=1e-12)
    assert plan_route(layout, stops)[1] <= distance + 1e-9 * max(1.0, distance)


@settings(max_examples=200, deadline=None)
@given(layouts_and_stops(max_stops=2))
def test_grid_distance_is_a_symmetric_graph_distance(case):
    layout, stops = case
    if len(stops) < 2:
        return
    a, b = stops[:2]
    assert grid_distance(layout, a, b) == grid_distance(layout, b, a)
    assert grid_distance(layout, a, b) == pytest.approx(dijkstra_distance(layout, a, b), abs=1e-9)


def test_plans_made_in_parallel_threads_agree_with_plans_made_one_by_one(monkeypatch):
    # The programme's state tables are shared and filled in lazily; start from empty ones so the
    # threads race to fill them.
    rng = random.Random(8000)
    cases = []
    for _ in range(16):
        layout = random_layout(rng, rng.choice([0, 1, 2]))
        cases.append((layout, random_stops(rng, layout, 40)))
    monkeypatch.setattr(route_programme, "_frontiers", {})
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda case: plan_route(*case)[1], cases))
    monkeypatch.setattr(route_programme, "_frontiers", {})
    assert parallel == [plan_route(*case)[1] for case in cases]
