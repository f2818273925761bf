"""Read queries of the stock desk: one per screen, shaped for it. Nothing here writes."""
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..auth.models import User
from ..catalog.models import Lot, LotStatus, Product
from ..extensions import db
from ..locations.models import VIRTUAL_KINDS, Location, LocationKind, Zone
from ..paging import PER_PAGE, Page
from . import availability, summary_queries, summary_walks
from .models import Lpn, StockItem


def count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


# ---------------------------------------------------------------------------------------------- stock

@dataclass
class StockFilter:
    """The filters of the stock screens, read from the query string (and written back into links)."""

    q: str = ""  # SKU or name
    location: str = ""  # code prefix
    zone: str = ""
    lot: str = ""
    status: str = ""
    kind: str = ""
    available: bool = False

    @classmethod
    def from_args(cls, args) -> "StockFilter":
        status = args.get("status", "")
        kind = args.get("kind", "")
        return cls(
            q=args.get("q", "").strip()[:100],
            location=args.get("location", "").strip().upper()[:40],
            zone=args.get("zone", "").strip().upper()[:20],
            lot=args.get("lot", "").strip()[:20],
            status=status if status in {s.value for s in LotStatus} else "",
            kind=kind if kind in {k.value for k in LocationKind if k not in VIRTUAL_KINDS} else "",
            available=args.get("available") in ("1", "on", "true", "yes"),
        )

    def args(self) -> dict:
        values = {k: v for k, v in self.__dict__.items() if v and k != "available"}
        if self.available:
            values["available"] = "1"
        return values

    @property
    def by_summary(self) -> bool:
        """Whether the stock summary can answer these filters (it knows no zone, location code or item)."""
        return not (self.location or self.zone or self.available)

    def criteria(self) -> list:
        where = [StockItem.quantity > 0]
        if self.q:
            where.append(or_(Product.sku.icontains(self.q, autoescape=True),
                             Product.name.icontains(self.q, autoescape=True)))
        if self.location:
            where.append(Location.code.startswith(self.location, autoescape=True))
        if self.zone:
            where.append(Zone.code == self.zone)
        if self.lot:
            where.append(Lot.code.icontains(self.lot, autoescape=True))
        if self.status:
            where.append(Lot.status == self.status)
        if self.kind:
            where.append(Location.kind == self.kind)
        if self.available:
            where.append(availability.sellable_units() > 0)
        return where


def stock_select(filters: StockFilter, *columns):
    return (
        select(*columns)
        .select_from(StockItem)
        .join(Location, StockItem.location_id == Location.id)
        .join(Product, StockItem.product_id == Product.id)
        .outerjoin(Lot, StockItem.lot_id == Lot.id)
        .outerjoin(Zone, Location.zone_id == Zone.id)
        .outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(*filters.criteria())
    )


ON_HAND = func.sum(StockItem.quantity).label("on_hand")
RESERVED = func.sum(StockItem.reserved).label("reserved")


def _available():
    """Available to promise (wms.inventory.availability): released, unexpired lots in sellable places, less
    reservations; quarantined, blocked, recalled or expired stock is on hand but not available."""
    return availability.available_sum().label("available")


def stock_query(view: str, filters: StockFilter):
    """Stock by product, by lot or (else) by location, with the filters applied."""
    if view == "product":
        return stock_select(
            filters, Product.id.label("product_id"), Product.sku, Product.name, Product.unit, ON_HAND, RESERVED,
            _available(), func.count(func.distinct(StockItem.location_id)).label("places"),
            func.count(func.distinct(StockItem.lot_id)).label("lots"),
        ).group_by(Product.id, Product.sku, Product.name, Product.unit).order_by(Product.sku)
    if view == "lot":
        return stock_select(
            filters, Product.id.label("product_id"), Product.sku, Product.name, Lot.id.label("lot_id"),
            Lot.code.label("lot_code"), Lot.expires_on, Lot.status, ON_HAND, RESERVED, _available(),
            func.count(func.distinct(StockItem.location_id)).label("places"),
        ).group_by(Product.id, Product.sku, Product.name, Lot.id, Lot.code, Lot.expires_on, Lot.status).order_by(
            Lot.expires_on.is_(None), Lot.expires_on, Product.sku, Lot.code)
    return stock_select(
        filters, StockItem.id.label("item_id"), Location.id.label("location_id"), Location.code.label("location"),
        Location.kind, Zone.code.label("zone"), Product.id.label("product_id"), Product.sku, Product.name,
        Lot.id.label("lot_id"), Lot.code.label("lot_code"), Lot.expires_on, Lot.status, Lpn.code.label("lpn"),
        StockItem.quantity.label("on_hand"), StockItem.reserved.label("reserved"),
        availability.sellable_units().label("available"),
    ).order_by(Location.code, Product.sku, Lot.code, Lpn.code)


