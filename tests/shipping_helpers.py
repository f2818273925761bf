"""Helpers for the shipping tests (no tests here): a stocked warehouse with carriers, box types and a printer,
and orders picked into totes that wait in staging, all through the real services."""
from sqlalchemy import select

from tests.picking_helpers import stocked_world, take
from wms.catalog import services as catalog
from wms.extensions import db
from wms.inventory.models import Move
from wms.picking import picks, waves
from wms.printing import services as printing
from wms.printing.models import PrintJob
from wms.shipping.demo import load_shipping

# MED: 10 × 10 × 5 cm, 100 g (fits the small box CX-P); BOTTLE: 9 × 9 × 30 cm, 1.1 kg (too long for CX-P).
SIZES = {"MED": dict(length_mm=100, width_mm=100, height_mm=50, weight_g=100),
         "BOTTLE": dict(length_mm=90, width_mm=90, height_mm=300, weight_g=1100)}


def shipping_world(label_dir, *, sizes=True):
    world = stocked_world()
    if sizes:
        for sku, values in SIZES.items():
            catalog.update_product(world.products[sku].id, **values)
    load_shipping()
    printer = printing.create_printer("PACK-PRINTER", f"file://{label_dir}")
    printing.assign_printer(None, None, printer.id)
    db.session.commit()
    return world


def picked_order(lines, *, tote="TOTE-1", **kwargs) -> int:
    """An order taken, waved, picked into `tote` and left in STAGE."""
    order_id = take(lines, **kwargs)
    wave = waves.build_wave(order_ids=[order_id], max_orders=1, user_id=None)
    picks.bind_tote(wave.id, tote, user_id=None)
    while (task := waves.next_task(wave.id)) is not None:
        picks.confirm_pick(task.id, quantity=task.quantity, lot_id=task.lot_id, tote_code=tote, user_id=None)
    picks.finish_wave(wave.id, "STAGE", user_id=None)
    db.session.commit()
    return order_id


def jobs(kind=None) -> list[PrintJob]:
    query = select(PrintJob).order_by(PrintJob.id)
    if kind:
        query = query.where(PrintJob.kind == kind)
    return list(db.session.scalars(query))


def moves(reason: str) -> list[Move]:
    return list(db.session.scalars(select(Move).where(Move.reason == reason).order_by(Move.id)))


def shipped_order(bottles: int = 1, *, tote="TOTE-1", **kwargs) -> int:
    """An order of `bottles` BOTTLEs, one per box, packed, loaded and shipped on a closed manifest."""
    from tests.factories import BOTTLE_GTIN
    from wms.shipping import boxes, dispatch, packing
    from wms.shipping.models import Shipment

    order_id = picked_order([("BOTTLE", bottles)], tote=tote, **kwargs)
    for _ in range(bottles):
        packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
        boxes.close_box(order_id, 1100 + 250, recounted=True, user_id=None)
    shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == order_id))
    dispatch.set_driver(shipment.manifest_id, driver_name="João", vehicle_plate="ABC1D23", user_id=None)
    for package in shipment.packages:
        dispatch.load_package(shipment.manifest_id, package.tracking_code, user_id=None)
    dispatch.close_manifest(shipment.manifest_id, user_id=None)
    db.session.commit()
    return order_id
