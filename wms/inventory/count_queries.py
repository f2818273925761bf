"""Read queries of the stock desk's adjustments, cycle counts and book check: one per screen, shaped for it.
Nothing here writes. (The stock pages' queries are in queries.py.)"""
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..catalog.models import Lot, Product
from ..extensions import db
from ..locations.models import Location
from ..paging import Page
from . import ledger
from .models import Adjustment, AdjustmentStatus, CountLine, CountTask, Lpn, Move, StockItem, item_key
from .queries import count, user_names

# ---------------------------------------------------------------------------------------------- adjustments

@dataclass
class AdjustmentRow:
    adjustment: Adjustment
    requested_by: str
    decided_by: str
    on_hand: int  # of the stock item it corrects, now
    lpn: str | None


def adjustment_rows(query) -> list[AdjustmentRow]:
    adjustments = db.session.scalars(query.options(
        selectinload(Adjustment.location), selectinload(Adjustment.product), selectinload(Adjustment.lot))).all()
    names = user_names([a.requested_by_id for a in adjustments] + [a.decided_by_id for a in adjustments])
    keys = {a.id: item_key(a.location_id, a.product_id, a.lot_id, a.lpn_id) for a in adjustments}
    on_hand = dict(db.session.execute(
        select(StockItem.key, StockItem.quantity).where(StockItem.key.in_(set(keys.values())))).all())
    plates = plate_codes(a.lpn_id for a in adjustments)
    return [AdjustmentRow(a, names.get(a.requested_by_id, ""), names.get(a.decided_by_id, ""),
                          on_hand.get(keys[a.id], 0), plates.get(a.lpn_id)) for a in adjustments]


def pending_adjustments() -> list[AdjustmentRow]:
    return adjustment_rows(select(Adjustment).where(Adjustment.status == AdjustmentStatus.PENDING.value)
                           .order_by(Adjustment.requested_at, Adjustment.id))


def recent_adjustments(limit: int = 20) -> list[AdjustmentRow]:
    return adjustment_rows(select(Adjustment).where(Adjustment.status != AdjustmentStatus.PENDING.value)
                           .order_by(Adjustment.decided_at.desc(), Adjustment.id.desc()).limit(limit))


def plate_codes(lpn_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in lpn_ids if i}
    if not wanted:
        return {}
    return dict(db.session.execute(select(Lpn.id, Lpn.code).where(Lpn.id.in_(wanted))).all())


# ---------------------------------------------------------------------------------------------- counts

@dataclass
class CountListing:
    tasks: list[CountTask]
    page: Page
    lines: dict[int, int]  # task id -> lines counted
    variances: dict[int, int]  # task id -> lines that differ
    pending: dict[int, int]  # task id -> adjustments waiting
    tallies: dict[str, int]  # status -> tasks
    names: dict[int, str]


def count_listing(status: str, wanted_page: int | None) -> CountListing:
    query = select(CountTask).where(CountTask.status == status)
    page = Page.of(count(query), wanted_page)
    tasks = list(db.session.scalars(query.options(selectinload(CountTask.location))
                                    .order_by(CountTask.id.desc()).limit(page.per_page).offset(page.offset)))
    ids = [t.id for t in tasks]
    lines = dict(db.session.execute(select(CountLine.task_id, func.count()).where(CountLine.task_id.in_(ids))
                                    .group_by(CountLine.task_id)).all())
    variances = dict(db.session.execute(
        select(CountLine.task_id, func.count()).where(CountLine.task_id.in_(ids),
                                                      CountLine.counted != CountLine.expected)
        .group_by(CountLine.task_id)).all())
    pending = dict(db.session.execute(
        select(Adjustment.count_task_id, func.count()).where(Adjustment.count_task_id.in_(ids),
                                                             Adjustment.status == AdjustmentStatus.PENDING.value)
        .group_by(Adjustment.count_task_id)).all())
    tallies = dict(db.session.execute(select(CountTask.status, func.count()).group_by(CountTask.status)).all())
    names = user_names([t.created_by_id for t in tasks] + [t.counted_by_id for t in tasks])
    return CountListing(tasks, page, lines, variances, pending, tallies, names)


def count_adjustments(task_id: int) -> list[AdjustmentRow]:
    return adjustment_rows(select(Adjustment).where(Adjustment.count_task_id == task_id).order_by(Adjustment.id))


# ---------------------------------------------------------------------------------------------- check

@dataclass
class Mismatch:
    location: Location | None
    product: Product | None
    lot: Lot | None
    lpn: str | None
    item: int
    ledger: int


def mismatches() -> list[Mismatch]:
    """Every stock item that disagrees with its ledger, with what it is, by location and SKU."""
    problems = ledger.stock_mismatches()
    parts = [tuple(int(p) for p in problem["key"].split(":")) for problem in problems]

    def load(model, ids):
        ids = {i for i in ids if i}
        return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}

    places = load(Location, (p[0] for p in parts))
    products = load(Product, (p[1] for p in parts))
    lots = load(Lot, (p[2] for p in parts))
    plates = load(Lpn, (p[3] for p in parts))
    found = [
        Mismatch(places.get(loc), products.get(prod), lots.get(lot), plates[lpn].code if lpn in plates else None,
                 problem["item"], problem["ledger"])
        for (loc, prod, lot, lpn), problem in zip(parts, problems, strict=True)
    ]
    found.sort(key=lambda m: (m.location.code if m.location else "", m.product.sku if m.product else ""))
    return found


def books_size() -> tuple[int, int]:
    """How many stock items and ledger moves there are."""
    return (db.session.scalar(select(func.count()).select_from(StockItem)),
            db.session.scalar(select(func.count()).select_from(Move)))