def stock_totals(filters: StockFilter) -> tuple[int, int]:
    """Units on hand and reserved under the filters."""
    return tuple(db.session.execute(stock_select(
        filters, func.coalesce(func.sum(StockItem.quantity), 0), func.coalesce(func.sum(StockItem.reserved), 0)
    )).one())


def filtered_items(filters: StockFilter, *columns, for_availability: bool = False):
    """Stock items under the filters, joined only to the tables a filter needs (none without filters): the
    aggregates of the stock screens read 1,000,000 narrow rows instead of five joined tables. With
    `for_availability` (or the "available only" filter), the place, lot and plate are joined too (available to
    promise reads them)."""
    for_availability = for_availability or filters.available
    query = select(*columns).select_from(StockItem)
    if for_availability or filters.location or filters.kind or filters.zone:
        query = query.join(Location, StockItem.location_id == Location.id)
    if filters.zone:
        query = query.outerjoin(Zone, Location.zone_id == Zone.id)
    if filters.q:
        query = query.join(Product, StockItem.product_id == Product.id)
    if for_availability or filters.lot or filters.status:
        query = query.outerjoin(Lot, StockItem.lot_id == Lot.id)
    if for_availability:
        query = query.outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
    return query.where(*filters.criteria())


@dataclass
class StockPage:
    page: Page
    rows: list
    on_hand: int
    reserved: int
    available: int = 0


def _row(mapping, **more):
    from types import SimpleNamespace

    return SimpleNamespace(**{k: v for k, v in mapping.items() if not k.startswith("all_")}, **more)


def _groups(view: str, filters: StockFilter):
    """Per product (and lot): on hand, reserved and available under the filters, as a subquery: from the stock
    summary (wms.inventory.summary_queries) unless a filter needs the items' places (zone, location code,
    available only)."""
    if filters.by_summary:
        return summary_queries.groups(view, filters)
    keys = [StockItem.product_id] + ([StockItem.lot_id] if view == "lot" else [])
    return (filtered_items(filters, *keys, ON_HAND, RESERVED, _available(), for_availability=True)
            .group_by(*keys).subquery("groups"))


def location_rows(filters: StockFilter, limit: int, offset: int) -> list:
    """A page of the by-location view (a row per item). Location, then product, lot and plate codes: the
    locations are walked in code order (index) and only their items sorted, not the million joined rows."""
    return db.session.execute(stock_query("location", filters).limit(limit).offset(offset)).all()


def _walk(filters: StockFilter) -> summary_walks.Walk | None:
    """How the page is read when no filter or only a location kind is given: by index walks (see stock_page)."""
    args = filters.args()
    if args and set(args) != {"kind"}:
        return None
    return summary_walks.Walk.of(filters.kind or None)


