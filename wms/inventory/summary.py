"""The stock summary: the desk's stock by product, by lot and by location kind without aggregating the million
stock items on every request (issue #16). Kept by the database itself, in the same transaction as every change.

Four levels, folded from the same deltas:
- `stock_summary`: (product, lot or 0, location kind, open = active, not blocked, not on a tote) → units on hand,
  reserved, items with units (the stock page by lot filtered by kind, the held lots of a kind, and the check);
- `stock_summary_lots`: (product, lot) → the same, plus `sellable`: units on hand less reserved in open pickable
  places (available to promise once the lot's status and expiry are applied, at read time);
- `stock_summary_kinds`: (location kind, product) → the same (the stock page filtered by kind reads at most one
  row per product, not the 74,000–120,000 finest rows of that kind);
- `stock_summary_products`: product → the same (stock by product reads 20,000 rows, not 1,000,000).

How it stays right, whatever code path changes stock (ORM, `UPDATE … FROM (VALUES …)`, inserts, deletes, COPY):
- Triggers on `stock_items` (statement-level with transition tables on PostgreSQL, row-level on SQLite) only
  INSERT signed deltas into the append-only `stock_summary_deltas`, each with its place as of then: the location's
  kind and open (read by key when written; migration 5330a366ca41). Concurrent moves never update a shared row, so
  they never wait on each other for it nor deadlock (a pick S→N and a put-away N→S of the same lot write new rows
  only).
- The invariant: everything of a location is in the summary (folded plus pending) under the location's kind and
  open of now. A location whose kind, active or blocked changes moves ALL its items from the old (kind, open) to
  the new, as explicit deltas, in its own transaction (trigger on `locations`). On PostgreSQL it takes the
  exclusive "place" advisory lock that every item trigger takes shared, so no delta is written by facts that a
  concurrent location change is replacing without counting it.
- Readers add the pending deltas to the folded rows in the same statement, as they are (no location to read);
  they never fold: a GET writes nothing. `compact()` folds them into the four tables in ONE statement on
  PostgreSQL (`WITH d AS (DELETE … RETURNING) INSERT … ON CONFLICT DO UPDATE`), run by `wms worker`'s pass and,
  for the demo without a worker, by `wms run`'s thread (the worker's loop, with `worker.fold_once`), each fold its
  own unit of work.
  Folds only *try* the fold lock (one at a time; readers stay right meanwhile); `rebuild` and location changes
  take it.
Lot status and expiry change with the date: applied when reading (joining `lots`), never stored.
`wms check` compares every level with the stock items (`drift()`).
"""
from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    String,
    and_,
    case,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..locations.models import PICKABLE_KINDS

LOCK_KEY = 7_160_016  # pg advisory lock: folds, rebuilds and location changes (issue 16); also in the migrations
PLACE_KEY = 7_160_017  # pg advisory lock: item triggers (shared) and location changes (exclusive); migration
PICKABLE = tuple(sorted(k.value for k in PICKABLE_KINDS))


class StockSummary(db.Model):
    """Stock folded by product, lot (0: none), location kind and open (active, not blocked, not on a tote)."""

    __tablename__ = "stock_summary"

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lot_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    open: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    items: Mapped[int] = mapped_column(default=0)  # stock items with quantity > 0

    # A kind's stock with no lot (the stock page by lot, filtered by kind) without scanning the level.
    __table_args__ = (Index("ix_stock_summary_no_lot", "kind", "product_id", postgresql_where=text("lot_key = 0"),
                            sqlite_where=text("lot_key = 0")),)


class StockSummaryLot(db.Model):
    """Stock folded by product and lot (0: none); `sellable`: on hand less reserved in open pickable places."""

    __tablename__ = "stock_summary_lots"

    lot_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # first: found by lot
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    items: Mapped[int] = mapped_column(default=0)
    sellable: Mapped[int] = mapped_column(BigInteger, default=0)

    # "Has this lot stock?" (the desk's tiles, the expiry page) by an index-only probe per lot.
    __table_args__ = (Index("ix_stock_summary_lots_in_stock", "lot_key", postgresql_where=text("items > 0"),
                            sqlite_where=text("items > 0")),)


class StockSummaryKind(db.Model):
    """Stock folded by location kind and product; `sellable` as for a product, in that kind's places."""

    __tablename__ = "stock_summary_kinds"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # first: a kind's products by key
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    items: Mapped[int] = mapped_column(default=0)
    sellable: Mapped[int] = mapped_column(BigInteger, default=0)


