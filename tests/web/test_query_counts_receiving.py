"""SQL statements per request of the receiving and put-away handheld screens, pinned: each request type is counted
(SQLAlchemy's `before_cursor_execute`, as tests/web/test_query_counts_handheld.py does) for a few rows and for
many, the two counts are equal, and the count is at most what was measured once the put-away plan was worked out
once a request and the receipt's progress read once a scan. SQLite counts its BEGIN, PostgreSQL does not; both
count SAVEPOINTs and what runs after the commit (the back-order refill a put-away triggers)."""
import re

import pytest

from tests.handheld_client import HX, scan, scan_form
from tests.web.test_query_counts_handheld import (
    _codes,
    _newest_plate,
    counted,
    extra_products,
    flat,
    gtin_of,
    new_asn,
    receipt_of,
)
from wms.extensions import db

# Measured on this code (SQLite, PostgreSQL). Before (SQLite/PostgreSQL): receipt screen 11/10, product scanned
# 20/19, taken in 34/33, ASN scanned 17/16, plate scanned 14/13, plate to its place 47/45, to another place 23/22,
# reason given 38/36, product for put-away 6/5, units' quantity 21/20, units to their place 44/42.
MOST = {
    "receipt screen": (10, 9),
    "product scanned": (16, 15),
    "taken in": (26, 25),
    "asn scanned": (16, 15),
    "plate scanned": (13, 12),
    "plate to its place": (32, 30),
    "plate to another place": (12, 11),
    "reason given": (32, 30),
    "product for put-away": (5, 4),
    "units' quantity": (8, 7),
    "units to their place": (28, 26),
}


def at_most(app, request_type: str, measure) -> None:
    """`measure` (as `flat` takes it) sends the same number of statements for a few rows and for many, and at most
    the figure of `MOST` for this database."""
    seen = []

    def kept(n):
        seen[:] = measure(n)
        return seen[:]

    few, _many = flat(kept)
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    most = MOST[request_type][0 if sqlite else 1]
    assert few <= most, f"{request_type}: {few} statements, at most {most} expected:\n" + "\n".join(
        " ".join(text.split())[:160] for text in seen)


def _target(response) -> str:
    return re.search(r'<p class="target" id="target">([^<]+)</p>', response.get_data(as_text=True)).group(1)


# --------------------------------------------------------------------------------------------- receiving


def test_a_receipt_screen(app, client, receiving):
    def measure(n):
        receipt_id = receipt_of(app, receiving.skus[:n], n)
        seen, response = counted(client, "GET", f"/hh/receive/{receipt_id}")
        assert all(sku in response.get_data(as_text=True) for sku in receiving.skus[:n])
        return seen

    at_most(app, "receipt screen", measure)


@pytest.mark.parametrize("step", ["product scanned", "taken in"])
def test_a_scan_on_a_receipt(app, client, receiving, step):
    """The product scanned (the quantity is asked), then the quantity (the goods are taken in: the service reads
    the ASN's lines to judge the scan, the screen shows the same lines), on a receipt of n lines."""
    def measure(n):
        skus = receiving.skus[:n]
        receipt_id = receipt_of(app, skus, n - 1)
        with app.app_context():
            last = gtin_of(skus[-1])
        screen = client.get(f"/hh/receive/{receipt_id}", headers=HX)
        if step == "taken in":
            screen = scan(client, screen, last)
        url, fields = scan_form(screen)
        code = last if step == "product scanned" else "1"
        seen, response = counted(client, "POST", url, {**fields, "scan": code, "scan_id": f"r{next(_codes)}"})
        page = response.get_data(as_text=True)
        assert 'data-need="quantity"' in page if step == "product scanned" else f"+1 × {skus[-1]}" in page
        assert all(sku in page for sku in skus) if step == "taken in" else True  # the progress, every line
        return seen

    at_most(app, step, measure)


def test_an_asn_scanned_opens_its_receipt(app, client, receiving):
    def measure(n):
        _asn_id, reference = new_asn(app, receiving.skus[:n])
        seen, response = counted(client, "POST", "/hh/receive", {"scan": reference, "scan_id": f"r{next(_codes)}"})
        assert all(sku in response.get_data(as_text=True) for sku in receiving.skus[:n])
        return seen

    at_most(app, "asn scanned", measure)