def stock_page(view: str, filters: StockFilter, wanted_page: int | None) -> StockPage:
    """One page of a stock screen with the count and totals over everything the filters match. Read only: the
    stock summary's pending deltas are added by the queries, never folded here.

    No filter, or a location kind alone: one statement for the count and the totals over the product (or kind)
    level, one (two by lot) for the page, walking products by SKU or lots by expiry in index order and reading
    each one's summary row by key; a deep page by lot starts its walk on the day it begins (one more statement
    counts the lots with stock per day, which also gives the count). Other filters: by product and by lot, ONE
    aggregate over the summary's rows (or, with a place filter, the stock items) with the number of groups and
    the unit totals taken by window functions in the same pass; by location, the count and totals from the
    summary (or the items), then the page. Then the places and lots of the page's rows only."""
    wanted = max(wanted_page or 1, 1)
    walk = _walk(filters)
    if walk is not None:
        # A deep page by lot needs the dated lots per day: they add up to the count too (not counted twice).
        days = (db.session.execute(summary_walks.dated_days(walk)).all()
                if view == "lot" and (wanted - 1) * PER_PAGE >= summary_walks.DEEP else None)
        total, undated, on_hand, reserved, available = db.session.execute(
            summary_walks.walk_totals(walk, view, count=days is None)).one()
        if days is not None:
            total = sum(int(lots) for _day, lots in days) + undated
        page = Page.of(int(total), wanted)
        if view == "location":
            return StockPage(page, location_rows(filters, page.per_page, page.offset), int(on_hand),
                             int(reserved), int(available))
        if view == "product":
            found = db.session.execute(summary_walks.product_page(walk, page.per_page, page.offset)).all()
        else:
            dated, start = int(total - undated), None
            if summary_walks.DEEP <= page.offset < dated:
                if days is None:
                    days = db.session.execute(summary_walks.dated_days(walk)).all()
                start = summary_walks.start_of(days, page.offset)
            found = [row for query in summary_walks.lot_page(walk, page.per_page, page.offset, dated, start)
                     for row in db.session.execute(query).all()]
        return StockPage(page, _with_places(view, filters, found), int(on_hand), int(reserved), int(available))
    if view == "location":
        if filters.by_summary:
            figures = summary_queries.totals(filters)
        else:
            figures = filtered_items(filters, func.count(), func.coalesce(func.sum(StockItem.quantity), 0),
                                     func.coalesce(func.sum(StockItem.reserved), 0), availability.available_sum(),
                                     for_availability=True)
        total, on_hand, reserved, available = db.session.execute(figures).one()
        page = Page.of(int(total), wanted)
        rows = location_rows(filters, page.per_page, page.offset)
        return StockPage(page, rows, int(on_hand), int(reserved), int(available))
    groups = _groups(view, filters)
    columns = [Product.id.label("product_id"), Product.sku, Product.name, Product.unit, groups.c.on_hand,
               groups.c.reserved, groups.c.available, func.count().over().label("all_count"),
               func.sum(groups.c.on_hand).over().label("all_on_hand"),
               func.sum(groups.c.reserved).over().label("all_reserved"),
               func.sum(groups.c.available).over().label("all_available")]
    query = select(*columns).select_from(groups).join(Product, Product.id == groups.c.product_id)
    if view == "lot":
        query = (query.add_columns(groups.c.lot_id, Lot.code.label("lot_code"), Lot.expires_on, Lot.status)
                 .outerjoin(Lot, Lot.id == groups.c.lot_id)
                 .order_by(Lot.expires_on.is_(None), Lot.expires_on, Product.sku, Lot.code))
    else:
        query = query.order_by(Product.sku)
    found = db.session.execute(query.limit(PER_PAGE).offset((wanted - 1) * PER_PAGE)).all()
    if not found and wanted > 1:  # past the last page: the last page
        total = db.session.scalar(select(func.count()).select_from(groups))
        return stock_page(view, filters, Page.of(total, wanted).page) if total else stock_page(view, filters, 1)
    first = found[0]._mapping if found else {}
    page = Page(page=wanted, total=first.get("all_count", 0))
    return StockPage(page, _with_places(view, filters, found), int(first.get("all_on_hand") or 0),
                     int(first.get("all_reserved") or 0), int(first.get("all_available") or 0))


def _with_places(view: str, filters: StockFilter, found: list) -> list:
    """The page's rows with how many places (and lots) hold each, read from the items of its products only."""
    product_ids = {row.product_id for row in found}
    places: dict[tuple, tuple[int, int]] = {}
    if product_ids:
        group_keys = [StockItem.product_id] + ([StockItem.lot_id] if view == "lot" else [])
        for *key, n_places, n_lots in db.session.execute(
                filtered_items(filters, *group_keys, func.count(func.distinct(StockItem.location_id)),
                               func.count(func.distinct(StockItem.lot_id)))
                .where(StockItem.product_id.in_(product_ids)).group_by(*group_keys)):
            places[tuple(key)] = (n_places, n_lots)
    rows = []
    for row in found:
        key = (row.product_id, row.lot_id) if view == "lot" else (row.product_id,)
        n_places, n_lots = places.get(key, (0, 0))
        rows.append(_row(row._mapping, places=n_places, lots=n_lots))
    return rows


def zone_codes() -> list[str]:
    return list(db.session.scalars(select(Zone.code).distinct().order_by(Zone.code)))
