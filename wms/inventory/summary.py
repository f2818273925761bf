"""The stock summary: units on hand, reserved and items per (product, lot, location kind, open), kept by the
database itself so the desk's stock pages never aggregate the million stock items (issue #16).

How it stays right, whatever code path changes stock (ORM, `UPDATE … FROM (VALUES …)`, inserts, deletes, COPY):
- Triggers on `stock_items` (migration 7c3e5a91d2b4; statement-level with transition tables on PostgreSQL,
  row-level on SQLite) only INSERT signed deltas into the append-only `stock_summary_deltas`, keyed by the
  item's location: concurrent moves never update a shared row, so they never wait on each other or deadlock
  (a pick S→N and a put-away N→S of the same lot write two new rows each). The item's plate kind (a tote is
  never open) is read then: a plate's kind never changes.
- Readers (`current()`) add the pending deltas to the summary in the same statement, placing each delta by its
  location's facts *now*; `compact()` folds them into the summary in ONE statement (PostgreSQL:
  `WITH d AS (DELETE … RETURNING) INSERT … ON CONFLICT DO UPDATE`), run by `wms worker`'s pass and by the stock
  pages when more than COMPACT_AT deltas wait.
- A location whose kind, active or blocked changes moves its items' units (already folded in) from the old
  (kind, open) to the new, in its own transaction (trigger on `locations`, as explicit deltas).
- Compaction and location changes are serialized by one transaction-level advisory lock on PostgreSQL
  (compaction only *tries* it and skips when busy; nothing else takes it), so a location change never moves units
  that a concurrent compaction is placing by the old facts.
Lot status and expiry change with the date: they are applied when reading (joining `lots`), never stored.
`wms check` compares the summary with the items (`drift()`).
"""
from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    String,
    case,
    column,
    func,
    literal,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

LOCK_KEY = 7_160_016  # pg advisory lock: compaction and location changes (issue 16)
COMPACT_AT = 5000  # pending deltas that make a stock page fold them in first


class StockSummary(db.Model):
    """Stock folded by product, lot (0: none), location kind and open (active, not blocked, not on a tote)."""

    __tablename__ = "stock_summary"

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lot_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    open: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    items: Mapped[int] = mapped_column(default=0)  # stock items with quantity > 0


class StockSummaryDelta(db.Model):
    """A change of the summary not folded in yet. Written by triggers only: by an item's change (location_id set,
    kind NULL: placed by the location's facts when read or folded) or by a location's change (location_id NULL,
    kind and open given)."""

    __tablename__ = "stock_summary_deltas"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    product_id: Mapped[int] = mapped_column()
    lot_key: Mapped[int] = mapped_column()
    location_id: Mapped[int | None] = mapped_column(index=True)
    kind: Mapped[str | None] = mapped_column(String(20))
    open: Mapped[bool] = mapped_column(Boolean)
    on_hand: Mapped[int] = mapped_column()
    reserved: Mapped[int] = mapped_column()
    items: Mapped[int] = mapped_column()


def _placed_deltas():
    """The pending deltas with their (kind, open) as of now."""
    d = StockSummaryDelta.__table__.alias("d")
    loc = table("locations", column("id"), column("kind"), column("active"), column("blocked")).alias("l")
    open_now = d.c.open & func.coalesce(loc.c.active & ~loc.c.blocked, True)
    return (select(d.c.product_id, d.c.lot_key, func.coalesce(d.c.kind, loc.c.kind).label("kind"),
                   open_now.label("open"), d.c.on_hand, d.c.reserved, d.c["items"])
            .select_from(d.outerjoin(loc, loc.c.id == d.c.location_id)))


def current(name: str = "stock_now"):
    """The summary as of now (folded rows plus pending deltas), as a subquery with the summary's columns:
    several rows may share a key; sum them."""
    s = StockSummary.__table__
    return union_all(select(s.c.product_id, s.c.lot_key, s.c.kind, s.c.open, s.c.on_hand, s.c.reserved, s.c["items"]),
                     _placed_deltas()).subquery(name)


def pending_deltas(limit: int = COMPACT_AT) -> int:
    """How many deltas wait (counted up to limit + 1)."""
    return db.session.scalar(select(func.count()).select_from(
        select(literal(1)).select_from(StockSummaryDelta).limit(limit + 1).subquery()))


_FOLD = """
INSERT INTO stock_summary (product_id, lot_key, kind, open, on_hand, reserved, items)
SELECT d.product_id, d.lot_key, COALESCE(d.kind, l.kind), d.open AND COALESCE(l.active AND NOT l.blocked, TRUE),
       SUM(d.on_hand), SUM(d.reserved), SUM(d.items)
FROM {source} d LEFT JOIN locations l ON l.id = d.location_id
{where}
GROUP BY d.product_id, d.lot_key, COALESCE(d.kind, l.kind), d.open AND COALESCE(l.active AND NOT l.blocked, TRUE)
ON CONFLICT (product_id, lot_key, kind, open) DO UPDATE SET on_hand = stock_summary.on_hand + excluded.on_hand,
    reserved = stock_summary.reserved + excluded.reserved, items = stock_summary.items + excluded.items
"""


