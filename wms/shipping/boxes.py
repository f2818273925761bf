"""Boxes at the packing station once their units are in: closing a box (its weight checked against its units
and tare, its tracking number taken, its label printed; the last box packs the order and joins today's
manifest), and a supervisor's unpacking (the units go back into the tote by ledger moves). Finding a box by its
tracking code or plate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, clock, events, idempotency, uow
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..formatting import lazy_number
from ..inventory import services as inventory
from ..inventory.models import Lpn, StockItem
from ..messages import OrderPacked
from ..orders import fulfilment
from ..orders.models import Order
from . import carriers, documents, rules, settings
from .models import Manifest, ManifestStatus, Package, PackageStatus, Shipment
from .packing import check_packable, document, lock_order, order_totes, pack_view, packages_of, tote_items

# --------------------------------------------------------------------------------------------- closing a box


class WeightMismatch(DomainError):
    """The scale disagrees with the units scanned: recount before the label prints."""


def expected_weight(package: Package) -> int:
    tare = package.box_type.tare_g if package.box_type else 0
    return tare + sum((u.product.weight_g or 0) * u.quantity for u in package.units)


@uow.use_case
@idempotency.by_scan_id("ship.close")
def close_box(order_id: int, weight_g, *, recounted: bool = False, user_id: int | None) -> dict:
    """Close the open box: weigh it (a large difference from units + tare asks for a recount first; after a
    recount the weighed figure stands), take its tracking number, print its label. The last box (the totes
    are empty) packs the order: volumes are numbered n/N, the DANFE (or the declaration page) and the
    packing slip print, the shipment joins its carrier's manifest for today, and `order.packed` is written."""
    order = lock_order(order_id)
    items = tote_items(order.id, lock=True)
    check_packable(order, items)
    package = next((p for p in packages_of(order.id) if p.status == PackageStatus.OPEN), None)
    if package is None or not package.units:
        raise DomainError(_l("The box is empty: scan the units into it first."))
    weighed = _weight(weight_g)
    expected = expected_weight(package)
    difference = rules.weight_difference(expected, weighed, percent=settings.get("weight_tolerance_percent"),
                                         minimum_g=settings.get("weight_tolerance_min_g"))
    if difference is not None and not recounted:
        raise WeightMismatch(_l("The box weighs %(weighed)s g but its units and box weigh %(expected)s g "
                                "(%(difference)s g): recount the units, then weigh it again.",
                                weighed=lazy_number(weighed), expected=lazy_number(expected),
                                difference=lazy_number(difference, signed=True)), expected=expected, weighed=weighed)
    if carriers.requires_invoice(order) and documents.invoice_of(order.id) is None:
        raise DomainError(_l("Order %(order)s needs its NF-e before it ships: wait for the invoice, then close "
                             "the box.", order=order.id))
    shipment = package.shipment
    service = carriers.service(shipment.service_id)
    done = not items
    packages = packages_of(order.id)
    # Units left in the tote need at least one more box; the proposal may say more.
    count = len(packages) if done else max(len(packages) + 1, len(pack_view(order.id).proposal))
    package.number = f"{packages.index(package) + 1}/{count}"
    label = documents.marketplace_label(order.id, packages.index(package) + 1)
    package.tracking_code = (label.tracking_code if label is not None and label.tracking_code
                             else carriers.take_tracking_code(service))
    package.weight_g, package.expected_weight_g = weighed, expected
    package.status = PackageStatus.CLOSED.value
    package.closed_at, package.closed_by_id = utcnow(), user_id
    if shipment.tracking_code is None:
        shipment.tracking_code = package.tracking_code
    db.session.flush()
    documents.print_package_label(package, user_id=user_id)
    audit.record("package.close", package, user_id=user_id, order=order.id, weight_g=weighed, expected_g=expected,
                 recounted=bool(recounted and difference is not None), tracking=package.tracking_code)
    result = {"package": package.number, "tracking_code": package.tracking_code, "order_packed": done,
              "difference_g": difference}
    if done:
        _order_packed(order, shipment, packages, user_id)
    return result


