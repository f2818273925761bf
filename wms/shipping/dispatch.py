"""The dock: packages grouped by carrier pickup (manifests), scanned onto the truck on the handheld, and the
manifest's closing, which ships its orders: each box leaves stock by ledger move to the customer, the order
becomes shipped, and `order.shipped` is written to the outbox, all in one transaction."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import audit, csv_export, events, idempotency, uow
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..inventory import services as inventory
from ..inventory.models import StockItem
from ..locations import services as locations
from ..locations.models import LocationKind
from ..messages import OrderShipped
from ..orders import fulfilment
from ..orders.models import Order
from . import boxes, carriers, packing
from .models import Manifest, ManifestStatus, Package, PackageStatus, Shipment, ShipmentStatus

_PLATE_RE = re.compile(r"[A-Z]{3}-?[0-9][A-Z0-9][0-9]{2}")  # ABC-1234 and Mercosul ABC1D23


def get_manifest(manifest_id: int) -> Manifest:
    manifest = db.session.get(Manifest, manifest_id)
    if manifest is None:
        raise NotFound(_l("That manifest does not exist."))
    return manifest


def manifest_by_code(code: str) -> Manifest | None:
    text = (code or "").strip().upper()
    number = text[4:] if text.startswith("MAN-") else text
    if number.isascii() and number.isdigit() and len(number) <= 9:
        return db.session.get(Manifest, int(number))
    return None


def open_manifests() -> list[Manifest]:
    return list(db.session.scalars(select(Manifest).where(Manifest.status == ManifestStatus.OPEN.value)
                                   .options(joinedload(Manifest.carrier))
                                   .order_by(Manifest.pickup_on, Manifest.id)))


def shipments_of(manifest_id: int) -> list[Shipment]:
    return list(db.session.scalars(select(Shipment).where(Shipment.manifest_id == manifest_id)
                                   .order_by(Shipment.id)))


def packages_of(manifest_id: int) -> list[Package]:
    """The manifest's packages (shipment by shipment) with their plates, in one statement."""
    return list(db.session.scalars(
        select(Package).join(Shipment, Shipment.id == Package.shipment_id)
        .where(Shipment.manifest_id == manifest_id, Package.status != PackageStatus.CANCELLED.value)
        .options(joinedload(Package.lpn)).order_by(Shipment.id, Package.sequence)))


def package_counts(manifest_ids: list[int]) -> dict[int, int]:
    """How many packages (not cancelled) each manifest holds, in one grouped statement for a list page."""
    if not manifest_ids:
        return {}
    rows = db.session.execute(
        select(Shipment.manifest_id, func.count(Package.id)).join(Package, Package.shipment_id == Shipment.id)
        .where(Shipment.manifest_id.in_(manifest_ids), Package.status != PackageStatus.CANCELLED.value)
        .group_by(Shipment.manifest_id))
    return {manifest_id: count for manifest_id, count in rows}


def _lock_manifest(manifest_id: int) -> Manifest:
    manifest = db.session.scalar(select(Manifest).where(Manifest.id == manifest_id).with_for_update()
                                 .execution_options(populate_existing=True))
    if manifest is None:
        raise NotFound(_l("That manifest does not exist."))
    return manifest


