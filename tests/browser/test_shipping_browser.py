"""Pack and ship in Chromium: a picked order packed on a 360×640 handheld into two boxes (one wrong unit refused),
labels printed, the boxes handed off at the dock with a foreign package flagged, the manifest closed on the desk;
then the ledger and `wms check`."""
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import Scanner, hh_login, scan, wait_until
from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, gtin13
from tests.shipping_helpers import jobs, moves, picked_order, shipping_world
from wms.catalog import services as catalog
from wms.extensions import db
from wms.orders.models import Order
from wms.shipping import boxes, packing
from wms.shipping.models import Package

SOAP_GTIN = gtin13("789100000013")


@pytest.fixture
def orders(app, users, tmp_path):
    with app.app_context():
        shipping_world(tmp_path)
        catalog.create_product(sku="SOAP", name="Sabonete", barcodes=[(SOAP_GTIN, "gtin", 1)])
        ours = picked_order([("MED", 2), ("BOTTLE", 1)], tote="TOTE-1")
        # another carrier's order, packed already: its box must not go onto the Correios truck
        foreign = picked_order([("BOTTLE", 1)], tote="TOTE-2", carrier="jadlog", service_level="PACKAGE")
        packing.pack_unit(foreign, BOTTLE_GTIN, station_code="PACK", user_id=None)
        foreign_code = boxes.close_box(foreign, 1350, user_id=None)["tracking_code"]
        db.session.commit()
        ids = SimpleNamespace(ours=ours, foreign_code=foreign_code)
        db.session.remove()
    return ids



def med(lot: str) -> str:
    return f"01{MEDICINE_GTIN.zfill(14)}10{lot}"


def test_pack_two_boxes_hand_them_off_and_close_the_manifest(app, handheld, desk, orders, runner):
    page = handheld
    hh_login(page)
    page.goto("/hh/shipping/pack")
    wait_until(page, "window.wmsFeedback !== undefined")
    scan(page, "TOTE-1")
    page.wait_for_url(f"**/hh/shipping/pack/{orders.ours}**")
    expect(page.locator("#left")).to_contain_text("MED")
    wait_until(page, "window.wmsFeedback !== undefined")
    step = Scanner(page)
    step(SOAP_GTIN, "bad")
    expect(page.locator("#screen p.error")).to_contain_text("SOAP is not in this order")
    step("CX-P")
    step(med("L-SOON"))
    step(med("L-SOON"))
    page.click("text=Close box 1")
    expect(page.locator("h1")).to_contain_text("weight in grams")
    step("320")  # 2 × 100 g + Caixa P 120 g
    expect(page.locator("#screen p.ok")).to_contain_text("Box 1/2 closed")
    step(BOTTLE_GTIN)
    page.click("text=Close box 2")
    step("1350")  # 1100 g + Caixa M 250 g
    expect(page.locator("#screen h1")).to_have_text(f"Order {orders.ours} is packed")
    expect(page.locator("#screen p.ok")).to_contain_text("Box 2/2 closed")
    expect(page.locator("#screen p.ok")).to_contain_text("Take the 2 boxes to the dock.")
    assert page.inner_text("#screen").count("is packed") == 1
    with app.app_context():
        packages = db.session.scalars(select(Package).where(Package.order_id == orders.ours)
                                      .order_by(Package.sequence)).all()
        codes = [p.tracking_code for p in packages]
        manifest_id = packages[0].shipment.manifest_id
        assert [p.number for p in packages] == ["1/2", "2/2"]
        kinds = [j.kind for j in jobs() if j.reference in codes or j.reference == f"ORDER-{orders.ours}"]
        assert kinds.count("shipping_correios") >= 2 and "packing_slip" in kinds
        assert all(j.status == "sent" for j in jobs())  # the file printer took every label
        db.session.remove()

    page.goto("/hh/shipping/dock")
    page.click(f"text=MAN-{manifest_id}")
    page.wait_for_url(f"**/hh/shipping/dock/{manifest_id}")
    wait_until(page, "window.wmsFeedback !== undefined")
    step = Scanner(page)
    step(codes[0])
    step(orders.foreign_code, "bad")
    expect(page.locator("#screen p.error")).to_contain_text("goes by jadlog")
    step(codes[1])
    expect(page.locator("#screen p.ok")).to_contain_text("(2 of 2)")
    # htmx has swapped the screen in; let it finish settling (and wire the new form) before typing into it
    wait_until(page, "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.fill("input[name=driver_name]", "João da Silva")
    page.fill("input[name=vehicle_plate]", "ABC1D23")
    with page.expect_response(lambda r: "/dock/" in r.url and r.request.method == "POST"):
        page.click("text=Record driver")
    expect(page.locator("#screen p.ok")).to_contain_text("Driver and plate recorded", timeout=10_000)

    desk.goto(f"/login?next=/shipping/manifests/{manifest_id}")
    desk.fill("input[name=username]", "supervisor")
    desk.fill("input[name=password]", "supervisor")
    desk.click("button[type=submit]")
    desk.wait_for_url(f"**/shipping/manifests/{manifest_id}")
    expect(desk.locator("#packages")).to_contain_text(codes[0])
    desk.click("#close-manifest")
    expect(desk.locator(".flash")).to_contain_text("1 order shipped (3 units)")
    with app.app_context():
        assert db.session.get(Order, orders.ours).status == "shipped"
        shipped = moves("ship")
        assert sum(m.quantity for m in shipped) == 3 and {m.to_location.kind for m in shipped} == {"customer"}
        db.session.remove()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
