"""What left the warehouse on an order, read from the ledger (moves to the customer, reason "ship", document
ORDER-<id>), the serials the shipping area packed for it, its tracking codes and its NF-e numbers.

The one place returns and the recall trace learn about shipments: wire the shipping area in here.
"""
from collections import defaultdict

from sqlalchemy import func, select

from ..extensions import db
from ..inventory.models import Move
from ..locations.models import Location, LocationKind
from ..orders.models import Order
from ..shipping.models import Invoice, Package, PackageStatus, PackedUnit, Shipment
from ..sql import chunks, id_in

SHIP_REASON = "ship"
RETURN_REASON = "return"


def order_document(order_id: int) -> str:
    return f"ORDER-{order_id}"


def order_id_of(document: str | None) -> int | None:
    if document and document.startswith("ORDER-") and document[6:].isdigit() and len(document) < 20:
        return int(document[6:])
    return None


def customer_location_ids() -> list[int]:
    return list(db.session.scalars(select(Location.id).where(Location.kind == LocationKind.CUSTOMER.value)))


def shipped_on(order_id: int) -> dict[tuple[int, int | None], int]:
    """Units shipped on the order, by (product id, lot id)."""
    rows = db.session.execute(
        select(Move.product_id, Move.lot_id, func.sum(Move.quantity))
        .where(Move.document == order_document(order_id), Move.reason == SHIP_REASON,
               Move.to_location_id.in_(customer_location_ids()))
        .group_by(Move.product_id, Move.lot_id))
    return {(product_id, lot_id): int(total) for product_id, lot_id, total in rows}


def shipped_at(order_id: int):
    """When the order's last unit left (None: nothing shipped)."""
    return db.session.scalar(select(func.max(Move.at)).where(
        Move.document == order_document(order_id), Move.reason == SHIP_REASON))


def other_order_shipping(order: Order, product_id: int, lot_id: int | None) -> int | None:
    """Another order of the same customer (same CPF/CNPJ) on which this product and lot left, if any."""
    if not order.customer_document:
        return None
    others = list(db.session.scalars(select(Order.id).where(
        Order.customer_document == order.customer_document, Order.id != order.id).order_by(Order.id.desc())
        .limit(200)))
    if not others:
        return None
    documents = [order_document(i) for i in others]
    found = db.session.scalar(select(Move.document).where(
        Move.document.in_(documents), Move.reason == SHIP_REASON, Move.product_id == product_id,
        Move.lot_id.is_(None) if lot_id is None else Move.lot_id == lot_id).order_by(Move.id.desc()).limit(1))
    return order_id_of(found)


def packed_any(order_id: int) -> bool:
    """Whether the shipping area recorded the units packed for the order (orders shipped before it did not)."""
    return db.session.scalar(select(PackedUnit.id).join(Package, Package.id == PackedUnit.package_id).where(
        Package.order_id == order_id, Package.status != PackageStatus.CANCELLED.value).limit(1)) is not None


def orders_of_serial(product_id: int, serial: str) -> list[int]:
    """The orders a serial of this product was packed for (boxes unpacked by a supervisor do not count)."""
    return list(db.session.scalars(
        select(Shipment.order_id).select_from(PackedUnit).join(Package, Package.id == PackedUnit.package_id)
        .join(Shipment, Shipment.id == Package.shipment_id)
        .where(PackedUnit.product_id == product_id, PackedUnit.serial == serial,
               Package.status != PackageStatus.CANCELLED.value).order_by(Shipment.order_id).distinct()))


def tracking_codes(order_ids: list[int]) -> dict[int, str]:
    """Tracking codes by order: the shipping area's shipments, else (orders shipped before it) the order's own."""
    codes: dict[int, list[str]] = defaultdict(list)
    if not order_ids:
        return {}
    for some in chunks(order_ids):
        rows = db.session.execute(select(Shipment.order_id, Shipment.tracking_code).where(
            id_in(Shipment.order_id, some), Shipment.tracking_code.is_not(None))
            .order_by(Shipment.order_id, Shipment.id))
        for order_id, code in rows:
            codes[order_id].append(code)
    for some in chunks(order_ids):
        rows = db.session.execute(select(Order.id, Order.tracking_code).where(
            id_in(Order.id, some), Order.tracking_code.is_not(None)))
        for order_id, code in rows:
            if order_id not in codes:
                codes[order_id].append(code)
    return {order_id: " ".join(found) for order_id, found in codes.items()}


def invoice_numbers(order_ids: list[int]) -> dict[int, str]:
    """The number of each order's NF-e, as the shipping area recorded it (one invoice per order)."""
    found: dict[int, str] = {}
    for some in chunks(order_ids):
        rows = db.session.execute(select(Invoice.order_id, Invoice.number).where(id_in(Invoice.order_id, some)))
        found.update({order_id: number for order_id, number in rows})
    return found


def order_by_tracking(code: str) -> Order | None:
    """The order a tracking code belongs to (the shipping area's shipments and boxes, else the order's own)."""
    order_id = db.session.scalar(select(Shipment.order_id).where(Shipment.tracking_code == code).limit(1))
    if order_id is None:
        order_id = db.session.scalar(select(Package.order_id).where(Package.tracking_code == code).limit(1))
    if order_id is not None:
        return db.session.get(Order, order_id)
    return db.session.scalar(select(Order).where(Order.tracking_code == code).limit(1))
