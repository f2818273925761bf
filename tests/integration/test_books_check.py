"""The books check (`wms check`, the desk's stock check) is one SQL comparison that returns only what disagrees:
an item whose quantity is not its ledger sum, a ledger balance without its item, an item without a ledger, on any
plate; reservation totals likewise."""
from sqlalchemy import delete, insert, select, update

from tests.factories import build_world, receive
from tests.picking_helpers import stocked_world, take
from wms.dbtypes import utcnow
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import StockItem, item_key
from wms.orders.models import OrderLine
from wms.picking import reservations


def test_the_check_finds_every_kind_of_disagreement_and_nothing_else(ctx):
    world = build_world()
    receive(world, "BOTTLE", "A-01-01-2", 5)
    receive(world, "MED", "A-01-02-2", 8, "L-SOON")
    plate = inventory.create_lpn("PLT-1", location_id=world.loc["A-02-01-2"].id)
    receive(world, "BOTTLE", "A-02-01-2", 3, lpn=plate)
    receive(world, "BOTTLE", "A-02-01-2", 4)  # same bin, loose: another item than the plate's
    db.session.commit()
    assert inventory.stock_mismatches() == []

    bottle, med = world.products["BOTTLE"].id, world.products["MED"].id
    tampered = item_key(world.loc["A-01-01-2"].id, bottle, None, None)
    vanished = item_key(world.loc["A-01-02-2"].id, med, world.lots["L-SOON"].id, None)
    on_plate = item_key(world.loc["A-02-01-2"].id, bottle, None, plate.id)
    invented = item_key(world.loc["A-02-05-1"].id, bottle, None, None)
    db.session.execute(update(StockItem).where(StockItem.key == tampered).values(quantity=7))
    db.session.execute(delete(StockItem).where(StockItem.key == vanished))
    db.session.execute(update(StockItem).where(StockItem.key == on_plate).values(quantity=2))
    db.session.execute(insert(StockItem).values(key=invented, location_id=world.loc["A-02-05-1"].id,
                                                product_id=bottle, quantity=6, reserved=0, updated_at=utcnow()))
    db.session.commit()

    found = sorted(inventory.stock_mismatches(), key=lambda m: m["key"])
    assert found == sorted([{"key": tampered, "ledger": 5, "item": 7}, {"key": vanished, "ledger": 8, "item": 0},
                            {"key": on_plate, "ledger": 3, "item": 2}, {"key": invented, "ledger": 0, "item": 6}],
                           key=lambda m: m["key"])


def test_the_reservation_check_names_the_item_and_the_line_that_disagree(ctx):
    stocked_world()
    take([("BOTTLE", 3)])
    assert reservations.reservation_mismatches() == []
    item = db.session.scalar(select(StockItem).where(StockItem.reserved > 0))
    line = db.session.scalar(select(OrderLine))
    db.session.execute(update(StockItem).where(StockItem.id == item.id).values(reserved=2))
    db.session.execute(update(OrderLine).where(OrderLine.id == line.id).values(allocated=1))
    db.session.commit()
    assert sorted(reservations.reservation_mismatches(), key=str) == sorted([
        {"stock_item": item.id, "reserved": 2, "reservations": 3},
        {"order_line": line.id, "allocated": 1, "reservations": 3}], key=str)
