"""Warehouses, zones and bin locations, with the physical layout routing uses.

Layout (kept as plain numbers so a supervisor can type them in):
- aisles run front to back; aisle `n` (1-based on the labels) stands at x = (n - 1) * aisle_pitch_m;
- a storage location's distance from the front cross-aisle is (bay - 0.5) * bay_width_m;
- the front (0) and back (aisle_length_m) cross-aisles always exist; `cross_aisles_m` lists any in between;
- the depot (where a pick walk starts and ends) is at depot_x_m on the front cross-aisle.
"""
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class LocationKind(StrEnum):
    RECEIVING = "receiving"
    PICK_FACE = "pick_face"
    RESERVE = "reserve"
    STAGING = "staging"
    PACKING = "packing"
    SHIPPING = "shipping"
    QUARANTINE = "quarantine"
    RETURNS = "returns"
    DAMAGED = "damaged"
    # Virtual locations: the outside world, so every stock change is a move between two places.
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    ADJUSTMENT = "adjustment"
    SCRAP = "scrap"

    @property
    def label(self):
        """The kind in the reader's language ("pick face")."""
        return _KIND_WORDS[self]

    @classmethod
    def label_of(cls, code: str | None) -> str:
        """The words for a kind code kept in the database ("" for none; an unknown code as it is)."""
        return str(cls(code).label) if code in cls._value2member_map_ else (code or "")


_KIND_WORDS = {
    LocationKind.RECEIVING: _l("receiving dock"), LocationKind.PICK_FACE: _l("pick face"),
    LocationKind.RESERVE: _l("reserve"), LocationKind.STAGING: _l("staging"), LocationKind.PACKING: _l("packing"),
    LocationKind.SHIPPING: _l("shipping dock"), LocationKind.QUARANTINE: _l("quarantine"),
    LocationKind.RETURNS: _l("returns"), LocationKind.DAMAGED: _l("damaged goods"),
    LocationKind.SUPPLIER: _l("supplier"), LocationKind.CUSTOMER: _l("customer"),
    LocationKind.ADJUSTMENT: _l("inventory adjustment"), LocationKind.SCRAP: _l("scrap"),
}


VIRTUAL_KINDS = {LocationKind.SUPPLIER, LocationKind.CUSTOMER, LocationKind.ADJUSTMENT, LocationKind.SCRAP}
# Stock here may be allocated to orders.
PICKABLE_KINDS = {LocationKind.PICK_FACE, LocationKind.RESERVE}
# Stock here is segregated (RDC 430/2020): never picked, never put into pickable bins by accident.
SEGREGATED_KINDS = {LocationKind.QUARANTINE, LocationKind.DAMAGED, LocationKind.RETURNS}


class Mixing(StrEnum):
    MIXED = "mixed"
    ONE_PRODUCT = "one_product"
    ONE_LOT = "one_lot"


class Warehouse(db.Model):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    aisle_length_m: Mapped[float] = mapped_column(default=20.0)
    aisle_pitch_m: Mapped[float] = mapped_column(default=3.0)
    bay_width_m: Mapped[float] = mapped_column(default=1.0)
    cross_aisles_m: Mapped[list[float]] = mapped_column(JSON, default=list)
    depot_x_m: Mapped[float] = mapped_column(default=0.0)

    zones: Mapped[list["Zone"]] = relationship(back_populates="warehouse", order_by="Zone.code")


class Zone(db.Model):
    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120), default="")

    warehouse: Mapped[Warehouse] = relationship(back_populates="zones")

    __table_args__ = (db.UniqueConstraint("warehouse_id", "code", name="uq_zones_warehouse_code"),)


class Location(db.Model):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    aisle: Mapped[int | None] = mapped_column()
    bay: Mapped[int | None] = mapped_column()
    level: Mapped[int | None] = mapped_column()
    position: Mapped[str | None] = mapped_column(String(4))
    active: Mapped[bool] = mapped_column(default=True)
    blocked: Mapped[bool] = mapped_column(default=False)
    blocked_reason: Mapped[str | None] = mapped_column(String(200))
    capacity_units: Mapped[int | None] = mapped_column()
    capacity_volume_l: Mapped[float | None] = mapped_column()
    mixing: Mapped[str] = mapped_column(String(12), default=Mixing.MIXED.value)
    # A pick face may be the fixed slot of one product, refilled from reserve between min and max.
    slot_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    slot_min: Mapped[int | None] = mapped_column()
    slot_max: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    warehouse: Mapped[Warehouse] = relationship()
    zone: Mapped[Zone | None] = relationship()

    @property
    def kind_enum(self) -> LocationKind:
        return LocationKind(self.kind)

    @property
    def is_virtual(self) -> bool:
        return self.kind_enum in VIRTUAL_KINDS

    @property
    def is_pickable(self) -> bool:
        return self.kind_enum in PICKABLE_KINDS and self.active and not self.blocked

    @property
    def is_segregated(self) -> bool:
        return self.kind_enum in SEGREGATED_KINDS

    def __repr__(self) -> str:
        return f"<Location {self.code}>"
