"""The stock pages' figures from the stock summary (wms.inventory.summary) instead of the stock items.

Every filter but a place's (zone, location code) and "available only" (which are about items) is answered here.
`rows(view, filters)` is a subquery of rows (product_id, lot_key, on_hand, reserved, items, available) — several
per key, to be summed — read from the smallest level that answers the filters:
- by kind: the (product, lot, kind, open) level, with the rule of availability per row;
- by lot, or filtered by lot code or status: the (product, lot) level, with the lot's status and expiry;
- else the product level (20,000 rows at a million items), less the sellable units of the product's lots that
  are held or expired (a few thousand lots, found in `lots` and read by key).
With no filter or a location kind alone, the pages walk the summary in index order instead (`summary_walks`).
"""

from sqlalchemy import case, func, literal, or_, select, union_all

from ..catalog.models import Lot, Product
from . import availability, summary
from .summary import StockSummaryLot, StockSummaryProduct


def _lot_criteria(filters) -> list:
    where = []
    if filters.lot:
        where.append(Lot.code.icontains(filters.lot, autoescape=True))
    if filters.status:
        where.append(Lot.status == filters.status)
    return where


def _by_kind(filters):
    now = summary.current()
    available = case((availability.summary_sellable(now.c.kind, now.c.open), now.c.on_hand - now.c.reserved),
                     else_=0)
    return (select(now.c.product_id, now.c.lot_key, now.c.on_hand, now.c.reserved, now.c["items"],
                   available.label("available"))
            .select_from(now).outerjoin(Lot, Lot.id == now.c.lot_key)
            .where(now.c.kind == filters.kind, *_lot_criteria(filters)))


def _lot_rows(*criteria):
    """Lot-level rows (folded and pending, several per key) of the lots that meet the criteria (Lot joined)."""
    folded = StockSummaryLot.__table__
    placed = summary.pending_deltas().subquery("placed")
    parts = []
    for source in (folded, placed):
        parts.append(select(source.c.product_id, source.c.lot_key, source.c.on_hand, source.c.reserved,
                            source.c["items"], source.c.sellable, Lot.status, Lot.expires_on)
                     .select_from(source)
                     .join(Lot, (Lot.id == source.c.lot_key) & (Lot.product_id == source.c.product_id))
                     .where(*criteria))
    return union_all(*parts).subquery("lot_rows")


def _by_lot(filters):
    criteria = _lot_criteria(filters)
    if criteria:
        found = _lot_rows(*criteria)
        good = availability.lot_is_sellable(lot_id=found.c.lot_key, status=found.c.status,
                                            expires_on=found.c.expires_on)
        return select(found.c.product_id, found.c.lot_key, found.c.on_hand, found.c.reserved, found.c["items"],
                      case((good, found.c.sellable), else_=0).label("available"))
    now = summary.current_level(StockSummaryLot, "lots_now")
    return (select(now.c.product_id, now.c.lot_key, now.c.on_hand, now.c.reserved, now.c["items"],
                   case((availability.lot_is_sellable(), now.c.sellable), else_=0).label("available"))
            .select_from(now).outerjoin(Lot, Lot.id == now.c.lot_key))


def _by_product():
    """One row per product: its level, less the sellable units of its held or expired lots."""
    now = summary.current_level(StockSummaryProduct, "products_now")
    held_rows = _lot_rows(availability.lot_is_held())
    held = (select(held_rows.c.product_id, func.sum(held_rows.c.sellable).label("sellable"))
            .group_by(held_rows.c.product_id).subquery("held"))
    return (select(now.c.product_id, literal(0).label("lot_key"), now.c.on_hand, now.c.reserved, now.c["items"],
                   (now.c.sellable - func.coalesce(held.c.sellable, 0)).label("available"))
            .select_from(now).outerjoin(held, held.c.product_id == now.c.product_id))


def rows(view: str, filters):
    """The summary's rows under the filters (see the module), as a subquery, and whether they are one per key of
    the view already (no grouping needed); q joins Product."""
    unique = False
    if filters.kind:
        found = _by_kind(filters)
    elif view == "lot" or _lot_criteria(filters):
        found = _by_lot(filters)
        unique = view == "lot" and not _lot_criteria(filters)
    else:
        found, unique = _by_product(), view == "product"
    found = found.subquery("summary_rows")
    query = select(found)
    if filters.q:
        query = query.join(Product, Product.id == found.c.product_id).where(
            or_(Product.sku.icontains(filters.q, autoescape=True), Product.name.icontains(filters.q, autoescape=True)))
    return query.subquery("rows"), unique


def figures(found) -> list:
    return [func.coalesce(func.sum(found.c.on_hand), 0).label("on_hand"),
            func.coalesce(func.sum(found.c.reserved), 0).label("reserved"),
            func.coalesce(func.sum(found.c.available), 0).label("available")]


def groups(view: str, filters):
    """Per product (and lot: lot_id) on hand, reserved and available, for the groups with stock."""
    found, unique = rows(view, filters)
    keys = [found.c.product_id] + ([found.c.lot_key] if view == "lot" else [])
    columns = [found.c.product_id] + ([func.nullif(found.c.lot_key, 0).label("lot_id")] if view == "lot" else [])
    if unique:
        return (select(*columns, found.c.on_hand, found.c.reserved, found.c.available)
                .where(found.c["items"] > 0).subquery("groups"))
    return (select(*columns, *figures(found)).group_by(*keys).having(func.sum(found.c["items"]) > 0)
            .subquery("groups"))


def totals(filters):
    """(items with stock, on hand, reserved, available) under the filters: the by-location page's count and
    totals."""
    found = rows("location", filters)[0]
    return select(func.coalesce(func.sum(found.c["items"]), 0), *figures(found))
