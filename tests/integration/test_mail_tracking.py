"""Delivery-problem e-mails: a `shipment.tracking` event whose status is a failed attempt, a return or a pickup
at a carrier unit e-mails the customer (pt_BR, through a real SMTP server on 127.0.0.1), once; other statuses
e-mail nobody. The whole path: a carrier's event through the use case, the outbox, the worker."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.integration.test_mail_shipped import parts, smtp  # noqa: F401 - the aiosmtpd fixture
from tests.shipping_helpers import shipped_order, shipping_world
from wms import events, worker
from wms.extensions import db
from wms.integration.models import MailMessage
from wms.shipping import tracking
from wms.shipping.models import Shipment
from wms.uow import unit_of_work


def tracking_event(status: str, email="ana@example.com", locale="pt_BR") -> int:
    payload = {"order_id": 12, "channel": "site", "channel_order_id": "LOJA-1001", "tracking_code": "PH297898690BR",
               "status": status, "code": "BDE", "type": "02", "description": "Carteiro não atendido",
               "location": "CDD Centro - São Paulo/SP", "occurred_at": "2026-11-24T14:00:00+00:00",
               "tracking_url": "https://rastreamento.correios.com.br/app/index.php?objeto=PH297898690BR",
               "customer": {"name": "Ana Souza", "email": email}, "locale": locale}
    with unit_of_work():
        event = events.emit("shipment.tracking", payload)
        db.session.flush()
        return event.id


def test_a_failed_attempt_emails_the_customer_in_portuguese_once(ctx, smtp):  # noqa: F811
    event_id = tracking_event("failed_attempt")
    assert len(worker.run_once().mails.sent) == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["ana@example.com"]
    assert message["Subject"] == "Não conseguimos entregar seu pedido LOJA-1001"
    assert message["Message-ID"] == f"<wms-event-{event_id}-delivery_failed@example.com>"
    text, html = parts(message)
    assert "Olá, Ana Souza!" in text and "PH297898690BR" in text
    assert "A transportadora tentou entregar seu pedido LOJA-1001, mas não conseguiu." in text
    assert "A transportadora informa: Carteiro não atendido (CDD Centro - São Paulo/SP)" in text
    assert 'href="https://rastreamento.correios.com.br/app/index.php?objeto=PH297898690BR"' in html
    # never twice
    assert not worker.run_once().busy
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(("status", "subject", "sentence"), [
    ("returned", "Seu pedido LOJA-1001 está voltando para nós", "está sendo devolvido para nós"),
    ("awaiting_pickup", "Seu pedido LOJA-1001 está aguardando retirada", "em uma unidade da transportadora"),
])
def test_a_return_and_a_pickup_at_a_unit_email_the_customer(ctx, smtp, status, subject, sentence):  # noqa: F811
    tracking_event(status)
    worker.run_once()
    [(_to, message)] = smtp.messages
    assert message["Subject"] == subject and sentence in parts(message)[0]


def test_the_orders_language_is_used(ctx, smtp):  # noqa: F811
    tracking_event("awaiting_pickup", locale="en")
    worker.run_once()
    assert smtp.messages[0][1]["Subject"] == "Your order LOJA-1001 is waiting for you to collect it"


@pytest.mark.parametrize("status", ["posted", "in_transit", "out_for_delivery", "delivered"])
def test_a_parcel_on_its_way_emails_nobody(ctx, smtp, status):  # noqa: F811
    tracking_event(status)
    worker.run_once()
    assert smtp.messages == [] and db.session.scalar(select(MailMessage)) is None


def test_a_carriers_failed_attempt_reaches_the_customer_through_the_outbox(ctx, smtp, tmp_path):  # noqa: F811
    shipping_world(tmp_path)
    order_id = shipped_order()
    worker.run_once()  # the "on its way" e-mail
    smtp.messages.clear()
    code = db.session.scalar(select(Shipment.tracking_code).where(Shipment.order_id == order_id))
    when = datetime(2026, 11, 24, 14, tzinfo=UTC)
    tracking.record_event(tracking_code=code, code="OEC", type="01", occurred_at=when.replace(hour=9))
    tracking.record_event(tracking_code=code, code="BDE", type="02", occurred_at=when,
                          description="Carteiro não atendido")
    tracking.record_event(tracking_code=code, code="BDE", type="02", occurred_at=when)  # the carrier resends it
    db.session.commit()
    worker.run_once()
    [(recipients, message)] = smtp.messages
    assert recipients == ["maria@example.com"]
    assert message["Subject"].startswith("Não conseguimos entregar seu pedido")
    assert code in parts(message)[0]
    assert not worker.run_once().busy and len(smtp.messages) == 1