def compact() -> bool:
    """Fold the pending deltas into the summary, in the caller's unit of work. False when another transaction
    holds the lock (PostgreSQL): readers stay right meanwhile, they add the deltas themselves."""
    if db.session.get_bind().dialect.name == "postgresql":
        if not db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY}):
            return False
        # ONE statement: only deltas committed before it started are deleted, and exactly those are folded.
        db.session.execute(text(
            "WITH d AS (DELETE FROM stock_summary_deltas RETURNING product_id, lot_key, location_id, kind, open, "
            "on_hand, reserved, items) " + _FOLD.format(source="d", where="")))
        return True
    # SQLite: one writer at a time, so the fold and the delete of the same rows cannot be interleaved.
    last = db.session.scalar(select(func.max(StockSummaryDelta.id)))
    if last is None:
        return True
    db.session.execute(text(_FOLD.format(source="stock_summary_deltas", where="WHERE d.id <= :last")),
                       {"last": last})
    db.session.execute(text("DELETE FROM stock_summary_deltas WHERE id <= :last"), {"last": last})
    return True


def compact_if_piled_up() -> None:
    if pending_deltas() > COMPACT_AT:
        compact()


def from_items():
    """What the summary should hold, computed from the stock items (the slow way: for `wms check` and tests)."""
    items = table("stock_items", column("product_id"), column("lot_id"), column("location_id"),
                  column("lpn_id"), column("quantity"), column("reserved")).alias("i")
    loc = table("locations", column("id"), column("kind"), column("active"), column("blocked")).alias("l")
    plates = table("lpns", column("id"), column("kind")).alias("p")
    open_ = loc.c.active & ~loc.c.blocked & ~func.coalesce(plates.c.kind == "tote", False)
    lot_key = func.coalesce(items.c.lot_id, 0)
    return (select(items.c.product_id, lot_key.label("lot_key"), loc.c.kind, open_.label("open"),
                   func.sum(items.c.quantity).label("on_hand"), func.sum(items.c.reserved).label("reserved"),
                   func.sum(case((items.c.quantity > 0, 1), else_=0)).label("items"))
            .select_from(items.join(loc, loc.c.id == items.c.location_id)
                         .outerjoin(plates, plates.c.id == items.c.lpn_id))
            .group_by(items.c.product_id, lot_key, loc.c.kind, open_))


def drift() -> list[dict]:
    """Every (product, lot, kind, open) where the summary differs from the stock items (empty when right): ONE
    grouped comparison in the database, only the differences come back."""
    want, now = from_items().subquery("want"), current()
    zero = literal(0)
    rows = union_all(
        select(want.c.product_id, want.c.lot_key, want.c.kind, want.c.open, want.c.on_hand.label("q"),
               want.c.reserved.label("r"), want.c["items"].label("n"), zero.label("sq"), zero.label("sr"),
               zero.label("sn")),
        select(now.c.product_id, now.c.lot_key, now.c.kind, now.c.open, zero, zero, zero, now.c.on_hand,
               now.c.reserved, now.c["items"])).subquery("books")
    sums = [func.sum(rows.c[name]) for name in ("q", "r", "n", "sq", "sr", "sn")]
    statement = (select(rows.c.product_id, rows.c.lot_key, rows.c.kind, rows.c.open, *sums)
                 .group_by(rows.c.product_id, rows.c.lot_key, rows.c.kind, rows.c.open)
                 .having(or_(sums[0] != sums[3], sums[1] != sums[4], sums[2] != sums[5]))
                 .order_by(rows.c.product_id, rows.c.lot_key, rows.c.kind, rows.c.open))
    return [{"product_id": p, "lot_key": lot, "kind": kind, "open": bool(open_),
             "items": (int(q), int(r), int(n)), "summary": (int(sq), int(sr), int(sn))}
            for p, lot, kind, open_, q, r, n, sq, sr, sn in db.session.execute(statement)]


def rebuild() -> None:
    """Recompute the summary from the stock items (after a repair by hand), in the caller's unit of work."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        db.session.execute(text("LOCK TABLE stock_items IN SHARE MODE"))
    db.session.execute(text("DELETE FROM stock_summary_deltas"))
    db.session.execute(text("DELETE FROM stock_summary"))
    db.session.execute(StockSummary.__table__.insert().from_select(
        ["product_id", "lot_key", "kind", "open", "on_hand", "reserved", "items"], from_items()))
