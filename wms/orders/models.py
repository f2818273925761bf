"""Customer orders from the store's channels, their lines, and the channels' shelf-life rules."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Product
from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class PaymentStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    PAID = "paid"


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    RELEASED = "released"  # paid, not allocated yet
    ALLOCATED = "allocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    BACKORDERED = "backordered"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"  # set by the shipping area
    SHIPPED = "shipped"  # set by the shipping area
    CANCELLED = "cancelled"


# An order in one of these still wants stock: allocation may give it some.
OPEN_STATUSES = (OrderStatus.RELEASED, OrderStatus.ALLOCATED, OrderStatus.PARTIALLY_ALLOCATED,
                 OrderStatus.BACKORDERED, OrderStatus.PICKING)
FINAL_STATUSES = (OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.CANCELLED)


class Order(db.Model):
    """One order of one channel. `channel` + `channel_order_id` is the store's key: taking the same order twice
    gives the same order. `payload_hash` tells a repeat of the same order from a different order sent under a
    reused id."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_order_id: Mapped[str] = mapped_column(String(64))
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), index=True)
    payment_status: Mapped[str] = mapped_column(String(12))
    on_hold: Mapped[bool] = mapped_column(default=False)
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(default=0)
    customer_name: Mapped[str] = mapped_column(String(120))
    customer_document: Mapped[str | None] = mapped_column(String(14))  # CPF (11) or CNPJ (14), no punctuation
    customer_email: Mapped[str | None] = mapped_column(String(200))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    # The customer's own demand on remaining shelf life (a pharmacy chain buying for resale, say).
    min_shelf_life_days: Mapped[int] = mapped_column(default=0)
    ship_street: Mapped[str] = mapped_column(String(200))
    ship_number: Mapped[str | None] = mapped_column(String(20))
    ship_complement: Mapped[str | None] = mapped_column(String(100))
    ship_district: Mapped[str | None] = mapped_column(String(100))
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_state: Mapped[str] = mapped_column(String(2))
    ship_cep: Mapped[str] = mapped_column(String(8))
    service_level: Mapped[str | None] = mapped_column(String(40))
    carrier: Mapped[str | None] = mapped_column(String(40), index=True)
    promised_ship_date: Mapped[date | None] = mapped_column(index=True)
    tracking_code: Mapped[str | None] = mapped_column(String(40))  # the shipping area fills it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order", order_by="OrderLine.line_no",
                                                    cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("channel", "channel_order_id", name="uq_orders_channel_order"),)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def backordered_units(self) -> int:
        return sum(line.outstanding for line in self.lines) if self.status in OPEN_STATUSES else 0

    @property
    def value_cents(self) -> int:
        return sum(line.quantity * line.unit_price_cents for line in self.lines)

    def __repr__(self) -> str:
        return f"<Order {self.id} {self.channel}:{self.channel_order_id}>"


class OrderLine(db.Model):
    """`allocated` counts the units reserved and not picked yet (the sum of the line's reservations);
    `picked` the units in a tote or further. What neither covers is back-ordered."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    line_no: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column()
    unit_price_cents: Mapped[int] = mapped_column(default=0)
    allocated: Mapped[int] = mapped_column(default=0)
    picked: Mapped[int] = mapped_column(default=0)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
        CheckConstraint("allocated >= 0 AND picked >= 0 AND allocated + picked <= quantity",
                        name="allocated_picked_within_quantity"),
    )

    @property
    def outstanding(self) -> int:
        """Units neither reserved nor picked: back-ordered while the order is open."""
        return self.quantity - self.allocated - self.picked


class ChannelRule(db.Model):
    """A channel's demand on remaining shelf life, for all products or for one category
    (e.g. a marketplace wants 180 days left on cosmetics). `key` keeps one rule per channel and category."""

    __tablename__ = "channel_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str | None] = mapped_column(String(20))
    min_shelf_life_days: Mapped[int] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (CheckConstraint("min_shelf_life_days >= 0", name="days_not_negative"),)


from .channels import Channel, ChannelKind  # noqa: E402,F401  sales channels are rows (wms.orders.channels)


def rule_key(channel: str, category: str | None) -> str:
    return f"{channel}:{category or '*'}"
