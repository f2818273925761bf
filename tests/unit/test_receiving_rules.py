"""Receiving rules without a database: dock checks, ASN line allocation, put-away choice, typed expiry dates."""
from datetime import date, timedelta

import pytest

from wms.receiving import rules
from wms.receiving.rules import Arrival, Candidate, Expected, Load, RuleSpec

TODAY = date(2026, 11, 23)


def arrive(quantity=10, **kw) -> Arrival:
    return Arrival(sku="SKU", quantity=quantity, **kw)


# --- dock checks -----------------------------------------------------------------------------------------


def check(arrival, expected=None, tolerance=5, approved=False):
    return rules.dock_check(arrival, expected, today=TODAY, tolerance_pct=tolerance, supervisor_approved=approved)


def test_a_plain_arrival_goes_to_stock():
    verdict = check(arrive(), Expected(on_asn=True, quantity=10))
    assert (verdict.outcome, verdict.discrepancies, verdict.hold_reasons) == ("stock", (), ())


def test_blind_receipts_make_no_quantity_discrepancies():
    assert check(arrive(1000), None).outcome == "stock"


@pytest.mark.parametrize("received, qty, tolerance, outcome, over", [
    (100, 5, 5, "stock", 5),  # 105 of 100 with 5%: allowed, recorded as over
    (100, 6, 5, "supervisor", 6),  # 106: beyond the tolerance
    (90, 15, 5, "stock", 5),  # only the part beyond the ASN is over
    (0, 101, 0, "supervisor", 1),  # no tolerance: one more unit needs a supervisor
    (19, 1, 5, "stock", 0),  # 5% of 20 is 1 unit; exactly the ASN's quantity is not over
])
def test_over_receipt_tolerance(received, qty, tolerance, outcome, over):
    expected = Expected(on_asn=True, quantity=100 if received != 19 else 20, received=received)
    verdict = check(arrive(qty), expected, tolerance)
    assert (verdict.outcome, verdict.over) == (outcome, over)
    if outcome == "stock":
        assert verdict.discrepancies == ((("over", over),) if over else ())
    else:
        assert "A supervisor must allow it" in str(verdict.message)


def test_a_supervisor_allows_an_over_receipt():
    verdict = check(arrive(50), Expected(on_asn=True, quantity=10), approved=True)
    assert verdict.outcome == "stock" and verdict.discrepancies == (("over", 40),)


def test_over_allowance_rounds_down():
    assert [rules.over_allowance(n, 5) for n in (0, 19, 20, 39, 40, 1000)] == [0, 0, 1, 1, 2, 50]


def test_an_expired_lot_is_refused_before_anything_else():
    verdict = check(arrive(lot_code="L1", expires_on=TODAY - timedelta(days=1), damaged=True,
                           anvisa_controlled=True), Expected(on_asn=False))
    assert verdict.outcome == "refuse" and verdict.discrepancies == (("expired", 10),)
    assert "expired on 2026-11-22" in str(verdict.message)
    assert check(arrive(lot_code="L1", expires_on=TODAY)).outcome == "stock"  # expires today: still good


def test_short_dated_lot_goes_to_quarantine():
    arrival = arrive(lot_code="L1", expires_on=TODAY + timedelta(days=89), min_shelf_life_days=90)
    verdict = check(arrival, Expected(on_asn=True, quantity=10))
    assert verdict.outcome == "quarantine" and verdict.kinds == ("short_dated",)
    assert verdict.hold_reasons == ("short_dated",)
    enough = arrive(lot_code="L1", expires_on=TODAY + timedelta(days=90), min_shelf_life_days=90)
    assert check(enough).outcome == "stock"


def test_anvisa_controlled_goods_wait_for_qa_release_without_a_discrepancy():
    verdict = check(arrive(anvisa_controlled=True), Expected(on_asn=True, quantity=10))
    assert verdict.outcome == "quarantine" and verdict.discrepancies == ()
    assert verdict.hold_reasons == ("anvisa_controlled",)


