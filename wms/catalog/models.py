"""Products, their barcodes, and lots with expiry and a status history."""
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class Category(StrEnum):
    """Anvisa's categories decide the controls; the first digit of a registration says which."""

    MEDICINE = "medicine"
    COSMETIC = "cosmetic"
    SANITIZER = "sanitizer"
    FOOD = "food"
    HEALTH_PRODUCT = "health_product"
    OTHER = "other"


class BarcodeKind(StrEnum):
    GTIN = "gtin"  # the unit's EAN-13 / GTIN-14
    CASE_GTIN = "case_gtin"  # a case or box of `units`
    INTERNAL = "internal"


class LotStatus(StrEnum):
    RELEASED = "released"
    QUARANTINE = "quarantine"
    BLOCKED = "blocked"
    RECALLED = "recalled"

    @property
    def label(self):
        """The status in the reader's language ("released", "liberado")."""
        return _LOT_STATUS_WORDS[self]

    @classmethod
    def label_of(cls, code: str | None) -> str:
        """The words for a status code kept in the database ("" for none; an unknown code as it is)."""
        return str(cls(code).label) if code in cls._value2member_map_ else (code or "")


_LOT_STATUS_WORDS = {LotStatus.RELEASED: _l("released"), LotStatus.QUARANTINE: _l("quarantine"),
                     LotStatus.BLOCKED: _l("blocked"), LotStatus.RECALLED: _l("recalled")}


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(10), default="un")
    category: Mapped[str] = mapped_column(String(20), default=Category.OTHER.value)
    lot_tracked: Mapped[bool] = mapped_column(default=False)
    expiry_tracked: Mapped[bool] = mapped_column(default=False)
    min_shelf_life_days: Mapped[int] = mapped_column(default=0)
    anvisa_registration: Mapped[str | None] = mapped_column(String(13))
    weight_g: Mapped[int | None] = mapped_column()
    length_mm: Mapped[int | None] = mapped_column()
    width_mm: Mapped[int | None] = mapped_column()
    height_mm: Mapped[int | None] = mapped_column()
    photo_url: Mapped[str | None] = mapped_column(String(500))
    storage_notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    barcodes: Mapped[list["ProductBarcode"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductBarcode.id"
    )

    @property
    def is_anvisa_controlled(self) -> bool:
        return bool(self.anvisa_registration) or self.category in (Category.MEDICINE, Category.COSMETIC)

    @property
    def gtin(self) -> str | None:
        for barcode in self.barcodes:
            if barcode.kind == BarcodeKind.GTIN:
                return barcode.code
        return None

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"


class ProductBarcode(db.Model):
    """Any code that identifies the product. GTINs are kept as 14 digits so every form of one matches."""

    __tablename__ = "product_barcodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(12), default=BarcodeKind.GTIN.value)
    units: Mapped[int] = mapped_column(default=1)

    product: Mapped[Product] = relationship(back_populates="barcodes")


class Lot(db.Model):
    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    expires_on: Mapped[date | None] = mapped_column(index=True)
    manufactured_on: Mapped[date | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default=LotStatus.RELEASED.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship()
    history: Mapped[list["LotStatusChange"]] = relationship(
        back_populates="lot", order_by="LotStatusChange.id", cascade="all, delete-orphan"
    )

    __table_args__ = (db.UniqueConstraint("product_id", "code", name="uq_lots_product_code"),)

    @property
    def status_label(self) -> str:
        return LotStatus.label_of(self.status)

    def is_expired(self, today: date) -> bool:
        return self.expires_on is not None and self.expires_on < today

    def __repr__(self) -> str:
        return f"<Lot {self.code}>"


class LotStatusChange(db.Model):
    __tablename__ = "lot_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lot: Mapped[Lot] = relationship(back_populates="history")
