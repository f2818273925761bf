"""A put-away scan sent twice (a flaky network, Enter pressed again) is answered with what the first one did, and
moves nothing more: the screen looks for the scan id's answer before it works out where the goods go (once they
have moved, the plan would say something else, or refuse: nothing is left at the dock)."""
import re

import pytest
from sqlalchemy import func, select

from tests.factories import BOTTLE_GTIN
from tests.handheld_client import HX
from tests.web.test_receiving_screens import asn_id, hidden, post, world  # noqa: F401 (fixtures)
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import Lpn, Move


@pytest.fixture
def plate(client, auth, asn_id, app):  # noqa: F811
    """6 BOTTLE received onto a plate, finished: its code."""
    auth.login("worker")
    _response, html = post(client, "/hh/receive", "PO-9")
    url = re.search(r'hx-post="(/hh/receive/\d+)"', html).group(1)
    _response, html = post(client, url, BOTTLE_GTIN)
    post(client, url, "6", hidden(html))
    client.post(f"{url}/plate", data={"action": "finish"}, headers=HX)
    with app.app_context():
        code = db.session.scalar(select(Lpn).order_by(Lpn.id.desc())).code
        db.session.remove()
    return code


def _moves(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Move.id)).where(Move.reason == "putaway"))
        db.session.remove()
    return count


def _twice(client, state: dict, scan: str, **extra):
    data = dict(state, scan=scan, scan_id="twice-1", **extra)
    first = client.post("/hh/putaway", data=data, headers=HX)
    again = client.post("/hh/putaway", data=data, headers=HX)
    return first, again


def test_a_plate_put_away_twice(client, app, plate):
    _response, html = post(client, "/hh/putaway", plate)
    target = re.search(r'<p class="target" id="target">([^<]+)</p>', html).group(1)
    first, again = _twice(client, hidden(html), target)
    said = f"LPN {plate} (6 units) is in {target}"
    assert first.status_code == 200 and said in first.get_data(as_text=True)
    assert again.status_code == 200 and said in again.get_data(as_text=True), again.get_data(as_text=True)[:1500]
    assert again.headers["X-Scan-Result"] == "ok"
    assert _moves(app) == 1
    with app.app_context():
        assert inventory.stock_mismatches() == []


def test_units_put_away_twice(client, app, plate):
    """Units of a product (not the whole plate): after the first scan none are left at the dock."""
    _response, html = post(client, "/hh/putaway", BOTTLE_GTIN)
    _response, html = post(client, "/hh/putaway", "", hidden(html))  # Enter: all 6
    target = re.search(r'<p class="target" id="target">([^<]+)</p>', html).group(1)
    first, again = _twice(client, hidden(html), target)
    said = f"6 × BOTTLE are in {target}"
    assert first.status_code == 200 and said in first.get_data(as_text=True)
    assert again.status_code == 200 and said in again.get_data(as_text=True), again.get_data(as_text=True)[:1500]
    assert _moves(app) == 1


def test_a_reason_given_twice(client, app, plate):
    """Elsewhere than suggested, with a reason: the resend of the reason is answered as the first was."""
    _response, html = post(client, "/hh/putaway", BOTTLE_GTIN)
    _response, html = post(client, "/hh/putaway", "", hidden(html))
    _response, html = post(client, "/hh/putaway", "A-02-05-2", hidden(html))
    assert "Why A-02-05-2" in html
    first, again = _twice(client, hidden(html), "", reason="closer")
    said = "6 × BOTTLE are in A-02-05-2"
    assert first.status_code == 200 and said in first.get_data(as_text=True)
    assert again.status_code == 200 and said in again.get_data(as_text=True), again.get_data(as_text=True)[:1500]
    assert again.headers["X-Scan-Result"] == "attention"  # as the first: another place than the suggested one
    assert _moves(app) == 1
