"""The stock pages' figures from the stock summary (wms.inventory.summary) instead of the stock items.

Every filter but a place's (zone, location code) and "available only" (which are about items) is answered here.
`rows(view, filters)` is a subquery of rows (product_id, lot_key, on_hand, reserved, items, available) — several
per key, to be summed — read from the smallest level that answers the filters:
- by kind: the (product, lot, kind, open) level, with the rule of availability per row;
- by lot, or filtered by lot code or status: the (product, lot) level, with the lot's status and expiry;
- else the product level (20,000 rows at a million items), less the sellable units of the product's lots that
  are held or expired (a few thousand lots, found in `lots` and read by key).
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
    placed = summary._placed_deltas().subquery("placed")
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


# ---------------------------------------------------------------------------------------------- settled, no filter

def _held_sellable(product_id=None):
    """Sellable units (folded) of held or expired lots: all of them, or a product's (correlated)."""
    lots = StockSummaryLot.__table__
    query = (select(func.coalesce(func.sum(lots.c.sellable), 0)).select_from(Lot)
             .join(lots, lots.c.lot_key == Lot.id).where(availability.lot_is_held()))
    if product_id is not None:
        query = query.where(Lot.product_id == product_id)
    return query.scalar_subquery()


def _undated_lot_rows():
    """(lot_key, product_id) of the lot-level rows with stock that sort after every dated lot: lots without an
    expiry date, and stock without a lot (lot_key 0)."""
    lots = StockSummaryLot.__table__
    return union_all(
        select(lots.c.lot_key, lots.c.product_id).join(Lot, Lot.id == lots.c.lot_key)
        .where(Lot.expires_on.is_(None), lots.c["items"] > 0),
        select(lots.c.lot_key, lots.c.product_id).where(lots.c.lot_key == 0, lots.c["items"] > 0),
    ).subquery("undated")


def settled_totals(view: str):
    """ONE statement over the folded tables: (groups of the view, dated lots, on hand, reserved, available) with
    nothing pending and no filter. Groups: products, lots or items with stock."""
    products, lots = StockSummaryProduct.__table__, StockSummaryLot.__table__
    with_stock = func.coalesce(func.sum(case((products.c["items"] > 0, 1), else_=0)), 0)
    groups = {"product": with_stock, "location": func.coalesce(func.sum(products.c["items"]), 0)}.get(view)
    if groups is None:
        groups = select(func.count()).select_from(lots).where(lots.c["items"] > 0).scalar_subquery()
    undated = select(func.count()).select_from(_undated_lot_rows()).scalar_subquery()
    return select(groups, undated, func.coalesce(func.sum(products.c.on_hand), 0),
                  func.coalesce(func.sum(products.c.reserved), 0),
                  func.coalesce(func.sum(products.c.sellable), 0) - _held_sellable()).select_from(products)


def settled_products(limit: int, offset: int):
    """A page of stock by product: products walked in SKU order (index), their folded row by key; the held lots'
    units are taken off for the page's rows only."""
    products = StockSummaryProduct.__table__
    page = (select(Product.id.label("product_id"), Product.sku, Product.name, Product.unit, products.c.on_hand,
                   products.c.reserved, products.c.sellable)
            .select_from(Product).join(products, products.c.product_id == Product.id)
            .where(products.c["items"] > 0).order_by(Product.sku).limit(limit).offset(offset).subquery("page"))
    return select(page.c.product_id, page.c.sku, page.c.name, page.c.unit, page.c.on_hand, page.c.reserved,
                  (page.c.sellable - _held_sellable(page.c.product_id)).label("available")).order_by(page.c.sku)


def _lot_columns(lots):
    return [Product.id.label("product_id"), Product.sku, Product.name, Product.unit, lots.c.on_hand,
            lots.c.reserved, case((availability.lot_is_sellable(), lots.c.sellable), else_=0).label("available"),
            func.nullif(lots.c.lot_key, 0).label("lot_id"), Lot.code.label("lot_code"), Lot.expires_on, Lot.status]


def settled_lots(limit: int, offset: int, dated: int) -> tuple:
    """A page of stock by lot, soonest expiry first (then SKU, lot): the dated lots walked by expiry (index), then
    the undated rows (no expiry, no lot) by SKU; `dated`: how many dated rows there are. Two statements always
    (one may ask for no row)."""
    lots = StockSummaryLot.__table__
    first = (select(*_lot_columns(lots)).select_from(Lot).join(lots, lots.c.lot_key == Lot.id)
             .join(Product, Product.id == lots.c.product_id)
             .where(Lot.expires_on.is_not(None), lots.c["items"] > 0)
             .order_by(Lot.expires_on, Product.sku, Lot.code)
             .limit(max(0, min(limit, dated - offset))).offset(min(offset, dated)))
    undated = _undated_lot_rows()
    then = (select(*_lot_columns(lots)).select_from(undated)
            .join(lots, (lots.c.lot_key == undated.c.lot_key) & (lots.c.product_id == undated.c.product_id))
            .join(Product, Product.id == lots.c.product_id).outerjoin(Lot, Lot.id == undated.c.lot_key)
            .order_by(Product.sku, Lot.code)
            .limit(limit - max(0, min(limit, dated - offset))).offset(max(0, offset - dated)))
    return first, then
