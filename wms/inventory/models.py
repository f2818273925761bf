"""Stock items, the append-only ledger of moves, LPNs, adjustments awaiting approval and counts."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Lot, Product
from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from ..locations.models import Location


class Lpn(db.Model):
    """A licence plate: pallet, box or tote moved as a whole. An SSCC is a pallet's GS1 plate."""

    __tablename__ = "lpns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="pallet")  # pallet, box, tote
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    location: Mapped[Location | None] = relationship()


def item_key(location_id: int, product_id: int, lot_id: int | None, lpn_id: int | None) -> str:
    """One stock item per place, product, lot and plate; a plain unique string works on every database
    (a unique constraint over nullable columns would let duplicates in)."""
    return f"{location_id}:{product_id}:{lot_id or 0}:{lpn_id or 0}"


class StockItem(db.Model):
    """How many units of one product and lot lie in one location (optionally on one LPN).

    `quantity` caches the ledger (moves in minus moves out), updated in the move's transaction;
    `reserved` caches the reservations on it. Neither is ever negative, and reserved <= quantity.
    """

    __tablename__ = "stock_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    location: Mapped[Location] = relationship()
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()
    lpn: Mapped[Lpn | None] = relationship()

    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= quantity", name="reserved_within_quantity"),
    )

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class Move(db.Model):
    """One entry of the ledger: quantity went from one location to another. Never updated or deleted."""

    __tablename__ = "moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    from_lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"))
    to_lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"))
    quantity: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(30), index=True)
    document: Mapped[str | None] = mapped_column(String(80), index=True)
    note: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()
    from_location: Mapped[Location] = relationship(foreign_keys=[from_location_id])
    to_location: Mapped[Location] = relationship(foreign_keys=[to_location_id])

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class AdjustmentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Adjustment(db.Model):
    """A correction of stock: applied at once when small, waiting for a supervisor when large."""

    __tablename__ = "adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"))
    delta: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=AdjustmentStatus.PENDING.value, index=True)
    count_task_id: Mapped[int | None] = mapped_column(ForeignKey("count_tasks.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    location: Mapped[Location] = relationship()
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()


class CountStatus(StrEnum):
    OPEN = "open"
    COUNTED = "counted"  # variances wait for a supervisor
    DONE = "done"
    CANCELLED = "cancelled"


class CountTask(db.Model):
    """A blind count of one location: the counter never sees what the system expects."""

    __tablename__ = "count_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=CountStatus.OPEN.value, index=True)
    reason: Mapped[str] = mapped_column(String(30), default="cycle")  # cycle, short_pick, request
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    counted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    location: Mapped[Location] = relationship()
    lines: Mapped[list["CountLine"]] = relationship(back_populates="task", order_by="CountLine.id")


class CountLine(db.Model):
    __tablename__ = "count_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("count_tasks.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"))
    expected: Mapped[int] = mapped_column()  # on hand when the count was submitted
    counted: Mapped[int] = mapped_column()

    task: Mapped[CountTask] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()

    @property
    def variance(self) -> int:
        return self.counted - self.expected


from .stock_sync import StockSyncMark, StockSyncState  # noqa: E402,F401  stock.changed marks (wms.inventory.stock_sync)
from .summary import StockSummary, StockSummaryDelta  # noqa: E402,F401  the desk's stock summary (wms.inventory.summary)