class StockSummaryProduct(db.Model):
    """Stock folded by product; `sellable` as for a lot, every lot included (the held and expired are taken off
    when reading)."""

    __tablename__ = "stock_summary_products"

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    items: Mapped[int] = mapped_column(default=0)
    sellable: Mapped[int] = mapped_column(BigInteger, default=0)


class StockSummaryDelta(db.Model):
    """A change not folded in yet, with its place (location kind, open) as of when it was written. Written by
    triggers only: by an item's change, or by a location's change (its items moved from the old place to the
    new)."""

    __tablename__ = "stock_summary_deltas"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    product_id: Mapped[int] = mapped_column()
    lot_key: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    open: Mapped[bool] = mapped_column(Boolean)
    on_hand: Mapped[int] = mapped_column()
    reserved: Mapped[int] = mapped_column()
    items: Mapped[int] = mapped_column()

    # A walked product's or lot's pending deltas by an index probe (the stock pages, `summary_walks._pending_of`).
    __table_args__ = (Index("ix_stock_summary_deltas_product", "product_id", "lot_key"),)


LEVELS = {"stock_summary": ("product_id", "lot_key", "kind", "open"),
          "stock_summary_lots": ("lot_key", "product_id"), "stock_summary_kinds": ("kind", "product_id"),
          "stock_summary_products": ("product_id",)}
_PICKABLE_SQL = ", ".join(f"'{kind}'" for kind in PICKABLE)
# The pending deltas with the sellable units they add (a delta carries its place).
_PLACED = f"""
    SELECT d.product_id, d.lot_key, d.kind, d.open, d.on_hand, d.reserved, d.items,
           CASE WHEN d.kind IN ({_PICKABLE_SQL}) AND d.open THEN d.on_hand - d.reserved ELSE 0 END AS sellable
    FROM {{source}} d {{where}}"""


def _fold(level: str, placed: str) -> str:
    keys = ", ".join(LEVELS[level])
    figures = ["on_hand", "reserved", "items"] + ([] if level == "stock_summary" else ["sellable"])
    sums = ", ".join(f"SUM({name})" for name in figures)
    updates = ", ".join(f"{name} = {level}.{name} + excluded.{name}" for name in figures)
    return (f"INSERT INTO {level} ({keys}, {', '.join(figures)}) SELECT {keys}, {sums} FROM {placed} p "
            f"WHERE TRUE GROUP BY {keys} ON CONFLICT ({keys}) DO UPDATE SET {updates}")


def compact() -> bool:
    """Fold the pending deltas into the summary, in the caller's unit of work. False when another transaction
    holds the lock (PostgreSQL): readers stay right meanwhile, they add the deltas themselves."""
    if db.session.get_bind().dialect.name == "postgresql":
        if not db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY}):
            return False
        # ONE statement: exactly the deltas it deletes (committed before it started) are folded, into each level.
        placed = _PLACED.format(source="d", where="")
        db.session.execute(text(
            "WITH d AS (DELETE FROM stock_summary_deltas RETURNING product_id, lot_key, kind, open, "
            f"on_hand, reserved, items), placed AS ({placed}), "
            f"s1 AS ({_fold('stock_summary', 'placed')}), s2 AS ({_fold('stock_summary_lots', 'placed')}), "
            f"s3 AS ({_fold('stock_summary_kinds', 'placed')}) " + _fold("stock_summary_products", "placed")))
        return True
    # SQLite: one writer at a time, so nothing can come in between the folds and the delete of the same rows.
    last = db.session.scalar(select(func.max(StockSummaryDelta.id)))
    if last is None:
        return True
    placed = "(" + _PLACED.format(source="stock_summary_deltas", where="WHERE d.id <= :last") + ")"
    for level in LEVELS:
        db.session.execute(text(_fold(level, placed)), {"last": last})
    db.session.execute(text("DELETE FROM stock_summary_deltas WHERE id <= :last"), {"last": last})
    return True


def fold_pending() -> int:
    """`wms worker`'s step (and the pass of `wms run`'s thread, `worker.fold_once`): fold the pending deltas in its
    own unit of work; returns how many there were (0 when none, or when another transaction was folding them)."""
    from ..uow import unit_of_work

    with unit_of_work():
        waiting = db.session.scalar(select(func.count()).select_from(StockSummaryDelta))
        return waiting if waiting and compact() else 0


def pending() -> bool:
    """Whether deltas wait to be folded (read only: a reader adds them itself, see the module)."""
    return bool(db.session.scalar(select(select(StockSummaryDelta.id).exists())))


# ---------------------------------------------------------------------------------------------- reading

