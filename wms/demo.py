"""The demo warehouse: enough to try every screen on a fresh install.

Everything is made through the same services the screens use, so the demo's stock has a ledger.
"""
from datetime import timedelta

from . import clock, gs1
from .auth import services as auth_services
from .catalog import services as catalog
from .catalog.models import LotStatus
from .demo_day import load_day
from .extensions import db
from .inventory import services as inventory
from .locations import services as locations
from .locations.models import LocationKind
from .orders import channels
from .orders.demo import load_orders
from .printing.demo import load_printers
from .shipping.demo import load_shipping
from .uow import unit_of_work

DEMO_USERS = [
    # username, role, name, password, badge, pin
    ("worker", "worker", "Ana Operadora", "worker", "BADGE-0001", "1234"),
    ("worker2", "worker", "Bruno Separador", "worker2", "BADGE-0002", "2345"),
    ("supervisor", "supervisor", "Carla Supervisora", "supervisor", "BADGE-0100", "5678"),
    ("admin", "admin", "Diego Admin", "admin", "BADGE-0900", "9012"),
]

FIXED_LOCATIONS = [
    ("DOCK-01", "receiving"), ("DOCK-02", "receiving"), ("STAGE-01", "staging"), ("PACK-01", "packing"),
    ("PACK-02", "packing"), ("SHIP-01", "shipping"), ("Q-01", "quarantine"), ("RET-01", "returns"),
    ("DMG-01", "damaged"),
]


def gtin13(body12: str) -> str:
    return body12 + gs1.check_digit(body12)


def gtin14(body13: str) -> str:
    return body13 + gs1.check_digit(body13)


# sku, name, category, lot/expiry tracked, min shelf life days, Anvisa registration, unit GTIN, case GTIN, units
DEMO_PRODUCTS = [
    ("MED-DIPI-500", "Dipirona Sódica 500 mg, 10 comprimidos", "medicine", True, 90, "1055300010011",
     gtin13("789100000001"), gtin14("1789100000001"), 24),
    ("MED-AMOX-500", "Amoxicilina 500 mg, 21 cápsulas", "medicine", True, 90, "1055300020021",
     gtin13("789100000002"), gtin14("1789100000002"), 12),
    ("COS-FPS50", "Protetor Solar FPS 50, 200 ml", "cosmetic", True, 180, "2100100030031",
     gtin13("789100000003"), gtin14("1789100000003"), 12),
    ("COS-SHAMPOO", "Shampoo Anticaspa, 400 ml", "cosmetic", True, 120, "2100100040041",
     gtin13("789100000004"), gtin14("1789100000004"), 6),
    ("SAN-ALCOOL70", "Álcool em Gel 70%, 500 ml", "sanitizer", True, 60, "3200100050051",
     gtin13("789100000005"), gtin14("1789100000005"), 20),
    ("ACC-GARRAFA", "Garrafa Térmica Inox, 1 L", "other", False, 0, None, gtin13("789100000006"), None, 0),
    ("ACC-CABO-USBC", "Cabo USB-C, 1 m", "other", False, 0, None, gtin13("789100000007"), None, 0),
]

# sku, lot, days until expiry (None: not lot-tracked), status, [(location, quantity)]
DEMO_STOCK = [
    ("MED-DIPI-500", "DP2401", 75, "released", [("A-01-01-1", 40), ("A-01-01-2", 96)]),
    ("MED-DIPI-500", "DP2407", 420, "released", [("A-01-01-3", 240)]),
    ("MED-DIPI-500", "DP2311", -12, "quarantine", [("Q-01", 30)]),
    ("MED-AMOX-500", "AX2405", 300, "released", [("A-01-02-1", 60), ("A-01-02-2", 120)]),
    ("MED-AMOX-500", "AX2312", 200, "recalled", [("Q-01", 18)]),
    ("COS-FPS50", "FP2402", 150, "released", [("A-02-03-1", 36)]),
    ("COS-FPS50", "FP2408", 560, "released", [("A-02-03-2", 144)]),
    ("COS-SHAMPOO", "SH2406", 380, "released", [("A-02-05-1", 48)]),
    ("SAN-ALCOOL70", "AL2403", 45, "released", [("A-03-02-1", 20)]),
    ("SAN-ALCOOL70", "AL2409", 700, "released", [("A-03-02-2", 200)]),
    ("ACC-GARRAFA", None, None, None, [("A-04-07-1", 25), ("A-04-07-3", 50)]),
    ("ACC-CABO-USBC", None, None, None, [("A-04-09-1", 80)]),
]


