"""Issue 11 item 8 (not the API's schema part): CEPs that exist, dates within a window around today, no
expired lot announced on an ASN, SKUs that fit the product label's barcode, a non-string reason refused."""
from datetime import date, timedelta

import pytest

from tests.picking_helpers import ADDRESS, payload
from tests.web.test_orders_api import api, count_orders  # noqa: F401  the API fixture
from wms import brazil, clock
from wms.catalog.rules import SKU_MAX, sku_problem
from wms.clock import date_window_problem

TODAY = date(2026, 6, 15)


@pytest.mark.parametrize("cep, exists", [
    ("00000-000", False), ("99999-999", False), ("00999-999", False), ("11111-111", False),
    ("01000-000", True), ("01310-100", True), ("71010-050", True), ("90010-150", True), ("99999-998", True),
])
def test_a_cep_must_be_in_a_range_that_exists(cep, exists):
    assert brazil.cep_exists(cep) is exists


@pytest.mark.parametrize("day, fine", [
    (date(1, 1, 1), False), (date(9999, 12, 31), False), (TODAY - timedelta(days=32), False),
    (TODAY - timedelta(days=31), True), (TODAY, True), (TODAY + timedelta(days=366), True),
    (TODAY + timedelta(days=367), False),
])
def test_promised_and_expected_dates_are_within_a_window(day, fine):
    assert (date_window_problem(day, TODAY) is None) is fine


@pytest.mark.parametrize("sku, fine", [
    ("CAF-500", True), ("abc.def_1/2", True), ("X" * SKU_MAX, True), ("X" * (SKU_MAX + 1), False),
    ("", False), ("CAFÉ", False), ("A B", False), ("A\u202eB", False), ("SKU;DROP", False),
])
def test_skus_take_a_documented_character_set_and_length(sku, fine):
    assert (sku_problem(sku) is None) is fine


def test_the_longest_sku_fits_the_product_label():
    from printers.zpl import render_label

    render_label("product", {"name": "X", "sku": "W" * SKU_MAX}, size="100x50")


@pytest.mark.parametrize("cep", ["00000-000", "99999-999"])
def test_an_order_to_a_cep_that_does_not_exist_is_refused(app, api, cep):  # noqa: F811
    before = count_orders(app)
    response = api.post("/orders", payload([("MED", 1)], ship_to={**ADDRESS, "cep": cep}))
    assert response.status_code == 422 and "ship_to.cep" in response.get_data(as_text=True)
    assert count_orders(app) == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_order_promised_for_year_1_or_9999_is_refused(app, api, day):  # noqa: F811
    response = api.post("/orders", payload([("MED", 1)], promised_ship_date=day))
    assert response.status_code == 422 and "promised_ship_date" in response.get_data(as_text=True)


def test_a_non_string_reason_is_refused_not_ignored(app, api):  # noqa: F811
    order = api.post("/orders", payload([("MED", 1)])).json
    response = api.post(f"/orders/{order['id']}/cancel", {"reason": 5})
    assert response.status_code == 422 and "text" in response.get_json()["fields"]["reason"]
    assert api.get(f"/orders/{order['id']}").json["status"] != "cancelled"


def _asn(**changes):
    data = {"supplier": "ACME", "reference": "PO-1", "expected_on": clock.today().isoformat(),
            "lines": [{"sku": "MED", "quantity": 5, "lot": "L-NEW", "expires_on": "2030-01-31"}]}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes, field", [
    ({"expected_on": "0001-01-01"}, "expected_on"),
    ({"expected_on": "9999-12-31"}, "expected_on"),
    ({"lines": [{"sku": "MED", "quantity": 5, "lot": "L-2001", "expires_on": "2001-03-01"}]}, "lines[0].expires_on"),
])
def test_nonsense_on_an_asn_is_refused(app, api, changes, field):  # noqa: F811
    from wms.receiving import asns

    with app.app_context():
        with pytest.raises(asns.AsnInvalid) as refused:
            asns.create_asn(_asn(**changes), source="api", user_id=None)
        assert field in refused.value.fields


def test_a_product_with_a_sku_outside_the_set_is_refused(app, auth, client, users):
    auth.login("supervisor")
    response = client.post("/desk/products/new", data={"sku": "CAFÉ 500", "name": "Café"})
    assert response.status_code == 422 and "letters, digits and - . _ / only" in response.get_data(as_text=True)
