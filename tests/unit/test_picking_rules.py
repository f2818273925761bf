"""Picking rules other than allocation: lot substitution, order status, where a picker stands for a location,
wave proposals, and that walking a wave's stops in the planned order is the shortest walk."""
from datetime import date, timedelta
from itertools import permutations

import pytest

from wms.locations import routing
from wms.locations.layout import walk_stop
from wms.locations.rules import walk_point
from wms.picking.rules import (
    LineState,
    LotFacts,
    WaveCandidate,
    choose_orders,
    order_status,
    propose_wave,
    substitute_problem,
)

TODAY = date(2026, 11, 23)


def facts(code, days, status="released"):
    return LotFacts(code, status, TODAY + timedelta(days=days))


@pytest.mark.parametrize("scanned, accepted", [
    (facts("L2", 120), True),  # later expiry
    (facts("L2", 90), True),  # same expiry
    (facts("L2", 60), False),  # earlier: the customer would get less shelf life
    (facts("L2", -1), False),  # expired
    (facts("L2", 120, "quarantine"), False),
    (facts("L2", 120, "recalled"), False),
])
def test_another_lot_may_replace_the_reserved_one_only_if_it_is_as_good(scanned, accepted):
    problem = substitute_problem(facts("L1", 90), scanned, TODAY, 30)
    assert (problem is None) is accepted


def test_a_substitute_must_still_meet_the_line_minimum():
    assert substitute_problem(facts("L1", 10), facts("L2", 20), TODAY, 30) is not None
    assert "expired" in str(substitute_problem(facts("L1", 10), facts("L2", -3), TODAY, 0))


@pytest.mark.parametrize("lines, picking, status", [
    ([LineState(5, 5, 0)], False, "allocated"),
    ([LineState(5, 2, 0)], False, "partially_allocated"),
    ([LineState(5, 0, 0)], False, "backordered"),
    ([LineState(5, 3, 2)], True, "picking"),
    ([LineState(5, 0, 5), LineState(1, 0, 1)], True, "picked"),
    ([LineState(5, 0, 3)], True, "backordered"),  # short picked, nothing left anywhere
    ([LineState(5, 2, 3), LineState(2, 2, 0)], False, "allocated"),  # what is still needed is all reserved
    ([LineState(5, 0, 3), LineState(2, 2, 0)], False, "partially_allocated"),
])
def test_order_status_from_lines(lines, picking, status):
    assert order_status(lines, picking=picking) == status


def test_walk_stop_matches_the_location_rule_and_puts_docks_at_the_depot():
    layout = routing.Layout(aisles=4, aisle_length=10, aisle_pitch=3, depot_x=4.5)
    assert walk_stop(layout, 3, 4, 1.0) == walk_point(3, 4, 1.0) == (2, 3.5)
    assert walk_stop(layout, None, None, 1.0)[1] == 0.0  # a dock: on the front cross-aisle, by the depot
    assert walk_stop(layout, None, None, 1.0)[0] in (1, 2)  # the depot at 4.5 m is between aisles 1 and 2
    assert walk_stop(layout, 2, 40, 1.0) == (1, 10.0)  # beyond the aisle's end: its back
    assert walk_stop(layout, 9, 1, 1.0)[1] == 0.0  # an aisle the layout does not have: the depot


def test_proposal_takes_the_most_urgent_carrier_and_its_most_urgent_orders():
    d = TODAY
    orders = [
        WaveCandidate(1, "correios", "site", d + timedelta(days=2), 0, 1),
        WaveCandidate(2, "jadlog", "site", d, 0, 2),
        WaveCandidate(3, "jadlog", "marketplace", d + timedelta(days=1), 5, 3),
        WaveCandidate(4, "jadlog", "site", d + timedelta(days=1), 0, 4),
        WaveCandidate(5, "jadlog", "site", None, 9, 5),
    ]
    assert propose_wave(orders, 3) == ("jadlog", [2, 3, 4])
    assert propose_wave([], 3) == (None, [])
    assert choose_orders(orders, 2) == [2, 3]


def _brute_force(layout, stops):
    best = min(permutations(range(len(stops))), key=lambda p: routing.route_length(layout, [stops[i] for i in p]))
    return routing.route_length(layout, [stops[i] for i in best])


@pytest.mark.parametrize("seed", range(12))
def test_a_waves_stops_walked_in_the_planned_order_are_the_shortest_walk(seed):
    """Bins (aisle, bay) mapped to stops as the picking services do, against every order of up to 7 stops."""
    import random

    rng = random.Random(seed)
    cross = (12.0,) if seed % 3 == 0 else ()
    layout = routing.Layout(aisles=6, aisle_length=25, aisle_pitch=3, cross_aisles=cross, depot_x=rng.choice([0, 7.5]))
    bins = [(rng.randint(1, 6), rng.randint(1, 25)) for _ in range(rng.randint(2, 7))]
    stops = [walk_stop(layout, aisle, bay, 1.0) for aisle, bay in bins]
    order, distance = routing.plan_route(layout, stops)
    assert sorted(order) == list(range(len(stops)))
    assert distance == pytest.approx(routing.route_length(layout, [stops[i] for i in order]))
    assert distance == pytest.approx(_brute_force(layout, stops))
