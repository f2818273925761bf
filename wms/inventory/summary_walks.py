"""The stock pages read by index walks over the stock summary (wms.inventory.summary): no filter, or a location
kind alone (issue #16). Products are walked by SKU and lots by expiry in index order, each one's folded row read by
key; the count and totals come from the folded rows, corrected by the pending deltas' keys; a deep page by lot
starts on the day it begins. Pending deltas are added, never folded (a GET writes nothing): each walked row's by
an index probe (`_pending_of`), the totals' and counts' by one pass over them. Other filters: `summary_queries`'
aggregates.
"""
from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, null, select, true, union_all

from ..catalog.models import Lot, Product
from ..extensions import db
from . import availability, summary
from .summary import StockSummary, StockSummaryDelta, StockSummaryKind, StockSummaryLot, StockSummaryProduct


@dataclass(frozen=True)
class Walk:
    """A stock page read by walking products (by SKU) or lots (by expiry) in index order and reading each one's
    folded row by key: with no filter (`kind` None) or filtered by a location kind alone. `pending`: deltas wait to
    be folded; they are then added, so the page is right as of now without folding (a GET writes nothing)."""

    kind: str | None = None
    pending: bool = False

    @classmethod
    def of(cls, kind: str | None = None) -> "Walk":
        return cls(kind=kind, pending=summary.pending_count(1) > 0)


FIGURES = ("on_hand", "reserved", "items", "sellable")


def _finest_sellable(fine):
    """Units on hand less reserved of a row of the finest level in an open pickable place (lot rule apart)."""
    return case((fine.c.kind.in_(summary.PICKABLE) & fine.c.open.is_(True), fine.c.on_hand - fine.c.reserved),
                else_=0)


def _deltas(walk: Walk, name: str, *where):
    """The pending deltas in the walk's places (those that `where(d)` keeps), each with the sellable units it adds,
    as a subquery of the deltas' table (its statistics tell the planner how many there are)."""
    found = summary.pending_deltas(lambda d: [*([d.c.kind == walk.kind] if walk.kind else []),
                                              *[criterion(d) for criterion in where]])
    return found.subquery(name)


def _pending(walk: Walk, keys: tuple, name: str):
    """The pending deltas of the walk's places summed by `keys` (one pass over them, a hash)."""
    deltas = _deltas(walk, f"{name}_deltas")
    return (select(*[deltas.c[k] for k in keys], *[func.sum(deltas.c[f]).label(f) for f in FIGURES])
            .group_by(*[deltas.c[k] for k in keys]).subquery(name))


def _pending_of(walk: Walk, name: str, product_id, lot_key=None) -> tuple:
    """(source, join condition): the pending deltas of a product (with the sellable units of its held lots apart)
    or of a (product, lot) in the walk's places, summed by key. A lot's, on PostgreSQL: a LATERAL subquery, an
    index probe per lot walked (`ix_stock_summary_deltas_product`). The pending keys summed once into a hash are
    cheaper per row, but a hash join's output is not ordered: with one, the planner hash-joins and sorts the 80,000
    lots instead of walking the expiry index (~200 ms with 50,000 deltas pending); a page by lot walks at most
    `DEEP` + a day's lots. Products are 20,000: hashed and sorted, ~50 ms at any page with 50,000 deltas pending,
    where probing them takes ~8 µs each (~160 ms for page 390). SQLite has no LATERAL: summed once and joined."""
    d = StockSummaryDelta.__table__.alias(f"{name}_d")
    held_lot = Lot.__table__.alias(f"{name}_held")
    sellable = case((d.c.kind.in_(summary.PICKABLE) & d.c.open, d.c.on_hand - d.c.reserved), else_=0)
    query = select(*[func.sum(d.c[f]).label(f) for f in FIGURES[:3]], func.sum(sellable).label("sellable"))
    if lot_key is None:  # a product's deltas: those of its held lots apart (their lot read by key)
        held = availability.lot_is_held(status=held_lot.c.status, expires_on=held_lot.c.expires_on)
        query = (query.add_columns(func.sum(case((held_lot.c.id.is_not(None), sellable), else_=0))
                                   .label("held_sellable"))
                 .select_from(d.outerjoin(held_lot, (held_lot.c.id == d.c.lot_key) & held)))
    query = query.where(*([d.c.kind == walk.kind] if walk.kind else []))
    keys = [(d.c.product_id, product_id)] + ([(d.c.lot_key, lot_key)] if lot_key is not None else [])
    if lot_key is not None and db.session.get_bind().dialect.name == "postgresql":
        return query.where(*[mine == theirs for mine, theirs in keys]).lateral(name), true()
    grouped = query.add_columns(*[mine for mine, _ in keys]).group_by(*[mine for mine, _ in keys]).subquery(name)
    return grouped, and_(*[grouped.c[mine.name] == theirs for mine, theirs in keys])


