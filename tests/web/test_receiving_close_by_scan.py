"""Closing a receipt on the handheld with scans only (issue #10, item 12): CLOSE or the ASN's reference scanned on
the receive screen asks to close; the same scan again on that screen closes; Enter alone goes back; anything else
is refused and closes nothing."""
import re

from sqlalchemy import select

from tests.factories import BOTTLE_GTIN
from tests.web.test_receiving_screens import HX, asn_id, hidden, post, world  # noqa: F401  (fixtures)
from wms.extensions import db
from wms.receiving.models import Discrepancy, Receipt


def opened(client, auth) -> str:
    auth.login("worker")
    response, html = post(client, "/hh/receive", "PO-9")
    assert response.status_code == 200
    return re.search(r'hx-post="(/hh/receive/\d+)"', html).group(1)


def receipt_state(app) -> tuple:
    with app.app_context():
        receipt = db.session.scalar(select(Receipt))
        found = (receipt.status, db.session.scalar(select(db.func.count()).select_from(Discrepancy)))
        db.session.remove()
    return found


def test_the_reference_scanned_twice_closes_the_receipt(client, auth, app, asn_id):  # noqa: F811
    url = opened(client, auth)
    response, html = post(client, url, BOTTLE_GTIN)
    response, html = post(client, url, "24", hidden(html))
    response, html = post(client, url, "po-9")
    assert response.status_code == 200 and response.headers["X-Scan-Result"] == "ok"
    assert "Close the receipt?" in html and "To close, scan PO-9 again or the card" in html
    assert response.headers["HX-Push-Url"] == f"{url}/close"
    assert re.search(rf'<form class="scan" hx-post="{url}/close"', html)
    assert receipt_state(app) == ("open", 0)
    response, html = post(client, f"{url}/close", "PO-9", scan_id="close-1")
    assert response.status_code == 200 and response.headers["X-Scan-Result"] == "ok"
    assert "is closed" in html and "Discrepancies recorded: 1." in html  # MED short
    assert receipt_state(app) == ("closed", 1)


def test_the_close_card_asks_and_closes(client, auth, app, asn_id):  # noqa: F811
    url = opened(client, auth)
    response, html = post(client, url, "close")
    assert "Close the receipt?" in html
    response, html = post(client, f"{url}/close", "CLOSE", scan_id="close-card")
    assert "is closed" in html and receipt_state(app) == ("closed", 2)


def test_enter_goes_back_and_a_wrong_scan_closes_nothing(client, auth, app, asn_id):  # noqa: F811
    url = opened(client, auth)
    post(client, url, "CLOSE")
    response, html = post(client, f"{url}/close", BOTTLE_GTIN)
    assert response.status_code == 422 and response.headers["X-Scan-Result"] == "bad"
    assert f"{BOTTLE_GTIN} does not close this receipt: scan CLOSE or PO-9 again" in html
    assert "Close the receipt?" in html
    assert receipt_state(app) == ("open", 0)
    response, html = post(client, f"{url}/close", "")
    assert response.status_code == 200 and "Scan what arrived" in html
    assert response.headers["HX-Push-Url"] == url
    assert receipt_state(app) == ("open", 0)


def test_a_blind_receipt_closes_with_the_card(client, auth, app, world):  # noqa: F811
    auth.login("worker")
    response = client.post("/hh/receive", data={"blind": "1"}, headers=HX)
    url = response.headers["HX-Push-Url"]
    response, html = post(client, url, "CLOSE")
    assert "To close, scan the card" in html
    response, html = post(client, f"{url}/close", "NOPE")
    assert response.status_code == 422 and "NOPE does not close this receipt: scan CLOSE again" in html
    response, html = post(client, f"{url}/close", "CLOSE")
    assert "is closed" in html and receipt_state(app) == ("closed", 0)
