"""Webhook endpoints as data: add one (its secret is shown once), switch it off or on, send a delivery again."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .. import audit
from ..dbtypes import utcnow
from ..errors import DomainError, get_or_not_found
from ..extensions import db
from ..uow import use_case
from . import rules, sealing
from .models import SendStatus, WebhookDelivery, WebhookEndpoint
from .settings import secret_key

DESCRIPTION_MAX = 120


@dataclass(frozen=True)
class NewEndpoint:
    endpoint_id: int
    url: str
    events: str
    secret: str  # shown once: only its encrypted form is kept


def _record(action: str, endpoint: WebhookEndpoint, user_id: int | None, **details) -> None:
    audit.record(action, endpoint, user_id=user_id, url=endpoint.url, **details)


@use_case
def add_endpoint(url: str, events: str | list[str], *, description: str = "", user_id: int | None = None
                 ) -> NewEndpoint:
    url = rules.check_url(url)
    kinds = rules.parse_event_kinds(events)
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX or any(ord(c) < 32 for c in description):
        raise DomainError(_l("The description is at most %(most)s characters, without control characters.",
                             most=DESCRIPTION_MAX))
    secret = rules.new_secret()
    endpoint = WebhookEndpoint(url=url, events=kinds, description=description,
                               secret_encrypted=sealing.seal(secret, secret_key()), active=True,
                               created_by=user_id)
    db.session.add(endpoint)
    db.session.flush()
    _record("webhook_endpoint.added", endpoint, user_id, events=kinds)
    return NewEndpoint(endpoint.id, url, kinds, secret)


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    return get_or_not_found(WebhookEndpoint, endpoint_id, _l("No webhook endpoint %(id)s.", id=endpoint_id))


@use_case
def set_active(endpoint_id: int, active: bool, *, user_id: int | None = None) -> WebhookEndpoint:
    endpoint = get_endpoint(endpoint_id)
    endpoint.active = active
    endpoint.disabled_reason = None if active else str(_l("switched off on the desk"))
    _record("webhook_endpoint.activated" if active else "webhook_endpoint.deactivated", endpoint, user_id)
    return endpoint


@use_case
def send_again(delivery_id: int, *, user_id: int | None = None) -> WebhookDelivery:
    """Put a delivery back in the queue, due now, with a fresh schedule and the same webhook-id."""
    delivery = get_or_not_found(WebhookDelivery, delivery_id, _l("No webhook delivery %(id)s.", id=delivery_id))
    if delivery.status == SendStatus.SENDING.value:
        raise DomainError(_l("This delivery is being sent right now: look again in a moment."))
    delivery.status = SendStatus.PENDING.value
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.claim = None
    delivery.claimed_at = None
    _record("webhook_delivery.send_again", delivery.endpoint, user_id, delivery=delivery.id,
            event=delivery.event_id)
    return delivery
