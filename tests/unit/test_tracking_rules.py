"""Carrier tracking rules: the Correios codes of DOMAIN.md, the private carriers' generic codes, the status of a
shipment of several boxes, and when a shipment is late."""
from datetime import UTC, datetime, timedelta

import pytest

from wms.shipping import tracking_rules as rules
from wms.shipping.models import ShipmentStatus
from wms.shipping.tracking_rules import Seen


def at(hour: int, day: int = 3) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=UTC)


@pytest.mark.parametrize(("code", "type_", "status"), [
    ("PO", "", "posted"), ("RO", "01", "in_transit"), ("DO", "01", "in_transit"), ("OEC", "01", "out_for_delivery"),
    ("LDI", "01", "awaiting_pickup"), ("BDE", "01", "delivered"), ("BDI", "01", "delivered"),
    ("BDR", "01", "delivered"), ("BDE", "1", "delivered"), ("bde", "01", "delivered"),
    ("BDE", "02", "failed_attempt"), ("BDI", "03", "failed_attempt"), ("BDR", "20", "failed_attempt"),
    ("BDE", "33", "failed_attempt"),
])
def test_correios_codes(code, type_, status):
    assert rules.status_for(code, type_) == status


@pytest.mark.parametrize(("code", "status"), [
    ("POSTED", "posted"), ("IN_TRANSIT", "in_transit"), ("OUT_FOR_DELIVERY", "out_for_delivery"),
    ("DELIVERED", "delivered"), ("FAILED_ATTEMPT", "failed_attempt"), ("RETURNED", "returned"),
    ("awaiting_pickup", "awaiting_pickup"),
])
def test_generic_codes_of_private_carriers(code, status):
    assert rules.status_for(code) == status


def test_an_unknown_code_changes_nothing_and_the_final_correios_codes_need_their_type():
    assert rules.status_for("FC", "01") is None and rules.status_for("") is None
    assert rules.needs_type("bde") and rules.needs_type("BDR") and not rules.needs_type("OEC")
    assert rules.normalize_type("1") == "01" and rules.normalize_type(" 12 ") == "12"
    assert rules.normalize_type(None) == "" and rules.normalize_type("a") == "A"


def test_the_rule_speaks_the_models_statuses():
    values = {s.value for s in ShipmentStatus}
    assert {rules.POSTED, rules.IN_TRANSIT, rules.OUT_FOR_DELIVERY, rules.AWAITING_PICKUP, rules.DELIVERED,
            rules.FAILED_ATTEMPT, rules.RETURNED} <= values


def test_the_latest_event_by_time_wins_and_an_older_one_arriving_late_does_not_move_it_back():
    events = [Seen("A", "posted", at(8), 1), Seen("A", "out_for_delivery", at(14), 2),
              Seen("A", "in_transit", at(10), 3)]  # arrived last, happened earlier
    assert rules.shipment_status(["A"], events, before="posted") == "out_for_delivery"


def test_an_unknown_code_keeps_the_status_and_no_event_keeps_the_old_one():
    assert rules.shipment_status(["A"], [Seen("A", "in_transit", at(8)), Seen("A", None, at(9))],
                                 before="posted") == "in_transit"
    assert rules.shipment_status(["A"], [], before="posted") == "posted"
    assert rules.shipment_status(["A"], [Seen("A", None, at(9))], before="posted") == "posted"


def test_the_same_instant_is_decided_by_arrival():
    events = [Seen("A", "failed_attempt", at(12), 2), Seen("A", "out_for_delivery", at(12), 1)]
    assert rules.shipment_status(["A"], events, before="posted") == "failed_attempt"


def test_a_shipment_of_several_boxes_is_delivered_when_every_box_is():
    a_delivered = Seen("A", "delivered", at(15), 3)
    b_out = Seen("B", "out_for_delivery", at(9), 2)
    assert rules.shipment_status(["A", "B"], [Seen("A", "in_transit", at(8), 1), b_out, a_delivered],
                                 before="posted") == "out_for_delivery"
    # a box that has told nothing yet counts as posted
    assert rules.shipment_status(["A", "B"], [a_delivered], before="posted") == "posted"
    assert rules.shipment_status(["A", "B"], [a_delivered, b_out, Seen("B", "delivered", at(16), 4)],
                                 before="out_for_delivery") == "delivered"
    # the last box delivered before the first: still delivered once both are
    assert rules.shipment_status(["A", "B"], [a_delivered, Seen("B", "delivered", at(11), 5)],
                                 before="posted") == "delivered"


def test_a_failed_attempt_on_one_box_shows_even_when_another_was_delivered():
    events = [Seen("A", "delivered", at(10), 1), Seen("B", "failed_attempt", at(11), 2)]
    assert rules.shipment_status(["A", "B"], events, before="posted") == "failed_attempt"


def test_late_after_the_promised_days():
    shipped = at(10, day=1)
    assert rules.late_by(shipped, 3, "in_transit", at(9, day=4)) is None
    assert rules.late_by(shipped, 3, "in_transit", at(12, day=4)) == timedelta(hours=2)
    assert rules.late_by(shipped, 3, "delivered", at(12, day=9)) is None
    assert rules.late_by(shipped, 3, "returned", at(12, day=9)) is None
    assert rules.late_by(None, 3, "packed", at(12, day=9)) is None
