"""Return authorisations and their expected lines, the units received back with their condition and
disposition, the desk's list of return reasons, and return-to-supplier documents."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Lot, Product
from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from ..locations.models import Location
from ..orders.models import Order


class RmaStatus(StrEnum):
    EXPECTED = "expected"  # authorised, nothing received yet
    RECEIVING = "receiving"  # units are being scanned at the returns dock
    RECEIVED = "received"  # closed: every unit inspected, the store told
    CANCELLED = "cancelled"


class Condition(StrEnum):
    SEALED = "sealed"
    OPENED = "opened"
    DAMAGED = "damaged"


class Disposition(StrEnum):
    RESTOCK = "restock"
    QUARANTINE = "quarantine"
    SCRAP = "scrap"
    SUPPLIER = "supplier"


class Flag(StrEnum):
    """What the check against the shipment found about a returned unit."""

    OK = "ok"
    WRONG_LOT = "wrong_lot"  # the product was shipped on the order, not this lot
    ANOTHER_ORDER = "another_order"  # shipped to this customer, on another order
    NOT_SHIPPED = "not_shipped"  # never shipped on this order
    OVER = "over"  # more units than were shipped (less those returned already)
    SERIAL = "serial"  # a serial not packed for this order (or never received), of another lot, or returned already


class ReturnReason(db.Model):
    """A reason a customer may give, maintained on the desk."""

    __tablename__ = "return_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)


class DispositionRule(db.Model):
    """One row of the desk's disposition table: a returned unit in `condition`, of `category` (None: any) and
    Anvisa-controlled or not (None: either), goes to `disposition` (None: the worker chooses). The most specific
    matching row wins; see rules.decided_disposition for the floors no row can lower."""

    __tablename__ = "return_disposition_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    condition: Mapped[str] = mapped_column(String(10))
    category: Mapped[str | None] = mapped_column(String(20))
    anvisa_controlled: Mapped[bool | None] = mapped_column()
    disposition: Mapped[str | None] = mapped_column(String(12))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Rma(db.Model):
    """A return authorisation: an order's units the customer sends back. Its ledger document is RMA-<id>."""

    __tablename__ = "rmas"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=RmaStatus.EXPECTED.value, index=True)
    reverse_code: Mapped[str | None] = mapped_column(String(40), index=True)  # the carrier's authorisation
    source: Mapped[str] = mapped_column(String(8), default="desk")  # desk, api
    delivered_on: Mapped[date | None] = mapped_column()
    requested_on: Mapped[date] = mapped_column()
    within_window: Mapped[bool | None] = mapped_column()  # CDC art. 49, shown not enforced; None: unknown
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the first unit
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order: Mapped[Order] = relationship()
    lines: Mapped[list["RmaLine"]] = relationship(back_populates="rma", order_by="RmaLine.line_no",
                                                  cascade="all, delete-orphan")
    units: Mapped[list["ReturnUnit"]] = relationship(back_populates="rma", order_by="ReturnUnit.id")

    @property
    def document(self) -> str:
        return f"RMA-{self.id}"

    @property
    def expected_units(self) -> int:
        return sum(line.quantity for line in self.lines)


class RmaLine(db.Model):
    __tablename__ = "rma_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rmas.id"), index=True)
    line_no: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(30))

    rma: Mapped[Rma] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="rma_line_quantity_positive"),)


class ReturnUnit(db.Model):
    """Units one scan took back (customer → returns dock), then inspected and sent on (dock → disposition)."""

    __tablename__ = "return_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rmas.id"), index=True)
    rma_line_id: Mapped[int | None] = mapped_column(ForeignKey("rma_lines.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    serial: Mapped[str | None] = mapped_column(String(20), index=True)
    quantity: Mapped[int] = mapped_column()
    flag: Mapped[str] = mapped_column(String(16), default=Flag.OK.value)
    flag_note: Mapped[str | None] = mapped_column(String(200))
    condition: Mapped[str | None] = mapped_column(String(10))
    disposition: Mapped[str | None] = mapped_column(String(12))
    dock_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))  # where it went
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    disposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    rma: Mapped[Rma] = relationship(back_populates="units")
    rma_line: Mapped[RmaLine | None] = relationship()
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()
    dock: Mapped[Location] = relationship(foreign_keys=[dock_id])
    location: Mapped[Location | None] = relationship(foreign_keys=[location_id])

    __table_args__ = (CheckConstraint("quantity > 0", name="return_unit_quantity_positive"),)

    @property
    def unexpected(self) -> bool:
        return self.flag != Flag.OK


class SupplierReturnStatus(StrEnum):
    OPEN = "open"  # units are gathered in the rejected-goods location
    DISPATCHED = "dispatched"


class SupplierReturn(db.Model):
    """Goods going back to a supplier: gathered in the rejected-goods (damaged) location, then dispatched
    (rejected-goods → supplier, ledger document RTS-<id>)."""

    __tablename__ = "supplier_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    supplier: Mapped[str] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(12), default=SupplierReturnStatus.OPEN.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    carrier_reference: Mapped[str | None] = mapped_column(String(40))

    lines: Mapped[list["SupplierReturnLine"]] = relationship(back_populates="document",
                                                             order_by="SupplierReturnLine.id")

    @property
    def document_code(self) -> str:
        return f"RTS-{self.id}"


class SupplierReturnLine(db.Model):
    __tablename__ = "supplier_return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_return_id: Mapped[int] = mapped_column(ForeignKey("supplier_returns.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))  # where the units wait
    lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"))
    quantity: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(40))  # RMA-<id> or a receipt's document

    document: Mapped[SupplierReturn] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()
    location: Mapped[Location] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="supplier_return_line_quantity_positive"),)