# --------------------------------------------------------------------------------------------- put-away


def test_a_plate_scanned(app, client, receiving):
    def measure(n):
        receipt_of(app, receiving.skus[:n], n, finish=True)
        seen, response = counted(client, "POST", "/hh/putaway", {"scan": _newest_plate(app),
                                                                 "scan_id": f"p{next(_codes)}"})
        assert f"{n} units at DOCK" in response.get_data(as_text=True)
        return seen

    at_most(app, "plate scanned", measure)


def _plate_screen(app, client, skus, n):
    """n plates waiting (one product each): the screen of the newest, scanned."""
    receipt_of(app, skus[:n], n, plates=True)
    return client.post("/hh/putaway", data={"scan": _newest_plate(app)}, headers=HX)


def test_a_plate_taken_to_its_place(app, client, receiving):
    """The suggested place scanned: the plan the screen worked out is the one the move checks (not worked out
    again), and the screen lists the n - 1 plates still waiting."""
    def measure(n):
        screen = _plate_screen(app, client, receiving.skus, n)
        target = _target(screen)
        url, fields = scan_form(screen)
        seen, response = counted(client, "POST", url, {**fields, "scan": target, "scan_id": f"p{next(_codes)}"})
        page = response.get_data(as_text=True)
        assert f"is in {target}" in page and page.count('name="pick_lpn"') >= n - 1, page[:1500]
        return seen

    at_most(app, "plate to its place", measure)


def _elsewhere(target: str) -> str:
    return "A-02-05-2" if target != "A-02-05-2" else "A-02-04-2"


@pytest.mark.parametrize("step", ["plate to another place", "reason given"])
def test_a_plate_taken_elsewhere(app, client, receiving, step):
    """Another place scanned: the screen asks why (the plan of the scan shown again, not worked out twice); the
    reason given moves the plate."""
    def measure(n):
        screen = _plate_screen(app, client, receiving.skus, n)
        other = _elsewhere(_target(screen))
        url, fields = scan_form(screen)
        data = {**fields, "scan": other, "scan_id": f"p{next(_codes)}"}
        if step == "reason given":
            screen = client.post(url, data=data, headers=HX)
            url, fields = scan_form(screen)
            data = {**fields, "scan": "", "reason": "closer", "scan_id": f"p{next(_codes)}"}
        seen, response = counted(client, "POST", url, data)
        page = response.get_data(as_text=True)
        assert f"Why {other}" in page if step == "plate to another place" else f"is in {other}" in page, page[:1500]
        return seen

    at_most(app, step, measure)


@pytest.mark.parametrize("step", ["product for put-away", "units' quantity", "units to their place"])
def test_units_put_away(app, client, receiving, step):
    """A product scanned (one stock item of it waits: how many?), the quantity typed (where they go: the plan of
    that quantity, worked out once), the place scanned (they move; the other plates still wait)."""
    def measure(n):
        with app.app_context():
            (sku,) = extra_products(f"U{next(_codes)}-", 1)
            gtin = gtin_of(sku)
            db.session.remove()
        receipt_of(app, [sku, *receiving.skus[:n - 1]], n, plates=True)
        url, data = "/hh/putaway", {"scan": gtin}
        if step != "product for put-away":
            screen = client.post(url, data=data, headers=HX)  # how many?
            url, fields = scan_form(screen)
            data = {**fields, "scan": "1"}
        if step == "units to their place":
            screen = client.post(url, data=data, headers=HX)  # where they go
            url, fields = scan_form(screen)
            data = {**fields, "scan": _target(screen)}
        seen, response = counted(client, "POST", url, {**data, "scan_id": f"p{next(_codes)}"})
        page = response.get_data(as_text=True)
        expected = {"product for put-away": "How many", "units' quantity": 'id="target"',
                    "units to their place": f"1 × {sku} are in"}[step]
        assert expected in page, page[:1500]
        return seen

    at_most(app, step, measure)
