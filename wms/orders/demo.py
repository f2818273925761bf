"""Demo orders: a few paid orders from each channel (one partly back-ordered), one awaiting payment, a
marketplace rule on cosmetics, and a pick face that asks for replenishment. Called by `wms.demo.load()`."""
from datetime import timedelta

from .. import clock
from ..catalog import services as catalog
from ..locations import services as locations
from . import channels, services

CUSTOMERS = [
    {"name": "Mariana Costa", "document": "529.982.247-25", "email": "mariana@example.com", "phone": "11987654321"},
    {"name": "Farmácia Boa Saúde Ltda", "document": "11.222.333/0001-81", "email": "compras@example.com",
     "min_shelf_life_days": 120},
    {"name": "Pedro Almeida", "phone": "21998765432"},
]
ADDRESSES = [
    {"street": "Av. Paulista", "number": "1578", "district": "Bela Vista", "city": "São Paulo", "state": "SP",
     "cep": "01310-200"},
    {"street": "SQS 308 Bloco C", "number": "101", "district": "Asa Sul", "city": "Brasília", "state": "DF",
     "cep": "70355-030"},
    {"street": "Rua Visconde de Pirajá", "number": "330", "complement": "apto 502", "district": "Ipanema",
     "city": "Rio de Janeiro", "state": "RJ", "cep": "22410-002"},
]
# channel, id, payment, carrier, days to the promised ship date, customer, address, lines
DEMO_ORDERS = [
    ("site", "LOJA-1001", "paid", "correios", 0, 0, 0, [("MED-DIPI-500", 15), ("ACC-GARRAFA", 1)]),
    ("marketplace", "MLB-2002", "paid", "jadlog", 0, 2, 2, [("COS-FPS50", 2), ("ACC-CABO-USBC", 3)]),
    ("shop", "BALCAO-3003", "paid", "correios", 1, 1, 1, [("SAN-ALCOOL70", 4), ("MED-AMOX-500", 2)]),
    ("marketplace", "MLB-2005", "authorized", "jadlog", 2, 0, 0, [("ACC-GARRAFA", 90)]),
    ("site", "LOJA-1004", "pending", "correios", 1, 2, 2, [("COS-SHAMPOO", 1)]),
]


def load_orders() -> None:
    channels.seed_defaults()  # the migration seeds them; a database emptied for the demo may not have them
    services.set_channel_rule("marketplace", "cosmetic", 180, user_id=None)
    face = locations.by_code("A-01-02-1")
    product = catalog.by_sku("MED-AMOX-500")
    if face is not None and product is not None:  # 60 units there: the first order takes it below 60
        locations.update_location(face.id, slot_product_id=product.id, slot_min=60, slot_max=100)
    today = clock.today()
    for channel, channel_id, payment, carrier, days, customer, address, lines in DEMO_ORDERS:
        services.take_order({
            "channel": channel, "channel_order_id": channel_id, "payment_status": payment, "carrier": carrier,
            "service_level": "standard", "promised_ship_date": (today + timedelta(days=days)).isoformat(),
            "customer": CUSTOMERS[customer], "ship_to": ADDRESSES[address],
            "lines": [{"sku": sku, "quantity": qty, "unit_price_cents": 2990} for sku, qty in lines],
        })
