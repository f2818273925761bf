"""The API contract: token scopes (403), strict fields (numbers as text and empty texts refused, with the field
errors' shape), channels as data (unknown code 422), 405 with Allow, GET /stock and PUT /products/{sku}."""
import json

import pytest
from sqlalchemy import func, select

from tests.factories import BOTTLE_GTIN, build_world, gtin13, gtin14, receive
from tests.picking_helpers import payload
from wms.auth import services as auth_services
from wms.catalog.models import Product
from wms.extensions import db
from wms.orders.channels import Channel
from wms.orders.models import Order


@pytest.fixture
def tokens(app):
    with app.app_context():
        world = build_world()
        receive(world, "MED", "A-01-01-1", 10, "L-LATE")
        receive(world, "MED", "A-01-02-1", 6, "L-OLD")  # expired: on hand, never available
        receive(world, "BOTTLE", "A-01-04-1", 8)
        made = {"all": auth_services.create_token("all"),
                "stock": auth_services.create_token("stock-only", "stock"),
                "orders": auth_services.create_token("orders-only", ["orders"])}
        db.session.remove()
    return made


def call(client, method, path, token, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    return client.open(f"/api/v1{path}", method=method, data=data, content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_token_outside_its_scopes_gets_403_and_changes_nothing(app, client, tokens):
    refused = call(client, "POST", "/orders", tokens["stock"], payload([("MED", 1)]))
    assert refused.status_code == 403 and "orders" in refused.json["error"]
    assert count(app, Order) == 0
    assert call(client, "GET", "/stock", tokens["orders"]).status_code == 403
    assert call(client, "GET", "/stock", tokens["stock"]).status_code == 200
    assert call(client, "POST", "/orders", tokens["orders"], payload([("MED", 1)])).status_code == 201
    assert call(client, "GET", "/whoami", tokens["stock"]).json == {"token": "stock-only"}


def test_a_revoked_token_is_refused(app, client, tokens):
    with app.app_context():
        auth_services.deactivate_token("stock-only")
        db.session.remove()
    assert call(client, "GET", "/stock", tokens["stock"]).status_code == 401


def test_unknown_scopes_are_refused(app, tokens):
    from flask_babel import force_locale

    from wms.errors import DomainError

    with app.app_context(), force_locale("en"), pytest.raises(DomainError, match="Unknown scope"):
        auth_services.create_token("x", "orders,everything")


def test_numbers_sent_as_text_and_empty_texts_are_refused_by_field(app, client, tokens):
    data = payload([("MED", 1), ("BOTTLE", 2)], channel_order_id="  ")
    data["lines"][1]["quantity"] = "2"
    data["priority"] = "1"
    data["customer"]["name"] = ""
    response = call(client, "POST", "/orders", tokens["all"], data)
    assert response.status_code == 422
    fields = response.json["fields"]
    assert {"channel_order_id", "lines[1].quantity", "priority", "customer.name"} <= set(fields)
    assert fields["lines[1].quantity"] == "Must be a whole number."
    assert response.json["error"]
    assert count(app, Order) == 0


def test_an_unknown_channel_is_422_and_a_new_channel_row_is_accepted(app, client, tokens):
    response = call(client, "POST", "/orders", tokens["all"], payload([("MED", 1)], channel="fax"))
    assert response.status_code == 422 and "fax" in response.json["fields"]["channel"]
    with app.app_context():
        db.session.add(Channel(code="mlb", name="Mercado Livre", kind="marketplace", marketplace_label=True))
        db.session.commit()
    response = call(client, "POST", "/orders", tokens["all"], payload([("MED", 1)], channel="mlb"))
    assert response.status_code == 201 and response.json["channel"] == "mlb"


def test_release_and_cancel_refuse_a_body_that_is_not_json(app, client, tokens):
    order = call(client, "POST", "/orders", tokens["all"], payload([("MED", 1)], payment_status="pending")).json
    for action in ("release", "cancel"):
        response = call(client, "POST", f"/orders/{order['id']}/{action}", tokens["all"], raw="{nope")
        assert response.status_code == 400 and "JSON object" in response.json["error"]
    assert call(client, "GET", f"/orders/{order['id']}", tokens["all"]).json["status"] == "awaiting_payment"


def test_a_wrong_method_is_405_with_allow(client, tokens):
    response = call(client, "DELETE", "/orders", tokens["all"])
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.json["error"]


def test_stock_is_paged_and_shows_only_what_may_be_sold(app, client, tokens):
    first = call(client, "GET", "/stock?limit=1", tokens["stock"])
    assert first.status_code == 200
    assert first.json["items"] == [{"sku": "MED", "on_hand": 16, "reserved": 0, "available": 10}]
    second = call(client, "GET", f"/stock?limit=1&cursor={first.json['next_cursor']}", tokens["stock"]).json
    assert second["items"] == [{"sku": "BOTTLE", "on_hand": 8, "reserved": 0, "available": 8}]
    assert second["next_cursor"] is None
    assert call(client, "GET", "/stock?channel=marketplace", tokens["stock"]).json["channel"] == "marketplace"
    bad = call(client, "GET", "/stock?channel=fax&cursor=x&limit=0&updated_since=yesterday", tokens["stock"])
    assert bad.status_code == 422
    assert set(bad.json["fields"]) == {"channel", "cursor", "limit", "updated_since"}


def test_stock_updated_since_lists_the_skus_whose_figures_changed(app, client, tokens):
    from wms.inventory import stock_sync

    with app.app_context():
        stock_sync.emit_due(debounce_seconds=0)
    listed = call(client, "GET", "/stock?updated_since=2000-01-01T00:00:00Z", tokens["stock"]).json["items"]
    assert {row["sku"] for row in listed} == {"MED", "BOTTLE"}
    assert call(client, "GET", "/stock?updated_since=2999-01-01T00:00:00%2B00:00", tokens["stock"]).json[
        "items"] == []


def test_put_product_creates_then_updates(app, client, tokens):
    gtin = gtin13("789100000099")
    body = {"name": "Protetor solar FPS 50", "category": "cosmetic", "gtins": [gtin],
            "case_gtins": [{"gtin": gtin14("1789100000099"), "units": 12}], "lot_tracked": True, "expiry_tracked": True,
            "weight_g": 210, "length_mm": 50, "width_mm": 40, "height_mm": 160}
    created = call(client, "PUT", "/products/COS-FPS50", tokens["all"], body)
    assert created.status_code == 201, created.json
    assert created.json["gtins"] == ["0" + gtin] and created.json["case_gtins"][0]["units"] == 12
    again = call(client, "PUT", "/products/COS-FPS50", tokens["all"], {**body, "name": "Protetor FPS 50 200 ml"})
    assert again.status_code == 200 and again.json["name"] == "Protetor FPS 50 200 ml"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Product).where(Product.sku == "COS-FPS50")) == 1
    taken = call(client, "PUT", "/products/OTHER", tokens["all"], {"name": "Other", "gtins": [BOTTLE_GTIN]})
    assert taken.status_code == 422 and "BOTTLE" in taken.json["fields"]["gtins[0]"]
    strict = call(client, "PUT", "/products/OTHER", tokens["all"], {"name": "", "weight_g": "5"})
    assert strict.status_code == 422 and set(strict.json["fields"]) == {"name", "weight_g"}
    assert call(client, "PUT", "/products/X", tokens["stock"], {"name": "x"}).status_code == 403


def test_the_document_is_generated_from_the_models_and_valid(client, tokens):
    validator = pytest.importorskip("openapi_spec_validator")
    spec = call(client, "GET", "/openapi.json", tokens["stock"]).json
    validator.validate(spec)
    assert {"/stock", "/products/{sku}", "/orders", "/asns"} <= set(spec["paths"])
    line = spec["components"]["schemas"]["OrderLineIn"]["properties"]["quantity"]
    assert (line["type"], line["minimum"]) == ("integer", 1)
    assert spec["paths"]["/orders/{order_id}/cancel"]["post"]["responses"]["400"]
    assert "`orders` scope" in spec["paths"]["/orders"]["post"]["description"]