def _product_level(walk: Walk):
    """The folded rows by product of the walk's places (product level, or the kind level of that kind)."""
    if walk.kind is None:
        return StockSummaryProduct.__table__.alias("folded")
    kinds = StockSummaryKind.__table__
    return select(kinds).where(kinds.c.kind == walk.kind).subquery("folded")


def _lot_level(walk: Walk):
    """The folded rows by (product, lot) of the walk's places, several per key for a kind (open or not)."""
    if walk.kind is None:
        lots = StockSummaryLot.__table__
        return select(lots.c.product_id, lots.c.lot_key, *[lots.c[f] for f in FIGURES])
    fine = StockSummary.__table__
    return (select(fine.c.product_id, fine.c.lot_key, fine.c.on_hand, fine.c.reserved, fine.c["items"],
                   _finest_sellable(fine).label("sellable")).where(fine.c.kind == walk.kind))


def _now(folded, pending):
    """A figure as of now: the folded row's (outer-joined when deltas are pending) plus the pending sum."""
    if pending is None:
        return lambda name: folded.c[name]
    return lambda name: func.coalesce(folded.c[name], 0) + func.coalesce(pending.c[name], 0)


def _held(walk: Walk, product_id=None, *, pending: bool = True):
    """Sellable units of held or expired lots in the walk's places (folded and, with `pending`, pending): all of
    them, or a product's (correlated). The held lots are a few thousand, found by `lots`' status and expiry
    indexes."""
    parts = [_lot_level(walk).subquery("held_rows")]
    if walk.pending and pending:
        parts.append(_deltas(walk, "held_deltas"))
    total = None
    for rows in parts:
        query = (select(func.coalesce(func.sum(rows.c.sellable), 0)).select_from(Lot)
                 .join(rows, (rows.c.lot_key == Lot.id) & (rows.c.product_id == Lot.product_id))
                 .where(availability.lot_is_held()))
        if product_id is not None:
            query = query.where(Lot.product_id == product_id)
        total = query.scalar_subquery() if total is None else total + query.scalar_subquery()
    return total


def _lot_sources(walk: Walk, product_id, lot_key, *, a_lot: bool = False) -> list:
    """(folded rows, join condition) of a (product, lot) given by columns, by key: its lot-level row, or for a
    kind its finest rows of that kind, open and not open. `a_lot`: `lot_key` is a lot's id (never 0), which
    alone finds its lot-level row (the planner, multiplying the selectivities of the lot and its product, else
    expects no row and sorts the whole level instead of walking it)."""
    if walk.kind is None:
        lots = StockSummaryLot.__table__.alias("folded")
        on = lots.c.lot_key == lot_key
        return [(lots, on if a_lot else on & (lots.c.product_id == product_id))]
    sources = []
    for open_ in (True, False):
        fine = StockSummary.__table__.alias("folded_open" if open_ else "folded_closed")
        sources.append((fine, (fine.c.product_id == product_id) & (fine.c.lot_key == lot_key)
                        & (fine.c.kind == walk.kind) & fine.c.open.is_(open_)))
    return sources