def lot_in_stock(lot_id, waiting: int | None = None):
    """True when the lot (a column) has units somewhere as of now: its folded lot-level row by key (the lot first
    in the key), unless deltas of the lot are pending; then its folded items plus theirs (the pending lots are
    few, summed once). With MANY deltas
    pending, the lot's stock items are probed instead (index on lot_id). `waiting`: `pending_count()` when the
    caller asked it already."""
    waiting = pending_count() if waiting is None else waiting
    lots = StockSummaryLot.__table__
    folded = select(lots.c.lot_key).where(lots.c.lot_key == lot_id, lots.c["items"] > 0).exists()
    if not waiting:
        return folded
    if waiting >= MANY:
        from .models import StockItem

        return select(StockItem.id).where(StockItem.lot_id == lot_id, StockItem.quantity > 0).exists()
    d = StockSummaryDelta.__table__
    waiting_lots = (select(d.c.lot_key, func.sum(d.c["items"]).label("items")).group_by(d.c.lot_key)
                    .subquery("waiting_lots"))
    folded_items = (select(func.coalesce(func.sum(lots.c["items"]), 0)).where(lots.c.lot_key == waiting_lots.c.lot_key)
                    .scalar_subquery())
    return or_(and_(folded, lot_id.not_in(select(waiting_lots.c.lot_key))),
               lot_id.in_(select(waiting_lots.c.lot_key).where(folded_items + waiting_lots.c["items"] > 0)))


def pending_deltas(where=None):
    """The pending deltas (those `where(d)` keeps, a list of criteria on the deltas' table) with the sellable units
    they add, as a select: read as they are, each carries its place."""
    d = StockSummaryDelta.__table__.alias("d")
    sellable = case((d.c.kind.in_(PICKABLE) & d.c.open, d.c.on_hand - d.c.reserved), else_=0)
    return (select(d.c.product_id, d.c.lot_key, d.c.kind, d.c.open, d.c.on_hand, d.c.reserved, d.c["items"],
                   sellable.label("sellable"))
            .where(*(where(d) if where else [])))


MANY = 2_000  # from this many pending deltas on, "has this lot stock?" probes the lot's items (`lot_in_stock`)


def pending_count(limit: int = MANY) -> int:
    """How many deltas wait to be folded, counted up to `limit` (read only)."""
    return db.session.scalar(select(func.count()).select_from(select(StockSummaryDelta.id).limit(limit).subquery()))


def current(name: str = "stock_now"):
    """The (product, lot, kind, open) summary as of now (folded rows plus pending deltas), as a subquery:
    several rows may share a key; sum them."""
    s, placed = StockSummary.__table__, pending_deltas().subquery()
    return select(s.c.product_id, s.c.lot_key, s.c.kind, s.c.open, s.c.on_hand, s.c.reserved, s.c["items"]).union_all(
        select(placed.c.product_id, placed.c.lot_key, placed.c.kind, placed.c.open, placed.c.on_hand,
               placed.c.reserved, placed.c["items"])).subquery(name)


def current_level(model, name: str):
    """The lot or product level as of now, one row per key: the folded rows FULL JOINed with the pending deltas
    summed by key (a tiny set), so nothing but the deltas is aggregated."""
    folded = model.__table__
    keys = ["product_id"] + (["lot_key"] if model is StockSummaryLot else [])
    placed = pending_deltas().subquery()
    figures = ("on_hand", "reserved", "items", "sellable")
    pending = (select(*[placed.c[k] for k in keys], *[func.sum(placed.c[f]).label(f) for f in figures])
               .group_by(*[placed.c[k] for k in keys]).subquery(f"{name}_pending"))
    on = [folded.c[k] == pending.c[k] for k in keys]
    condition = on[0] if len(on) == 1 else on[0] & on[1]
    return (select(*[func.coalesce(folded.c[k], pending.c[k]).label(k) for k in keys],
                   *[(func.coalesce(folded.c[f], 0) + func.coalesce(pending.c[f], 0)).label(f) for f in figures])
            .select_from(folded.join(pending, condition, full=True)).subquery(name))


# ---------------------------------------------------------------------------------------------- checking

_FROM_ITEMS = f"""
    SELECT i.product_id, COALESCE(i.lot_id, 0) AS lot_key, l.kind,
           l.active AND NOT l.blocked AND NOT COALESCE(p.kind = 'tote', FALSE) AS open,
           SUM(i.quantity) AS on_hand, SUM(i.reserved) AS reserved,
           SUM(CASE WHEN i.quantity > 0 THEN 1 ELSE 0 END) AS items,
           SUM(CASE WHEN l.kind IN ({_PICKABLE_SQL}) AND l.active AND NOT l.blocked
                         AND NOT COALESCE(p.kind = 'tote', FALSE) THEN i.quantity - i.reserved ELSE 0 END) AS sellable
    FROM stock_items i JOIN locations l ON l.id = i.location_id LEFT JOIN lpns p ON p.id = i.lpn_id
    GROUP BY i.product_id, COALESCE(i.lot_id, 0), l.kind,
             l.active AND NOT l.blocked AND NOT COALESCE(p.kind = 'tote', FALSE)"""


