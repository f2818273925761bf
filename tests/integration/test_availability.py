"""Available to promise (wms.inventory.availability): blocked stock is never offered, a channel's minimum shelf
life is honoured, the desk's SQL figure agrees with the rule, and stock.changed is debounced per SKU."""
from datetime import timedelta

from sqlalchemy import select

from tests.factories import build_world, receive
from wms import clock
from wms.catalog import services as catalog
from wms.catalog.models import Lot
from wms.events import Event
from wms.extensions import db
from wms.inventory import availability, lots, queries, stock_sync
from wms.inventory.models import Lpn, StockItem
from wms.locations.models import Location
from wms.orders import services as orders


def blocked_world():
    """MED in pick faces: L-LATE ×10 (400 days), L-SOON ×20 (30 days), L-OLD ×7 (expired), a quarantined lot ×4,
    a recalled lot ×3; and L-LATE ×5 on the dock (not a sellable place). The marketplace wants 60 days on
    medicine."""
    world = build_world()
    med = world.products["MED"]
    today = clock.today()
    world.lots["L-QUAR"] = catalog.lot_in_transaction(med, "L-QUAR", expires_on=today + timedelta(days=300),
                                                      status="quarantine")
    world.lots["L-RECALL"] = catalog.lot_in_transaction(med, "L-RECALL", expires_on=today + timedelta(days=300))
    db.session.commit()
    receive(world, "MED", "A-01-01-1", 10, "L-LATE")
    receive(world, "MED", "A-01-02-1", 20, "L-SOON")
    receive(world, "MED", "A-01-03-1", 7, "L-OLD")
    receive(world, "MED", "A-01-04-1", 4, "L-QUAR")
    receive(world, "MED", "A-01-05-1", 3, "L-RECALL")
    receive(world, "MED", "DOCK", 5, "L-LATE")
    lots.change_lot_status(world.lots["L-RECALL"].id, "recalled", reason="Anvisa recall", user_id=None)
    orders.set_channel_rule("marketplace", "medicine", 60, user_id=None)
    db.session.commit()
    return world


def test_quarantined_recalled_expired_and_short_lots_are_not_available_to_promise(ctx):
    world = blocked_world()
    med = world.products["MED"]
    figures = availability.for_products([med], ["site", "marketplace", None])[med.id]
    assert figures.on_hand == 10 + 20 + 7 + 4 + 3 + 5
    assert figures.available == {"site": 30, "marketplace": 10, None: 30}


def test_reservations_are_not_available(ctx):
    from tests.picking_helpers import take

    world = blocked_world()
    take([("MED", 12)])
    med = world.products["MED"]
    figures = availability.for_products([med], ["site"])[med.id]
    assert figures.reserved == 12 and figures.available["site"] == 30 - 12


def test_the_desk_figure_is_the_rule_item_by_item(ctx):
    """The desk's SQL (sellable_units) and the pure rule agree on every stock item."""
    from wms.inventory import rules

    world = blocked_world()
    db.session.get(Location, world.loc["A-01-02-1"].id).blocked = True
    db.session.commit()
    today = clock.today()
    rows = db.session.execute(
        select(StockItem, Location, Lot, Lpn.kind, availability.sellable_units(today))
        .join(Location, StockItem.location_id == Location.id).outerjoin(Lot, StockItem.lot_id == Lot.id)
        .outerjoin(Lpn, StockItem.lpn_id == Lpn.id).where(StockItem.quantity > 0)).all()
    assert len(rows) >= 6
    for item, location, lot, lpn_kind, in_sql in rows:
        facts = rules.ItemFacts(item.quantity, item.reserved, location.kind, location.active, location.blocked,
                                lot.status if lot else None, lot.expires_on if lot else None, lpn_kind == "tote")
        assert in_sql == rules.available_to_promise(facts, today, 0), location.code
    # the stock screen's product row: only L-LATE in A-01-01-1 now (L-SOON's bin is blocked)
    row = db.session.execute(queries.stock_query("product", queries.StockFilter())).one()
    assert (row.on_hand, row.available) == (49, 10)


def stock_events() -> list[dict]:
    return [e.payload for e in db.session.scalars(select(Event).where(Event.kind == "stock.changed")
                                                  .order_by(Event.id))]


def test_releasing_a_lot_raises_stock_changed_once(ctx):
    world = blocked_world()
    assert stock_sync.emit_due(debounce_seconds=0) == 1  # MED's first figures
    assert stock_sync.emit_due(debounce_seconds=0) == 0  # nothing new
    before = len(stock_events())
    lots.change_lot_status(world.lots["L-QUAR"].id, "released", reason="QA approved", user_id=None)
    db.session.commit()
    assert stock_sync.emit_due(debounce_seconds=0) == 1
    assert stock_sync.emit_due(debounce_seconds=0) == 0
    events = stock_events()
    assert len(events) == before + 1
    assert events[-1] == {"sku": "MED", "on_hand": 49, "reserved": 0,
                          "available": {"marketplace": 14, "shop": 34, "site": 34}}


def test_many_scans_of_a_sku_make_one_event_and_a_recent_change_waits(ctx):
    world = blocked_world()
    for _ in range(5):
        receive(world, "BOTTLE", "A-02-01-1", 1)
    assert stock_sync.emit_due(debounce_seconds=60) == 0  # marked just now: not due yet
    assert stock_sync.emit_due(debounce_seconds=0) == 2  # MED and BOTTLE, once each
    assert [e["sku"] for e in stock_events()] == ["MED", "BOTTLE"]
    assert stock_events()[-1]["available"]["site"] == 5
