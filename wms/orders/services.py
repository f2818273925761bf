"""Order use cases: take an order from a channel, release it when paid, hold, cancel; channel rules.

Each public service is one use case (`@use_case`: it joins the caller's unit of work). Locking an order, its
status and its hold are `wms.orders.status`'s; allocation and everything about stock is the picking area's
(`wms.picking.allocation`), called inside the same transaction.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..catalog.models import Category, Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound, get_or_not_found
from ..extensions import db
from ..picking import allocation
from ..picking import waves as picking_waves
from ..uow import use_case
from . import channels, rules
from . import status as order_status
from .models import ChannelRule, Order, OrderLine, OrderStatus, PaymentStatus, rule_key


class OrderRejected(DomainError):
    """The order's data is wrong; `details["fields"]` says what, field by field. Nothing was stored."""

    MESSAGE = _l("The order was not accepted: see the fields.")

    def __init__(self, fields: dict[str, str], status: int = 422):
        super().__init__(self.MESSAGE, fields=fields)
        self.status = status


def get(order_id: int) -> Order:
    return get_or_not_found(Order, order_id, _l("Order not found."))


def by_channel_id(channel: str, channel_order_id: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.channel == channel,
                                                 Order.channel_order_id == channel_order_id))


def _read(data: dict) -> tuple[dict, dict[str, str], dict[str, Product]]:
    """The order read (rules.read_order), its channel and SKUs looked up: (clean, field errors, products)."""
    clean, errors = rules.read_order(data, channels.codes(), today=clock.today())
    products: dict[str, Product] = {}
    skus = {line["sku"] for line in clean["lines"] if line.get("sku")}
    if skus:
        products = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(skus)))}
    for index, line in enumerate(clean["lines"]):
        product = products.get(line.get("sku"))
        if line.get("sku") and (product is None or not product.active):
            errors.setdefault(f"lines[{index}].sku", str(_l("Unknown SKU %(sku)s.", sku=line["sku"])))
    return clean, errors, products


def order_field_problems(data: dict) -> dict[str, str]:
    """What is wrong with an order, field by field, without storing anything (the API lists these with the
    contract's own findings)."""
    return _read(data if isinstance(data, dict) else {})[1]


@use_case
def take_order(data: dict, *, user_id: int | None = None) -> tuple[Order, bool]:
    """Store an order sent by a channel; (order, created). The same order sent again returns the one stored
    (created False); another order under an id already used is refused (409). A paid or authorized order is
    released and allocated at once."""
    clean, errors, products = _read(data)
    if errors:
        raise OrderRejected(errors)
    digest = rules.payload_hash(clean)
    existing = by_channel_id(clean["channel"], clean["channel_order_id"])
    if existing is not None:
        return _repeat(existing, digest), False
    paid = clean["payment_status"] in (PaymentStatus.PAID, PaymentStatus.AUTHORIZED)
    order = Order(
        channel=clean["channel"], channel_order_id=clean["channel_order_id"], payload_hash=digest,
        status=(OrderStatus.RELEASED if paid else OrderStatus.AWAITING_PAYMENT).value,
        payment_status=clean["payment_status"], priority=clean["priority"],
        customer_name=clean["customer_name"], customer_document=clean["customer_document"],
        customer_email=clean["customer_email"], customer_phone=clean["customer_phone"],
        min_shelf_life_days=clean["min_shelf_life_days"],
        ship_street=clean["ship_street"], ship_number=clean["ship_number"],
        ship_complement=clean["ship_complement"], ship_district=clean["ship_district"],
        ship_city=clean["ship_city"], ship_state=clean["ship_state"], ship_cep=clean["ship_cep"],
        service_level=clean["service_level"], carrier=clean["carrier"],
        promised_ship_date=clean["promised_ship_date"], released_at=utcnow() if paid else None,
    )
    for number, line in enumerate(clean["lines"], start=1):
        product = products[line["sku"]]
        order.lines.append(OrderLine(line_no=number, product_id=product.id, sku=product.sku,
                                     quantity=line["quantity"], unit_price_cents=line["unit_price_cents"]))
    try:
        # The SAVEPOINT opens before the order is added: begin_nested() flushes what is pending, and a duplicate
        # flushed outside it would break the whole transaction instead of this savepoint.
        with db.session.begin_nested():
            db.session.add(order)
            db.session.flush()
    except IntegrityError:
        # The same order arrived twice at the same moment: the other request stored it.
        if order in db.session:
            db.session.expunge(order)
        existing = by_channel_id(clean["channel"], clean["channel_order_id"])
        if existing is None:
            raise
        return _repeat(existing, digest), False
    audit.record("order.take", order, user_id=user_id, channel=order.channel,
                 channel_order_id=order.channel_order_id, payment=order.payment_status)
    if paid:
        order_status.lock_order(order.id)
        allocation.allocate_in_transaction(order, user_id=user_id)
    return order, True


def _repeat(existing: Order, digest: str) -> Order:
    if existing.payload_hash != digest:
        raise Conflict(_l("Order %(id)s of channel %(channel)s was already taken with other contents.",
                          id=existing.channel_order_id, channel=existing.channel),
                       fields={"channel_order_id": str(_l("Already used for another order."))})
    return existing


