"""Packing, closing boxes, manifests and shipping, through the services on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import select

from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, gtin13
from tests.test_picking_helpers import books_are_right
from tests.test_shipping_helpers import jobs, moves, picked_order, shipping_world
from wms import brazil
from wms.errors import DomainError
from wms.events import Event
from wms.extensions import db
from wms.inventory import services as inventory
from wms.orders.models import Order
from wms.shipping import dispatch, packing
from wms.shipping.models import Package, Shipment

GS = "\x1d"


def med(lot: str, serial: str | None = None) -> str:
    """The GS1 DataMatrix of one MED unit: (01) GTIN (10) lot [(21) serial]."""
    text = f"01{MEDICINE_GTIN.zfill(14)}10{lot}"
    return text + (f"{GS}21{serial}" if serial else "")


SOAP_GTIN = gtin13("789100000013")


@pytest.fixture
def world(ctx, tmp_path):
    from wms.catalog import services as catalog

    made = shipping_world(tmp_path)
    catalog.create_product(sku="SOAP", name="Sabonete", barcodes=[(SOAP_GTIN, "gtin", 1)])
    db.session.commit()
    return made


def test_an_order_packed_into_two_boxes_and_shipped_leaves_stock_by_the_ledger(world):
    order_id = picked_order([("MED", 3), ("BOTTLE", 2)])
    view = packing.pack_view(order_id)
    assert view.units_left == 5 and not view.holds and view.proposal
    # one wrong unit: a product that is not in the order
    with pytest.raises(DomainError, match="not in this order|extra"):
        packing.pack_unit(order_id, SOAP_GTIN, station_code="PACK", user_id=None)
    assert [c.box.name for c in view.proposal] == ["CX-M"]  # everything fits one medium box
    packing.pack_unit(order_id, "cx-p", station_code="PACK", user_id=None)  # the packer takes a small one
    for _ in range(3):
        packing.pack_unit(order_id, med("L-SOON"), station_code="PACK", user_id=None)
    first = packing.close_box(order_id, 100 * 3 + 120, user_id=None)
    assert not first["order_packed"] and brazil.is_valid_tracking_code(first["tracking_code"])
    packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
    packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
    with pytest.raises(DomainError, match="extra"):
        packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
    second = packing.close_box(order_id, 2200 + 250, user_id=None)
    db.session.commit()
    assert second["order_packed"] and second["tracking_code"] != first["tracking_code"]
    order = db.session.get(Order, order_id)
    assert order.status == "packed"
    packages = list(db.session.scalars(select(Package).order_by(Package.sequence)))
    assert [p.number for p in packages] == ["1/2", "2/2"]
    assert len(moves("pack")) == 5  # one ledger move per scan
    kinds = [j.kind for j in jobs()]
    assert kinds.count("shipping_correios") >= 2 and "packing_slip" in kinds
    assert db.session.scalar(select(Event).where(Event.kind == "order.packed")).payload["boxes"] == 2

    shipment = db.session.scalar(select(Shipment))
    manifest = shipment.manifest
    dispatch.set_driver(manifest.id, driver_name="João", vehicle_plate="ABC1D23", user_id=None)
    dispatch.load_package(manifest.id, packages[0].tracking_code, user_id=None)
    with pytest.raises(DomainError, match="not scanned onto the truck"):
        dispatch.close_manifest(manifest.id, user_id=None)
    dispatch.load_package(manifest.id, packages[1].lpn.code, user_id=None)
    dispatch.close_manifest(manifest.id, user_id=None)
    db.session.commit()
    order = db.session.get(Order, order_id)
    assert order.status == "shipped" and order.tracking_code == shipment.tracking_code
    shipped = moves("ship")
    assert sum(m.quantity for m in shipped) == 5
    assert {m.to_location.kind for m in shipped} == {"customer"}
    assert {m.document for m in shipped} == {f"ORDER-{order_id}"}
    event = db.session.scalar(select(Event).where(Event.kind == "order.shipped"))
    assert event.payload["shipments"][0]["boxes"] == 2
    assert event.payload["customer"]["name"] == "Maria Silva" and event.payload["locale"] == "pt_BR"
    assert dispatch.shipments_json(order_id)[0]["tracking_code"] == shipment.tracking_code
    assert inventory.stock_mismatches() == [] and books_are_right()
