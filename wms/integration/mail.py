"""Customer e-mails from the outbox, through the SMTP server in WMS_SMTP_URL.

Each e-mail is a `mail_messages` row made when its event was published (one per event and template), claimed
by one worker, sent, and marked sent: never made twice. A mail server that is down or answers 4xx leaves it
due again later; a 5xx refusal gives up and shows the error on the row. A worker killed between the server's
"250 OK" and the mark would send it again once its lease runs out; the Message-ID is the same both times
(<wms-event-<id>-<template>@...>), so a mailbox can tell it is the same message.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..dbtypes import utcnow
from ..extensions import db
from ..tally import Tally
from ..uow import unit_of_work
from . import leased, rules
from .models import MailMessage, SendStatus
from .settings import setting

log = logging.getLogger(__name__)
DEFAULT_SENDER = "Retaguarda WMS <no-reply@localhost>"


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


def _shipments(payload: dict[str, Any]) -> list[dict[str, Any]]:
    shipments = payload.get("shipments") if isinstance(payload.get("shipments"), list) else []
    shown = []
    for shipment in shipments:
        if isinstance(shipment, dict):
            shown.append({"tracking_code": str(shipment.get("tracking_code") or "")[:60],
                          "carrier": str(shipment.get("carrier") or "")[:60],
                          "service": str(shipment.get("service") or "")[:60],
                          "tracking_url": rules.safe_link(shipment.get("tracking_url"))})
    return shown


def _subject(template: str, order: str) -> str:
    if template == "delivery_failed":
        return _("We could not deliver your order %(order)s", order=order)
    if template == "shipment_returned":
        return _("Your order %(order)s is on its way back to us", order=order)
    if template == "awaiting_pickup":
        return _("Your order %(order)s is waiting for you to collect it", order=order)
    return _("Your order %(order)s is on its way", order=order)


def compose(template: str, payload: dict[str, Any], locale: str) -> Letter:
    """The e-mail for an event, in the customer's language (templates in templates/mail/)."""
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    context = {
        "customer_name": str(customer.get("name") or "")[:120],
        "order": str(payload.get("channel_order_id") or payload.get("order_id") or "")[:60],
        "shipments": _shipments(payload),
        # shipment.tracking: the box and what the carrier said
        "tracking_code": str(payload.get("tracking_code") or "")[:60],
        "description": str(payload.get("description") or "")[:200],
        "location": str(payload.get("location") or "")[:120],
        "tracking_url": rules.safe_link(payload.get("tracking_url")),
    }
    with force_locale(rules.mail_locale(locale)):
        subject = _subject(template, context["order"])
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", subject=subject, **context)
    return Letter(subject, text, html)


def _message(row: MailMessage, letter: Letter, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = sender
    message["To"] = formataddr(("", row.recipient))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<wms-event-{row.event_id}-{row.template}@{domain}>"
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    return message


def _smtp_send(message: EmailMessage, settings: rules.SmtpSettings, timeout: float) -> None:
    context = ssl.create_default_context()
    client_class = smtplib.SMTP_SSL if settings.ssl else smtplib.SMTP
    kwargs = {"context": context} if settings.ssl else {}
    with client_class(settings.host, settings.port, timeout=timeout, **kwargs) as client:
        if settings.starttls:
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)


def _lease() -> timedelta:
    return timedelta(seconds=float(setting("WMS_MAIL_LEASE", 120.0)))


def _claim() -> tuple[int, str] | None:
    def find(now):
        return (select(MailMessage.id, MailMessage.status, MailMessage.claim)
                .where(leased.claimable(MailMessage, now, _lease()))
                .order_by(MailMessage.next_attempt_at, MailMessage.id).limit(1)
                .with_for_update(skip_locked=True))

    return leased.claim(MailMessage, find, lambda found_id, token: (found_id, token))


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500 and not isinstance(exc, smtplib.SMTPServerDisconnected)


def send_one(settings: rules.SmtpSettings) -> tuple[int, str] | None:
    claimed = _claim()
    if claimed is None:
        return None
    mail_id, token = claimed
    with unit_of_work():
        row = db.session.get(MailMessage, mail_id)
        db.session.refresh(row)
        payload = row.event.payload if isinstance(row.event.payload, dict) else {}
        letter = compose(row.template, payload, row.locale)
        sender = settings.sender or str(setting("WMS_MAIL_FROM", DEFAULT_SENDER))
        message = _message(row, letter, sender)
        attempts = row.attempts
    try:
        _smtp_send(message, settings, float(setting("WMS_MAIL_TIMEOUT", 30.0)))
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        wait = None if _permanent(exc) else rules.mail_retry_after(attempts)
        if wait is None:
            leased.mark(MailMessage, mail_id, token, status=SendStatus.FAILED.value, last_error=error)
            log.warning("e-mail %s given up: %s", mail_id, error)
            return mail_id, "failed"
        leased.mark(MailMessage, mail_id, token, status=SendStatus.PENDING.value, last_error=error, next_attempt_at=utcnow() + wait)
        log.info("e-mail %s not sent (%s); next attempt in %s", mail_id, error, wait)
        return mail_id, "retrying"
    leased.mark(MailMessage, mail_id, token, status=SendStatus.DELIVERED.value,
          sent_at=utcnow(), last_error=None)
    log.info("e-mail %s sent", mail_id)
    return mail_id, "sent"


def smtp_settings() -> rules.SmtpSettings | None:
    url = setting("WMS_SMTP_URL", "")
    if not url:
        return None
    return rules.parse_smtp_url(str(url))


def send_due(limit: int = 200) -> Tally:
    """Send the e-mails that are due. Without WMS_SMTP_URL they wait (nothing is lost)."""
    settings = smtp_settings()
    if settings is None:
        return Tally()
    return leased.drain(lambda: send_one(settings), limit)
