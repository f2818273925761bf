"""The stock pages read by index walks over the stock summary (wms.inventory.summary): no filter, or a location
kind alone (issue #16). Products are walked by SKU and lots by expiry in index order, each one's folded row read by
key; the count and totals come from the folded rows, corrected by the pending deltas' keys; a deep page by lot
starts on the day it begins. Pending deltas are added, never folded (a GET writes nothing). Other filters:
`summary_queries`' aggregates.
"""
from dataclasses import dataclass

from sqlalchemy import case, func, literal, null, select, union_all

from ..catalog.models import Lot, Product
from . import availability, summary
from .summary import StockSummary, StockSummaryDelta, StockSummaryKind, StockSummaryLot, StockSummaryProduct


@dataclass(frozen=True)
class Walk:
    """A stock page read by walking products (by SKU) or lots (by expiry) in index order and reading each one's
    folded row by key: with no filter (`kind` None) or filtered by a location kind alone. `pending`: deltas wait to
    be folded; they are then added, grouped by key (a small hash next to the walk), so the page is right as of
    now without folding (a GET writes nothing)."""

    kind: str | None = None
    pending: bool = False

    @classmethod
    def of(cls, kind: str | None = None) -> "Walk":
        return cls(kind=kind, pending=summary.pending_count(1) > 0)

    @property
    def placed(self):
        """The pending deltas with their sellable units (a CTE: read once per statement)."""
        return summary.PENDING


FIGURES = ("on_hand", "reserved", "items", "sellable")


def _finest_sellable(fine):
    """Units on hand less reserved of a row of the finest level in an open pickable place (lot rule apart)."""
    return case((fine.c.kind.in_(summary.PICKABLE) & fine.c.open.is_(True), fine.c.on_hand - fine.c.reserved),
                else_=0)


def _pending(walk: Walk, keys: tuple, name: str, *, sellable: bool = True):
    """The pending deltas of the walk's kind, summed by `keys`. Without `sellable` and with no kind, they need no
    placing: summed from the deltas' table as they are (its statistics also give the planner their number)."""
    if not sellable and walk.kind is None:
        d = StockSummaryDelta.__table__
        return (select(*[d.c[k] for k in keys], *[func.sum(d.c[f]).label(f) for f in FIGURES[:3]])
                .group_by(*[d.c[k] for k in keys]).subquery(name))
    placed = walk.placed
    query = (select(*[placed.c[k] for k in keys], *[func.sum(placed.c[f]).label(f) for f in FIGURES])
             .group_by(*[placed.c[k] for k in keys]))
    if walk.kind:
        query = query.where(placed.c.kind == walk.kind)
    return query.subquery(name)


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
    parts = [_lot_level(walk)]
    if walk.pending and pending:  # with no kind, only the held lots' deltas are placed (for a kind, all are)
        placed = walk.placed if walk.kind else summary.placed_only(
            lambda d: [d.c.lot_key.in_(select(Lot.id).where(availability.lot_is_held()))]).subquery("held_placed")
        parts.append(select(placed.c.product_id, placed.c.lot_key, placed.c.sellable)
                     .where(*([placed.c.kind == walk.kind] if walk.kind else [])))
    total = None
    for part in parts:
        rows = part.subquery("held_rows")
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
            elif name not in source.c:
                continue  # the deltas summed as they are: their sellable units are added to the page's rows
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
        pending = _pending(walk, ("product_id",), "pending_groups", sellable=False)
        folded = _product_level(walk)
        joined = pending.outerjoin(folded, folded.c.product_id == pending.c.product_id)
        before = func.coalesce(folded.c["items"], 0)
    else:
        pending = _pending(walk, ("product_id", "lot_key"), "pending_groups", sellable=False)
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