FIGURES = ("on_hand", "reserved", "items", "sellable")


def _comparison(level: str) -> str:
    """Keys of one level where the items (`want`, aggregated once) and the summary as of now disagree."""
    keys = ", ".join(LEVELS[level])
    shown = ", ".join(k if k in LEVELS[level] else "NULL" for k in LEVELS["stock_summary"])
    folded_sellable = "0" if level == "stock_summary" else "sellable"

    def side(prefix: str, sellable: str) -> str:
        return ", ".join([f"{f} AS {prefix}_{f}" for f in FIGURES[:3]] + [f"{sellable} AS {prefix}_sellable"])

    zeros_w = ", ".join(f"0 AS w_{f}" for f in FIGURES)
    zeros_h = ", ".join(f"0 AS h_{f}" for f in FIGURES)
    placed = _PLACED.format(source="stock_summary_deltas", where="")
    sums = ", ".join([f"SUM(w_{f})" for f in FIGURES] + [f"SUM(h_{f})" for f in FIGURES])
    differ = " OR ".join(f"SUM(w_{f}) <> SUM(h_{f})" for f in FIGURES)
    want_sellable = "0" if level == "stock_summary" else "sellable"
    return (f"SELECT '{level}' AS level, {shown}, {sums} FROM ("
            f"SELECT {keys}, {side('w', want_sellable)}, {zeros_h} FROM want UNION ALL "
            f"SELECT {keys}, {zeros_w}, {side('h', folded_sellable)} FROM {level} UNION ALL "
            f"SELECT {keys}, {zeros_w}, {side('h', want_sellable)} FROM ({placed}) pending"
            f") books GROUP BY {keys} HAVING {differ}")


def drift() -> list[dict]:
    """Every key of every level where the summary differs from the stock items (empty when right): one grouped
    comparison in the database (the items are aggregated once); only the differences come back."""
    sql = "WITH want AS (" + _FROM_ITEMS + ") " + " UNION ALL ".join(_comparison(level) for level in LEVELS)
    problems = []
    for level, product_id, lot_key, kind, open_, *figures in db.session.execute(text(sql)):
        problems.append({"level": level, "product_id": product_id, "lot_key": lot_key, "kind": kind,
                         "open": None if open_ is None else bool(open_),
                         "items": tuple(int(x or 0) for x in figures[:4]),
                         "summary": tuple(int(x or 0) for x in figures[4:])})
    return problems


# The four levels from the stock items (the migration's backfill and `rebuild`): the finest from the items, the
# others from it.
_SELLABLE = f"CASE WHEN kind IN ({_PICKABLE_SQL}) AND open THEN on_hand - reserved ELSE 0 END"
REBUILD = [
    "INSERT INTO stock_summary (product_id, lot_key, kind, open, on_hand, reserved, items) "
    "SELECT product_id, lot_key, kind, open, on_hand, reserved, items FROM (" + _FROM_ITEMS + ") w",
    "INSERT INTO stock_summary_lots (product_id, lot_key, on_hand, reserved, items, sellable) "
    f"SELECT product_id, lot_key, SUM(on_hand), SUM(reserved), SUM(items), SUM({_SELLABLE}) FROM stock_summary "
    "GROUP BY product_id, lot_key",
    "INSERT INTO stock_summary_kinds (kind, product_id, on_hand, reserved, items, sellable) "
    f"SELECT kind, product_id, SUM(on_hand), SUM(reserved), SUM(items), SUM({_SELLABLE}) FROM stock_summary "
    "GROUP BY kind, product_id",
    "INSERT INTO stock_summary_products (product_id, on_hand, reserved, items, sellable) "
    "SELECT product_id, SUM(on_hand), SUM(reserved), SUM(items), SUM(sellable) FROM stock_summary_lots "
    "GROUP BY product_id",
]


def rebuild() -> None:
    """Recompute the summary from the stock items (after a repair by hand), in the caller's unit of work."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        db.session.execute(text("LOCK TABLE stock_items IN SHARE MODE"))  # no change while it is recomputed
    db.session.execute(text("DELETE FROM stock_summary_deltas"))
    for level in LEVELS:
        db.session.execute(text(f"DELETE FROM {level}"))
    for statement in REBUILD:
        db.session.execute(text(statement))