@use_case
def release(order_id: int, *, user_id: int | None = None, note: str | None = None) -> Order:
    """Payment confirmed (by the channel, or by a supervisor by hand): the order may be allocated, and is.
    Releasing an order that is released already changes nothing."""
    order = order_status.lock_order(order_id)
    if order.status == OrderStatus.CANCELLED:
        raise Conflict(_l("Order %(id)s is cancelled.", id=order.id))
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return order
    order.status = OrderStatus.RELEASED.value
    order.payment_status = PaymentStatus.PAID.value
    order.released_at = utcnow()
    audit.record("order.release", order, user_id=user_id, note=note)
    allocation.allocate_in_transaction(order, user_id=user_id)
    return order


@use_case
def hold(order_id: int, reason: str, *, user_id: int | None) -> Order:
    """Keep an order out of waves (its reservations stay) until the hold is lifted."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the order is held."))
    order = order_status.lock_order(order_id)
    if order.status in (OrderStatus.CANCELLED, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.PICKED):
        raise Conflict(_l("Order %(id)s is %(status)s: it cannot be held.", id=order.id, status=order.status))
    wave_order = picking_waves.in_active_wave(order.id)
    if wave_order is not None:
        raise Conflict(_l("Order %(id)s is being picked in wave %(wave)s.", id=order.id,
                          wave=wave_order.wave.code))
    order_status.hold(order, reason, user_id=user_id)
    return order


@use_case
def unhold(order_id: int, *, user_id: int | None) -> Order:
    order = order_status.lock_order(order_id)
    order_status.unhold(order, user_id=user_id)
    return order


@use_case
def cancel(order_id: int, *, user_id: int | None = None, reason: str | None = None) -> tuple[Order, list[dict]]:
    """Cancel an order: its reservations are released (open pick tasks cancelled) and units already picked go
    back by ledger moves (see `picking.allocation.undo_picks`). Cancelling a cancelled order changes nothing;
    a packed or shipped order is the shipping area's to stop."""
    order = order_status.lock_order(order_id)
    if order.status == OrderStatus.CANCELLED:
        return order, []
    if order.status in (OrderStatus.PACKED, OrderStatus.SHIPPED):
        raise Conflict(_l("Order %(id)s is already %(status)s: stop it at shipping.", id=order.id,
                          status=order.status))
    released = allocation.release_order_reservations(order, user_id=user_id)
    returned = allocation.undo_picks(order, user_id=user_id)
    order.status = OrderStatus.CANCELLED.value
    order.cancelled_at = utcnow()
    order.on_hold = False
    audit.record("order.cancel", order, user_id=user_id, reason=reason, released=released, returned=returned)
    return order, returned


# --------------------------------------------------------------------------------------------- channel rules


@use_case
def set_channel_rule(channel: str, category: str | None, days: int, *, user_id: int | None) -> ChannelRule:
    """A channel's minimum remaining shelf life, for one category or (no category) for everything."""
    if channels.by_code(channel) is None:
        raise DomainError(_l("Unknown channel %(channel)s.", channel=channel))
    category = category or None
    if category is not None:
        try:
            category = Category(category).value
        except ValueError:
            raise DomainError(_l("Unknown category %(category)s.", category=category)) from None
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
        raise DomainError(_l("Shelf life is a whole number of days from 0 to 3650."))
    key = rule_key(channel, category)
    rule = db.session.scalar(select(ChannelRule).where(ChannelRule.key == key))
    before = rule.min_shelf_life_days if rule else None
    if rule is None:
        rule = ChannelRule(key=key, channel=channel, category=category, min_shelf_life_days=days,
                           created_by_id=user_id)
        db.session.add(rule)
    rule.min_shelf_life_days = days
    db.session.flush()
    audit.record("channel_rule.set", rule, user_id=user_id, channel=channel, category=category, before=before,
                 after=days)
    return rule


@use_case
def delete_channel_rule(rule_id: int, *, user_id: int | None) -> None:
    rule = db.session.get(ChannelRule, rule_id)
    if rule is None:
        raise NotFound(_l("Rule not found."))
    audit.record("channel_rule.delete", rule, user_id=user_id, channel=rule.channel, category=rule.category,
                 days=rule.min_shelf_life_days)
    db.session.delete(rule)


# --------------------------------------------------------------------------------------------- views of an order


def as_json(order: Order) -> dict:
    """What the API answers for an order."""
    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": order.id,
        "channel": order.channel,
        "channel_order_id": order.channel_order_id,
        "status": order.status,
        "payment_status": order.payment_status,
        "on_hold": order.on_hold,
        "priority": order.priority,
        "customer": {"name": order.customer_name, "document": order.customer_document,
                     "email": order.customer_email, "phone": order.customer_phone,
                     "min_shelf_life_days": order.min_shelf_life_days},
        "ship_to": {"street": order.ship_street, "number": order.ship_number, "complement": order.ship_complement,
                    "district": order.ship_district, "city": order.ship_city, "state": order.ship_state,
                    "cep": order.ship_cep},
        "service_level": order.service_level,
        "carrier": order.carrier,
        "promised_ship_date": day(order.promised_ship_date),
        "tracking_code": order.tracking_code,
        "lines": [{"line_no": line.line_no, "sku": line.sku, "quantity": line.quantity,
                   "unit_price_cents": line.unit_price_cents, "allocated": line.allocated, "picked": line.picked,
                   "backordered": line.outstanding if order.status != OrderStatus.CANCELLED else 0}
                  for line in order.lines],
        "created_at": order.created_at.isoformat() if order.created_at else None,
    }
