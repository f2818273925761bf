"""Returns through the services (SQLite and PostgreSQL): authorising, receiving units against what was
shipped, inspection and disposition, each step a ledger move, and the books stay right."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, on_hand
from tests.picking_helpers import books_are_right, stocked_world, take
from tests.returns_helpers import shipped_order
from wms import clock, events
from wms.catalog.models import LotStatus
from wms.errors import Conflict, DomainError, NotFound
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import Move
from wms.returns import dock, rmas, supplier
from wms.returns.models import Flag, ReturnUnit, RmaStatus, SupplierReturn


@pytest.fixture
def world(ctx):
    return stocked_world()


def rma_for(order_id, lines, **extra):
    rma, created = rmas.create_rma({"order_id": order_id, "lines": lines, **extra}, user_id=None)
    db.session.commit()
    return rma


def med(lot: str) -> str:
    """A GS1 element string for one MED pack of this lot: (01) GTIN (10) lot."""
    return f"01{MEDICINE_GTIN.zfill(14)}10{lot}"


def test_an_rma_records_the_window_and_refuses_what_was_not_shipped(world):
    order_id = shipped_order([("BOTTLE", 3)])
    today = clock.today()
    rma = rma_for(order_id, [{"sku": "BOTTLE", "quantity": 2, "reason": "regret"}], reverse_code="REV123",
                  delivered_on=(today - timedelta(days=8)).isoformat())
    assert rma.within_window is False and rma.expected_units == 2 and rma.status == RmaStatus.EXPECTED
    again, created = rmas.create_rma({"order_id": order_id, "reverse_code": "REV123",
                                      "lines": [{"sku": "BOTTLE", "quantity": 2, "reason": "regret"}]})
    assert again.id == rma.id and created is False
    with pytest.raises(rmas.RmaRejected) as refused:
        rmas.create_rma({"order_id": order_id, "lines": [{"sku": "MED", "quantity": 1, "reason": "regret"},
                                                         {"sku": "BOTTLE", "quantity": 4, "reason": "nope"}]})
    assert set(refused.value.details["fields"]) == {"lines[0].sku", "lines[1].quantity", "lines[1].reason"}
    not_shipped = take([("BOTTLE", 1)])
    with pytest.raises(rmas.RmaRejected):
        rmas.create_rma({"order_id": not_shipped, "lines": [{"sku": "BOTTLE", "quantity": 1, "reason": "regret"}]})
    for bad in ({}, {"order_id": "1e9", "lines": []}, {"order_id": 2**70, "lines": [None]},
                {"order_id": order_id, "lines": [{"sku": "BOTTLE", "quantity": "x\x00", "reason": "regret"}]},
                {"order_id": order_id, "lines": [{"sku": "BOTTLE", "quantity": 1, "reason": {}}]},
                {"order_id": order_id, "lines": [{"sku": "BOTTLE", "quantity": 1, "reason": ["regret"]}]}):
        with pytest.raises(rmas.RmaRejected):
            rmas.create_rma(bad)


def test_restock_goes_where_put_away_says_and_the_books_balance(world):
    order_id = shipped_order([("BOTTLE", 3)])
    rma = rma_for(order_id, [{"sku": "BOTTLE", "quantity": 1, "reason": "regret"}])
    assert rmas.find_open(f"ORDER-{order_id}").id == rma.id
    assert rmas.find_open(f"AA{order_id:08d}9BR").id == rma.id
    got = dock.receive_unit(rma.id, BOTTLE_GTIN, user_id=None, scan_id="u1")
    assert got["flag"] == Flag.OK and on_hand(world, "BOTTLE", "RET") == 1
    assert dock.receive_unit(rma.id, BOTTLE_GTIN, user_id=None, scan_id="u1") == got  # a resend: once
    asked = dock.inspect_unit(got["unit_id"], condition="sealed", user_id=None)
    assert asked["need"] == "disposition" and "restock" in asked["allowed"]
    where = dock.inspect_unit(got["unit_id"], condition="sealed", disposition="restock", user_id=None)
    assert where["need"] == "location"
    unit = db.session.get(ReturnUnit, got["unit_id"])
    from wms.inventory.models import StockItem
    from wms.receiving import putaway as receiving

    item = db.session.scalar(select(StockItem).where(StockItem.location_id == world.loc["RET"].id))
    assert where["suggested"] == receiving.plan_for_item(item, 1).suggestion.code
    with pytest.raises(DomainError):
        dock.inspect_unit(unit.id, condition="sealed", disposition="restock", target="Q-01", user_id=None)
    done = dock.inspect_unit(unit.id, condition="sealed", disposition="restock", target=where["suggested"],
                             user_id=None)
    db.session.commit()
    assert done["location"] == where["suggested"] and on_hand(world, "BOTTLE", "RET") == 0
    assert on_hand(world, "BOTTLE", where["suggested"]) >= 1
    moves = list(db.session.scalars(select(Move).where(Move.document == f"RMA-{rma.id}").order_by(Move.id)))
    assert [(m.from_location.kind, m.to_location.code, m.reason) for m in moves] == [
        ("customer", "RET", "return"), ("returns", where["suggested"], "return_restock")]
    result = rmas.close_rma(rma.id, user_id=None)
    db.session.commit()
    assert result["lines"][0]["received"] == 1 and result["lines"][0]["units"][0]["disposition"] == "restock"
    sent = [e for e in events.pending() if e.kind == "return.received"]
    assert len(sent) == 1 and sent[0].payload["lines"][0]["units"][0]["condition"] == "sealed"
    assert books_are_right()


def test_a_return_of_the_wrong_lot_is_flagged_and_an_anvisa_product_goes_to_quarantine(world):
    order_id = shipped_order([("MED", 2)])  # FEFO ships L-SOON
    rma = rma_for(order_id, [{"sku": "MED", "quantity": 2, "reason": "defective"}])
    good = dock.receive_unit(rma.id, med("L-SOON"), user_id=None)
    wrong = dock.receive_unit(rma.id, med("L-LATE"), user_id=None)
    assert good["flag"] == Flag.OK and wrong["flag"] == Flag.WRONG_LOT
    with pytest.raises(dock.NeedLot):
        dock.receive_unit(rma.id, MEDICINE_GTIN, user_id=None)
    assert dock.receive_unit(rma.id, MEDICINE_GTIN, lot_code="L-SOON", user_id=None)["flag"] == Flag.OK
    over = dock.receive_unit(rma.id, med("L-SOON"), user_id=None)
    assert over["flag"] == Flag.OVER
    stranger = dock.receive_unit(rma.id, BOTTLE_GTIN, user_id=None)
    assert stranger["flag"] == Flag.NOT_SHIPPED
    # An Anvisa-controlled product that left always goes to quarantine: the rules decide, nothing is asked.
    done = dock.inspect_unit(good["unit_id"], condition="sealed", user_id=None)
    assert done["disposition"] == "quarantine" and done["decided"] and done["location"] == "Q-01"
    with pytest.raises(DomainError):
        dock.inspect_unit(wrong["unit_id"], condition="sealed", disposition="restock", user_id=None)
    assert dock.inspect_unit(wrong["unit_id"], condition="damaged", user_id=None)["disposition"] == "scrap"
    with pytest.raises(Conflict):
        dock.inspect_unit(wrong["unit_id"], condition="damaged", user_id=None)
    with pytest.raises(DomainError):
        rmas.close_rma(rma.id, user_id=None)  # units still wait for inspection
    db.session.commit()
    assert on_hand(world, "MED", "Q-01", "L-SOON") == 1
    assert books_are_right()


def test_return_to_supplier_waits_in_rejected_goods_then_leaves(world):
    order_id = shipped_order([("BOTTLE", 2)])
    rma = rma_for(order_id, [{"sku": "BOTTLE", "quantity": 1, "reason": "defective"}])
    got = dock.receive_unit(rma.id, BOTTLE_GTIN, user_id=None)
    done = dock.inspect_unit(got["unit_id"], condition="opened", disposition="supplier", user_id=None)
    db.session.commit()
    assert done["location"] == "DMG-01" and on_hand(world, "BOTTLE", "DMG-01") == 1
    document = db.session.scalar(select(SupplierReturn))
    supplier.dispatch(document.id, carrier_reference="NF 123", user_id=None)
    db.session.commit()
    assert on_hand(world, "BOTTLE", "DMG-01") == 0 and document.status == "dispatched"
    with pytest.raises(Conflict):
        supplier.dispatch(document.id, carrier_reference=None, user_id=None)
    assert books_are_right()


def test_a_recalled_lot_coming_back_is_never_restocked(world):
    order_id = shipped_order([("BOTTLE", 1), ("MED", 1)])
    rma = rma_for(order_id, [{"sku": "MED", "quantity": 1, "reason": "regret"}])
    inventory.change_lot_status(world.lots["L-SOON"].id, LotStatus.BLOCKED.value, reason="test", user_id=None)
    got = dock.receive_unit(rma.id, med("L-SOON"), user_id=None)
    assert dock.inspect_unit(got["unit_id"], condition="sealed", user_id=None)["disposition"] == "quarantine"
    db.session.commit()
    assert books_are_right()


def test_a_return_is_cancelled_only_while_nothing_came_back(world):
    order_id = shipped_order([("BOTTLE", 2)])
    idle = rma_for(order_id, [{"sku": "BOTTLE", "quantity": 1, "reason": "regret"}], reverse_code="R-1")
    busy = rma_for(order_id, [{"sku": "BOTTLE", "quantity": 1, "reason": "regret"}], reverse_code="R-2")
    dock.receive_unit(busy.id, BOTTLE_GTIN, user_id=None)
    assert rmas.cancel_rma(idle.id, user_id=None).status == RmaStatus.CANCELLED
    with pytest.raises(Conflict, match="it cannot be cancelled"):
        rmas.cancel_rma(busy.id, user_id=None)
    for missing in (10**9, 0, "x"):
        with pytest.raises(NotFound, match="Return not found."):
            rmas.cancel_rma(missing, user_id=None)
    assert db.session.get(type(busy), busy.id).status == RmaStatus.RECEIVING
