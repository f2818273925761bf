"""Locations and catalogue services on a real database: all-or-nothing bulk work, barcodes, lots."""
import time
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.factories import BOTTLE_GTIN, MEDICINE_CASE_GTIN, MEDICINE_GTIN, build_world, gtin13, gtin14
from wms.audit import AuditEvent
from wms.catalog import services as catalog
from wms.catalog.models import Lot, Product, ProductBarcode
from wms.errors import DomainError
from wms.extensions import db
from wms.locations import services as locations
from wms.locations.models import Location, LocationKind, Warehouse, Zone


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture(autouse=True)
def english(ctx):
    """Messages are read in English here; outside a request the app speaks Portuguese (see the last test)."""
    with force_locale("en"):
        yield


@pytest.fixture
def warehouse(ctx):
    return locations.create_warehouse("W1", "Test warehouse", aisle_length_m=20.0)


# Locations


def test_create_location_reads_its_address_from_the_code(warehouse):
    location = locations.create_location("a-03-12-2-b", "reserve", capacity_units=40)
    assert location.code == "A-03-12-2-B"
    assert (location.aisle, location.bay, location.level, location.position) == (3, 12, 2, "B")
    assert location.zone.code == "A"
    assert locations.by_code("a-03-12-2-b").id == location.id


@pytest.mark.parametrize(("code", "kind", "message"), [
    ("DOCK 1", "receiving", "without spaces"),
    ("X-01", "shelf", "Unknown location type"),
    ("X-02", "supplier", "made by the system"),
    ("CÂMARA-1", "quarantine", "characters a barcode label cannot carry"),  # Code 128 carries ASCII only
])
def test_create_location_refuses_bad_input(warehouse, code, kind, message):
    with pytest.raises(DomainError, match=message):
        locations.create_location(code, kind)


def test_a_location_code_is_unique(warehouse):
    locations.create_location("DOCK-01", "receiving")
    with pytest.raises(DomainError, match="already exists"):
        locations.create_location("dock-01", "receiving")


def test_create_range_makes_every_bin_with_its_pick_faces_in_one_zone(warehouse):
    made = locations.create_range("B", (1, 2), (1, 3), (1, 3), positions="AB", pick_face_levels=(1,),
                                  capacity_units=50, mixing="one_product")
    assert len(made) == 2 * 3 * 3 * 2
    bins = {loc.code: loc for loc in db.session.scalars(select(Location).where(Location.code.like("B-%")))}
    assert len(bins) == 36
    assert bins["B-01-01-1-A"].kind == LocationKind.PICK_FACE
    assert bins["B-02-03-3-B"].kind == LocationKind.RESERVE
    assert {loc.capacity_units for loc in bins.values()} == {50}
    assert {loc.mixing for loc in bins.values()} == {"one_product"}
    assert db.session.scalar(select(func.count(Zone.id)).where(Zone.code == "B")) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "location.create_range")) == 1


def test_a_range_overlapping_existing_bins_creates_nothing(warehouse):
    locations.create_location("C-01-02-1", "reserve")
    before = count(Location)
    with pytest.raises(DomainError, match="C-01-02-1"):
        locations.create_range("C", (1, 1), (1, 3), (1, 2))
    assert count(Location) == before


def test_preview_counts_the_range_and_names_what_exists(warehouse):
    locations.create_location("D-01-02-1", "reserve")
    preview = locations.preview_range("d", (1, 2), (1, 5), (1, 4), positions="")
    assert (preview.count, preview.first, preview.last) == (40, "D-01-01-1", "D-02-05-4")
    assert preview.existing == ["D-01-02-1"] and preview.existing_count == 1
    assert count(Location) == 4 + 1  # the virtual locations and D-01-02-1: nothing made by a preview


def test_a_repeated_position_letter_is_one_position_not_a_crash(warehouse):
    made = locations.create_range("E", (1, 1), (1, 1), (1, 1), positions="AAB")
    assert [loc.code for loc in made] == ["E-01-01-1-A", "E-01-01-1-B"]


