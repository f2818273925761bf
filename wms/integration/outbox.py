"""From the outbox to the worker's to-do list: each new event becomes one delivery per endpoint that takes
its kind, and the customer e-mail it asks for, in one transaction that also marks the event published.

Order: a pass takes the oldest unpublished events with FOR UPDATE SKIP LOCKED and goes on only if it holds
the very oldest one; a second worker that finds them locked leaves the fan-out to the first rather than
publishing later events ahead of earlier ones.
"""
from __future__ import annotations

import logging

from sqlalchemy import func, select, update

from ..dbtypes import utcnow
from ..events import Event
from ..extensions import db
from ..uow import unit_of_work
from . import rules
from .models import MailMessage, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

class _Lost(Exception):
    """Another worker published these events first."""


def fan_out(limit: int = 200) -> int:
    """Publish up to `limit` of the oldest events; returns how many (0 when none, or another worker has them)."""
    try:
        with unit_of_work():
            return _fan_out(limit)
    except _Lost:
        return 0


def _fan_out(limit: int) -> int:
    oldest = db.session.scalar(select(func.min(Event.id)).where(Event.published_at.is_(None)))
    if oldest is None:
        return 0
    events = list(db.session.scalars(
        select(Event).where(Event.published_at.is_(None)).order_by(Event.id).limit(limit)
        .with_for_update(skip_locked=True)))
    if not events or events[0].id != oldest:
        return 0
    now = utcnow()
    # Written first: on SQLite this takes the write lock, and a worker that read the same rows finds them gone.
    published = db.session.execute(
        update(Event).where(Event.id.in_([e.id for e in events]), Event.published_at.is_(None))
        .values(published_at=now).execution_options(synchronize_session=False)).rowcount
    if published != len(events):
        raise _Lost
    endpoints = list(db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id)))
    for event in events:
        for endpoint in endpoints:
            if rules.subscribed(endpoint.events, event.kind):
                db.session.add(WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, next_attempt_at=now))
        template = rules.mail_template(event.kind, event.payload)
        if template:
            _add_mail(event, template, now)
    return len(events)


def _add_mail(event: Event, template: str, now) -> None:
    payload = event.payload if isinstance(event.payload, dict) else {}
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    address = customer.get("email")
    if not rules.looks_like_email(address):
        log.info("event %s (%s): no customer e-mail address, no e-mail", event.id, event.kind)
        return
    db.session.add(MailMessage(event_id=event.id, template=template, recipient=address.strip(),
                               locale=rules.mail_locale(payload.get("locale")), next_attempt_at=now))
