"""A small warehouse for tests, built through the real services (so its stock has a ledger)."""
from dataclasses import dataclass, field
from datetime import date, timedelta

from wms import clock, gs1
from wms.catalog import services as catalog
from wms.catalog.models import Lot, Product
from wms.extensions import db
from wms.inventory import services as inventory
from wms.locations import services as locations
from wms.locations.models import Location, LocationKind, Warehouse
from wms.orders import channels as sales_channels


def gtin13(body12: str) -> str:
    return body12 + gs1.check_digit(body12)


def gtin14(body13: str) -> str:
    return body13 + gs1.check_digit(body13)


@dataclass
class World:
    warehouse: Warehouse
    loc: dict[str, Location] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    lots: dict[str, Lot] = field(default_factory=dict)

    def virtual(self, kind: LocationKind) -> Location:
        return locations.virtual_location(self.warehouse.id, kind)


MEDICINE_GTIN = gtin13("789100000001")
MEDICINE_CASE_GTIN = gtin14("1789100000001")
BOTTLE_GTIN = gtin13("789100000006")
MEDICINE_ANVISA = "1055300010011"


def build_world(today: date | None = None) -> World:
    """Warehouse W1 with DOCK, Q-01, DMG-01, STAGE, PACK, SHIP, and bins A-01..02-01..05-1..2 (level 1 pick faces).

    Products: MED (medicine, lots, expiry, Anvisa, unit GTIN + case of 24), BOTTLE (no lots).
    Lots of MED: L-SOON (expires in 30 days), L-LATE (in 400 days), L-OLD (expired 5 days ago).
    """
    today = today or clock.today()
    warehouse = locations.create_warehouse("W1", "Test warehouse", aisle_length_m=5.0, aisle_pitch_m=3.0,
                                           bay_width_m=1.0)
    world = World(warehouse=warehouse)
    sales_channels.seed_defaults()  # site, marketplace, shop: seeded by the migration, emptied between tests
    for code, kind in (("DOCK", "receiving"), ("Q-01", "quarantine"), ("DMG-01", "damaged"),
                       ("STAGE", "staging"), ("PACK", "packing"), ("SHIP", "shipping"), ("RET", "returns")):
        world.loc[code] = locations.create_location(code, kind, warehouse=warehouse)
    for location in locations.create_range("A", (1, 2), (1, 5), (1, 2), pick_face_levels=(1,), warehouse=warehouse):
        world.loc[location.code] = location
    world.products["MED"] = catalog.create_product(
        sku="MED", name="Dipirona 500 mg", category="medicine", lot_tracked=True, expiry_tracked=True,
        min_shelf_life_days=10, anvisa_registration=MEDICINE_ANVISA,
        barcodes=[(MEDICINE_GTIN, "gtin", 1), (MEDICINE_CASE_GTIN, "case_gtin", 24)],
    )
    world.products["BOTTLE"] = catalog.create_product(sku="BOTTLE", name="Garrafa 1 L",
                                                      barcodes=[(BOTTLE_GTIN, "gtin", 1)])
    med = world.products["MED"]
    for code, days in (("L-SOON", 30), ("L-LATE", 400), ("L-OLD", -5)):
        world.lots[code] = catalog.lot_in_transaction(med, code, expires_on=today + timedelta(days=days))
    db.session.commit()
    return world


def receive(world: World, sku: str, location: str, quantity: int, lot: str | None = None, lpn=None):
    """Put stock in a place as a receipt would (supplier → location), committed."""
    move = inventory.apply_move(
        product=world.products[sku], lot=world.lots.get(lot) if lot else None,
        source=world.virtual(LocationKind.SUPPLIER), target=world.loc[location], quantity=quantity,
        reason="receipt", user_id=None, document="TEST", to_lpn=lpn, check_target=False,
    )
    db.session.commit()
    return move


def on_hand(world: World, sku: str, location: str, lot: str | None = None, lpn_id: int | None = None) -> int:
    from wms.inventory.models import StockItem, item_key

    lot_id = world.lots[lot].id if lot else None
    item = db.session.scalar(db.select(StockItem).where(
        StockItem.key == item_key(world.loc[location].id, world.products[sku].id, lot_id, lpn_id)))
    return item.quantity if item else 0
