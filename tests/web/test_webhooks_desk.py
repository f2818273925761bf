"""The admin's webhook desk: add an endpoint (the secret is shown once and kept only encrypted), switch it
off and on, see its deliveries and send one again. Supervisors and bad input change nothing."""
import re

import pytest
from sqlalchemy import func, select

from wms import events
from wms.extensions import db
from wms.integration import outbox
from wms.integration.models import WebhookDelivery, WebhookEndpoint
from wms.uow import unit_of_work


def count_endpoints() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEndpoint))


def test_an_admin_adds_an_endpoint_and_sees_the_secret_once(client, auth, app):
    auth.login("admin")
    page = client.get("/desk/integration/webhooks")
    assert page.status_code == 200 and b"No webhook endpoint yet" in page.data
    answer = client.post("/desk/integration/webhooks", data={
        "url": "https://loja.example.com/wms", "events": ["order.shipped", "stock.changed"],
        "description": "Loja"})
    assert answer.status_code == 201
    assert answer.headers["Cache-Control"] == "no-store"
    secret = re.search(rb"whsec_[A-Za-z0-9+/=]+", answer.data).group().decode()
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        assert (endpoint.url, endpoint.events, endpoint.active) == (
            "https://loja.example.com/wms", "order.shipped,stock.changed", True)
        assert secret not in endpoint.secret_encrypted
        endpoint_id = endpoint.id
    for url in ("/desk/integration/webhooks", f"/desk/integration/webhooks/{endpoint_id}"):
        shown = client.get(url)
        assert shown.status_code == 200 and secret.encode() not in shown.data and b"whsec_" not in shown.data


@pytest.mark.parametrize("form, message", [
    ({"url": "javascript:alert(1)", "events": ["*"]}, b"must start with https://"),
    ({"url": "https://x.example.com", "events": ["order.shiped"]}, b"Unknown event"),
    ({"url": "https://x.example.com"}, b"Choose the events"),
    ({"url": "https://x.example.com/\x00", "events": ["*"]}, b"control characters"),
    ({"url": "https://x.example.com/" + "a" * 600, "events": ["*"]}, b"too long"),
    ({"url": "https://x.example.com", "events": ["*"], "description": "d" * 200}, b"at most 120"),
])
def test_bad_input_is_refused_and_nothing_is_stored(client, auth, app, form, message):
    auth.login("admin")
    answer = client.post("/desk/integration/webhooks", data=form)
    assert answer.status_code == 422 and message in answer.data
    with app.app_context():
        assert count_endpoints() == 0


def test_supervisors_and_workers_may_not_open_the_webhook_desk(client, auth, app):
    for who in ("supervisor", "worker"):
        auth.login(who)
        assert client.get("/desk/integration/webhooks").status_code == 403
        assert client.post("/desk/integration/webhooks",
                           data={"url": "https://x.example.com", "events": ["*"]}).status_code == 403
        auth.logout()
    with app.app_context():
        assert count_endpoints() == 0
    assert client.get("/desk/integration/webhooks").status_code == 302  # to the login


def _endpoint_with_a_delivery(app, status="delivered") -> tuple[int, int]:
    from wms.integration import endpoints

    with app.app_context():
        made = endpoints.add_endpoint("https://loja.example.com/wms", "*")
        with unit_of_work():
            events.emit("stock.changed", {"sku": "MED"})
        outbox.fan_out()
        with unit_of_work():
            delivery = db.session.scalar(select(WebhookDelivery))
            delivery.status, delivery.attempts, delivery.last_status = status, 3, 200
            delivery.last_response = "200 ok <b>"
            ids = made.endpoint_id, delivery.id
        db.session.remove()
    return ids


def test_deliveries_per_endpoint_and_send_again(client, auth, app):
    endpoint_id, delivery_id = _endpoint_with_a_delivery(app)
    auth.login("admin")
    page = client.get(f"/desk/integration/webhooks/{endpoint_id}")
    assert page.status_code == 200
    assert b'data-status="delivered"' in page.data and b"200 ok &lt;b&gt;" in page.data
    assert b"stock.changed" in page.data
    assert client.get(f"/desk/integration/webhooks/{endpoint_id}?status=failed").data.count(b"data-delivery=") == 0
    answer = client.post(f"/desk/integration/deliveries/{delivery_id}/send-again")
    assert answer.status_code == 302
    with app.app_context():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert client.post("/desk/integration/deliveries/999/send-again").status_code == 404
    assert client.get("/desk/integration/webhooks/999").status_code == 404


def test_switching_an_endpoint_off_and_on(client, auth, app):
    endpoint_id, _ = _endpoint_with_a_delivery(app)
    auth.login("admin")
    client.post(f"/desk/integration/webhooks/{endpoint_id}/active", data={"active": "0"})
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).active is False
    listed = client.get("/desk/integration/webhooks")
    assert b"switched off on the desk" in listed.data
    client.post(f"/desk/integration/webhooks/{endpoint_id}/active", data={"active": "1", "next": "endpoint"})
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint.active is True and endpoint.disabled_reason is None


def test_the_mail_page_lists_customer_emails(client, auth, app):
    with app.app_context():
        with unit_of_work():
            events.emit("order.shipped", {"order_id": 1, "customer": {"email": "ana@example.com"},
                                          "shipments": []})
        outbox.fan_out()
        db.session.remove()
    auth.login("admin")
    page = client.get("/desk/integration/mail?page=abc")
    assert page.status_code == 200 and b"ana@example.com" in page.data


def test_the_desk_speaks_portuguese(client, auth):
    auth.login("admin")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "pt-BR"
    client.post("/language", data={"locale": "pt_BR"})
    page = client.get("/desk/integration/webhooks")
    assert b"Adicionar um endpoint" in page.data