@uow.use_case
@idempotency.by_scan_id("ship.load")
def load_package(manifest_id: int, raw: str, *, user_id: int | None) -> dict:
    """A package scanned onto the truck (its tracking code or box plate). A package of another carrier or
    pickup, or one not packed yet, is refused before it leaves with the wrong driver."""
    manifest = _lock_manifest(manifest_id)
    if manifest.status != ManifestStatus.OPEN:
        raise Conflict(_l("Manifest %(code)s is closed.", code=manifest.code))
    package = boxes.find_package(raw)
    if package is None:
        raise DomainError(_l("%(code)s is not a package: scan its tracking code or box label.",
                             code=(raw or "").strip()[:40]))
    shipment = package.shipment
    if shipment.manifest_id != manifest.id:
        if shipment.carrier != manifest.carrier.code:
            raise DomainError(_l("Package %(code)s goes by %(carrier)s, not %(ours)s: keep it off this truck.",
                                 code=package.tracking_code or package.lpn.code, carrier=shipment.carrier,
                                 ours=manifest.carrier.name))
        other = shipment.manifest.code if shipment.manifest else str(_l("no manifest (not packed)"))
        raise DomainError(_l("Package %(code)s belongs to %(other)s, not %(ours)s: keep it off this truck.",
                             code=package.tracking_code or package.lpn.code, other=other, ours=manifest.code))
    if package.status != PackageStatus.CLOSED:
        raise DomainError(_l("Package %(code)s is %(status)s.", code=package.tracking_code or package.lpn.code,
                             status=package.status))
    first = package.loaded_at is None
    if first:
        package.loaded_at = utcnow()
    packages = packages_of(manifest.id)
    result = {"code": package.tracking_code or package.lpn.code, "again": not first,
              "loaded": sum(1 for p in packages if p.loaded_at), "total": len(packages)}
    return result


@uow.use_case
def set_driver(manifest_id: int, *, driver_name: str, vehicle_plate: str, user_id: int | None) -> Manifest:
    manifest = _lock_manifest(manifest_id)
    if manifest.status != ManifestStatus.OPEN:
        raise Conflict(_l("Manifest %(code)s is closed.", code=manifest.code))
    name = (driver_name or "").strip()
    plate = re.sub(r"\s", "", vehicle_plate or "").upper()
    if not name or len(name) > 80 or "\x00" in name:
        raise DomainError(_l("Type the driver's name (up to 80 characters)."))
    if not _PLATE_RE.fullmatch(plate):
        raise DomainError(_l("Type the vehicle plate, e.g. ABC-1234 or ABC1D23."))
    manifest.driver_name, manifest.vehicle_plate = name, plate
    audit.record("manifest.driver", manifest, user_id=user_id, driver=name, plate=plate)
    return manifest


@uow.use_case
def leave_behind(shipment_id: int, *, user_id: int | None) -> None:
    """Take a shipment off its open manifest (it misses this pickup); it joins the next one when re-packed or
    on the desk's next "Add to manifest"."""
    shipment = db.session.get(Shipment, shipment_id)
    if shipment is None or shipment.manifest is None or shipment.manifest.status != ManifestStatus.OPEN:
        raise DomainError(_l("That shipment is on no open manifest."))
    _lock_manifest(shipment.manifest_id)
    audit.record("manifest.leave_behind", shipment, user_id=user_id, manifest=shipment.manifest_id)
    for package in shipment.packages:
        package.loaded_at = None
    shipment.manifest_id = None


def missing(manifest: Manifest) -> list[Package]:
    return [p for p in packages_of(manifest.id) if p.loaded_at is None]


def tracking_url(carrier_code: str, code: str | None) -> str | None:
    carrier = carriers.carrier_by_code(carrier_code)
    if carrier is None or not carrier.tracking_url or not code:
        return None
    return carrier.tracking_url.replace("{code}", code)


def shipment_json(shipment: Shipment) -> dict:
    packages = [p for p in shipment.packages if p.status != PackageStatus.CANCELLED]
    return {"tracking_code": shipment.tracking_code, "carrier": shipment.carrier, "service": shipment.service,
            "tracking_url": tracking_url(shipment.carrier, shipment.tracking_code), "status": shipment.status,
            "boxes": len(packages), "tracking_codes": [p.tracking_code for p in packages if p.tracking_code],
            "shipped_at": shipment.shipped_at.isoformat() if shipment.shipped_at else None}


def shipments_json(order_id: int) -> list[dict]:
    """The order's shipments as GET /api/v1/orders/{id} shows them."""
    return [shipment_json(s) for s in db.session.scalars(
        select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.id))
        if any(p.status != PackageStatus.CANCELLED for p in s.packages)]