def test_anvisa_mismatch_and_unexpected_product_are_suspect():
    verdict = check(arrive(anvisa_mismatch=True, anvisa_controlled=True), Expected(on_asn=False))
    assert verdict.outcome == "quarantine"
    assert verdict.kinds == ("unexpected", "anvisa_mismatch")
    assert verdict.hold_reasons == ("unexpected", "anvisa_mismatch", "anvisa_controlled")


def test_wrong_lot_is_recorded_and_accepted():
    verdict = check(arrive(lot_code="L2"), Expected(on_asn=True, quantity=10, lots=frozenset({"L1"})))
    assert verdict.outcome == "stock" and verdict.kinds == ("wrong_lot",)
    assert check(arrive(lot_code="L2"), Expected(on_asn=True, quantity=10)).kinds == ()  # the ASN named none


def test_damaged_units_go_to_the_damaged_location_and_count_as_arrived():
    verdict = check(arrive(3, damaged=True), Expected(on_asn=True, quantity=100, received=99))
    assert verdict.outcome == "damaged" and verdict.discrepancies == (("over", 2), ("damaged", 3))


# --- which ASN lines a scan counts against ----------------------------------------------------------------


def line(line_id, expected, received=0, lot=None, product_id=1):
    return rules.LineProgress(line_id, product_id, expected, received, lot)


def test_allocation_prefers_the_same_lot_then_lines_without_a_lot():
    lines = [line(1, 10, lot="A"), line(2, 10), line(3, 10, lot="B"), line(4, 5, product_id=2)]
    assert rules.allocate(lines, 1, "B", 15) == [(3, 10), (2, 5)]
    assert rules.allocate(lines, 1, "C", 25) == [(2, 10), (1, 10), (3, 5)]
    assert rules.allocate(lines, 3, "A", 1) == []  # not on the ASN


def test_allocation_puts_the_over_receipt_on_the_best_line():
    lines = [line(1, 10, received=10, lot="A"), line(2, 10, received=4)]
    assert rules.allocate(lines, 1, "A", 8) == [(1, 2), (2, 6)]
    assert rules.allocate([line(1, 10, received=10)], 1, None, 3) == [(1, 3)]


# --- put-away --------------------------------------------------------------------------------------------


def place(location_id, code, kind="reserve", zone="A", distance=0.0, **kw) -> Candidate:
    return Candidate(location_id=location_id, code=code, kind=kind, zone=zone, distance_m=distance, **kw)


LOAD = Load(product_id=7, category="medicine", quantity=10, lot_ids=frozenset({70}))


def test_rules_by_priority_then_specificity_and_the_first_with_room_wins():
    specs = [RuleSpec(1, 20, "reserve", category="medicine", zone="B"),
             RuleSpec(2, 10, "pick_face", product_id=7), RuleSpec(3, 10, "reserve", category="medicine", zone="A"),
             RuleSpec(4, 5, "reserve", product_id=99)]
    places = [place(1, "A-1", distance=9), place(2, "B-1", zone="B", distance=1),
              place(3, "P-1", kind="pick_face", capacity_left=5)]
    # rule 2 (the product's, priority 10) has no pick face with room; rule 3 (priority 10, category) fits
    assert rules.choose_putaway(LOAD, specs, places).code == "A-1"
    assert rules.choose_putaway(LOAD, specs, places).rule_id == 3
    roomy = [*places[:2], place(3, "P-1", kind="pick_face", capacity_left=10)]
    assert rules.choose_putaway(LOAD, specs, roomy).code == "P-1"


