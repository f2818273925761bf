"""The back half of the demo day, through the real services, so every screen has something to show:

- an order from the shop's site picked, packed, shipped with Correios (tracking code, manifest, ledger out to the
  customer), then returned by the customer (an RMA waiting at the returns dock);
- the sanitizer lot that order shipped recalled (risk class II): the trace names the customer who got it;
- a Mercado Livre order with the marketplace's own ZPL label and its NF-e, ready to pack.
Called by `wms.demo.load()`, inside its unit of work.
"""
from datetime import timedelta

from sqlalchemy import select

from . import brazil, clock
from .catalog import services as catalog
from .extensions import db
from .inventory.models import Move
from .orders import services as orders
from .picking import picks, waves
from .recall import services as recall
from .returns import rmas
from .shipping import boxes, dispatch, documents, packing
from .shipping.models import Shipment

# Inner dimensions (mm) and weight (g) of the demo products, so packing can choose boxes.
SIZES = {
    "MED-DIPI-500": (95, 50, 20, 30), "MED-AMOX-500": (110, 60, 30, 40), "COS-FPS50": (160, 55, 45, 230),
    "COS-SHAMPOO": (210, 75, 50, 430), "SAN-ALCOOL70": (190, 80, 60, 520), "ACC-GARRAFA": (280, 85, 85, 450),
    "ACC-CABO-USBC": (120, 80, 15, 40),
}
ISSUER_CNPJ = "08370779000149"


def nfe_key(number: int, series: int = 1, issued: str = "2612") -> str:
    """A well-formed NF-e access key of the demo company (São Paulo, model 55)."""
    first43 = f"35{issued}{ISSUER_CNPJ}55{series:03d}{number:09d}1{number % 10**8:08d}"
    return first43 + str(brazil.nfe_check_digit(first43))


def load_day() -> dict:
    for sku, (length, width, height, weight) in SIZES.items():
        product = catalog.by_sku(sku)
        catalog.update_product(product.id, length_mm=length, width_mm=width, height_mm=height, weight_g=weight)
    shipped = ship_an_order()
    returned = return_it(shipped)
    recalled = recall_its_lot(shipped)
    marketplace = marketplace_order()
    return {"shipped_order": shipped, "rma": returned, "recall": recalled, "marketplace_order": marketplace}


def _take(channel: str, channel_id: str, lines, *, carrier: str, days: int = 0) -> int:
    today = clock.today()
    order, _created = orders.take_order({
        "channel": channel, "channel_order_id": channel_id, "payment_status": "paid", "carrier": carrier,
        "service_level": "standard", "promised_ship_date": (today + timedelta(days=days)).isoformat(),
        "customer": {"name": "Juliana Ribeiro", "document": "390.533.447-05", "email": "juliana@example.com",
                     "phone": "11912345678"},
        "ship_to": {"street": "Rua Augusta", "number": "2200", "district": "Cerqueira César", "city": "São Paulo",
                    "state": "SP", "cep": "01412-100"},
        "lines": [{"sku": sku, "quantity": quantity, "unit_price_cents": 3490} for sku, quantity in lines],
    })
    return order.id


def ship_an_order() -> int:
    """LOJA-0990: picked into a tote, packed into one box at PACK-01, loaded at the dock and shipped."""
    order_id = _take("site", "LOJA-0990", [("SAN-ALCOOL70", 2), ("ACC-CABO-USBC", 1)], carrier="correios")
    wave = waves.build_wave(order_ids=[order_id], max_orders=1, user_id=None)
    picks.bind_tote(wave.id, "TOTE-D1", user_id=None)
    while (task := waves.next_task(wave.id)) is not None:
        picks.confirm_pick(task.id, quantity=task.quantity, lot_id=task.lot_id, tote_code="TOTE-D1", user_id=None)
    picks.finish_wave(wave.id, "STAGE-01", user_id=None)
    for sku, quantity in (("SAN-ALCOOL70", 2), ("ACC-CABO-USBC", 1)):
        barcode = catalog.by_sku(sku).barcodes[0].code
        for _ in range(quantity):
            packing.pack_unit(order_id, barcode, station_code="PACK-01", user_id=None)
    package = next(p for p in packing.packages_of(order_id) if p.status == "open")
    boxes.close_box(order_id, boxes.expected_weight(package), user_id=None)  # the scale agrees
    shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == order_id))
    manifest = shipment.manifest
    dispatch.set_driver(manifest.id, driver_name="Carlos Souza", vehicle_plate="FJK4E21", user_id=None)
    for box in shipment.packages:
        dispatch.load_package(manifest.id, box.tracking_code, user_id=None)
    dispatch.close_manifest(manifest.id, user_id=None)
    return order_id


def return_it(order_id: int) -> int:
    """The customer sends back one bottle of sanitizer: an RMA waiting at the returns dock."""
    reason = rmas.reasons()[0][0]
    rma, _created = rmas.create_rma({"order_id": order_id, "reverse_code": "LR123456789BR",
                                     "delivered_on": clock.today().isoformat(),
                                     "lines": [{"sku": "SAN-ALCOOL70", "quantity": 1, "reason": reason}]},
                                    source="desk")
    return rma.id


def recall_its_lot(order_id: int) -> int:
    """The sanitizer lot that left on the shipped order is recalled by its holder (risk class II)."""
    lot_id = db.session.scalar(select(Move.lot_id).where(Move.document == f"ORDER-{order_id}",
                                                         Move.reason == "ship", Move.lot_id.is_not(None)).limit(1))
    made = recall.recall_lot(lot_id, risk_class="II", reference="ANVISA-RE-2026-0412",
                             reason="Teor alcoólico abaixo do declarado", holder="Higieniza Indústria Ltda",
                             user_id=None)
    return made.id


def marketplace_order() -> int:
    """MLB-2009 from Mercado Livre, with the marketplace's label (ZPL, printed as given) and its NF-e."""
    order_id = _take("marketplace", "MLB-2009", [("ACC-CABO-USBC", 2)], carrier="mercado-envios", days=1)
    number = 110094
    documents.attach_invoice(order_id, {
        "access_key": nfe_key(number), "number": str(number), "series": "1",
        "issued_at": f"{clock.today().isoformat()}T09:00:00-03:00", "authorization_protocol": "135260000123456",
        "issuer": {"name": "Retaguarda Distribuidora Ltda", "cnpj": ISSUER_CNPJ, "ie": "110042490114", "uf": "SP"}})
    label = ("^XA^CI28^PW800^LL1200^FO40,40^A0N,40,40^FDMercado Envios^FS"
             "^FO40,110^A0N,30,30^FDJuliana Ribeiro - 01412-100^FS"
             "^FO40,180^BY3^BCN,160,Y,N,N^FDMEL4400123456BR^FS^FO40,420^BQN,2,6^FDLA,MEL4400123456BR^FS^XZ")
    documents.store_marketplace_label(order_id, {"format": "zpl", "content": label,
                                                 "tracking_codes": ["MEL4400123456BR"]})
    return order_id