@uow.use_case
def close_manifest(manifest_id: int, *, user_id: int | None) -> dict:
    """Hand the manifest to the driver: every package must have been scanned onto the truck and the driver and
    plate recorded. Each box's units leave stock by a ledger move to the customer (reason "ship"), each order
    becomes shipped and `order.shipped` is written, all in this transaction."""
    manifest = _lock_manifest(manifest_id)
    if manifest.status != ManifestStatus.OPEN:
        raise Conflict(_l("Manifest %(code)s is closed already.", code=manifest.code))
    shipments = shipments_of(manifest.id)
    if not shipments:
        raise DomainError(_l("Manifest %(code)s has no packages.", code=manifest.code))
    if not manifest.driver_name or not manifest.vehicle_plate:
        raise DomainError(_l("Record the driver's name and the vehicle plate before closing."))
    left = missing(manifest)
    if left:
        codes = ", ".join(p.tracking_code or p.lpn.code for p in left[:10])
        raise DomainError(lazy_ngettext(
            "%(num)s package was not scanned onto the truck: %(codes)s. Scan it, or take its order off this "
            "manifest.",
            "%(num)s packages were not scanned onto the truck: %(codes)s. Scan them, or take their orders off this "
            "manifest.", len(left), codes=codes))
    now = utcnow()
    orders = {o.id: o for o in db.session.scalars(select(Order).where(
        Order.id.in_(sorted({s.order_id for s in shipments}))).order_by(Order.id).with_for_update()
        .execution_options(populate_existing=True))}
    shipped = 0
    for shipment in shipments:
        order = orders[shipment.order_id]
        customer = locations.virtual_location(_warehouse_id(shipment), LocationKind.CUSTOMER)
        packages = [p for p in shipment.packages if p.status == PackageStatus.CLOSED]
        for package in packages:
            for item in inventory.lock_items_where(StockItem.lpn_id == package.lpn_id, StockItem.quantity > 0):
                quantity = item.quantity  # apply_move updates the item
                inventory.apply_move(product=item.product, lot=item.lot, source=item.location, target=customer,
                                     quantity=quantity, reason="ship", user_id=user_id,
                                     document=packing.document(order), from_lpn=package.lpn)
                shipped += quantity
            package.status = PackageStatus.SHIPPED.value
        shipment.status = ShipmentStatus.POSTED.value
        shipment.shipped_at = now
        fulfilment.mark_shipped(order, tracking_code=shipment.tracking_code, user_id=user_id)
        events.emit("order.shipped", _shipped_payload(order, shipment))
        uow.publish(OrderShipped(order_id=order.id, shipment_id=shipment.id, manifest_id=manifest.id))
    manifest.status = ManifestStatus.CLOSED.value
    manifest.closed_at, manifest.closed_by_id = now, user_id
    audit.record("manifest.close", manifest, user_id=user_id, shipments=len(shipments), units=shipped,
                 driver=manifest.driver_name, plate=manifest.vehicle_plate)
    return {"manifest": manifest.code, "orders": len(shipments), "units": shipped}


def _warehouse_id(shipment: Shipment) -> int:
    for package in shipment.packages:
        if package.lpn.location is not None:
            return package.lpn.location.warehouse_id
    return locations.default_warehouse().id


def _shipped_payload(order: Order, shipment: Shipment) -> dict:
    return {"order_id": order.id, "channel": order.channel, "channel_order_id": order.channel_order_id,
            "customer": {"name": order.customer_name, "email": order.customer_email,
                         "document": order.customer_document},
            "locale": "pt_BR", "shipments": [shipment_json(shipment)]}


def manifest_csv(manifest_id: int) -> str:
    """Tracking numbers, weights, declared values and recipient CEPs, one line per package."""
    manifest = get_manifest(manifest_id)
    header = ["manifest", "order", "volume", "tracking_code", "service", "weight_g", "declared_value_cents",
              "recipient_cep", "loaded"]
    return csv_export.text(header, (
        [manifest.code, package.order.id, package.number, package.tracking_code or "", package.shipment.service,
         package.weight_g or "", package.order.value_cents, package.order.ship_cep,
         "yes" if package.loaded_at else "no"] for package in packages_of(manifest.id)))
