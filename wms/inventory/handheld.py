"""The worker's stock screens on the handheld: what's here, move, blind count.

Each screen is one URL. GET shows its first step; POST takes one scan together with the state of the screen,
carried in hidden fields, and answers the next step. A scan that cannot be used answers the same step again with
the message, status 422 and the bad sound: the state it came with is untouched, so nothing changes. Each step
is a pure function of (state, scan), which makes a resent request harmless; the steps that change stock call a
service with the request's scan_id, and the service applies that id once.
"""
import functools
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from .. import clock, numbers, uow
from ..access import blueprint_role
from ..auth.models import Role
from ..catalog.models import Lot, Product
from ..errors import DomainError
from ..extensions import db
from ..locations.models import Location
from ..views_common import answer, refused
from . import lookup
from .models import Lpn, StockItem

bp = blueprint_role(Blueprint("inventory_hh", __name__, url_prefix="/hh/stock"), Role.WORKER)
# The move and count screens (handheld_move, handheld_count) are routes of this blueprint too.

MAX_UNITS = 1_000_000


def plate(found: lookup.Identified) -> lookup.Identified:
    """A known pallet's SSCC stands for its LPN."""
    if found.kind == "sscc":
        if found.lpn is None:
            raise DomainError(_l("Pallet %(sscc)s is not known here.", sscc=found.sscc))
        found.kind = "lpn"
    return found


# --- what lies where (read only) ---------------------------------------------------------------------------


def fefo(item: StockItem) -> tuple:
    lot = item.lot
    return ((lot.expires_on or date.max) if lot else date.max, lot.code if lot else "", item.location.code,
            item.lpn.code if item.lpn else "")


def stock_items(*criteria) -> list[StockItem]:
    rows = db.session.scalars(
        select(StockItem).where(StockItem.quantity > 0, *criteria)
        .options(joinedload(StockItem.product), joinedload(StockItem.lot), joinedload(StockItem.location),
                 joinedload(StockItem.lpn))
    ).all()
    return sorted(rows, key=lambda i: (i.product.sku, *fefo(i)))


def has_stock(*criteria) -> bool:
    """Is there any stock where `criteria` say (one row read, whatever lies there)?"""
    return db.session.scalar(select(StockItem.id).where(StockItem.quantity > 0, *criteria).limit(1)) is not None


def by_fefo(items: list[StockItem]) -> list[StockItem]:
    return sorted(items, key=fefo)


def loose_items(location: Location, product: Product) -> list[StockItem]:
    """The product's stock lying loose in the location (not on a plate), FEFO first."""
    return by_fefo(stock_items(StockItem.location_id == location.id, StockItem.product_id == product.id,
                           StockItem.lpn_id.is_(None)))


# --- 1. What's here? ---------------------------------------------------------------------------------------


SHOWN = 12  # stock rows a 5" handheld screen lists (about three screens of cards, FEFO first); the rest is counted


@dataclass(slots=True, frozen=True)
class Coded:
    """A place or a plate as a stock card names it."""

    code: str


@dataclass(slots=True, frozen=True)
class ProductFacts:
    sku: str
    name: str
    unit: str


@dataclass(slots=True, frozen=True)
class LotFacts:
    code: str
    expires_on: date | None
    status: str

    is_expired = Lot.is_expired  # a lot's facts expire as the lot does


@dataclass(slots=True, frozen=True)
class Card:
    """One stock item as the handheld's card shows it: the same names as a StockItem's (`item.lot.code`,
    `item.location.code`...), so the stock screens' card takes either."""

    id: int
    quantity: int
    reserved: int
    product: ProductFacts
    location: Coded
    lot: LotFacts | None
    lpn: Coded | None


@dataclass
class Shown:
    """What the screen shows: kind (location, product, lot, lpn) and the row, with the first SHOWN of its stock
    items and the totals over all of them (`count` items, `total` units, `reserved`)."""

    kind: str
    thing: object
    items: list[Card]
    count: int = 0
    total: int = 0
    reserved: int = 0

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.thing.id}"

    @property
    def more(self) -> int:
        return self.count - len(self.items)


