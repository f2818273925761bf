"""Pack and ship: carriers and their services, tracking ranges, freight tables, box types; the boxes an order
is packed into (`Package`, each an LPN at the packing station) with the units scanned into them (`PackedUnit`);
the shipment of an order to one carrier (`Shipment`), its invoice (NF-e) or marketplace labels, and the
manifests handed to a carrier's driver at the dock."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Lot, Product
from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from ..inventory.models import Lpn
from ..orders.models import Order


class CarrierKind(StrEnum):
    CORREIOS = "correios"  # S10 tracking numbers from imported ranges, the Correios label
    TABLE = "table"  # a private carrier with table rates, tracking from a pattern, the generic label
    MARKETPLACE = "marketplace"  # the marketplace's own logistics: its label is printed as given


class Carrier(db.Model):
    __tablename__ = "shipping_carriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # what orders name in `carrier`
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12), default=CarrierKind.TABLE.value)
    contract: Mapped[str | None] = mapped_column(String(20))
    posting_card: Mapped[str | None] = mapped_column(String(10))  # cartão de postagem (Correios)
    cubic_divisor: Mapped[int] = mapped_column(default=6000)  # cm³ per kg of cubic weight
    insurance_bp: Mapped[int] = mapped_column(default=0)  # ad valorem on the declared value, basis points
    # Private carriers: "JD{seq:08d}" takes the next number of `tracking_sequence`.
    tracking_pattern: Mapped[str | None] = mapped_column(String(40))
    tracking_sequence: Mapped[int] = mapped_column(default=0)
    tracking_url: Mapped[str | None] = mapped_column(String(200))  # with {code}
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    services: Mapped[list["CarrierService"]] = relationship(back_populates="carrier",
                                                             order_by="CarrierService.code")

    __table_args__ = (CheckConstraint("cubic_divisor > 0", name="divisor_positive"),
                      CheckConstraint("tracking_sequence >= 0", name="sequence_not_negative"))


class CarrierService(db.Model):
    """A service of a carrier: Correios PAC 03298 (symbol "PAC"), a private carrier's "Expresso"."""

    __tablename__ = "shipping_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("shipping_carriers.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(80))
    symbol: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)

    carrier: Mapped[Carrier] = relationship(back_populates="services")

    __table_args__ = (UniqueConstraint("carrier_id", "code", name="uq_shipping_services_carrier_code"),)


class TrackingRange(db.Model):
    """Serials a carrier handed out for one service (Correios "faixa"): prefix + first..last, without the
    check digit. `next_serial` is the next one to issue; the row is locked while one is taken."""

    __tablename__ = "shipping_tracking_ranges"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("shipping_services.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(2))
    first_serial: Mapped[int] = mapped_column()
    last_serial: Mapped[int] = mapped_column()
    next_serial: Mapped[int] = mapped_column()
    warn_below: Mapped[int] = mapped_column(default=100)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    service: Mapped[CarrierService] = relationship()

    __table_args__ = (
        CheckConstraint("first_serial >= 0 AND last_serial <= 99999999 AND first_serial <= last_serial",
                        name="serials_in_order"),
        CheckConstraint("next_serial >= first_serial AND next_serial <= last_serial + 1", name="next_in_range"),
    )

    @property
    def left(self) -> int:
        return self.last_serial + 1 - self.next_serial


class FreightRate(db.Model):
    """One row of a service's table: destination CEPs from..to, billed weight from..to (grams, inclusive)."""

    __tablename__ = "shipping_freight_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("shipping_services.id"), index=True)
    cep_from: Mapped[str] = mapped_column(String(8))
    cep_to: Mapped[str] = mapped_column(String(8))
    weight_from_g: Mapped[int] = mapped_column()
    weight_to_g: Mapped[int] = mapped_column()
    price_cents: Mapped[int] = mapped_column()
    days: Mapped[int] = mapped_column()

    service: Mapped[CarrierService] = relationship()

    __table_args__ = (CheckConstraint("price_cents >= 0 AND days >= 0 AND weight_from_g <= weight_to_g",
                                      name="rate_sane"),)


class ChannelShipping(db.Model):
    """A channel's own shipping rule: the service its orders always use (a marketplace's logistics), and whether
    its orders need an NF-e before they ship."""

    __tablename__ = "shipping_channel_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), unique=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("shipping_services.id"))
    require_invoice: Mapped[bool] = mapped_column(default=False)

    service: Mapped[CarrierService | None] = relationship()


class BoxType(db.Model):
    __tablename__ = "shipping_box_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    length_mm: Mapped[int] = mapped_column()
    width_mm: Mapped[int] = mapped_column()
    height_mm: Mapped[int] = mapped_column()
    tare_g: Mapped[int] = mapped_column(default=0)
    max_weight_g: Mapped[int] = mapped_column()
    carriers: Mapped[str] = mapped_column(String(200), default="")  # carrier codes, comma separated; "" = all
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (CheckConstraint("length_mm > 0 AND width_mm > 0 AND height_mm > 0 AND tare_g >= 0 "
                                      "AND max_weight_g > 0", name="box_sane"),)

    def accepts(self, carrier_code: str | None) -> bool:
        codes = {c.strip() for c in self.carriers.split(",") if c.strip()}
        return not codes or not carrier_code or carrier_code in codes


class ShipmentStatus(StrEnum):
    PACKED = "packed"
    POSTED = "posted"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AWAITING_PICKUP = "awaiting_pickup"  # at a carrier's unit for the customer to collect (Correios LDI)
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNED = "returned"


class ManifestStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Manifest(db.Model):
    """The packages one carrier picks up on one day; closing it ships them."""

    __tablename__ = "shipping_manifests"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("shipping_carriers.id"), index=True)
    pickup_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10), default=ManifestStatus.OPEN.value, index=True)
    driver_name: Mapped[str | None] = mapped_column(String(80))
    vehicle_plate: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    carrier: Mapped[Carrier] = relationship()

    @property
    def code(self) -> str:
        return f"MAN-{self.id}"