def walk_totals(walk: Walk, view: str):
    """ONE statement: (groups of the view, undated lot groups, on hand, reserved, available). Groups: products,
    lots or items with stock."""
    level = _product_level(walk)
    folded = select(*[func.coalesce(func.sum(level.c[f]), 0).label(f) for f in FIGURES]).subquery("folded_sums")
    sums = [folded]
    if walk.pending:  # with no kind, only the sellable units need the deltas placed
        raw = _pending(walk, ("product_id",), "pending_products", sellable=False)
        sums.append(select(*[func.coalesce(func.sum(raw.c[f]), 0).label(f) for f in FIGURES[:3]])
                    .subquery("pending_sums"))
        placed = walk.placed
        sums.append(select(func.coalesce(func.sum(placed.c.sellable), 0).label("sellable"))
                    .where(*([placed.c.kind == walk.kind] if walk.kind else [])).subquery("pending_sellable"))

    def total(name):
        value = folded.c[name]
        for part in sums[1:]:
            if name in part.c:
                value = value + part.c[name]
        return value

    undated = literal(0)
    if view == "location":
        groups = total("items")
    elif view == "product":
        groups = _group_count(walk, "product")
    else:
        groups = _group_count(walk, "lot")
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
    """A page of stock by product: products walked in SKU order (index), their row by key (and the pending
    deltas summed by product, a hash); the held lots' units are taken off for the page's rows only. With no kind,
    only the page's products' pending deltas are placed (for their sellable units)."""
    folded = _product_level(walk)
    raw = walk.pending and walk.kind is None
    pending = _pending(walk, ("product_id",), "pending_products", sellable=not raw) if walk.pending else None
    now = _now(folded, pending)
    joined = (Product.__table__.join(folded, folded.c.product_id == Product.id) if pending is None else
              Product.__table__.outerjoin(folded, folded.c.product_id == Product.id)
              .outerjoin(pending, pending.c.product_id == Product.id))
    sellable = func.coalesce(folded.c.sellable, 0) if raw else now("sellable")
    page = (select(Product.id.label("product_id"), Product.sku, Product.name, Product.unit,
                   now("on_hand").label("on_hand"), now("reserved").label("reserved"), sellable.label("sellable"))
            .select_from(joined).where(now("items") > 0).order_by(Product.sku).limit(limit).offset(offset))
    # Read more than once when deltas are pending (their placing is restricted to the page's products): ONE CTE.
    page = page.cte("page") if walk.pending else page.subquery("page")
    available = page.c.sellable - _held(walk, page.c.product_id, pending=False)
    query = select(page.c.product_id, page.c.sku, page.c.name, page.c.unit, page.c.on_hand, page.c.reserved)
    if not walk.pending:
        return query.add_columns(available.label("available")).order_by(page.c.sku)
    # The pending sellable units of the page's products (with no kind: only theirs are placed), and those of
    # their held lots, summed by product in one pass (not once per row of the page).
    if raw:
        placed = summary.placed_only(lambda d: [d.c.product_id.in_(select(page.c.product_id))]).subquery("page_placed")
    else:
        placed = walk.placed
    kind = [placed.c.kind == walk.kind] if walk.kind else []
    sellable_now = (select(placed.c.product_id, func.sum(placed.c.sellable).label("sellable")).where(*kind)
                    .group_by(placed.c.product_id).subquery("pending_sellable"))
    held = (select(placed.c.product_id, func.sum(placed.c.sellable).label("sellable"))
            .join(Lot, (Lot.id == placed.c.lot_key) & (Lot.product_id == placed.c.product_id))
            .where(availability.lot_is_held(), *kind).group_by(placed.c.product_id).subquery("held_pending"))
    if raw:
        available = available + func.coalesce(sellable_now.c.sellable, 0)
    source = page.outerjoin(held, held.c.product_id == page.c.product_id)
    if raw:
        source = source.outerjoin(sellable_now, sellable_now.c.product_id == page.c.product_id)
    return (query.add_columns((available - func.coalesce(held.c.sellable, 0)).label("available"))
            .select_from(source).order_by(page.c.sku))


