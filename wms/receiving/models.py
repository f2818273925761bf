"""Inbound: advance ship notices (ASNs) and their lines, receipts at the dock, what each receipt took in,
its discrepancies, the quarantine holds it raised, and the put-away rules supervisors set on the desk."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Lot, Product
from ..dbtypes import UTCDateTime, utcnow
from ..events import Event  # noqa: F401  the outbox receipts write to
from ..extensions import db
from ..inventory.models import Lpn
from ..locations.models import Location, Zone


class AsnStatus(StrEnum):
    EXPECTED = "expected"  # announced, nothing received yet
    RECEIVING = "receiving"  # a receipt is open at the dock
    RECEIVED = "received"  # its receipt was closed
    CANCELLED = "cancelled"


class Asn(db.Model):
    """What a supplier says is coming. The reference is unique per supplier: sending it again is the same ASN."""

    __tablename__ = "asns"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    supplier: Mapped[str] = mapped_column(String(80))
    reference: Mapped[str] = mapped_column(String(40))
    expected_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(12), default=AsnStatus.EXPECTED.value, index=True)
    source: Mapped[str] = mapped_column(String(8), default="desk")  # desk, csv, api
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lines: Mapped[list["AsnLine"]] = relationship(back_populates="asn", order_by="AsnLine.line_no",
                                                  cascade="all, delete-orphan")
    receipts: Mapped[list["Receipt"]] = relationship(back_populates="asn", order_by="Receipt.id")

    __table_args__ = (db.UniqueConstraint("supplier", "reference", name="uq_asns_supplier_reference"),)


class AsnLine(db.Model):
    __tablename__ = "asn_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    asn_id: Mapped[int] = mapped_column(ForeignKey("asns.id"), index=True)
    line_no: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column()  # base units
    lot_code: Mapped[str | None] = mapped_column(String(20))
    expires_on: Mapped[date | None] = mapped_column()
    sscc: Mapped[str | None] = mapped_column(String(18), index=True)  # the supplier's pallet this line is on

    asn: Mapped[Asn] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="asn_line_quantity_positive"),)


class ReceiptStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Receipt(db.Model):
    """Goods taken in at a dock: against an ASN, or blind (no ASN: whatever arrives is counted)."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    asn_id: Mapped[int | None] = mapped_column(ForeignKey("asns.id"), index=True)
    dock_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[str] = mapped_column(String(8), default=ReceiptStatus.OPEN.value, index=True)
    supplier: Mapped[str | None] = mapped_column(String(80))  # a blind receipt's, typed at the dock
    reference: Mapped[str | None] = mapped_column(String(40))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    asn: Mapped[Asn | None] = relationship(back_populates="receipts")
    dock: Mapped[Location] = relationship()
    items: Mapped[list["ReceiptItem"]] = relationship(back_populates="receipt", order_by="ReceiptItem.id")
    plates: Mapped[list["ReceiptLpn"]] = relationship(back_populates="receipt", order_by="ReceiptLpn.id")
    discrepancies: Mapped[list["Discrepancy"]] = relationship(back_populates="receipt",
                                                              order_by="Discrepancy.id")

    @property
    def document(self) -> str:
        """The ledger's document for this receipt's moves."""
        return f"RCV-{self.id}"


class ReceiptLpn(db.Model):
    """A plate built on the dock by a receipt. A hold plate carries quarantined goods, kept apart."""

    __tablename__ = "receipt_lpns"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    lpn_id: Mapped[int] = mapped_column(ForeignKey("lpns.id"), unique=True)
    hold: Mapped[bool] = mapped_column(default=False)
    building: Mapped[bool] = mapped_column(default=True)  # still taking goods; False once finished
    label_job: Mapped[str | None] = mapped_column(String(40))  # the print job of its label, if queued

    receipt: Mapped[Receipt] = relationship(back_populates="plates")
    lpn: Mapped[Lpn] = relationship()


class Outcome(StrEnum):
    """Where received units went."""

    STOCK = "stock"  # onto the receipt's plate on the dock, for put-away
    QUARANTINE = "quarantine"  # onto the hold plate, lot in quarantine, waiting for QA release
    DAMAGED = "damaged"  # straight to the damaged location


class ReceiptItem(db.Model):
    """Units one scan took in: one ledger move supplier → dock (or damaged location)."""

    __tablename__ = "receipt_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    asn_line_id: Mapped[int | None] = mapped_column(ForeignKey("asn_lines.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    quantity: Mapped[int] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(12))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"))
    move_id: Mapped[int] = mapped_column(ForeignKey("moves.id"))
    serial: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # a supervisor's over-receipt
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    receipt: Mapped[Receipt] = relationship(back_populates="items")
    asn_line: Mapped[AsnLine | None] = relationship()
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()
    lpn: Mapped[Lpn | None] = relationship()
    location: Mapped[Location] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="receipt_item_quantity_positive"),
        db.Index("ix_receipt_items_product_serial", "product_id", "serial"),
    )


class DiscrepancyKind(StrEnum):
    OVER = "over"
    UNDER = "under"
    UNEXPECTED = "unexpected"
    WRONG_LOT = "wrong_lot"
    SHORT_DATED = "short_dated"
    EXPIRED = "expired"
    ANVISA_MISMATCH = "anvisa_mismatch"
    DAMAGED = "damaged"


class Decision(StrEnum):
    ACCEPTED = "accepted"  # taken into stock (over within the tolerance, wrong lot)
    APPROVED = "approved"  # taken in with a supervisor's approval
    QUARANTINE = "quarantine"
    DAMAGED = "damaged"  # to the damaged location
    REFUSED = "refused"  # handed back to the carrier: nothing taken in
    RECORDED = "recorded"  # found at closing (under)


class Discrepancy(db.Model):
    __tablename__ = "receipt_discrepancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    asn_line_id: Mapped[int | None] = mapped_column(ForeignKey("asn_lines.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    lot_code: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column()
    decision: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    receipt: Mapped[Receipt] = relationship(back_populates="discrepancies")
    asn_line: Mapped[AsnLine | None] = relationship()
    product: Mapped[Product | None] = relationship()


class HoldStatus(StrEnum):
    OPEN = "open"
    RELEASED = "released"
    REJECTED = "rejected"


class Hold(db.Model):
    """Received goods waiting for a supervisor's QA decision (the desk's quarantine queue), with the reasons."""

    __tablename__ = "receipt_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    lpn_id: Mapped[int | None] = mapped_column(ForeignKey("lpns.id"), index=True)
    quantity: Mapped[int] = mapped_column()
    reasons: Mapped[str] = mapped_column(String(200))  # codes, comma-separated
    status: Mapped[str] = mapped_column(String(10), default=HoldStatus.OPEN.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(200))

    receipt: Mapped[Receipt] = relationship()
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()
    lpn: Mapped[Lpn | None] = relationship()

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.reasons.split(",") if code]


class PutawayRule(db.Model):
    """Where received goods are stored: a product, or a whole category, goes to a zone and location type.
    Rules are tried by priority (lowest first); a rule naming neither product nor category takes anything."""

    __tablename__ = "putaway_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    priority: Mapped[int] = mapped_column(default=100)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    category: Mapped[str | None] = mapped_column(String(20))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"))
    location_kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(String(200))

    product: Mapped[Product | None] = relationship()
    zone: Mapped[Zone | None] = relationship()
