"""Helpers for the orders and picking tests (a module of helpers, no tests): a stocked warehouse with pick
faces and reserve, orders taken through the real service, and the two books every flow must keep right."""
from datetime import timedelta

from tests.factories import build_world, receive
from wms import clock
from wms.extensions import db
from wms.inventory import services as inventory
from wms.orders import services as orders
from wms.picking import reservations

ADDRESS = {"street": "Av. Paulista", "number": "1000", "district": "Bela Vista", "city": "São Paulo",
           "state": "SP", "cep": "01310-100"}
_numbers = iter(range(1, 10**9))


def payload(lines, *, channel="site", channel_order_id=None, payment_status="paid", carrier="correios",
            promised_days=1, customer=None, **extra) -> dict:
    """An order as a channel sends it. `lines` is [(sku, quantity), ...]."""
    return {
        "channel": channel,
        "channel_order_id": channel_order_id or f"T-{next(_numbers)}",
        "customer": customer or {"name": "Maria Silva", "document": "529.982.247-25", "email": "maria@example.com",
                                 "phone": "(11) 98765-4321"},
        "ship_to": ADDRESS,
        "lines": [{"sku": sku, "quantity": qty, "unit_price_cents": 1990} for sku, qty in lines],
        "carrier": carrier,
        "service_level": "standard",
        "promised_ship_date": (clock.today() + timedelta(days=promised_days)).isoformat(),
        "payment_status": payment_status,
        **extra,
    }


def take(lines, **kwargs) -> int:
    order, _created = orders.take_order(payload(lines, **kwargs))
    return order.id


def stocked_world():
    """tests/factories.py's W1 with stock (level 1 bins are pick faces, level 2 reserve):
    MED  L-SOON (30 days): A-01-02-2 × 20      MED L-LATE (400 days): A-01-01-1 × 10 (face), A-02-03-2 × 100
    BOTTLE: A-01-04-1 × 8 (face), A-02-05-2 × 40.   MED's own minimum shelf life is 10 days."""
    world = build_world()
    receive(world, "MED", "A-01-02-2", 20, "L-SOON")
    receive(world, "MED", "A-01-01-1", 10, "L-LATE")
    receive(world, "MED", "A-02-03-2", 100, "L-LATE")
    receive(world, "BOTTLE", "A-01-04-1", 8)
    receive(world, "BOTTLE", "A-02-05-2", 40)
    return world


def books_are_right() -> bool:
    """The ledger equals every stock item, and every reservation sum equals its cached figure."""
    stock, reserved = inventory.stock_mismatches(), reservations.reservation_mismatches()
    assert stock == [] and reserved == [], (stock, reserved)
    return True


def reserved_by_item() -> dict:
    from sqlalchemy import select

    from wms.inventory.models import StockItem

    return {(i.location.code, i.lot.code if i.lot else None): i.reserved
            for i in db.session.scalars(select(StockItem)) if i.reserved}
