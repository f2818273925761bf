"""Issue 11 items 4-7: numbers through the one parser, scan ids checked and kept per action, text longer than
its column refused with its limit named, a label reference too long for a redirect refused."""
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests import factories
from wms.extensions import db
from wms.idempotency import ScanReceipt
from wms.locations.models import Location
from wms.receiving.models import Asn

HX = {"HX-Request": "true"}
NOT_NUMBERS = ["²", "٣", "9" * 100_000, "1e3", "+-1"]
NAMES = ["superscript-2", "arabic-indic-3", "100000-digits", "exponent", "two-signs"]


@pytest.fixture
def world(app, users):
    with app.app_context():
        world = factories.build_world()
        factories.receive(world, "BOTTLE", "A-01-01-1", 20)
        ids = {"bin": world.loc["A-01-01-1"].id}
        db.session.remove()
    return ids


def _count(app, model) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return count


@pytest.mark.parametrize("value", NOT_NUMBERS, ids=NAMES)
@pytest.mark.parametrize("url, field, extra", [
    ("/desk/receiving/tolerance", "pct", {}),
    ("/desk/stock/adjustments/threshold", "units", {}),
    ("/desk/locations/range", "pick_face_levels",
     {"zone": "B", "aisle_from": "1", "aisle_to": "1", "bay_from": "1", "bay_to": "1", "level_from": "1",
      "level_to": "1", "action": "create", "expected_count": "1", "kind": "reserve"}),
    ("/desk/waves/build", "max_orders", {}),
])
def test_not_a_number_is_a_4xx_on_the_desk(app, auth, client, world, url, field, extra, value):
    """Item 4: "²", "٣" (Arabic-Indic 3) and a 100,000-digit string are refused, never a 500 or read as 3."""
    auth.login("supervisor")
    before = _count(app, Location)
    response = client.post(url, data={**extra, field: value})
    assert 400 <= response.status_code < 500, (url, response.status_code)
    assert _count(app, Location) == before


@pytest.mark.parametrize("value", ["location:²", "location:٣", "location:" + "9" * 100_000, "lot:99999999999"],
                         ids=["superscript", "arabic-indic", "100000-digits", "beyond-int"])
def test_a_shown_reference_that_is_no_number_is_ignored(auth, client, world, value):
    auth.login("worker")
    response = client.post("/hh/stock/here", data={"scan": "NOT-A-PLACE", "shown": value}, headers=HX)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("page", ["²", "٣", "9" * 100_000], ids=["superscript", "arabic-indic", "100000-digits"])
def test_page_numbers_are_ascii_digits(auth, client, world, page):
    auth.login("admin")
    assert client.get("/desk/integration/webhooks", query_string={"page": page}).status_code < 500


def test_location_codes_and_dates_take_ascii_digits_only():
    from datetime import date

    from wms.locations.rules import parse_location_code
    from wms.receiving.rules import parse_expiry

    assert parse_location_code("A-٠١-٠١-١") is None
    with pytest.raises(Exception):  # noqa: B017  a DomainError saying the date is not understood
        parse_expiry("٣١/١٢/٢٠٣٠", date(2026, 1, 1))


def test_a_scan_id_longer_than_64_is_refused_and_nothing_stored(app, auth, client, world):
    """Item 5: a 65-character id was stored cut and looked up whole: second post a 500."""
    auth.login("worker")
    long_id = "x" * 65
    for _ in range(2):
        response = client.post("/hh/stock/count", data={"scan": "A-01-01-1", "scan_id": long_id}, headers=HX)
        assert response.status_code == 422
    assert _count(app, ScanReceipt) == 0
    response = client.post("/hh/stock/count", data={"scan": "A-01-01-1", "scan_id": "id with spaces"}, headers=HX)
    assert response.status_code == 422


def test_one_scan_id_in_two_actions_is_two_first_submissions(app, ctx, world):
    """Item 5: receipts are per (scan id, action), so one id reused by another action is no duplicate key."""
    from wms import idempotency

    calls = []

    @idempotency.by_scan_id("test.one")
    def one():
        calls.append("one")
        return {"done": "one"}

    @idempotency.by_scan_id("test.two")
    def two():
        calls.append("two")
        return {"done": "two"}

    assert one(scan_id="same-id") == {"done": "one"}
    assert two(scan_id="same-id") == {"done": "two"}
    assert one(scan_id="same-id") == {"done": "one"}
    db.session.commit()
    assert calls == ["one", "two"]
    assert db.session.scalar(select(func.count()).select_from(ScanReceipt)) == 2


def test_a_block_reason_longer_than_its_column_is_refused_with_the_limit(app, auth, client, world):
    """Item 6: PostgreSQL answered 500, SQLite stored it whole."""
    auth.login("supervisor")
    response = client.post(f"/desk/locations/{world['bin']}/block", data={"reason": "r" * 201})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "at most 200 characters" in body
    with app.app_context():
        assert db.session.get(Location, world["bin"]).blocked is False


def test_a_5_mb_asn_note_is_refused_not_cut(app, auth, client, world):
    """Item 6: the note was cut to 200 characters without a word."""
    from wms import clock
    from wms.errors import DomainError
    from wms.receiving import asns

    auth.login("supervisor")
    form = {"supplier": "ACME", "reference": "PO-77", "expected_on": clock.today().isoformat(), "lines": "BOTTLE, 3"}
    response = client.post("/desk/receiving/asns/new", data={**form, "note": "n" * 201})
    assert response.status_code == 422 and "Note is too long: at most 200 characters" in response.get_data(True)
    assert 400 <= client.post("/desk/receiving/asns/new", data={**form, "note": "n" * (5 << 20)}).status_code < 500
    with app.app_context():
        data = {"supplier": "ACME", "reference": "PO-77", "expected_on": clock.today().isoformat(),
                "note": "n" * (5 << 20), "lines": [{"sku": "BOTTLE", "quantity": 3}]}
        with force_locale("en"), pytest.raises(DomainError, match="at most 200 characters"):
            asns.create_asn(data, source="api", user_id=None)
        db.session.remove()
    assert _count(app, Asn) == 0


def test_a_100_kb_label_reference_is_refused_before_any_redirect(auth, client, world):
    """Item 7: the reference was copied into a redirect header over 64 kB."""
    auth.login("supervisor")
    response = client.post("/desk/printing/labels", data={"kind": "location", "ref": "A" * 100_000})
    assert response.status_code == 302
    assert len(response.headers["Location"]) < 1000
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "at most 100 characters" in page
