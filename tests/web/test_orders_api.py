"""The order API as a store's connector uses it: token, JSON in and out, field errors, idempotent intake,
release, cancel (picked units back to stock by ledger), and the OpenAPI document that describes it."""
import json

import pytest
from sqlalchemy import func, select

from tests.picking_helpers import books_are_right, payload, stocked_world
from wms.auth import services as auth_services
from wms.extensions import db
from wms.inventory.models import Move
from wms.orders.models import Order, OrderLine
from wms.orders.openapi import ORDER_IN, ORDER_OUT
from wms.picking import picks, waves


@pytest.fixture
def api(app, client):
    with app.app_context():
        stocked_world()
        token = auth_services.create_token("store")
        db.session.remove()

    class Api:
        headers = {"Authorization": f"Bearer {token}"}

        def post(self, path, body=None, raw=None, **kwargs):
            data = raw if raw is not None else (json.dumps(body) if body is not None else None)
            return client.post(f"/api/v1{path}", data=data, headers=self.headers,
                               content_type="application/json", **kwargs)

        def get(self, path):
            return client.get(f"/api/v1{path}", headers=self.headers)

    return Api()


def count_orders(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Order))


def test_an_order_is_taken_allocated_and_shown(app, api):
    response = api.post("/orders", payload([("MED", 3), ("BOTTLE", 2)], channel_order_id="SITE-1001"))
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/orders/{body['id']}")
    assert body["status"] == "allocated" and body["payment_status"] == "paid"
    assert body["ship_to"]["cep"] == "01310100" and body["customer"]["document"] == "52998224725"
    assert [(line["sku"], line["quantity"], line["allocated"], line["backordered"]) for line in body["lines"]] == [
        ("MED", 3, 3, 0), ("BOTTLE", 2, 2, 0)]
    assert api.get(f"/orders/{body['id']}").json == body
    assert api.get("/orders/999999").status_code == 404


def test_an_order_whose_allocation_loses_a_deadlock_is_answered_409_and_not_stored(app, api, monkeypatch):
    """PostgreSQL broke a lock cycle by failing this transaction (SQLSTATE 40P01): the store hears 409 in the API's
    error shape and may send the order again; nothing of it was kept."""
    from tests.concurrency import deadlocked
    from wms.picking import allocation

    monkeypatch.setattr(allocation, "allocate_in_transaction", deadlocked)
    data = payload([("MED", 3)], channel_order_id="SITE-DEADLOCK")
    response = api.post("/orders", data)
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.json == {"error": "Someone changed this at the same time: look again and retry."}
    assert count_orders(app) == 0
    monkeypatch.undo()
    assert api.post("/orders", data).status_code == 201
    assert count_orders(app) == 1


def test_the_same_order_twice_is_answered_the_same_and_stored_once(app, api):
    data = payload([("MED", 2)], channel_order_id="MLB-77", channel="marketplace")
    first = api.post("/orders", data)
    again = api.post("/orders", data)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json == again.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count_orders(app) == 1
    other = api.post("/orders", payload([("MED", 5)], channel_order_id="MLB-77", channel="marketplace"))
    assert other.status_code == 409 and "channel_order_id" in other.json["fields"]
    assert count_orders(app) == 1


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', ""])
def test_malformed_json_is_a_400_and_changes_nothing(app, api, raw):
    response = api.post("/orders", raw=raw)
    assert response.status_code == 400
    assert "JSON object" in response.json["error"]
    assert count_orders(app) == 0


def test_missing_and_wrong_fields_are_named_one_by_one(app, api):
    response = api.post("/orders", {"channel": "fax", "lines": [{"sku": "MED", "quantity": 0}, "x"],
                                    "ship_to": {"cep": "12", "state": "XX"}, "customer": {"email": "nope"},
                                    "promised_ship_date": "tomorrow", "payment_status": "maybe"})
    assert response.status_code == 422
    fields = response.json["fields"]
    for name in ("channel", "channel_order_id", "payment_status", "carrier", "promised_ship_date",
                 "customer.name", "customer.email", "ship_to.street", "ship_to.city", "ship_to.state",
                 "ship_to.cep", "lines[0].quantity", "lines[0].unit_price_cents", "lines[1]"):
        assert name in fields, name
    assert response.json["error"]
    assert count_orders(app) == 0


def test_unknown_skus_are_refused_with_their_line(app, api):
    response = api.post("/orders", payload([("MED", 1), ("GHOST-1", 2), ("GHOST-2", 1)]))
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"lines[1].sku", "lines[2].sku"}
    assert "GHOST-1" in response.json["fields"]["lines[1].sku"]
    assert count_orders(app) == 0


def test_no_token_no_orders(app, client, api):
    assert client.post("/api/v1/orders", json=payload([("MED", 1)])).status_code == 401
    assert client.get("/api/v1/openapi.json").status_code == 401
    assert count_orders(app) == 0


def test_release_makes_a_waiting_order_allocatable_and_is_idempotent(app, api):
    body = api.post("/orders", payload([("MED", 4)], payment_status="pending")).json
    assert body["status"] == "awaiting_payment" and body["lines"][0]["allocated"] == 0
    released = api.post(f"/orders/{body['id']}/release")
    assert released.status_code == 200 and released.json["status"] == "allocated"
    assert api.post(f"/orders/{body['id']}/release", {"note": "again"}).json == released.json
    assert api.post("/orders/424242/release").status_code == 404
    api.post(f"/orders/{body['id']}/cancel")
    assert api.post(f"/orders/{body['id']}/release").status_code == 409


def test_cancel_undoes_reservations_and_puts_picked_units_back_by_ledger(app, api):
    body = api.post("/orders", payload([("MED", 12), ("BOTTLE", 3)])).json
    with app.app_context():
        wave = waves.build_wave(order_ids=[body["id"]], max_orders=1, user_id=None)
        picks.bind_tote(wave.id, "TOTE-9", user_id=None)
        task = waves.next_task(wave.id)
        picks.confirm_pick(task.id, quantity=task.quantity, lot_id=task.lot_id, tote_code="TOTE-9", user_id=None)
        picked = (task.location.code, task.product.sku, task.quantity)
        db.session.remove()
    response = api.post(f"/orders/{body['id']}/cancel", {"reason": "customer regret"})
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert response.json["returned"] == [{"sku": picked[1], "quantity": picked[2], "to": picked[0]}]
    assert all(line["allocated"] == line["picked"] == line["backordered"] == 0 for line in response.json["lines"])
    with app.app_context():
        unpick = db.session.scalars(select(Move).where(Move.reason == "unpick")).all()
        assert [(m.to_location.code, m.quantity, m.document) for m in unpick] == [
            (picked[0], picked[2], f"ORDER-{body['id']}")]
        assert db.session.scalar(select(func.sum(OrderLine.allocated))) == 0
        assert books_are_right()
    again = api.post(f"/orders/{body['id']}/cancel")
    assert again.status_code == 200 and again.json["returned"] == []


def test_answers_match_the_openapi_document(app, api):
    jsonschema = pytest.importorskip("jsonschema")
    data = payload([("MED", 2)])
    jsonschema.validate(data, ORDER_IN)
    body = api.post("/orders", data).json
    jsonschema.validate(body, ORDER_OUT)
    document = api.get("/openapi.json")
    assert document.status_code == 200
    spec = document.json
    assert {"/orders", "/orders/{order_id}", "/orders/{order_id}/release", "/orders/{order_id}/cancel"} <= set(spec["paths"])
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(spec)
