"""Issue #10, item 15: the desk's list pages fit a 1366×768 laptop screen without a horizontal scroll bar, with
realistic data: the demo warehouse plus the long supplier names, references, product and customer names the
shops and suppliers really send."""
from datetime import timedelta

import pytest
from flask import url_for

from wms import clock, demo
from wms.catalog import services as catalog
from wms.extensions import db
from wms.orders import services as orders
from wms.receiving import asns, receipts

LAPTOP = {"width": 1366, "height": 768}
SUPPLIER = "Distribuidora de Medicamentos e Produtos Hospitalares do Nordeste e Centro-Oeste Ltda"[:80]
REFERENCE = "PEDIDO-COMPRA-2026-000000000000123456"  # one word: no space to wrap at
PRODUCT = ("Dipirona Monoidratada 500 mg Comprimidos Revestidos — Caixa Hospitalar com 240 Unidades "
           "(Embalagem Fracionável, Uso Adulto e Pediátrico Acima de 12 Anos)")
CUSTOMER = "Maria Aparecida dos Santos Albuquerque Cavalcanti de Oliveira e Souza Pereira Lima"

# The desk's daily lists (its top navigation, all of them: a test below checks) and the setup lists a supervisor
# opens most, by endpoint.
PAGES = [
    "desk.home", "receiving_desk.board", "receiving_desk.quarantine", "inventory_desk.stock",
    "inventory_desk.expiry", "shipping_desk.board", "shipping_desk.manifests", "inventory_desk.adjustments",
    "orders_desk.orders", "picking_desk.waves", "returns_desk.board", "board.warehouse_map", "recall_desk.recalls",
    "reports.index", "locations.index", "catalog.index", "printing.printers", "auth_admin.audit_trail",
]


def busy_warehouse() -> None:
    demo.load()
    today = clock.today()
    catalog.create_product(sku="MED-DIPI-500-HOSP-240", name=PRODUCT, category="medicine")
    for n, days in enumerate((0, 0, 1, 3)):
        asn, _ = asns.create_asn({
            "supplier": f"{SUPPLIER[:77]} {n}", "reference": f"{REFERENCE}{n}",
            "expected_on": (today + timedelta(days=days)).isoformat(),
            "lines": [{"sku": "MED-DIPI-500", "quantity": 240}, {"sku": "COS-FPS50", "quantity": 48},
                      {"sku": "MED-DIPI-500-HOSP-240", "quantity": 12}]})
        if n == 0:
            receipts.start_receipt(asn_id=asn.id, user_id=None)  # in progress
        if n == 1:
            receipts.close_receipt(receipts.start_receipt(asn_id=asn.id, user_id=None).id, user_id=None)
    receipts.start_receipt(user_id=None, reference=REFERENCE)  # blind, at the dock
    for n in range(3):
        orders.take_order({
            "channel": "site", "channel_order_id": f"{REFERENCE}-{n}", "payment_status": "paid",
            "carrier": "correios", "service_level": "standard", "promised_ship_date": today.isoformat(),
            "customer": {"name": CUSTOMER, "document": "390.533.447-05",
                         "email": "maria.aparecida.albuquerque.cavalcanti@exemplo-de-provedor.com.br"},
            "ship_to": {"street": "Avenida Engenheiro Luís Carlos Berrini, Torre Norte, Conjunto Empresarial",
                        "number": "1748", "district": "Cidade Monções", "city": "São Paulo", "state": "SP",
                        "cep": "04571-000"},
            "lines": [{"sku": "MED-DIPI-500-HOSP-240", "quantity": 1, "unit_price_cents": 3490}]})
    db.session.commit()


@pytest.fixture
def laptop(browser, base_url, app):
    with app.app_context():
        busy_warehouse()
        db.session.remove()
    context = browser.new_context(viewport=LAPTOP, base_url=base_url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(8000)
    page.goto("/login")
    page.fill("input[name=username]", "admin")  # an admin sees every page (and the longest menu)
    page.fill("input[name=password]", "admin")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")
    yield page
    context.close()


def test_every_page_of_the_desks_navigation_is_measured(app):
    from wms import desk

    assert {endpoint for endpoint, _label in desk.NAVIGATION} <= set(PAGES)


@pytest.mark.parametrize("endpoint", PAGES)
def test_a_desk_list_fits_a_1366_pixel_screen(app, laptop, endpoint):
    with app.test_request_context():
        path = url_for(endpoint)
    page = laptop
    response = page.goto(path)
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 6).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().left) + '-' + Math.round(e.getBoundingClientRect().right))""")
    assert width[0] <= width[1], (path, width, wide)
