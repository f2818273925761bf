"""The available-to-promise rule, alone (wms.inventory.rules.available_to_promise)."""
from datetime import date, timedelta

import pytest

from wms.inventory.rules import ItemFacts, available_to_promise

TODAY = date(2026, 12, 3)


def item(**changes) -> ItemFacts:
    values = {"quantity": 10, "reserved": 3, "location_kind": "pick_face", "lot_status": "released",
              "expires_on": TODAY + timedelta(days=100)}
    values.update(changes)
    return ItemFacts(**values)


def test_free_units_of_a_released_lot_in_a_pick_face_or_reserve():
    assert available_to_promise(item(), TODAY) == 7
    assert available_to_promise(item(location_kind="reserve", lot_status=None, expires_on=None), TODAY) == 7


@pytest.mark.parametrize("status", ["quarantine", "blocked", "recalled"])
def test_a_lot_not_released_is_never_offered(status):
    assert available_to_promise(item(lot_status=status), TODAY) == 0


@pytest.mark.parametrize("kind", ["receiving", "quarantine", "damaged", "returns", "staging", "packing"])
def test_only_sellable_places_count(kind):
    assert available_to_promise(item(location_kind=kind), TODAY) == 0


def test_blocked_inactive_places_and_totes_do_not_count():
    assert available_to_promise(item(location_blocked=True), TODAY) == 0
    assert available_to_promise(item(location_active=False), TODAY) == 0
    assert available_to_promise(item(on_tote=True), TODAY) == 0


def test_expired_and_too_short_lots():
    assert available_to_promise(item(expires_on=TODAY - timedelta(days=1)), TODAY) == 0
    assert available_to_promise(item(expires_on=TODAY), TODAY) == 7  # still sellable on its last day
    assert available_to_promise(item(expires_on=TODAY + timedelta(days=59)), TODAY, 60) == 0
    assert available_to_promise(item(expires_on=TODAY + timedelta(days=60)), TODAY, 60) == 7


def test_never_negative():
    assert available_to_promise(item(quantity=2, reserved=2), TODAY) == 0
