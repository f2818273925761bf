"""Input no field may carry is refused at the edge with a clear 4xx, and nothing runs or changes."""
import json

import pytest
from sqlalchemy import func, select

from wms.audit import AuditEvent
from wms.auth import services as auth_services
from wms.extensions import db
from wms.orders.models import Order

HX = {"HX-Request": "true"}


@pytest.fixture
def token(app):
    with app.app_context():
        secret = auth_services.create_token("store")
        db.session.remove()
    return {"Authorization": f"Bearer {secret}"}


def audit_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(AuditEvent))
        db.session.remove()
        return count


@pytest.mark.parametrize("path", ["/api/v1/orders/2147483648", "/api/v1/orders/99999999999999999999",
                                  "/api/v1/orders/%D9%A3", "/api/v1/orders/%C2%B2"])
def test_ids_out_of_range_or_not_ascii_are_404_in_the_api(client, token, path):
    response = client.get(path, headers=token)
    assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize("path", ["/desk/orders/2147483648", "/desk/orders/99999999999999999999",
                                  "/desk/orders/%D9%A3"])
def test_ids_out_of_range_are_404_on_the_desk(client, auth, path):
    auth.login("supervisor")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("text", ["A-01\x00", "A\x1b[31m", "SKU\u202eGNP", "bad\x7f", "x\u0085"])
def test_control_characters_in_a_scan_are_refused(client, auth, text):
    auth.login("worker")
    before = audit_count(client.application)
    response = client.post("/hh/stock/here", data={"scan": text}, headers=HX)
    assert response.status_code == 422
    assert "control characters" in response.get_data(as_text=True)
    assert response.headers["X-Scan-Result"] == "bad"
    assert audit_count(client.application) == before


def test_control_characters_in_a_query_are_refused(client, auth):
    auth.login("supervisor")
    assert client.get("/desk/orders/?q=A%00B").status_code == 422


def test_a_nul_in_an_api_body_is_refused_and_nothing_is_stored(client, token, app):
    body = {"channel": "site", "channel_order_id": "A\u0000B", "lines": []}
    response = client.post("/api/v1/orders", json=body, headers=token)
    assert response.status_code == 422 and "control characters" in response.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_json_nested_too_deeply_is_a_400(client, token):
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/orders", data=deep, headers={**token, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.is_json
    fifty = json.dumps({"lines": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})
    assert client.post("/api/v1/orders", data=fifty,
                       headers={**token, "Content-Type": "application/json"}).status_code == 400


def test_a_body_over_the_limit_is_a_413(client, token, app):
    app.config["MAX_CONTENT_LENGTH"], saved = 1024, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = client.post("/api/v1/orders", data="x" * 2048,
                                headers={**token, "Content-Type": "application/json"})
        assert response.status_code == 413 and response.is_json
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved


def test_tab_and_newline_are_fine_in_text(client, auth):
    auth.login("worker")
    response = client.post("/hh/stock/here", data={"scan": "NOT-A-PLACE\t"}, headers=HX)
    assert response.status_code != 500 and "control characters" not in response.get_data(as_text=True)


def test_the_refusal_names_the_field(client, token):
    body = {"channel": "site", "channel_order_id": "A1", "lines": [{"sku": "X\u0000", "quantity": 1}]}
    response = client.post("/api/v1/orders", json=body, headers=token)
    assert response.status_code == 422 and "lines[0].sku" in response.get_json()["fields"]


def test_a_gs1_scan_with_its_group_separator_is_not_refused(client, auth):
    auth.login("worker")
    response = client.post("/hh/stock/here", data={"scan": "0107891000000014\x1d10LOT1"}, headers=HX)
    assert "control characters" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/desk/orders/", "/desk/printing/jobs", "/desk/integration/mail",
                                  "/desk/admin/audit"])
@pytest.mark.parametrize("page", ["%C2%B2", "100000000000000000000", "-5", "abc", "9" * 10_000, "%D9%A3"],
                         ids=["superscript", "1e20", "negative", "letters", "10000-digits", "arabic-digit"])
def test_a_desk_lists_page_number_of_any_shape_shows_a_page_or_says_why(client, auth, path, page):
    """The lists paged by wms/paging.py: a page number that is not one, too large or negative shows a page of the
    list (the first or the last), or — the print jobs, whose filters are all checked — a 422 that says so; never
    a 500."""
    auth.login("admin")
    response = client.get(f"{path}?page={page}")
    body = response.get_data(as_text=True)
    if path == "/desk/printing/jobs":
        assert response.status_code == 422 and "page must be a whole number" in body, (page, response.status_code)
    else:
        assert response.status_code == 200, (path, page, response.status_code)
        assert "Page 0" not in body


def test_a_nul_in_a_desk_lists_page_number_is_refused(client, auth):
    auth.login("admin")
    assert client.get("/desk/orders/?page=1%00").status_code == 422
