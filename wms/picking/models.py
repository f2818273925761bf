"""Reservations of stock for order lines, waves of orders picked together into totes, pick tasks in walking
order, and replenishment of pick faces from reserve."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Lot, Product
from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from ..inventory.models import Lpn, StockItem
from ..locations.models import Location
from ..orders.models import Order, OrderLine

# The kind of plate an order's picked units ride in: stock on a tote is never allocated, counted or replenished from.
TOTE = "tote"


class Reservation(db.Model):
    """Units of one stock item held for one order line. Not a move: the units stay where they are, and
    `StockItem.reserved` is always the sum of the reservations on the item (same transaction). A reservation
    is deleted when its units are picked or released."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    quantity: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order_line: Mapped[OrderLine] = relationship()
    stock_item: Mapped[StockItem] = relationship()
    lot: Mapped[Lot | None] = relationship()
    location: Mapped[Location] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class WaveStatus(StrEnum):
    OPEN = "open"  # built; totes are being bound
    PICKING = "picking"
    DONE = "done"  # totes left in staging
    CANCELLED = "cancelled"


ACTIVE_WAVE_STATUSES = (WaveStatus.OPEN, WaveStatus.PICKING)


class Wave(db.Model):
    """Orders picked in one walk, each into its own tote. The filters it was built with are kept to show."""

    __tablename__ = "waves"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=WaveStatus.OPEN.value, index=True)
    carrier: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(20))
    promised_by: Mapped[date | None] = mapped_column()
    min_priority: Mapped[int | None] = mapped_column()
    max_orders: Mapped[int] = mapped_column()
    proposed: Mapped[bool] = mapped_column(default=False)
    planned_distance_m: Mapped[float] = mapped_column(default=0.0)
    staging_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    orders: Mapped[list["WaveOrder"]] = relationship(back_populates="wave", order_by="WaveOrder.slot")
    staging_location: Mapped[Location | None] = relationship()


class WaveOrder(db.Model):
    """An order's place in a wave: its slot on the cart and the tote its units go into."""

    __tablename__ = "wave_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    slot: Mapped[int] = mapped_column()
    tote_lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"), index=True)
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    wave: Mapped[Wave] = relationship(back_populates="orders")
    order: Mapped[Order] = relationship()
    tote: Mapped[Lpn | None] = relationship()

    __table_args__ = (
        UniqueConstraint("wave_id", "slot", name="uq_wave_orders_wave_slot"),
        UniqueConstraint("wave_id", "order_id", name="uq_wave_orders_wave_order"),
    )


class PickTaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"  # its reservation was released (order cancelled, lot blocked)


class PickTask(db.Model):
    """Take `quantity` of a product (and lot) from a location into an order's tote. `sequence` is the walking
    order; a skipped task keeps it and comes back after the others (`skips`). When done, `picked` says what was
    found: less than `quantity` is a short pick."""

    __tablename__ = "pick_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"), index=True)
    wave_order_id: Mapped[int] = mapped_column(ForeignKey("wave_orders.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    from_lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"))
    quantity: Mapped[int] = mapped_column()
    picked: Mapped[int] = mapped_column(default=0)
    sequence: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default=PickTaskStatus.OPEN.value, index=True)
    skips: Mapped[int] = mapped_column(default=0)
    short: Mapped[bool] = mapped_column(default=False)
    substituted_lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))  # the lot first allocated
    picker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    wave: Mapped[Wave] = relationship()
    wave_order: Mapped[WaveOrder] = relationship()
    order_line: Mapped[OrderLine] = relationship()
    reservation: Mapped[Reservation | None] = relationship()
    location: Mapped[Location] = relationship()
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship(foreign_keys=[lot_id])
    substituted_lot: Mapped[Lot | None] = relationship(foreign_keys=[substituted_lot_id])
    from_lpn: Mapped[Lpn | None] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("picked >= 0 AND picked <= quantity", name="picked_within_quantity"),
    )


class ReplenishmentStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class ReplenishmentTask(db.Model):
    """Bring stock from reserve to a pick face that fell below its minimum (FEFO: the earliest lot first)."""

    __tablename__ = "replenishment_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    from_lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    quantity: Mapped[int] = mapped_column()
    moved: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default=ReplenishmentStatus.OPEN.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()
    from_location: Mapped[Location] = relationship(foreign_keys=[from_location_id])
    to_location: Mapped[Location] = relationship(foreign_keys=[to_location_id])
    from_lpn: Mapped[Lpn | None] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
