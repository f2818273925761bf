"""FEFO allocation as a pure rule: which stock a line takes, and what is back-ordered."""
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.picking.rules import Candidate, Take, allocate, strictest_shelf_life

TODAY = date(2026, 11, 23)


def lot(item_id, free, days, *, face=False, status="released", distance=0.0, lot_id=None):
    return Candidate(item_id=item_id, free=free, lot_id=lot_id or item_id, lot_status=status,
                     expires_on=TODAY + timedelta(days=days) if days is not None else None, pick_face=face,
                     distance=distance)


def test_the_earliest_expiry_goes_first_even_from_reserve():
    takes, short = allocate(5, [lot(1, 10, 400, face=True), lot(2, 10, 60)], TODAY, 0)
    assert takes == [Take(2, 5)] and short == 0


def test_a_line_is_split_across_lots_in_expiry_order():
    takes, short = allocate(12, [lot(1, 5, 90), lot(2, 5, 30), lot(3, 50, 400)], TODAY, 0)
    assert takes == [Take(2, 5), Take(1, 5), Take(3, 2)] and short == 0


def test_expired_unreleased_and_short_dated_lots_are_never_taken():
    candidates = [
        lot(1, 10, -1),  # expired yesterday
        lot(2, 10, 30, status="quarantine"),
        lot(3, 10, 30, status="blocked"),
        lot(4, 10, 30, status="recalled"),
        lot(5, 10, 100),  # less than the 180 days a marketplace wants
        lot(6, 3, 200),
    ]
    takes, short = allocate(8, candidates, TODAY, 180)
    assert takes == [Take(6, 3)] and short == 5


def test_a_lot_expiring_today_is_still_sellable_without_a_minimum():
    assert allocate(1, [lot(1, 1, 0)], TODAY, 0) == ([Take(1, 1)], 0)
    assert allocate(1, [lot(1, 1, 0)], TODAY, 1) == ([], 1)


def test_exactly_the_minimum_shelf_life_is_enough():
    assert allocate(1, [lot(1, 1, 180)], TODAY, 180) == ([Take(1, 1)], 0)
    assert allocate(1, [lot(1, 1, 179)], TODAY, 180) == ([], 1)


def test_pick_faces_before_reserve_within_the_same_lot():
    same = dict(days=200, lot_id=7)
    takes, _ = allocate(4, [lot(1, 50, **same, distance=1), lot(2, 10, **same, face=True, distance=30)], TODAY, 0)
    assert takes == [Take(2, 4)]
    takes, _ = allocate(14, [lot(1, 50, **same, distance=1), lot(2, 10, **same, face=True, distance=30)], TODAY, 0)
    assert takes == [Take(2, 10), Take(1, 4)]


def test_fewer_splits_then_nearest():
    # Same lot in three reserve bins: one bin that covers the line beats two nearer small ones.
    same = dict(days=200, lot_id=7)
    candidates = [lot(1, 3, **same, distance=2), lot(2, 3, **same, distance=3), lot(3, 8, **same, distance=40),
                  lot(4, 9, **same, distance=20)]
    assert allocate(6, candidates, TODAY, 0) == ([Take(4, 6)], 0)
    # Nothing covers it alone: the largest first, then the smallest remainder that fits.
    assert allocate(15, candidates, TODAY, 0) == ([Take(4, 9), Take(3, 6)], 0)


def test_products_without_lots_are_taken_nearest_first():
    candidates = [Candidate(1, 5, distance=30), Candidate(2, 5, distance=3)]
    assert allocate(4, candidates, TODAY, 365) == ([Take(2, 4)], 0)


def test_nothing_free_is_a_full_back_order():
    assert allocate(3, [lot(1, 0, 100)], TODAY, 0) == ([], 3)
    assert allocate(3, [], TODAY, 0) == ([], 3)


def test_a_line_needs_a_unit():
    with pytest.raises(ValueError):
        allocate(0, [], TODAY, 0)


def test_strictest_shelf_life_of_product_channel_and_customer():
    rules = {None: 30, "cosmetic": 180}
    assert strictest_shelf_life(90, rules, "cosmetic", 0) == 180
    assert strictest_shelf_life(90, rules, "medicine", 0) == 90
    assert strictest_shelf_life(10, rules, "medicine", 0) == 30
    assert strictest_shelf_life(10, {}, "medicine", 365) == 365
    assert strictest_shelf_life(0, {}, "other", 0) == 0


candidates_st = st.lists(
    st.builds(lot, st.integers(1, 10_000), st.integers(0, 50), st.one_of(st.none(), st.integers(-30, 400)),
              face=st.booleans(), status=st.sampled_from(["released", "released", "quarantine", "blocked"]),
              distance=st.floats(0, 100)),
    max_size=12, unique_by=lambda c: c.item_id)


@given(st.integers(1, 200), candidates_st, st.integers(0, 365))
def test_allocation_never_takes_more_than_is_free_or_needed_and_keeps_fefo(qty, candidates, min_days):
    takes, short = allocate(qty, candidates, TODAY, min_days)
    by_id = {c.item_id: c for c in candidates}
    assert sum(t.quantity for t in takes) + short == qty
    assert len({t.item_id for t in takes}) == len(takes)
    for take in takes:
        chosen = by_id[take.item_id]
        assert 0 < take.quantity <= chosen.free
        assert chosen.lot_status == "released"
        assert chosen.expires_on is None or chosen.expires_on >= TODAY + timedelta(days=min_days)
    usable = [c for c in candidates if c.free > 0 and c.lot_status == "released"
              and (c.expires_on is None or c.expires_on >= TODAY + timedelta(days=min_days))]
    if short:
        assert sum(t.quantity for t in takes) == sum(c.free for c in usable)
    # FEFO: no untouched (or partly taken) usable stock expires before the latest lot taken.
    if takes:
        latest = max(by_id[t.item_id].expires_on or date.max for t in takes)
        taken = {t.item_id: t.quantity for t in takes}
        for c in usable:
            if (c.expires_on or date.max) < latest:
                assert taken.get(c.item_id) == c.free
