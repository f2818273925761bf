"""The receive screen at 360 px in Portuguese: the progress table's headers stay whole words on one line."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import hh_login
from tests.factories import build_world
from wms import clock
from wms.auth import services as auth
from wms.auth.models import User
from wms.catalog import services as catalog
from wms.extensions import db
from wms.receiving import asns, receipts


@pytest.fixture
def receipt_id(app, users):
    with app.app_context():
        build_world()
        for n in range(3):  # long names: the SKU column takes all the room it can
            catalog.create_product(sku=f"DIPIRONA-SODICA-500MG-CX20-{n}", name="Dipirona")
        asn, _created = asns.create_asn({
            "supplier": "Distribuidora Farmacêutica Paulista", "reference": "PO-360",
            "expected_on": clock.today().isoformat(),
            "lines": [{"sku": "MED", "quantity": 120000}, {"sku": "BOTTLE", "quantity": 24000}]
                      + [{"sku": f"DIPIRONA-SODICA-500MG-CX20-{n}", "quantity": 1200}
                         for n in range(3)]})
        worker = db.session.get(User, users["worker"])
        auth.set_locale(worker, "pt_BR")
        receipt = receipts.start_receipt(asn_id=asn.id, user_id=worker.id)
        db.session.commit()
        found = receipt.id
        db.session.remove()
    return found


def test_receive_table_headers_fit_at_360_px(handheld, receipt_id):
    page = handheld
    hh_login(page)
    page.goto(f"/hh/receive/{receipt_id}")
    headers = page.locator("#progress th")
    expect(headers).to_have_count(4)
    expect(headers.nth(1)).to_have_text("Prev.")
    single_line = page.evaluate("""() => {
        const th = document.querySelector('#progress th');
        return parseFloat(getComputedStyle(th).lineHeight) || parseFloat(getComputedStyle(th).fontSize) * 1.3;
    }""")
    for i in range(4):
        box = headers.nth(i).evaluate("th => ({h: th.getBoundingClientRect().height, "
                                      "pad: parseFloat(getComputedStyle(th).paddingTop) + "
                                      "parseFloat(getComputedStyle(th).paddingBottom)})")
        assert box["h"] - box["pad"] < single_line * 1.5, (i, box, single_line)  # one line, not "Prev/."
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
