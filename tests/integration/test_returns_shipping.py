"""Returns against what the shipping area recorded (SQLite and PostgreSQL): the serials packed for the order,
the NF-e on the recall's distribution map, and the return label through the print queue."""
import pytest
from sqlalchemy import select

from tests.factories import BOTTLE_GTIN
from tests.shipping_helpers import picked_order, shipping_world
from wms.extensions import db
from wms.returns import dock, rmas
from wms.returns.models import Flag
from wms.shipping import boxes, dispatch, packing
from wms.shipping.models import Shipment


@pytest.fixture
def world(ctx, tmp_path):
    return shipping_world(tmp_path)


def unit(serial: str) -> str:
    """A GS1 element string for one BOTTLE with its serial: (01) GTIN (21) serial."""
    return f"01{BOTTLE_GTIN.zfill(14)}21{serial}"


def ship_serials(serials: list[str], *, tote: str) -> int:
    """An order of one BOTTLE per serial, packed unit by unit with its serial, loaded and shipped."""
    order_id = picked_order([("BOTTLE", len(serials))], tote=tote)
    for serial in serials:
        packing.pack_unit(order_id, unit(serial), station_code="PACK", user_id=None)
        boxes.close_box(order_id, 1100 + 250, recounted=True, user_id=None)
    shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == order_id))
    dispatch.set_driver(shipment.manifest_id, driver_name="João", vehicle_plate="ABC1D23", user_id=None)
    for package in shipment.packages:
        dispatch.load_package(shipment.manifest_id, package.tracking_code, user_id=None)
    dispatch.close_manifest(shipment.manifest_id, user_id=None)
    db.session.commit()
    return order_id


def test_a_returned_serial_must_be_one_packed_for_the_order(world):
    mine = ship_serials(["SN-A1", "SN-A2"], tote="TOTE-1")
    theirs = ship_serials(["SN-B1"], tote="TOTE-2")
    rma, _ = rmas.create_rma({"order_id": mine, "lines": [{"sku": "BOTTLE", "quantity": 2, "reason": "regret"}]},
                             user_id=None)
    db.session.commit()
    # Packed for this order: fine, although receiving never recorded the serial.
    assert dock.receive_unit(rma.id, unit("SN-A1"), user_id=None)["flag"] == Flag.OK
    other = dock.receive_unit(rma.id, unit("SN-B1"), user_id=None)
    assert other["flag"] == Flag.SERIAL and f"ORDER-{theirs}" in other["note"]
    never = dock.receive_unit(rma.id, unit("SN-ZZ"), user_id=None)
    assert never["flag"] == Flag.SERIAL and "ORDER-" not in never["note"]
    assert dock.receive_unit(rma.id, unit("SN-A1"), user_id=None)["flag"] == Flag.SERIAL  # returned already
    assert dock.receive_unit(rma.id, unit("SN-A2"), user_id=None)["flag"] == Flag.OK
    db.session.commit()