def _raw(walk: Walk) -> bool:
    """Deltas are pending and no kind is asked: a walk sums them as they are (no placing) and only the sellable
    units of the page's rows are placed afterwards."""
    return walk.pending and walk.kind is None


def _with_pending_sellable(walk: Walk, query, name: str, order: tuple):
    """The page's rows (`_lot_columns`' shape, sellable units folded only) with the pending sellable units of
    their lots added: only those lots' deltas are placed (by key)."""
    page = query.cte(name)
    placed = summary.placed_only(lambda d: [d.c.lot_key.in_(select(page.c.lot_id))]).subquery(f"{name}_placed")
    pending = (select(placed.c.product_id, placed.c.lot_key, func.sum(placed.c.sellable).label("sellable"))
               .group_by(placed.c.product_id, placed.c.lot_key).subquery(f"{name}_pending"))
    sellable_lot = availability.lot_is_sellable(lot_id=page.c.lot_id, status=page.c.status,
                                                expires_on=page.c.expires_on)
    return (select(page.c.product_id, page.c.sku, page.c.name, page.c.unit, page.c.on_hand, page.c.reserved,
                   (page.c.available + case((sellable_lot, func.coalesce(pending.c.sellable, 0)), else_=0))
                   .label("available"), page.c.lot_id, page.c.lot_code, page.c.expires_on, page.c.status)
            .select_from(page.outerjoin(pending, (pending.c.lot_key == page.c.lot_id)
                                        & (pending.c.product_id == page.c.product_id)))
            .order_by(*[page.c[column] for column in order]))


def _lot_walk(walk: Walk):
    """FROM lots ⋈ products ⋈ the lot's folded figures in the walk's places, by key (the lot level; for a kind,
    the finest level's open and not-open rows of that kind, outer-joined) ⟕ the pending deltas by (product, lot);
    and the figures as of now."""
    joined = Lot.__table__.join(Product.__table__, Product.id == Lot.product_id)
    sources = _lot_sources(walk, Lot.product_id, Lot.id, a_lot=True)
    if walk.pending:  # with no kind, summed as they are (see _raw)
        pending = _pending(walk, ("product_id", "lot_key"), "pending_lots", sellable=not _raw(walk))
        sources.append((pending, (pending.c.lot_key == Lot.id) & (pending.c.product_id == Lot.product_id)))
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
    if _raw(walk):
        return (_with_pending_sellable(walk, first, "dated_page", ("expires_on", "sku", "lot_code")),
                _with_pending_sellable(walk, then, "undated_page", ("sku", "lot_code")))
    return first, then


def _no_lot_rows(walk: Walk):
    """Each product's stock with no lot (lot_key 0) in the walk's places, as of now, in `_lot_columns`' shape."""
    parts = [_lot_level(walk)]
    if walk.pending:  # with no kind, only the deltas of stock with no lot are placed
        placed = (summary.placed_only(lambda d: [d.c.lot_key == 0]).subquery("no_lot_placed") if _raw(walk)
                  else walk.placed)
        parts.append(select(placed.c.product_id, placed.c.lot_key, *[placed.c[f] for f in FIGURES])
                     .where(*([placed.c.kind == walk.kind] if walk.kind else [])))
    rows = union_all(*parts).subquery("no_lot")
    summed = (select(rows.c.product_id, *[func.sum(rows.c[f]).label(f) for f in FIGURES])
              .where(rows.c.lot_key == 0).group_by(rows.c.product_id).having(func.sum(rows.c["items"]) > 0)
              .subquery("no_lot_now"))
    return (select(Product.id.label("product_id"), Product.sku, Product.name, Product.unit, summed.c.on_hand,
                   summed.c.reserved, summed.c.sellable.label("available"), null().label("lot_id"),
                   null().label("lot_code"), null().label("expires_on"), null().label("status"))
            .select_from(summed).join(Product, Product.id == summed.c.product_id))
