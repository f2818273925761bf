"""Read queries of the lot and ledger desk screens: a lot's or a place's moves, lots expiring, where a lot lies."""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..catalog.models import Lot, Product
from ..extensions import db
from ..locations.models import PICKABLE_KINDS, Location, LocationKind
from ..paging import PER_PAGE, Page
from . import summary
from .models import Move, StockItem
from .queries import count

# ---------------------------------------------------------------------------------------------- ledger

def ledger_moves(subject: str, subject_id: int, wanted_page: int | None) -> tuple[Page, list[Move], int]:
    """A page of the moves of a product, a location or a lot (newest first), and its units on hand now."""
    where = {
        "product": Move.product_id == subject_id,
        "location": or_(Move.from_location_id == subject_id, Move.to_location_id == subject_id),
        "lot": Move.lot_id == subject_id,
    }[subject]
    query = select(Move).where(where)
    page = Page.of(count(query), wanted_page)
    moves = list(db.session.scalars(
        query.options(selectinload(Move.product), selectinload(Move.lot), selectinload(Move.from_location),
                      selectinload(Move.to_location))
        .order_by(Move.at.desc(), Move.id.desc()).limit(page.per_page).offset(page.offset)
    ))
    on_hand = {
        "product": StockItem.product_id == subject_id,
        "location": StockItem.location_id == subject_id,
        "lot": StockItem.lot_id == subject_id,
    }[subject]
    units = db.session.scalar(select(func.coalesce(func.sum(StockItem.quantity), 0)).where(on_hand))
    return page, moves, units


# ---------------------------------------------------------------------------------------------- expiry

@dataclass
class ExpiringLot:
    lot: Lot
    product: Product
    days_left: int
    places: list[tuple[Location, int, int]] = field(default_factory=list)  # (location, on hand, reserved)

    @property
    def units(self) -> int:
        return sum(qty for _place, qty, _reserved in self.places)

    @property
    def units_in_picking(self) -> int:
        return sum(qty for place, qty, _reserved in self.places if place.kind_enum in PICKABLE_KINDS)


def _expiring_criteria(today: date, days: int) -> list:
    """Lots that expired or expire within `days` and have stock (an EXISTS probe per lot: the lots' expiry
    index picks the few lots, the stock summary's key answers for each)."""
    return [Lot.expires_on.is_not(None), Lot.expires_on <= today + timedelta(days=days), summary.lot_in_stock(Lot.id)]


def expiring_counts(today: date, days: int) -> tuple[int, int]:
    """How many lots in stock expired already, and how many expire within `days` (one aggregate)."""
    expired, expiring = db.session.execute(select(
        func.count().filter(Lot.expires_on < today), func.count().filter(Lot.expires_on >= today))
        .where(*_expiring_criteria(today, days))).one()
    return expired or 0, expiring or 0


def expiring_lots(today: date, days: int, wanted_page: int | None = 1, per_page: int = PER_PAGE
                  ) -> tuple[Page, list[ExpiringLot]]:
    """A page of the lots with stock that expired already or expire within `days`, soonest first (aggregated
    per lot in SQL), with where each lies: three statements whatever the stock (the page of lot ids with the
    count of all, the lots with their products, their places)."""
    ranked = (select(Lot.id, func.count().over().label("total"))
              .join(Product, Lot.product_id == Product.id)
              .where(*_expiring_criteria(today, days))
              .order_by(Lot.expires_on, Product.sku, Lot.code))
    wanted = max(wanted_page or 1, 1)
    rows = db.session.execute(ranked.limit(per_page).offset((wanted - 1) * per_page)).all()
    if not rows and wanted > 1:  # past the last page: show the last one
        total = db.session.scalar(select(func.count()).select_from(ranked.subquery()))
        page = Page.of(total, wanted)
        rows = db.session.execute(ranked.limit(per_page).offset(page.offset)).all()
    page = Page(page=wanted, total=rows[0].total if rows else 0, per_page=per_page)
    page.page = min(page.page, page.pages)
    ids = [row.id for row in rows]
    if not ids:
        return page, []
    lots = {lot.id: (lot, product) for lot, product in db.session.execute(
        select(Lot, Product).join(Product, Lot.product_id == Product.id).where(Lot.id.in_(ids)))}
    found = {lot_id: ExpiringLot(lot, product, (lot.expires_on - today).days)
             for lot_id, (lot, product) in lots.items()}
    for lot_id, location, quantity, reserved in db.session.execute(
            select(StockItem.lot_id, Location, StockItem.quantity, StockItem.reserved)
            .join(Location, StockItem.location_id == Location.id)
            .where(StockItem.lot_id.in_(ids), StockItem.quantity > 0).order_by(Location.code, StockItem.id)):
        found[lot_id].places.append((location, quantity, reserved))
    return page, [found[i] for i in ids]


# ---------------------------------------------------------------------------------------------- lots

def lot_items(lot_id: int) -> list[StockItem]:
    """Where the lot's stock lies, by location code."""
    return list(db.session.scalars(
        select(StockItem).join(Location, StockItem.location_id == Location.id)
        .where(StockItem.lot_id == lot_id, StockItem.quantity > 0)
        .options(selectinload(StockItem.location), selectinload(StockItem.lpn)).order_by(Location.code)
    ))


def shipped_units(lot_id: int) -> int:
    """Units of the lot that went to customers, less what came back."""
    customer_kind = LocationKind.CUSTOMER.value
    return db.session.scalar(
        select(func.coalesce(func.sum(Move.quantity), 0)).join(Location, Move.to_location_id == Location.id)
        .where(Move.lot_id == lot_id, Location.kind == customer_kind)
    ) - db.session.scalar(
        select(func.coalesce(func.sum(Move.quantity), 0)).join(Location, Move.from_location_id == Location.id)
        .where(Move.lot_id == lot_id, Location.kind == customer_kind)
    )