def _summed(walk: Walk, sources: list, outer: bool):
    """A figure of a key summed over its sources (each outer-joined, so coalesced, when `outer`); a kind's
    sellable units are the open row's, in a pickable kind."""
    sellable_here = walk.kind is None or walk.kind in summary.PICKABLE

    def figure(name):
        parts = []
        for source, _on in sources:
            if name == "sellable" and source.name == "folded_closed":
                continue  # not open: nothing sellable
            if name == "sellable" and source.name == "folded_open":
                value = source.c.on_hand - source.c.reserved if sellable_here else literal(0)
            else:
                value = source.c[name]
            parts.append(func.coalesce(value, 0) if outer else value)
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total

    return figure


def _correction(walk: Walk, level: str):
    """How many groups (products, or lots) the pending deltas bring to stock less those they empty:
    (select of it, the pending keys joined, the correction per key) — each pending key's folded row(s) read by
    key."""
    if level == "product":
        pending = _pending(walk, ("product_id",), "pending_groups")
        folded = _product_level(walk)
        joined = pending.outerjoin(folded, folded.c.product_id == pending.c.product_id)
        before = func.coalesce(folded.c["items"], 0)
    else:
        pending = _pending(walk, ("product_id", "lot_key"), "pending_groups")
        sources = _lot_sources(walk, pending.c.product_id, pending.c.lot_key)
        joined = pending
        for source, on in sources:
            joined = joined.outerjoin(source, on)
        before = _summed(walk, sources, outer=True)("items")
    change = (case((before + pending.c["items"] > 0, 1), else_=0) - case((before > 0, 1), else_=0))
    return pending, joined, change


def _group_count(walk: Walk, level: str):
    """Products (level "product") or lots (and no-lot stock) with stock now in the walk's places: the folded
    groups with items (an index or a scan of one level), corrected by the pending keys."""
    if level == "product":
        folded = _product_level(walk)
        count = select(func.count()).select_from(folded).where(folded.c["items"] > 0).scalar_subquery()
    elif walk.kind is None:
        lots = StockSummaryLot.__table__
        count = select(func.count()).select_from(lots).where(lots.c["items"] > 0).scalar_subquery()
    else:  # a lot counts once whether its units are in open places, others, or both (few: blocked bins, totes)
        fine, other = StockSummary.__table__, StockSummary.__table__.alias("open_too")
        rows = (select(func.count()).select_from(fine).where(fine.c.kind == walk.kind, fine.c["items"] > 0)
                .scalar_subquery())
        both = (select(func.count()).select_from(fine).join(
            other, (other.c.product_id == fine.c.product_id) & (other.c.lot_key == fine.c.lot_key)
            & (other.c.kind == walk.kind) & other.c.open.is_(True) & (other.c["items"] > 0))
            .where(fine.c.kind == walk.kind, fine.c.open.is_(False), fine.c["items"] > 0).scalar_subquery())
        count = rows - both
    if walk.pending:
        _pending_keys, joined, change = _correction(walk, level)
        count = count + select(func.coalesce(func.sum(change), 0)).select_from(joined).scalar_subquery()
    return count


def walk_totals(walk: Walk, view: str, *, count: bool = True):
    """ONE statement: (groups of the view, undated lot groups, on hand, reserved, available). Groups: products,
    lots or items with stock; not counted (0) without `count` (a deep page by lot adds up `dated_days` instead)."""
    level = _product_level(walk)
    sums = [select(*[func.coalesce(func.sum(level.c[f]), 0).label(f) for f in FIGURES]).subquery("folded_sums")]
    if walk.pending:
        deltas = _deltas(walk, "pending_deltas")
        sums.append(select(*[func.coalesce(func.sum(deltas.c[f]), 0).label(f) for f in FIGURES])
                    .subquery("pending_sums"))

    def total(name):
        value = sums[0].c[name]
        for part in sums[1:]:
            value = value + part.c[name]
        return value

    undated = literal(0)
    if view == "location":
        groups = total("items")
    elif view == "product":
        groups = _group_count(walk, "product")
    else:
        groups = _group_count(walk, "lot") if count else literal(0)
        joined, now = _lot_walk(walk)
        undated = (select(func.count()).select_from(joined).where(Lot.expires_on.is_(None), now("items") > 0)
                   .scalar_subquery()
                   + select(func.count()).select_from(_no_lot_rows(walk).subquery("no_lot")).scalar_subquery())
    sums_from = sums[0]
    for part in sums[1:]:
        sums_from = sums_from.join(part, literal(True))  # one row each
    return select(groups, undated, total("on_hand"), total("reserved"), total("sellable") - _held(walk)
                  ).select_from(sums_from)


