"""The customer's "your order is on its way" e-mail, sent by the worker to a real SMTP server (aiosmtpd) on
127.0.0.1: in pt_BR (or the order's language), text and HTML parts, the tracking code and link, once; a
server that is down delays it."""
from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from wms import events, worker
from wms.extensions import db
from wms.integration.models import MailMessage
from wms.uow import unit_of_work


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "WMS_SMTP_URL", f"smtp://127.0.0.1:{port}?from=Loja%20Exemplo%20<loja@example.com>")
    yield inbox
    controller.stop()


def shipped(email="ana@example.com", locale="pt_BR", name="Ana Souza", **extra) -> int:
    payload = {
        "order_id": 12, "channel": "site", "channel_order_id": "LOJA-1001",
        "customer": {"name": name, "email": email, "document": "123.456.789-09"}, "locale": locale,
        "shipments": [{"tracking_code": "AA123456785BR", "carrier": "Correios", "service": "SEDEX",
                       "tracking_url": "https://rastreamento.correios.com.br/app/index.php?objeto=AA123456785BR",
                       "boxes": 1, "shipped_at": "2026-12-03T14:00:00Z"}],
        **extra,
    }
    with unit_of_work():
        event = events.emit("order.shipped", payload)
        db.session.flush()
        return event.id


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_the_shipped_email_arrives_in_portuguese_with_the_tracking_code_and_link(ctx, smtp):
    event_id = shipped()
    result = worker.run_once()
    assert len(result.mails.sent) == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["ana@example.com"]
    assert message["Subject"] == "Seu pedido LOJA-1001 está a caminho"
    assert message["From"] == "Loja Exemplo <loja@example.com>"
    assert message["Message-ID"] == f"<wms-event-{event_id}-order_shipped@example.com>"
    text, html = parts(message)
    assert "Olá, Ana Souza!" in text and "AA123456785BR" in text
    assert "Código de rastreamento" in text
    assert "https://rastreamento.correios.com.br/app/index.php?objeto=AA123456785BR" in text
    assert 'href="https://rastreamento.correios.com.br/app/index.php?objeto=AA123456785BR"' in html
    assert "Acompanhe sua encomenda" in html and "<strong>AA123456785BR</strong>" in html
    row = db.session.scalar(select(MailMessage))
    assert (row.status, row.attempts, row.recipient) == ("delivered", 1, "ana@example.com")
    # Never twice.
    assert not worker.run_once().busy
    assert len(smtp.messages) == 1


def test_the_orders_language_is_used(ctx, smtp):
    shipped(locale="en-US")
    worker.run_once()
    [(_to, message)] = smtp.messages
    assert message["Subject"] == "Your order LOJA-1001 is on its way"
    assert "Tracking code" in parts(message)[0]


def test_customer_text_is_escaped_and_unsafe_links_are_dropped(ctx, smtp):
    shipped(name="<script>alert(1)</script>",
            shipments=[{"tracking_code": "AA123456785BR", "tracking_url": "javascript:alert(2)"}])
    worker.run_once()
    _text, html = parts(smtp.messages[0][1])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html


def test_no_address_no_email(ctx, smtp):
    shipped(email="not an address")
    worker.run_once()
    assert smtp.messages == [] and db.session.scalar(select(MailMessage)) is None


def test_a_mail_server_that_is_down_delays_the_email_and_nothing_is_lost(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    shipped()
    result = worker.run_once()
    assert result.mails.retrying
    row = db.session.scalar(select(MailMessage))
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    # The server comes back; once the wait is over the e-mail goes, once.
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "WMS_SMTP_URL", f"smtp://127.0.0.1:{port}")
        assert not worker.run_once().mails.count  # not due yet
        with unit_of_work():
            row = db.session.scalar(select(MailMessage))
            row.next_attempt_at -= timedelta(minutes=1)
        assert len(worker.run_once().mails.sent) == 1
        assert not worker.run_once().mails.count
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    db.session.expire_all()
    assert db.session.scalar(select(MailMessage)).attempts == 2


def test_without_an_smtp_address_emails_wait(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_SMTP_URL", "")
    monkeypatch.delenv("WMS_SMTP_URL", raising=False)
    shipped()
    worker.run_once()
    row = db.session.scalar(select(MailMessage))
    assert row.status == "pending" and row.attempts == 0
