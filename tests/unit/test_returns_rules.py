"""The pure rules of returns: the 7-day window, the check of a returned unit against the shipment, the default
disposition."""
from datetime import date

from wms.returns.models import Condition, Disposition, Flag
from wms.returns.rules import (
    Check,
    Facts,
    Returned,
    Shipped,
    allowed_dispositions,
    check_unit,
    decided_disposition,
    within_window,
)

SHIPPED = Shipped({(1, 10): 2, (2, None): 1})


def test_the_withdrawal_window_is_seven_days_from_delivery():
    delivered = date(2026, 3, 2)
    assert within_window(delivered, date(2026, 3, 9)) is True  # day 7 is inside
    assert within_window(delivered, date(2026, 3, 10)) is False
    assert within_window(delivered, date(2026, 3, 1)) is False  # asked before delivery: not the CDC's case
    assert within_window(None, date(2026, 3, 3)) is None


def test_a_unit_is_checked_by_product_then_lot_then_quantity_then_serial():
    assert check_unit(Returned(1, 10, 1), SHIPPED).flag == Flag.OK
    assert check_unit(Returned(1, 11, 1), SHIPPED).flag == Flag.WRONG_LOT
    assert check_unit(Returned(1, 11, 1), SHIPPED, other_order_id=7) == check_unit(Returned(3, None, 1), SHIPPED,
                                                                                   other_order_id=7)
    assert check_unit(Returned(3, None, 1), SHIPPED, other_order_id=7).detail == "7"
    assert check_unit(Returned(3, None, 1), SHIPPED).flag == Flag.NOT_SHIPPED
    assert check_unit(Returned(1, 10, 3), SHIPPED).flag == Flag.OVER
    assert check_unit(Returned(2, None, 1), Shipped({(2, None): 0})).flag == Flag.OVER
    assert check_unit(Returned(1, 10, 1, serial="S1", serial_known=False), SHIPPED).flag == Flag.SERIAL
    assert check_unit(Returned(1, 10, 1, serial="S1", serial_lot_id=11), SHIPPED).flag == Flag.SERIAL
    assert check_unit(Returned(1, 10, 1, serial="S1", serial_lot_id=10, serial_returned_before=True),
                      SHIPPED).flag == Flag.SERIAL
    assert check_unit(Returned(1, 10, 1, serial="S1", serial_lot_id=10), SHIPPED).flag == Flag.OK


def facts(condition=Condition.SEALED, anvisa=False, sellable=True, flag=Flag.OK):
    return Facts(condition=condition, anvisa_controlled=anvisa, lot_sellable=sellable, flag=flag)


def test_the_rules_decide_where_they_can_and_leave_the_rest_to_the_worker():
    assert decided_disposition(facts(Condition.DAMAGED, anvisa=True)) == Disposition.SCRAP
    assert decided_disposition(facts(anvisa=True)) == Disposition.QUARANTINE
    assert decided_disposition(facts(sellable=False)) == Disposition.QUARANTINE
    assert decided_disposition(facts(flag=Flag.WRONG_LOT)) == Disposition.QUARANTINE
    assert decided_disposition(facts(Condition.OPENED)) is None
    assert allowed_dispositions(facts(anvisa=True)) == (Disposition.QUARANTINE,)
    assert Disposition.RESTOCK in allowed_dispositions(facts())


def test_a_serial_not_packed_for_the_order_is_flagged_with_the_order_it_left_on():
    packed = dict(serial="S1", serial_known=False)
    assert check_unit(Returned(1, 10, 1, serial_on_order=True, **packed), SHIPPED).flag == Flag.OK
    assert check_unit(Returned(1, 10, 1, serial_on_order=False, serial_other_order=7, **packed),
                      SHIPPED) == Check(Flag.SERIAL, "7")
    assert check_unit(Returned(1, 10, 1, serial_on_order=False, **packed), SHIPPED) == Check(Flag.SERIAL, "")
    # Packing not recorded for the order: receipts decide, as before.
    assert check_unit(Returned(1, 10, 1, serial="S1"), SHIPPED).flag == Flag.OK
    assert check_unit(Returned(1, 10, 1, **packed), SHIPPED).flag == Flag.SERIAL


def test_the_disposition_table_decides_by_its_most_specific_row_and_never_lowers_the_anvisa_floor():
    from wms.returns.rules import DEFAULT_ROWS, DispositionRow

    rows = DEFAULT_ROWS + (
        DispositionRow(Condition.OPENED, None, False, Disposition.SCRAP),
        DispositionRow(Condition.OPENED, "food", False, Disposition.SUPPLIER),
        DispositionRow(Condition.SEALED, "medicine", True, Disposition.RESTOCK),  # tries to lower the floor
        DispositionRow(Condition.OPENED, "medicine", True, Disposition.SCRAP),  # stricter: kept
    )
    opened = facts(Condition.OPENED)
    assert decided_disposition(opened, rows) == Disposition.SCRAP
    assert decided_disposition(Facts(Condition.OPENED, False, True, Flag.OK, "food"), rows) == Disposition.SUPPLIER
    assert decided_disposition(Facts(Condition.SEALED, True, True, Flag.OK, "medicine"), rows) \
        == Disposition.QUARANTINE
    assert decided_disposition(Facts(Condition.OPENED, True, True, Flag.OK, "medicine"), rows) == Disposition.SCRAP
    # No row for the cell: the worker chooses; the floors still hold without any row.
    assert decided_disposition(facts(), rows) is None
    assert decided_disposition(facts(anvisa=True), ()) == Disposition.QUARANTINE
    assert decided_disposition(facts(flag=Flag.SERIAL), ()) == Disposition.QUARANTINE
    assert Disposition.RESTOCK not in allowed_dispositions(facts(Condition.DAMAGED), ())