def test_within_a_rule_same_lot_then_empty_then_same_product_then_mixed_then_nearer():
    spec = [RuleSpec(1, 10, "reserve")]
    same_lot = place(1, "A-9", distance=50, products=frozenset({7}), lots=frozenset({70}))
    empty_far = place(2, "A-8", distance=40)
    empty_near = place(3, "A-2", distance=5)
    other_lot = place(4, "A-1", distance=1, products=frozenset({7}), lots=frozenset({71}))
    mixed = place(5, "A-0", distance=0, products=frozenset({8}), lots=frozenset({80}))
    everything = [mixed, other_lot, empty_far, empty_near, same_lot]
    assert rules.choose_putaway(LOAD, spec, everything).code == "A-9"
    assert rules.choose_putaway(LOAD, spec, everything).reason == "same_lot"
    assert rules.choose_putaway(LOAD, spec, everything[:4]).code == "A-2"
    assert rules.choose_putaway(LOAD, spec, everything[:2]).reason == "same_product"
    assert rules.choose_putaway(LOAD, spec, everything[:1]).reason == "mixed"


def test_capacity_mixing_and_blocked_places_are_skipped():
    spec = [RuleSpec(1, 10, "reserve")]
    assert rules.choose_putaway(LOAD, spec, [place(1, "A", capacity_left=9)]) is None
    assert rules.choose_putaway(LOAD, spec, [place(1, "A", blocked=True)]) is None
    one_product = place(1, "A", mixing="one_product", products=frozenset({8}))
    assert rules.choose_putaway(LOAD, spec, [one_product]) is None
    one_lot = place(1, "A", mixing="one_lot", products=frozenset({7}), lots=frozenset({71}))
    assert rules.choose_putaway(LOAD, spec, [one_lot]) is None
    same = place(1, "A", mixing="one_lot", products=frozenset({7}), lots=frozenset({70}))
    assert rules.choose_putaway(LOAD, spec, [same]).code == "A"
    plate = Load(product_id=7, category="medicine", quantity=10, product_ids=frozenset({7, 8}))
    assert rules.choose_putaway(plate, spec, [place(1, "A", mixing="one_product")]) is None


def test_held_goods_go_only_to_quarantine_and_no_rule_means_nearest_reserve():
    held = Load(product_id=7, category="medicine", quantity=10, held=True)
    places = [place(1, "A-1", distance=1), place(2, "Q-02", kind="quarantine", distance=9),
              place(3, "Q-01", kind="quarantine", distance=3)]
    assert rules.choose_putaway(held, [RuleSpec(1, 1, "reserve")], places).code == "Q-01"
    assert rules.choose_putaway(LOAD, [], places).code == "A-1"
    assert rules.choose_putaway(LOAD, [], places).rule_id is None
    # a matching rule with no room does not fall back to any reserve location
    assert rules.choose_putaway(LOAD, [RuleSpec(1, 1, "pick_face")], places) is None


# --- typed expiry ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("31/12/2027", date(2027, 12, 31)), ("31/12/27", date(2027, 12, 31)), ("1.2.2028", date(2028, 2, 1)),
    ("12/2027", date(2027, 12, 31)), ("02/28", date(2028, 2, 29)), ("31122027", date(2027, 12, 31)),
    ("311227", date(2027, 12, 31)), ("2027-12-31", date(2027, 12, 31)), (" 31-12-2027 ", date(2027, 12, 31)),
])
def test_parse_expiry(text, expected):
    assert rules.parse_expiry(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "31/13/2027", "30/02/2027", "2027", "abc", "13/2027"])
def test_parse_expiry_refuses_what_is_not_a_date(text):
    with pytest.raises(ValueError, match="is not a date"):
        rules.parse_expiry(text, TODAY)


def test_the_refusal_of_an_expired_lot_counts_its_units_in_the_right_number():
    expired = dict(lot_code="L1", expires_on=TODAY - timedelta(days=1))
    assert "Hand this unit back to the driver" in str(check(arrive(1, **expired)).message)
    assert "Hand these 10 units back to the driver" in str(check(arrive(10, **expired)).message)