def load() -> None:
    """The whole demo warehouse, in one unit of work: all of it or nothing."""
    with unit_of_work():
        _load()


def _load() -> None:
    channels.seed_defaults()  # the migration seeds them; a database emptied for the demo may not have them
    for username, role, name, password, badge, pin in DEMO_USERS:
        auth_services.create_user(username, role=role, name=name, password=password, badge=badge, pin=pin)
    load_warehouse()
    load_printers()
    load_receiving()
    load_shipping()
    load_orders()
    load_day()


def load_warehouse() -> None:
    warehouse = locations.create_warehouse(
        "CD1", "CD São Paulo", aisle_length_m=10.0, aisle_pitch_m=3.0, bay_width_m=1.0, depot_x_m=0.0,
    )
    for code, kind in FIXED_LOCATIONS:
        locations.create_location(code, kind, warehouse=warehouse)
    locations.create_range("A", (1, 4), (1, 10), (1, 3), kind="reserve", pick_face_levels=(1,),
                           warehouse=warehouse)
    products = {}
    for sku, name, category, tracked, shelf, registration, gtin, case_gtin, case_units in DEMO_PRODUCTS:
        barcodes = [(gtin, "gtin", 1)] + ([(case_gtin, "case_gtin", case_units)] if case_gtin else [])
        products[sku] = catalog.create_product(
            sku=sku, name=name, category=category, lot_tracked=tracked, expiry_tracked=tracked,
            min_shelf_life_days=shelf, anvisa_registration=registration, barcodes=barcodes,
            weight_g=250, storage_notes="Manter em local seco, 15–30 °C" if tracked else None,
        )
    supplier = locations.virtual_location(warehouse.id, LocationKind.SUPPLIER)
    today = clock.today()
    for sku, lot_code, days, _status, places in DEMO_STOCK:
        product = products[sku]
        lot = None
        if lot_code:
            lot = catalog.lot_in_transaction(product, lot_code, expires_on=today + timedelta(days=days))
        for code, quantity in places:
            inventory.apply_move(product=product, lot=lot, source=supplier, target=locations.by_code(code),
                                 quantity=quantity, reason="receipt", document="DEMO-OPENING", user_id=None)
    db.session.flush()
    for sku, lot_code, _days, status, _places in DEMO_STOCK:
        if lot_code and status != LotStatus.RELEASED:
            # Through the service, so the demo's held lots have their status history like any other.
            lot = catalog.find_lot(products[sku].id, lot_code)
            inventory.change_lot_status(lot.id, status, reason="Demo: held at the opening count", user_id=None)


def logins_text() -> str:
    lines = ["Demo logins (desk: username/password; handheld: badge + PIN):"]
    for username, role, _name, password, badge, pin in DEMO_USERS:
        lines.append(f"  {role:<10} {username:<10} password {password:<10} badge {badge}  PIN {pin}")
    return "\n".join(lines)


DEMO_PALLET_SSCC = "376104250021234569"


def load_receiving() -> None:
    """Two ASNs expected today (one of GS1-labelled medicines on a pallet with an SSCC) and put-away rules."""
    from .receiving import asns, putaway_rules

    today = clock.today()
    asns.create_asn({
        "supplier": "Distribuidora Farma SA", "reference": "NF-000123", "expected_on": today.isoformat(),
        "note": f"Pallet SSCC {DEMO_PALLET_SSCC}: one scan receives its two lines.",
        "lines": [
            {"sku": "MED-DIPI-500", "quantity": 240, "lot": "DP2502",
             "expires_on": (today + timedelta(days=500)).isoformat(), "sscc": DEMO_PALLET_SSCC},
            {"sku": "MED-AMOX-500", "quantity": 120, "lot": "AX2507",
             "expires_on": (today + timedelta(days=400)).isoformat(), "sscc": DEMO_PALLET_SSCC},
            {"sku": "COS-FPS50", "quantity": 48},
        ]})
    asns.create_asn({
        "supplier": "Utilidades Casa Ltda", "reference": "PC-4501", "expected_on": today.isoformat(),
        "lines": [{"sku": "ACC-GARRAFA", "quantity": 30}, {"sku": "ACC-CABO-USBC", "quantity": 100},
                  {"sku": "SAN-ALCOOL70", "quantity": 60}]})
    for priority, category, kind in ((10, "medicine", "reserve"), (20, "cosmetic", "reserve"),
                                     (30, "sanitizer", "reserve"), (40, "other", "pick_face")):
        putaway_rules.save_rule(priority=priority, location_kind=kind, category=category, zone="A", user_id=None)