def _weight(value) -> int:
    from ..numbers import whole

    weight = whole(value, least=1, most=1_000_000)
    if weight is None:
        raise DomainError(_l("Type the weight the scale shows, in grams (1 to 1000000)."))
    return weight


def _order_packed(order: Order, shipment: Shipment, packages: list[Package], user_id: int | None) -> None:
    count = len(packages)
    for index, package in enumerate(packages, start=1):
        number = f"{index}/{count}"
        if package.number != number:  # printed with another count: its label is printed again
            package.number = number
            db.session.flush()
            documents.print_package_label(package, user_id=user_id)
    fulfilment.mark_packed(order, user_id=user_id)
    shipment.packed_at = utcnow()
    shipment.manifest_id = manifest_for(shipment).id
    station = packages[-1].station
    documents.print_order_documents(order, station=station, user_id=user_id)
    events.emit("order.packed", {"order_id": order.id, "channel": order.channel,
                                 "channel_order_id": order.channel_order_id, "boxes": count})
    uow.publish(OrderPacked(order_id=order.id, shipment_id=shipment.id))


def manifest_for(shipment: Shipment) -> Manifest:
    """Today's open manifest of the shipment's carrier (made when there is none)."""
    carrier = carriers.carrier_by_code(shipment.carrier)
    today = clock.today()
    manifest = db.session.scalar(select(Manifest).where(
        Manifest.carrier_id == carrier.id, Manifest.pickup_on == today,
        Manifest.status == ManifestStatus.OPEN.value).order_by(Manifest.id).limit(1))
    if manifest is None:
        manifest = Manifest(carrier_id=carrier.id, pickup_on=today)
        db.session.add(manifest)
        db.session.flush()
    return manifest


# --------------------------------------------------------------------------------------------- unpacking


@uow.use_case
def unpack(package_id: int, *, user_id: int | None) -> dict:
    """A supervisor opens a box again: its units go back into the order's tote by ledger moves, the box is
    cancelled (its tracking number is never issued again) and the order waits at packing."""
    package = db.session.get(Package, package_id)
    if package is None:
        raise NotFound(_l("That box does not exist."))
    order = lock_order(package.order_id)
    package = db.session.scalar(select(Package).where(Package.id == package_id).with_for_update()
                                .execution_options(populate_existing=True))
    if package.status in (PackageStatus.SHIPPED, PackageStatus.CANCELLED):
        raise Conflict(_l("Box %(box)s is %(status)s: it cannot be unpacked.", box=package.lpn.code,
                          status=package.status))
    shipment = package.shipment
    if shipment.manifest and shipment.manifest.status == ManifestStatus.CLOSED:
        raise Conflict(_l("Box %(box)s is on a closed manifest.", box=package.lpn.code))
    totes = order_totes(order.id)
    if not totes:
        raise DomainError(_l("Order %(order)s has no tote to put the units back into.", order=order.id))
    tote = totes[0]
    target = tote.location or package.lpn.location
    units = 0
    for item in inventory.lock_items_where(StockItem.lpn_id == package.lpn_id, StockItem.quantity > 0):
        quantity = item.quantity  # apply_move updates the item
        inventory.apply_move(product=item.product, lot=item.lot, source=item.location, target=target,
                             quantity=quantity, reason="unpack", user_id=user_id, document=document(order),
                             from_lpn=package.lpn, to_lpn=tote, check_target=False)
        units += quantity
    for unit in list(package.units):
        db.session.delete(unit)
    package.status = PackageStatus.CANCELLED.value
    shipment.manifest_id = None
    shipment.packed_at = None
    fulfilment.mark_unpacked(order, user_id=user_id)
    audit.record("package.unpack", package, user_id=user_id, order=order.id, units=units, tote=tote.code)
    return {"box": package.lpn.code, "units": units, "tote": tote.code}


def find_package(raw: str) -> Package | None:
    """A box by its tracking code or its LPN code."""
    code = (raw or "").strip().upper()[:40]
    if not code:
        return None
    package = db.session.scalar(select(Package).where(Package.tracking_code == code))
    if package is None:
        package = db.session.scalar(select(Package).join(Lpn, Lpn.id == Package.lpn_id).where(Lpn.code == code))
    return package