class Shipment(db.Model):
    """An order's boxes going with one carrier service. `tracking_code` is the first box's code."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(40), index=True)  # the carrier's code
    service: Mapped[str] = mapped_column(String(20))  # the service's code
    service_id: Mapped[int | None] = mapped_column(ForeignKey("shipping_services.id"))
    tracking_code: Mapped[str | None] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ShipmentStatus.PACKED.value, index=True)
    manifest_id: Mapped[int | None] = mapped_column(ForeignKey("shipping_manifests.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    packed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship()
    manifest: Mapped[Manifest | None] = relationship()
    packages: Mapped[list["Package"]] = relationship(back_populates="shipment", order_by="Package.sequence")


class PackageStatus(StrEnum):
    OPEN = "open"  # units are being scanned into it
    CLOSED = "closed"  # weighed and labelled
    SHIPPED = "shipped"
    CANCELLED = "cancelled"  # unpacked by a supervisor


class Package(db.Model):
    """One box of an order: volume `number` ("1/2"), an LPN at the packing station holding its units."""

    __tablename__ = "packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    lpn_id: Mapped[int] = mapped_column(ForeignKey("lpns.id"), unique=True)
    sequence: Mapped[int] = mapped_column()
    number: Mapped[str] = mapped_column(String(9))  # "1/2", rewritten when the order gets another box
    box_type_id: Mapped[int | None] = mapped_column(ForeignKey("shipping_box_types.id"))
    status: Mapped[str] = mapped_column(String(10), default=PackageStatus.OPEN.value, index=True)
    expected_weight_g: Mapped[int | None] = mapped_column()
    weight_g: Mapped[int | None] = mapped_column()
    tracking_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    station: Mapped[str | None] = mapped_column(String(40))
    loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # scanned onto the truck
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    shipment: Mapped[Shipment] = relationship(back_populates="packages")
    order: Mapped[Order] = relationship()
    lpn: Mapped[Lpn] = relationship()
    box_type: Mapped[BoxType | None] = relationship()
    units: Mapped[list["PackedUnit"]] = relationship(back_populates="package", order_by="PackedUnit.id")

    __table_args__ = (UniqueConstraint("order_id", "sequence", name="uq_packages_order_sequence"),)


class PackedUnit(db.Model):
    """Units of one product (and lot, and serial) scanned into a box."""

    __tablename__ = "packed_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    serial: Mapped[str | None] = mapped_column(String(20), index=True)
    quantity: Mapped[int] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    package: Mapped[Package] = relationship(back_populates="units")
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class Invoice(db.Model):
    """The order's NF-e, as the ERP authorised it: what the label and the DANFE simplificado print."""

    __tablename__ = "shipping_invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    access_key: Mapped[str] = mapped_column(String(44), unique=True)
    number: Mapped[str] = mapped_column(String(9))
    series: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    authorization_protocol: Mapped[str] = mapped_column(String(20))
    authorized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    operation: Mapped[int] = mapped_column(default=1)  # 0 entry, 1 exit
    issuer_name: Mapped[str] = mapped_column(String(120))
    issuer_cnpj: Mapped[str] = mapped_column(String(14))
    issuer_ie: Mapped[str] = mapped_column(String(20))
    issuer_uf: Mapped[str] = mapped_column(String(2))
    recipient_name: Mapped[str] = mapped_column(String(120))
    recipient_document: Mapped[str] = mapped_column(String(14))
    recipient_ie: Mapped[str | None] = mapped_column(String(20))
    recipient_uf: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MarketplaceLabel(db.Model):
    """A label the marketplace made for one box of the order, kept byte for byte (ZPL) or as a PDF to download."""

    __tablename__ = "shipping_marketplace_labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    format: Mapped[str] = mapped_column(String(4))  # zpl, pdf
    sequence: Mapped[int] = mapped_column()  # the box it is for (1, 2...); a PDF holds every box: 1
    content: Mapped[bytes] = mapped_column(LargeBinary)
    tracking_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("order_id", "format", "sequence", name="uq_marketplace_labels_box"),)


class TrackingEvent(db.Model):
    """One event a carrier reported for one box (Correios `codigo`/`tipo`, or a private carrier's generic code),
    stored once (the same code, type and instant for the same tracking code is the same event). `status` is what
    the code means for the parcel (None: a code we keep as history only)."""

    __tablename__ = "shipping_tracking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"), index=True)
    tracking_code: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(4), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    package: Mapped[Package] = relationship()

    __table_args__ = (UniqueConstraint("tracking_code", "code", "type", "occurred_at",
                                       name="uq_shipping_tracking_events_event"),)
