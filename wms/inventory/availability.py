"""Available to promise: what a channel may sell of each SKU. The rule is `rules.available_to_promise` (pure);
this module reads the facts it needs and applies it, for `GET /api/v1/stock`, the `stock.changed` events
(wms.integration.stock_sync) and the desk's "Available" column (`sellable_units`, the same rule in SQL for the
stock screens' grouped, paged queries; tests/integration/test_availability.py checks that both agree).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, or_, select

from .. import clock
from ..catalog.models import Lot, LotStatus, Product
from ..extensions import db
from ..locations.models import PICKABLE_KINDS, VIRTUAL_KINDS, Location
from . import rules
from .models import Lpn, StockItem

TOTE = "tote"


@dataclass
class SkuStock:
    product_id: int
    sku: str
    on_hand: int = 0
    reserved: int = 0
    available: dict[str | None, int] = field(default_factory=dict)  # by channel code (None: no channel's rule)


def channel_rules(channel: str | None) -> dict[str | None, int]:
    """The channel's minimum shelf life by category (None: every category)."""
    if channel is None:
        return {}
    from ..orders.models import ChannelRule

    return {rule.category: rule.min_shelf_life_days
            for rule in db.session.scalars(select(ChannelRule).where(ChannelRule.channel == channel))}


def min_shelf_life(product: Product, by_category: dict[str | None, int]) -> int:
    """The product's own minimum and the channel's, for the product's category (the allocation's rule)."""
    from ..picking.rules import strictest_shelf_life

    return strictest_shelf_life(product.min_shelf_life_days, by_category, product.category, 0)


def _facts(product_ids: list[int]):
    return db.session.execute(
        select(StockItem.product_id, StockItem.quantity, StockItem.reserved, Location.kind, Location.active,
               Location.blocked, Lot.status, Lot.expires_on, Lpn.kind)
        .join(Location, StockItem.location_id == Location.id)
        .outerjoin(Lot, StockItem.lot_id == Lot.id)
        .outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(StockItem.product_id.in_(product_ids), StockItem.quantity > 0,
               Location.kind.not_in([kind.value for kind in VIRTUAL_KINDS]))
    ).all()


def for_products(products: list[Product], channels: list[str | None], today: date | None = None
                 ) -> dict[int, SkuStock]:
    """On hand, reserved and available to promise per channel of each product."""
    today = today or clock.today()
    result = {p.id: SkuStock(p.id, p.sku, available={c: 0 for c in channels}) for p in products}
    if not products:
        return result
    rules_by_channel = {channel: channel_rules(channel) for channel in channels}
    minimum = {(p.id, channel): min_shelf_life(p, rules_by_channel[channel]) for p in products for channel in channels}
    for product_id, quantity, reserved, kind, active, blocked, status, expires_on, lpn_kind in _facts(
            [p.id for p in products]):
        stock = result[product_id]
        stock.on_hand += quantity
        stock.reserved += reserved
        facts = rules.ItemFacts(quantity, reserved, kind, active, blocked, status, expires_on, lpn_kind == TOTE)
        for channel in channels:
            stock.available[channel] += rules.available_to_promise(facts, today, minimum[(product_id, channel)])
    return result


def as_payload(stock: SkuStock, channels: list[str]) -> dict:
    """What `stock.changed` carries for a SKU: the same figures as GET /api/v1/stock."""
    return {"sku": stock.sku, "on_hand": stock.on_hand, "reserved": stock.reserved,
            "available": {channel: stock.available[channel] for channel in channels}}


def changed_products(product_ids: list[int]) -> list[Product]:
    return list(db.session.scalars(select(Product).where(Product.id.in_(product_ids)).order_by(Product.id)))


# ---------------------------------------------------------------------------------------------- the desk, in SQL

def sellable_units(today: date | None = None):
    """Per stock item, the units `rules.available_to_promise` counts with no channel's demand (the product's
    own minimum aside), as a SQL expression over StockItem, Location, Lot and Lpn (joined by the caller):
    for the desk's grouped and paged stock screens. Sum it for a group."""
    today = today or clock.today()
    sellable = and_(
        Location.kind.in_([kind.value for kind in PICKABLE_KINDS]),
        Location.active.is_(True), Location.blocked.is_(False),
        or_(StockItem.lpn_id.is_(None), Lpn.kind.is_(None), Lpn.kind != TOTE),
        or_(StockItem.lot_id.is_(None), Lot.status.is_(None), Lot.status == LotStatus.RELEASED.value),
        or_(StockItem.lot_id.is_(None), Lot.expires_on.is_(None), Lot.expires_on >= today),
        StockItem.quantity > StockItem.reserved,
    )
    return case((sellable, StockItem.quantity - StockItem.reserved), else_=0)


def available_sum(today: date | None = None):
    return func.coalesce(func.sum(sellable_units(today)), 0)



def lot_is_sellable(today: date | None = None, *, lot_id=Lot.id, status=Lot.status, expires_on=Lot.expires_on):
    """The lot's part of the rule (Lot outer-joined, or its columns given; no lot passes): released and not
    expired."""
    today = today or clock.today()
    return and_(or_(lot_id.is_(None), status.is_(None), status == LotStatus.RELEASED.value),
                or_(lot_id.is_(None), expires_on.is_(None), expires_on >= today))


def lot_is_held(today: date | None = None, *, status=Lot.status, expires_on=Lot.expires_on):
    """A lot (joined, or its columns given) whose stock is not available: not released, or expired. The
    complement of `lot_is_sellable` for a lot, written so that the indexes on status and expiry find them."""
    today = today or clock.today()
    return or_(status.in_([s.value for s in LotStatus if s != LotStatus.RELEASED]), expires_on < today)


def summary_sellable(kind, open_, today: date | None = None):
    """`sellable_units`' rule for a row of the stock summary (wms.inventory.summary: units by product, lot,
    location kind and open = active, not blocked, not on a tote), Lot outer-joined on the row's lot: true when its
    units on hand less reserved are available (pickable kind, open, released unexpired lot or none)."""
    return and_(kind.in_([k.value for k in PICKABLE_KINDS]), open_.is_(True), lot_is_sellable(today))
