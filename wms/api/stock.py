"""GET /api/v1/stock: per SKU, on hand, reserved and available to promise for a channel (scope `stock`), paged
by an opaque cursor. The figure is `wms.inventory.availability`'s, the same that `stock.changed` events carry."""
from __future__ import annotations

from datetime import datetime

from flask import request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field
from sqlalchemy import select

from ..auth.models import Scope
from ..catalog.models import Product
from ..extensions import db
from ..inventory import availability
from ..inventory.stock_sync import StockSyncState
from ..orders import channels as sales_channels
from .contract import FieldsRejected, operation

MAX_LIMIT = 500


class StockRow(BaseModel):
    sku: str
    on_hand: int = Field(description="Units in the warehouse, whatever their state.")
    reserved: int = Field(description="Units reserved for orders, not picked yet.")
    available: int = Field(description="Available to promise for the channel: released lots only (not "
                                       "quarantined, blocked, recalled or expired) with the channel's minimum "
                                       "shelf life, in sellable places, less reservations.")


class StockPage(BaseModel):
    channel: str | None
    items: list[StockRow]
    next_cursor: str | None = Field(description="Give it as `cursor` for the next page; null on the last page.")


PARAMETERS = [
    {"name": "channel", "in": "query", "required": False, "description": "A sales channel's code: its minimum "
     "shelf life rules apply. Without it, only the products' own minimums do.",
     "schema": {"type": "string", "maxLength": 20}},
    {"name": "updated_since", "in": "query", "required": False,
     "description": "Only SKUs whose figures changed since then (ISO 8601 with time zone), as the `stock.changed` "
                    "events report them.", "schema": {"type": "string", "format": "date-time"}},
    {"name": "cursor", "in": "query", "required": False, "description": "From the previous page's `next_cursor`.",
     "schema": {"type": "string", "pattern": "^[0-9]{1,10}$"}},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100}},
]


def _args() -> tuple[str | None, datetime | None, int, int]:
    """The query, as documented in PARAMETERS: a parameter given empty is wrong, not absent."""
    args = request.args
    fields: dict[str, str] = {}
    channel = args.get("channel")
    if channel is not None and sales_channels.by_code(channel) is None:
        fields["channel"] = str(_l("Unknown channel %(channel)s.", channel=channel[:20]))
    since = None
    if "updated_since" in args:
        try:
            since = datetime.fromisoformat(args["updated_since"].replace("Z", "+00:00"))
        except ValueError:
            fields["updated_since"] = str(_l("A date and time like 2026-12-24T10:00:00-03:00."))
        else:
            if since.tzinfo is None or "T" not in args["updated_since"].upper():
                fields["updated_since"] = str(_l("A date and time like 2026-12-24T10:00:00-03:00."))
    raw_cursor = args.get("cursor", "0")
    cursor = int(raw_cursor) if raw_cursor.isascii() and raw_cursor.isdigit() and len(raw_cursor) <= 10 else None
    if cursor is None:
        fields["cursor"] = str(_l("Use the next_cursor of the previous page."))
    raw_limit = args.get("limit", "100")
    limit = int(raw_limit) if raw_limit.isascii() and raw_limit.isdigit() and len(raw_limit) <= 4 else 0
    if not 1 <= limit <= MAX_LIMIT:
        fields["limit"] = str(_l("A whole number from 1 to %(max)s.", max=MAX_LIMIT))
    if fields:
        raise FieldsRejected(fields)
    return channel, since, cursor, limit


@operation("get", "/stock", scope=Scope.STOCK, summary="Stock per SKU and what a channel may sell",
           description="Active products by SKU id order, a page at a time.", parameters=PARAMETERS,
           answers={200: (StockPage, "A page of SKUs.")})
def stock_list():
    channel, since, cursor, limit = _args()
    query = select(Product).where(Product.active.is_(True), Product.id > cursor)
    if since is not None:
        query = query.join(StockSyncState, StockSyncState.product_id == Product.id).where(
            StockSyncState.changed_at >= since)
    products = list(db.session.scalars(query.order_by(Product.id).limit(limit + 1)))
    more = len(products) > limit
    products = products[:limit]
    figures = availability.for_products(products, [channel])
    items = [{"sku": p.sku, "on_hand": figures[p.id].on_hand, "reserved": figures[p.id].reserved,
              "available": figures[p.id].available[channel]} for p in products]
    return {"channel": channel, "items": items, "next_cursor": str(products[-1].id) if more else None}