def product_page(walk: Walk, limit: int, offset: int):
    """A page of stock by product: products in SKU order, their folded row by key and, with deltas pending,
    theirs summed by product (`_pending_of`); the held lots' units are taken off for the page's rows only."""
    folded = _product_level(walk)
    if walk.pending:
        pending, on = _pending_of(walk, "pending_product", Product.id)
        joined = Product.__table__.outerjoin(folded, folded.c.product_id == Product.id).outerjoin(pending, on)
        held_pending = func.coalesce(pending.c.held_sellable, 0)
    else:
        pending, joined, held_pending = None, Product.__table__.join(folded, folded.c.product_id == Product.id), 0
    now = _now(folded, pending)
    page = (select(Product.id.label("product_id"), Product.sku, Product.name, Product.unit,
                   now("on_hand").label("on_hand"), now("reserved").label("reserved"),
                   (now("sellable") - held_pending).label("sellable"))
            .select_from(joined).where(now("items") > 0).order_by(Product.sku).limit(limit).offset(offset)
            .subquery("page"))
    available = page.c.sellable - _held(walk, page.c.product_id, pending=False)
    return (select(page.c.product_id, page.c.sku, page.c.name, page.c.unit, page.c.on_hand, page.c.reserved,
                   available.label("available")).order_by(page.c.sku))


def _lot_walk(walk: Walk):
    """FROM lots ⋈ products ⋈ the lot's folded figures in the walk's places, by key (the lot level; for a kind,
    the finest level's open and not-open rows of that kind, outer-joined) ⟕ the lot's pending deltas, summed by
    an index probe (`_pending_of`); and the figures as of now."""
    joined = Lot.__table__.join(Product.__table__, Product.id == Lot.product_id)
    sources = _lot_sources(walk, Lot.product_id, Lot.id, a_lot=True)
    if walk.pending:
        sources.append(_pending_of(walk, "pending_lot", Lot.product_id, Lot.id))
    if len(sources) == 1:
        return joined.join(*sources[0]), lambda name: sources[0][0].c[name]
    for source, on in sources:
        joined = joined.outerjoin(source, on)
    return joined, _summed(walk, sources, outer=True)


def _lot_columns(now):
    return [Product.id.label("product_id"), Product.sku, Product.name, Product.unit, now("on_hand").label("on_hand"),
            now("reserved").label("reserved"),
            case((availability.lot_is_sellable(), now("sellable")), else_=0).label("available"),
            Lot.id.label("lot_id"), Lot.code.label("lot_code"), Lot.expires_on, Lot.status]


DEEP = 1000  # from this many dated rows on, a page is found by the day it starts on (see `dated_days`)