_SHOWN_COLUMNS = (StockItem.id, StockItem.quantity, StockItem.reserved, Product.sku, Product.name, Product.unit,
                  Location.code, Lot.code, Lot.expires_on, Lot.status, Lpn.code, func.count().over(),
                  func.sum(StockItem.quantity).over(), func.sum(StockItem.reserved).over())


def _card(row) -> Card:
    (item_id, quantity, reserved, sku, name, unit, location, lot, expires_on, status, lpn, *_totals) = row
    return Card(item_id, quantity, reserved, ProductFacts(sku, name, unit), Coded(location),
                LotFacts(lot, expires_on, status) if lot is not None else None,
                Coded(lpn) if lpn is not None else None)


@functools.cache
def _shown_statement(kind: str):
    """The statement of `_show` for a kind, built once: the first SHOWN items sorted in SQL (by SKU then FEFO
    for a place, a plate or a lot; FEFO for a product) with their product, lot, place and plate as plain
    columns, each row carrying the totals over all of them (window aggregates are taken before the LIMIT)."""
    column = {"location": StockItem.location_id, "product": StockItem.product_id, "lot": StockItem.lot_id,
              "lpn": StockItem.lpn_id}[kind]
    fefo_order = (Lot.expires_on.is_(None), Lot.expires_on, func.coalesce(Lot.code, ""), Location.code,
                  func.coalesce(Lpn.code, ""))
    order = fefo_order if kind == "product" else (Product.sku, *fefo_order)
    return (select(*_SHOWN_COLUMNS)
            .where(column == bindparam("thing_id"), StockItem.quantity > 0)
            .join(Product, StockItem.product_id == Product.id).join(Location, StockItem.location_id == Location.id)
            .outerjoin(Lot, StockItem.lot_id == Lot.id).outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
            .order_by(*order, StockItem.id).limit(SHOWN))


def _show(kind: str, thing) -> Shown:
    """One statement whatever the stock (see `_shown_statement`), read as plain rows on the request's
    connection (plain columns need none of the ORM's work: half the Python of `session.execute`)."""
    rows = db.session.connection().execute(_shown_statement(kind), {"thing_id": thing.id}).all()
    if not rows:
        return Shown(kind, thing, [])
    count, total, reserved = rows[0][-3:]
    return Shown(kind, thing, [_card(row) for row in rows], count, int(total), int(reserved))


def _shown_from_scan(raw: str) -> Shown:
    found = lookup.expect(plate(lookup.identify(raw)), "location", "product", "lpn")
    if found.kind == "location":
        return _show("location", found.location)
    if found.kind == "lpn":
        return _show("lpn", found.lpn)
    if found.lot_code and found.product.lot_tracked:
        if found.lot is None:
            raise DomainError(_l("Lot %(lot)s of %(sku)s is not known here: set the item aside and call your "
                                 "supervisor.", lot=found.lot_code, sku=found.product.sku))
        return _show("lot", found.lot)
    return _show("product", found.product)


def _shown_from_ref(ref: str) -> Shown | None:
    """The result the screen showed before (so an error leaves it in place), from its hidden reference."""
    models = {"location": Location, "product": Product, "lot": Lot, "lpn": Lpn}
    kind, _sep, row_text = (ref or "").partition(":")
    row_id = numbers.whole(row_text, least=1)
    if kind not in models or row_id is None:
        return None
    thing = db.session.get(models[kind], row_id)
    return _show(kind, thing) if thing is not None else None


@bp.get("/here")
@uow.reads_only
def here():
    return render_template("inventory/hh/here.html", shown=None, today=clock.today())


@bp.post("/here")
@uow.reads_only
def here_scan():
    try:
        shown = _shown_from_scan(request.form.get("scan", ""))
    except DomainError as exc:
        return refused("inventory/hh/here.html", exc, lambda: dict(
            shown=_shown_from_ref(request.form.get("shown")), today=clock.today()))
    return answer("inventory/hh/here.html", shown=shown, today=clock.today())