def test_a_huge_range_is_refused_before_it_is_built(warehouse):
    started = time.perf_counter()
    with pytest.raises(DomainError, match="20,000"):
        locations.preview_range("F", (1, 99), (1, 99), (1, 9), positions="ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert time.perf_counter() - started < 1  # 2.3 million addresses are never listed


@pytest.mark.parametrize(("zone", "aisles", "positions", "message"), [
    ("", (1, 1), "", "1 to 4 letters or digits"),
    ("G", (3, 1), "", "Aisles go from 1 up to 99"),
    ("G", (1, 1), "A1", "Positions are letters"),
])
def test_range_errors_are_messages_for_people(warehouse, zone, aisles, positions, message):
    with pytest.raises(DomainError, match=message):
        locations.create_range(zone, aisles, (1, 1), (1, 1), positions=positions)


GOOD_CSV = """code,kind,zone,capacity_units,mixing
DOCK-02,receiving,,,
H-01-01-1,pick_face,H,40,one_product
H-01-01-2,reserve,H,200,mixed
"""


def test_import_csv_creates_every_row(warehouse):
    report = locations.import_csv("\ufeff" + GOOD_CSV)
    assert report.ok and report.created == 3
    bin_ = locations.by_code("H-01-01-1")
    assert (bin_.kind, bin_.capacity_units, bin_.mixing, bin_.zone.code) == ("pick_face", 40, "one_product", "H")
    assert locations.by_code("DOCK-02").zone is None


def test_import_csv_with_bad_rows_creates_nothing_and_reports_each_line(warehouse):
    locations.create_location("DOCK-01", "receiving")
    locations_before, zones_before = count(Location), count(Zone)
    text = (
        "code,kind,zone,capacity_units\n"
        "J-01-01-1,reserve,J,10\n"  # 2: fine
        "DOCK-01,receiving,,\n"  # 3: exists
        "J-01-01-2,shelf,J,\n"  # 4: unknown type
        "J-01-01-3,reserve,J,ten\n"  # 5: capacity
        "J-01-01-1,reserve,J,\n"  # 6: twice in the file
        "\n"  # 7: blank, skipped, but line numbers still count it
        "J-01-01-4,reserve,J,5,extra\n"  # 8: more fields than the header
        "K-01-01-1,reserve,K,0\n"  # 9: zero capacity
    )
    report = locations.import_csv(text)
    assert report.created == 0 and not report.ok
    lines = {line: message for line, message in report.errors}
    assert sorted(lines) == [3, 4, 5, 6, 8, 9]
    assert "DOCK-01 already exists" in lines[3]
    assert "Unknown location type shelf" in lines[4]
    assert "Capacity" in lines[5] and "Capacity" in lines[9]
    assert "J-01-01-1 already exists" in lines[6]
    assert "more fields than the header" in lines[8]
    assert count(Location) == locations_before and count(Zone) == zones_before


def test_import_csv_needs_the_header(warehouse):
    with pytest.raises(DomainError, match="code,kind"):
        locations.import_csv("DOCK-09,receiving\n")
    with pytest.raises(DomainError, match="code,kind"):
        locations.import_csv("code;kind\nDOCK-09;receiving\n")


def test_update_location_and_its_pick_face_slot(warehouse):
    world_product = catalog.create_product(sku="P1", name="Product 1")
    face = locations.create_location("L-01-01-1", "pick_face")
    reserve = locations.create_location("L-01-01-2", "reserve")
    locations.update_location(face.id, capacity_units=30, mixing="one_product", slot_product_id=world_product.id,
                              slot_min=5, slot_max=30)
    assert (face.capacity_units, face.slot_product_id, face.slot_min, face.slot_max) == (30, world_product.id, 5, 30)
    with pytest.raises(DomainError, match="Only a pick face"):
        locations.update_location(reserve.id, slot_product_id=world_product.id, slot_min=1, slot_max=2)
    db.session.rollback()
    with pytest.raises(DomainError, match="slot minimum"):
        locations.update_location(face.id, slot_product_id=world_product.id, slot_min=40, slot_max=30)
    db.session.rollback()
    with pytest.raises(DomainError, match="slot minimum"):
        locations.update_location(face.id, slot_product_id=world_product.id, slot_min=-1, slot_max=None)
    db.session.rollback()
    assert db.session.get(Location, face.id).slot_min == 5


def test_blocking_needs_a_reason_and_unblocking_clears_it(warehouse):
    location = locations.create_location("M-01-01-1", "reserve")
    with pytest.raises(DomainError, match="Say why"):
        locations.set_blocked(location.id, True, "  ")
    db.session.rollback()
    locations.set_blocked(location.id, True, "broken beam")
    assert location.blocked and location.blocked_reason == "broken beam" and not location.is_pickable
    locations.set_blocked(location.id, False)
    assert not location.blocked and location.blocked_reason is None


def test_update_layout_keeps_cross_aisles_sorted_and_inside_the_aisle(warehouse):
    locations.update_layout(warehouse.id, aisle_length_m=30, aisle_pitch_m=3.5, bay_width_m=1.2,
                            cross_aisles_m=[20, 10, 10], depot_x_m=4)
    db.session.expire_all()
    saved = db.session.get(Warehouse, warehouse.id)
    assert (saved.aisle_length_m, saved.aisle_pitch_m, saved.bay_width_m, saved.depot_x_m) == (30, 3.5, 1.2, 4)
    assert saved.cross_aisles_m == [10.0, 20.0]


@pytest.mark.parametrize(("changes", "message"), [
    ({"cross_aisles_m": [0]}, "between 0 and the aisle length"),
    ({"cross_aisles_m": [30]}, "between 0 and the aisle length"),
    ({"cross_aisles_m": [31]}, "between 0 and the aisle length"),
    ({"aisle_pitch_m": 0}, "Aisle pitch must be more than 0"),
    ({"bay_width_m": -1}, "Bay width must be more than 0"),
    ({"aisle_length_m": float("nan")}, "Aisle length must be more than 0"),
    ({"depot_x_m": -2}, "depot position cannot be negative"),
])
def test_update_layout_refuses_impossible_measures(warehouse, changes, message):
    values = dict(aisle_length_m=30, aisle_pitch_m=3.5, bay_width_m=1.2, cross_aisles_m=[], depot_x_m=0)
    values.update(changes)
    with pytest.raises(DomainError, match=message):
        locations.update_layout(warehouse.id, **values)
    db.session.rollback()
    assert db.session.get(Warehouse, warehouse.id).aisle_length_m == 20


# Catalogue


def test_an_ean13_and_its_gtin14_form_find_the_same_product(ctx):
    world = build_world()
    for scanned in (MEDICINE_GTIN, "0" + MEDICINE_GTIN):
        assert catalog.barcode_lookup(scanned).product_id == world.products["MED"].id
    assert catalog.barcode_lookup(MEDICINE_CASE_GTIN).units == 24
    stored = db.session.scalar(select(ProductBarcode.code).where(ProductBarcode.kind == "gtin",
                                                                 ProductBarcode.product_id == world.products["MED"].id))
    assert stored == "0" + MEDICINE_GTIN


def test_a_gtin_in_another_form_is_still_the_same_barcode(ctx):
    world = build_world()
    with pytest.raises(DomainError, match="already belongs to BOTTLE"):
        catalog.add_barcode(world.products["MED"].id, "0" + BOTTLE_GTIN, "gtin")


def test_a_wrong_check_digit_says_which_digit_is_right(ctx):
    product = catalog.create_product(sku="P2", name="Product 2")
    wrong = MEDICINE_GTIN[:-1] + str((int(MEDICINE_GTIN[-1]) + 1) % 10)
    with pytest.raises(DomainError, match=f"wrong check digit.*ends in {MEDICINE_GTIN[-1]}"):
        catalog.add_barcode(product.id, wrong, "gtin")
    with pytest.raises(DomainError, match="not a valid GTIN"):
        catalog.add_barcode(product.id, "12345", "case_gtin", 6)


def test_case_and_internal_barcodes(ctx):
    product = catalog.create_product(sku="P3", name="Product 3")
    case = catalog.add_barcode(product.id, gtin14("1789100000099"), "case_gtin", 12)
    internal = catalog.add_barcode(product.id, "INT-P3", "internal")
    assert (case.kind, case.units, case.code) == ("case_gtin", 12, gtin14("1789100000099"))
    assert (internal.kind, internal.code) == ("internal", "INT-P3")
    with pytest.raises(DomainError, match="at least one unit"):
        catalog.add_barcode(product.id, gtin14("1789100000098"), "case_gtin", 0)


def test_the_same_barcode_twice_in_one_product_is_an_error_not_a_crash(ctx):
    gtin = gtin13("789100000090")
    with pytest.raises(DomainError, match="given twice"):
        catalog.create_product(sku="P4", name="Product 4", barcodes=[(gtin, "gtin", 1), ("0" + gtin, "case_gtin", 6)])
    db.session.rollback()
    assert count(Product) == 0


@pytest.mark.parametrize(("values", "message"), [
    ({"name": "x" * 201}, "at most 200 characters"),
    ({"unit": "caixa de 12"}, "at most 10 characters"),
    ({"photo_url": "https://example.com/" + "p" * 500}, "at most 500 characters"),
    ({"category": "cosmetic", "anvisa_registration": "1055300010011"}, "is for a medicine"),
    ({"weight_g": "12.5"}, "whole number"),
])
def test_product_fields_too_long_for_the_database_are_refused_first(ctx, values, message):
    with pytest.raises(DomainError, match=message):
        catalog.create_product(**{"sku": "P5", "name": "Product 5", **values})


def test_a_blank_unit_is_the_default_unit(ctx):
    assert catalog.create_product(sku="P6", name="Product 6", unit=" ").unit == "un"


def test_update_product_can_take_it_out_of_use(ctx):
    product = catalog.create_product(sku="P7", name="Product 7", expiry_tracked=True)
    assert product.lot_tracked  # an expiry belongs to a lot
    catalog.update_product(product.id, name="Product seven", active=False)
    db.session.expire_all()
    saved = db.session.get(Product, product.id)
    assert (saved.name, saved.active, saved.sku) == ("Product seven", False, "P7")


PRODUCTS_CSV = f"""sku,name,category,lot_tracked,expiry_tracked,min_shelf_life_days,anvisa_registration,gtin,case_gtin,case_units
MED-1,Medicine one,medicine,sim,sim,90,1055300010011,{gtin13("789100000011")},{gtin14("1789100000011")},24
ACC-1,Accessory one,,,,,,{gtin13("789100000012")},,
"""


def test_import_products_csv_creates_products_with_barcodes(ctx):
    report = catalog.import_products_csv(PRODUCTS_CSV)
    assert report.ok and report.created == 2
    med = catalog.by_sku("MED-1")
    assert med.lot_tracked and med.expiry_tracked and med.min_shelf_life_days == 90
    assert catalog.barcode_lookup(gtin14("1789100000011")).units == 24
    assert catalog.barcode_lookup(gtin13("789100000012")).product.sku == "ACC-1"


def test_import_products_csv_with_bad_rows_creates_nothing(ctx):
    catalog.create_product(sku="OLD", name="Old product", barcodes=[(gtin13("789100000020"), "gtin", 1)])
    text = (
        "sku,name,category,anvisa_registration,gtin,case_gtin,case_units\n"
        f"NEW-1,New one,,,{gtin13('789100000021')},,\n"  # 2: fine
        "OLD,Again,,,,,\n"  # 3: SKU exists
        "NEW-2,,,,,,\n"  # 4: no name
        "NEW-3,Cream,cosmetic,1055300010011,,,\n"  # 5: medicine registration
        f"NEW-4,Bad digit,,,{gtin13('789100000022')[:-1]}0,,\n"  # 6: check digit (right one is not 0)
        f"NEW-5,Taken,,,{gtin13('789100000020')},,\n"  # 7: barcode of OLD
        f"NEW-6,Case,,,,{gtin14('1789100000023')},\n"  # 8: case without units
        "NEW-7,Extra,,,,,,surplus\n"  # 9: more fields than the header
        f"NEW-8,Same as line 2,,,0{gtin13('789100000021')},,\n"  # 10: line 2's GTIN in its 14-digit form
    )
    assert gtin13("789100000022")[-1] != "0"
    report = catalog.import_products_csv(text)
    assert report.created == 0
    lines = {line: message for line, message in report.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "SKU OLD already exists" in lines[3]
    assert "needs a name" in lines[4]
    assert "is for a medicine" in lines[5]
    assert "wrong check digit" in lines[6]
    assert "already belongs to OLD" in lines[7]
    assert "case_units" in lines[8]
    assert "more fields" in lines[9]
    assert "already belongs to NEW-1" in lines[10]
    assert [p.sku for p in db.session.scalars(select(Product))] == ["OLD"]
    assert count(ProductBarcode) == 1


def test_a_lot_scanned_with_another_expiry_is_refused(ctx):
    world = build_world()
    med = world.products["MED"]
    known = world.lots["L-LATE"]
    same = catalog.lot_in_transaction(med, "L-LATE", expires_on=known.expires_on)
    assert same.id == known.id
    with pytest.raises(DomainError, match="L-LATE of MED expires on .* not .*check the label"):
        catalog.create_lot(med.id, "L-LATE", expires_on=known.expires_on + timedelta(days=1))
    db.session.rollback()
    assert db.session.get(Lot, known.id).expires_on == known.expires_on
    assert db.session.scalar(select(func.count(Lot.id)).where(Lot.code == "L-LATE")) == 1


def test_an_expiry_tracked_product_needs_an_expiry_for_a_new_lot(ctx):
    world = build_world()
    with pytest.raises(DomainError, match="needs an expiry date"):
        catalog.create_lot(world.products["MED"].id, "L-NEW")
    lot = catalog.create_lot(world.products["MED"].id, "L-NEW", expires_on=date(2030, 1, 31))
    assert lot.expires_on == date(2030, 1, 31) and lot.status == "released"


def test_outside_a_request_messages_are_in_portuguese(warehouse):
    with force_locale("pt_BR"), pytest.raises(DomainError, match="Uma zona tem de 1 a 4 letras ou dígitos."):
        locations.preview_range("", (1, 1), (1, 1), (1, 1))
