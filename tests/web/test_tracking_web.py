"""Carrier tracking through the HTTP edges: POST /api/v1/tracking-events (201 new, 200 stored before, 404 unknown
box, 422 with the fields), several events at once, the desk's shipment page with its tracking history and the
shipments list's "late" filter."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.shipping_helpers import shipped_order, shipping_world
from wms import events
from wms.auth import services as auth_services
from wms.dbtypes import utcnow
from wms.extensions import db
from wms.shipping import settings
from wms.shipping.models import Shipment, TrackingEvent


@pytest.fixture
def api(app, client, tmp_path):
    with app.app_context():
        shipping_world(tmp_path)
        token = auth_services.create_token("carrier")
        db.session.remove()

    class Api:
        headers = {"Authorization": f"Bearer {token}"}

        def post(self, body=None, raw=None):
            data = raw if raw is not None else json.dumps(body)
            return client.post("/api/v1/tracking-events", data=data, headers=self.headers,
                               content_type="application/json")

    return Api()


def _shipped(app, boxes=1, **kwargs) -> tuple[int, list[str]]:
    with app.app_context():
        order_id = shipped_order(boxes, **kwargs)
        shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == order_id))
        codes = [p.tracking_code for p in shipment.packages]
        shipment_id = shipment.id
        db.session.remove()
    return shipment_id, codes


def _event(tracking_code, **extra):
    return {"tracking_code": tracking_code, "code": "OEC", "type": "01", "occurred_at": "2026-11-24T08:30:00-03:00",
            "description": "Objeto saiu para entrega ao destinatário", "location": "CDD Vila Mariana - São Paulo/SP",
            **extra}


def _count(app, model=TrackingEvent, **where):
    with app.app_context():
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalar(query)


def test_an_event_is_created_once_and_the_same_event_again_answers_the_stored_one(app, api):
    shipment_id, [code] = _shipped(app)
    first = api.post(_event(code))
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["shipment_status"] == "out_for_delivery" and body["status_changed"]
    assert body["event"]["code"] == "OEC" and body["event"]["occurred_at"].startswith("2026-11-24T11:30:00")
    again = api.post(_event(code, description="resent", occurred_at="2026-11-24T11:30:00Z"))
    assert again.status_code == 200
    assert again.get_json()["event"]["id"] == body["event"]["id"] and not again.get_json()["status_changed"]
    assert again.get_json()["event"]["description"] == "Objeto saiu para entrega ao destinatário"
    assert _count(app) == 1 and _count(app, events.Event, kind="shipment.tracking") == 1
    with app.app_context():
        assert db.session.get(Shipment, shipment_id).status == "out_for_delivery"


def test_an_unknown_tracking_code_is_404_and_nothing_is_stored(app, api):
    _shipped(app)
    response = api.post(_event("PH000000005BR"))
    assert response.status_code == 404 and "PH000000005BR" in response.get_json()["error"]
    assert _count(app) == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"tracking_code": "A B"}, "tracking_code"), ({"tracking_code": None}, "tracking_code"),
    ({"code": ""}, "code"), ({"code": "B D E"}, "code"), ({"code": 5}, "code"),
    ({"occurred_at": "2026-11-24T08:30:00"}, "occurred_at"), ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"), ({"code": "BDE", "type": ""}, "type"),
    ({"type": "123456"}, "type"), ({"type": True}, "type"), ({"description": "x" * 201}, "description"),
    ({"location": ["CDD"]}, "location"),
])
def test_a_bad_event_is_422_with_its_field_and_nothing_is_stored(app, api, change, field):
    _shipped_id, [code] = _shipped(app)
    response = api.post({**_event(code), **change})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    assert _count(app) == 0


def test_several_events_at_once_each_with_its_result(app, api):
    shipment_id, [first, second] = _shipped(app, boxes=2)
    response = api.post({"events": [
        _event(first, code="BDE", type="1", occurred_at="2026-11-24T10:00:00-03:00"),
        _event(second, code="BDE", type="01", occurred_at="2026-11-24T11:00:00-03:00"),
        _event("PH000000005BR"),
    ]})
    assert response.status_code == 201
    results = response.get_json()["results"]
    assert [r["result"] for r in results] == ["created", "created", "not_found"]
    assert results[1]["shipment_status"] == "delivered"
    with app.app_context():
        assert db.session.get(Shipment, shipment_id).status == "delivered"
    again = api.post({"events": [_event(first, code="BDE", type="01", occurred_at="2026-11-24T13:00:00Z")]})
    assert again.status_code == 200 and again.get_json()["results"][0]["result"] == "stored"
    bad = api.post({"events": [_event(first, code="PO"), _event(first, occurred_at="soon")]})
    assert bad.status_code == 422 and list(bad.get_json()["fields"]) == ["events[1].occurred_at"]
    assert api.post({"events": []}).status_code == 422
    assert _count(app) == 2


def test_without_a_token_401(app, api, client):
    _shipped(app)
    assert client.post("/api/v1/tracking-events", json=_event("X")).status_code == 401


def test_the_openapi_document_describes_tracking_events(api, client):
    document = client.get("/api/v1/openapi.json", headers=api.headers).get_json()
    operation = document["paths"]["/tracking-events"]["post"]
    assert {"200", "201", "404", "422"} <= set(operation["responses"])


def test_the_shipment_page_shows_its_tracking_history(app, api, client, auth):
    shipment_id, [code] = _shipped(app)
    api.post(_event(code, code="RO", occurred_at="2026-11-23T18:00:00-03:00", description="Objeto em trânsito",
                    location="CTE Cajamar - SP"))
    api.post(_event(code, code="BDE", type="02", occurred_at="2026-11-24T14:00:00-03:00",
                    description="Carteiro não atendido", location="CDD <Centro>"))
    auth.login("supervisor")
    page = client.get(f"/shipping/shipments/{shipment_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="shipment-status">failed delivery attempt' in html
    history = html[html.index('id="tracking"'):]
    assert history.index("Carteiro não atendido") < history.index("Objeto em trânsito")  # latest first
    assert "CTE Cajamar - SP" in history and "CDD &lt;Centro&gt;" in history and "BDE 02" in history
    assert client.get("/shipping/shipments/999999").status_code == 404


def test_the_late_filter_lists_shipments_past_their_promised_days_most_overdue_first(app, api, client, auth):
    late_id, [late_code] = _shipped(app, tote="TOTE-1")
    later_id, _codes = _shipped(app, tote="TOTE-2")
    on_time_id, _codes = _shipped(app, tote="TOTE-3")
    delivered_id, [delivered_code] = _shipped(app, tote="TOTE-4")
    no_table_id, _codes = _shipped(app, tote="TOTE-5")
    with app.app_context():
        now = utcnow()
        for shipment_id, days_ago in ((late_id, 8), (later_id, 12), (on_time_id, 3), (delivered_id, 30),
                                      (no_table_id, 5)):
            shipment = db.session.get(Shipment, shipment_id)
            shipment.shipped_at = now - timedelta(days=days_ago)
        db.session.get(Shipment, no_table_id).service_id = None  # no freight table: the desk setting (7 days)
        db.session.commit()
    assert api.post(_event(delivered_code, code="DELIVERED", type="")).status_code == 201
    auth.login("supervisor")
    html = client.get("/shipping/shipments?late=1").get_data(as_text=True)
    rows = html[html.index('id="shipments"'):]
    links = [f'href="/shipping/shipments/{i}"' for i in (later_id, late_id)]
    assert all(link in rows for link in links) and rows.index(links[0]) < rows.index(links[1])
    for shipment_id in (on_time_id, delivered_id, no_table_id):
        assert f'href="/shipping/shipments/{shipment_id}"' not in rows
    # the freight table promises 6 days (PAC, São Paulo): 12 days ago is 6 days late, 8 days ago 2
    assert rows.index("6 days late") < rows.index("2 days late")
    # the desk setting decides for a service without days: 5 days ago is late once it says 4
    with app.app_context():
        settings.put("late_after_days", 4)
        db.session.commit()
    rows = client.get("/shipping/shipments?late=1").get_data(as_text=True)
    assert f'href="/shipping/shipments/{no_table_id}"' in rows
    # the whole list marks the late ones
    everything = client.get("/shipping/shipments").get_data(as_text=True)
    assert everything.count(" late</span>") == 3 and "1 day late" in everything


def test_tracking_events_need_a_token_with_the_tracking_scope(app, api, client):
    _shipped_id, [code] = _shipped(app)
    with app.app_context():
        token = auth_services.create_token("store-only", "shipping")
        db.session.remove()
    response = client.post("/api/v1/tracking-events", json=_event(code),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and "tracking" in response.get_json()["error"]
    assert _count(app) == 0


def test_a_batch_names_the_event_and_field_of_a_shape_error(app, api):
    _shipped_id, [code] = _shipped(app)
    response = api.post({"events": [_event(code), _event(code, type=True, location=5)]})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"events[1].type", "events[1].location"}
    assert _count(app) == 0
