"""Packing, closing boxes, manifests and shipping, through the services on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import select

from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, gtin13
from tests.picking_helpers import books_are_right
from tests.shipping_helpers import jobs, moves, picked_order, shipping_world
from wms import brazil
from wms.errors import DomainError
from wms.events import Event
from wms.extensions import db
from wms.inventory import services as inventory
from wms.orders.models import Order
from wms.shipping import boxes, dispatch, packing
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
    first = boxes.close_box(order_id, 100 * 3 + 120, user_id=None)
    assert not first["order_packed"] and brazil.is_valid_tracking_code(first["tracking_code"])
    packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
    packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
    with pytest.raises(DomainError, match="extra"):
        packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
    second = boxes.close_box(order_id, 2200 + 250, user_id=None)
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
    assert dispatch.close_manifest(manifest.id, user_id=None)["units"] == 5
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


def test_an_order_with_a_recalled_lot_in_its_tote_is_not_packed_and_says_what_to_take_out(world):
    order_id = picked_order([("MED", 2)])
    inventory.change_lot_status(world.lots["L-SOON"].id, "recalled", reason="Anvisa recall", user_id=None)
    db.session.commit()
    view = packing.pack_view(order_id)
    assert view.holds and "Take 2 × MED lot L-SOON (recalled) out of tote TOTE-1" in view.holds[0]
    with pytest.raises(DomainError, match="cannot be packed: Take 2 × MED lot L-SOON"):
        packing.pack_unit(order_id, med("L-SOON"), station_code="PACK", user_id=None)
    assert moves("pack") == []


def test_a_serial_is_packed_once_and_a_case_of_more_than_is_left_is_refused(world):
    order_id = picked_order([("MED", 2)])
    packing.pack_unit(order_id, med("L-SOON", "SN-1"), station_code="PACK", user_id=None)
    with pytest.raises(DomainError, match="Serial SN-1 of MED was packed already"):
        packing.pack_unit(order_id, med("L-SOON", "SN-1"), station_code="PACK", user_id=None)
    from tests.factories import MEDICINE_CASE_GTIN

    with pytest.raises(DomainError, match="more MED than are left"):
        packing.pack_unit(order_id, f"01{MEDICINE_CASE_GTIN}10L-SOON", station_code="PACK", user_id=None)
    assert packing.pack_unit(order_id, MEDICINE_GTIN, station_code="PACK", user_id=None)["left"] == 0
    units = db.session.scalars(select(Package)).one().units
    assert sorted((u.serial or "", u.quantity) for u in units) == [("", 1), ("SN-1", 1)]


def test_a_resent_scan_is_applied_once(world):
    order_id = picked_order([("MED", 2)])
    first = packing.pack_unit(order_id, med("L-SOON"), station_code="PACK", user_id=None, scan_id="scan-1")
    again = packing.pack_unit(order_id, med("L-SOON"), station_code="PACK", user_id=None, scan_id="scan-1")
    assert first == again and len(moves("pack")) == 1


def test_unpacking_moves_the_units_back_into_the_tote_and_the_number_is_never_reused(world):
    order_id = picked_order([("BOTTLE", 1)])
    packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
    closed = boxes.close_box(order_id, 1350, user_id=None)
    db.session.commit()
    assert db.session.get(Order, order_id).status == "packed"
    package = db.session.scalars(select(Package)).one()
    result = boxes.unpack(package.id, user_id=None)
    db.session.commit()
    assert result["units"] == 1 and result["tote"] == "TOTE-1"
    assert db.session.get(Order, order_id).status == "picked"
    back = moves("unpack")
    assert len(back) == 1 and back[0].from_lpn_id == package.lpn_id and back[0].document == f"ORDER-{order_id}"
    assert packing.pack_view(order_id).units_left == 1
    packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
    again = boxes.close_box(order_id, 1350, user_id=None)
    db.session.commit()
    assert again["tracking_code"] != closed["tracking_code"] and again["package"] == "1/1"
    assert inventory.stock_mismatches() == []


def test_products_without_size_are_asked_once_and_a_unit_too_big_for_every_box_is_named(ctx, tmp_path):
    from wms.catalog.models import Product

    shipping_world(tmp_path, sizes=False)
    order_id = picked_order([("BOTTLE", 1)])
    view = packing.pack_view(order_id)
    assert [p.sku for p in view.missing_sizes] == ["BOTTLE"] and not view.proposal
    bottle = db.session.scalar(select(Product).where(Product.sku == "BOTTLE"))
    with pytest.raises(DomainError, match="length, width and height"):
        packing.set_product_size(bottle.id, length_mm="0", width_mm="1", height_mm="1", weight_g="1")
    packing.set_product_size(bottle.id, length_mm="900", width_mm="900", height_mm="900", weight_g="1000")
    db.session.commit()
    view = packing.pack_view(order_id)
    assert not view.missing_sizes and "BOTTLE is bigger than every box type" in view.too_big


def test_the_carrier_is_the_channels_then_the_one_asked_then_the_cheapest(world):
    from wms.shipping import carriers

    asked = picked_order([("BOTTLE", 1)], service_level="SEDEX")
    packing.pack_unit(asked, BOTTLE_GTIN, station_code="PACK", user_id=None)
    assert db.session.scalars(select(Shipment)).one().service == "03220"
    cheapest = picked_order([("BOTTLE", 1)], tote="TOTE-2", carrier=None, service_level="anything")
    packing.pack_unit(cheapest, BOTTLE_GTIN, station_code="PACK", user_id=None)
    shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == cheapest))
    assert (shipment.carrier, shipment.service) == ("jadlog", "PACKAGE")  # R$ 16.90 beats PAC's R$ 18.90
    market = picked_order([("BOTTLE", 1)], tote="TOTE-3", channel="marketplace")
    packing.pack_unit(market, BOTTLE_GTIN, station_code="PACK", user_id=None)
    assert db.session.scalar(select(Shipment).where(Shipment.order_id == market)).carrier == "mercado-envios"
    with pytest.raises(DomainError, match="overlaps a range imported already"):
        carriers.import_range(1, prefix="PH",
                              first=29799859, last=29799900)