def dated_days(walk: Walk):
    """(expiry day, dated lots with stock that day) in day order: where a deep page starts, without walking the
    lots before it. The folded lots with stock (one hash join of the lots with a level's rows), corrected by the
    pending keys."""
    if walk.kind is None:
        lots = StockSummaryLot.__table__
        with_stock = Lot.__table__.join(lots, (lots.c.lot_key == Lot.id) & (lots.c["items"] > 0))
        per_day = select(Lot.expires_on.label("day"), func.count().label("lots")).select_from(with_stock)
    else:
        fine = StockSummary.__table__
        here = (select(fine.c.lot_key).where(fine.c.product_id == Lot.product_id, fine.c.lot_key == Lot.id,
                                             fine.c.kind == walk.kind, fine.c["items"] > 0).exists())
        per_day = select(Lot.expires_on.label("day"), func.count().label("lots")).where(here)
    parts = [per_day.where(Lot.expires_on.is_not(None)).group_by(Lot.expires_on)]
    if walk.pending:
        pending, joined, change = _correction(walk, "lot")
        parts.append(select(Lot.expires_on.label("day"), func.sum(change).label("lots"))
                     .select_from(joined.join(Lot, (Lot.id == pending.c.lot_key)
                                              & (Lot.product_id == pending.c.product_id)))
                     .where(Lot.expires_on.is_not(None)).group_by(Lot.expires_on))
    days = union_all(*parts).subquery("days")
    return (select(days.c.day, func.sum(days.c.lots)).group_by(days.c.day)
            .having(func.sum(days.c.lots) != 0).order_by(days.c.day))


def start_of(days: list[tuple], offset: int) -> tuple:
    """The day a page at `offset` (among the dated rows) starts on and how many rows of that day come before it,
    from `dated_days`' (day, rows) in order; (None, offset) when there are no days."""
    before = 0
    for day, rows in days:
        if before + rows > offset:
            return day, offset - before
        before += rows
    return None, offset


def lot_page(walk: Walk, limit: int, offset: int, dated: int, start: tuple | None = None) -> tuple:
    """A page of stock by lot, soonest expiry first (then SKU, lot): the dated lots walked by expiry (index) from
    the page's day (`start`: (day, rows of that day before the page), else from the first), then the undated rows
    (lots with no expiry, stock with no lot) by SKU; `dated`: how many dated rows there are. Two statements
    always (one may ask for no row)."""
    joined, now = _lot_walk(walk)
    take = max(0, min(limit, dated - offset))
    day, skip = start if start and start[0] is not None else (None, min(offset, dated))
    first = (select(*_lot_columns(now)).select_from(joined)
             .where(Lot.expires_on.is_not(None), now("items") > 0,
                    *([Lot.expires_on >= day] if day is not None else []))
             .order_by(Lot.expires_on, Product.sku, Lot.code).limit(take).offset(skip))
    # Undated: lots with no expiry (walked like the dated ones), and each product's stock with no lot.
    no_expiry = (select(*_lot_columns(now)).select_from(joined)
                 .where(Lot.expires_on.is_(None), now("items") > 0))
    no_lot = _no_lot_rows(walk)
    undated = union_all(no_expiry, no_lot).subquery("undated")
    then = (select(undated).order_by(undated.c.sku, undated.c.lot_code)
            .limit(limit - take).offset(max(0, offset - dated)))
    return first, then


def _no_lot_rows(walk: Walk):
    """Each product's stock with no lot (lot_key 0) in the walk's places, as of now, in `_lot_columns`' shape."""
    parts = [_lot_level(walk)]
    if walk.pending:
        deltas = _deltas(walk, "no_lot_deltas", lambda d: d.c.lot_key == 0)
        parts.append(select(deltas.c.product_id, deltas.c.lot_key, *[deltas.c[f] for f in FIGURES]))
    rows = union_all(*parts).subquery("no_lot")
    summed = (select(rows.c.product_id, *[func.sum(rows.c[f]).label(f) for f in FIGURES])
              .where(rows.c.lot_key == 0).group_by(rows.c.product_id).having(func.sum(rows.c["items"]) > 0)
              .subquery("no_lot_now"))
    return (select(Product.id.label("product_id"), Product.sku, Product.name, Product.unit, summed.c.on_hand,
                   summed.c.reserved, summed.c.sellable.label("available"), null().label("lot_id"),
                   null().label("lot_code"), null().label("expires_on"), null().label("status"))
            .select_from(summed).join(Product, Product.id == summed.c.product_id))
