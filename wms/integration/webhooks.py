"""Delivering webhooks: claim, send, mark, each step its own short transaction, no transaction open while
the receiver is called.

- Claim: the due delivery at the head of its endpoint's queue (the lowest event id not yet delivered or given
  up), locked FOR UPDATE SKIP LOCKED and flipped to "sending" with a claim token. One delivery per endpoint is
  in flight at a time, so an endpoint gets its events in order.
- Send: POST the JSON body with the Standard Webhooks headers; the webhook-id is the event's id.
- Mark: delivered (2xx), given up and the endpoint switched off (410), or due again after the schedule.
  Only the holder of the claim token may mark, so a worker that lost its lease changes nothing.

A worker killed between claim and mark leaves the delivery "sending"; once the lease runs out another worker
takes it again and sends it with the same webhook-id (at least once).
"""
from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from ..dbtypes import utcnow
from ..extensions import db
from ..tally import Tally
from ..uow import unit_of_work
from . import leased, rules, sealing
from .models import OPEN, SendStatus, WebhookDelivery, WebhookEndpoint
from .settings import secret_key, setting

log = logging.getLogger(__name__)

RESPONSE_KEPT = 500


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    token: str
    attempts: int
    endpoint_id: int
    url: str
    sealed_secret: str
    webhook_id: str
    body: str


def lease() -> timedelta:
    return timedelta(seconds=float(setting("WMS_WEBHOOK_LEASE", 60.0)))


def _due_head(now: datetime):
    """The query for one claimable delivery: due, at the head of an active endpoint's queue, not locked."""
    earlier = aliased(WebhookDelivery)
    head = (select(func.min(earlier.event_id))
            .where(earlier.endpoint_id == WebhookDelivery.endpoint_id, earlier.status.in_(OPEN))
            .scalar_subquery())
    return (
        select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.claim)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.active.is_(True), WebhookDelivery.event_id == head,
               leased.claimable(WebhookDelivery, now, lease()))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )


def claim_next(delivery_id: int | None = None) -> Claim | None:
    """Take one due delivery for this worker (committed), or None."""

    def find(now: datetime):
        query = _due_head(now)
        return query.where(WebhookDelivery.id == delivery_id) if delivery_id is not None else query

    def read(found_id: int, token: str) -> Claim:
        delivery = db.session.get(WebhookDelivery, found_id)
        db.session.refresh(delivery)
        event, endpoint = delivery.event, delivery.endpoint
        return Claim(delivery.id, token, delivery.attempts, endpoint.id, endpoint.url, endpoint.secret_encrypted,
                     str(event.id), rules.body(event.kind, event.created_at, event.payload or {}))

    return leased.claim(WebhookDelivery, find, read)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 3xx is an answer, not a place to send the event
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, data: str, headers: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """POST and return (status, the start of the answer); (None, why) when there was no answer."""
    request = urllib.request.Request(url, data=data.encode("utf-8"), headers=headers, method="POST")
    request.add_header("user-agent", "Retaguarda-WMS-Webhooks/1")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(RESPONSE_KEPT).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        try:
            text = exc.read(RESPONSE_KEPT).decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - the status is what matters
            text = ""
        return exc.code, text or str(exc.reason)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:RESPONSE_KEPT]


def send(claim: Claim) -> tuple[int | None, str]:
    try:
        secret = sealing.unseal(claim.sealed_secret, secret_key())
    except ValueError as exc:
        return None, str(exc)
    headers = rules.signed_headers(secret, claim.webhook_id, utcnow(), claim.body)
    return post(claim.url, claim.body, headers, float(setting("WMS_WEBHOOK_TIMEOUT", rules.TIMEOUT_S)))


def mark(claim: Claim, status: int | None, response: str) -> str:
    """Record the answer (only while this worker still holds the claim). Returns sent/retrying/failed."""
    now = utcnow()
    result = rules.outcome(status)
    kept = (f"{status} {response}" if status is not None else response).strip()[:RESPONSE_KEPT]
    values: dict[str, Any] = {"last_status": status, "last_response": kept, "last_attempt_at": now}
    if result == rules.DELIVERED:
        values.update(status=SendStatus.DELIVERED.value, delivered_at=now)
        state = "sent"
    elif result == rules.GONE:
        values.update(status=SendStatus.FAILED.value)
        state = "failed"
    else:
        wait = rules.retry_after(claim.attempts)
        if wait is None:
            values.update(status=SendStatus.FAILED.value)
            state = "failed"
        else:
            values.update(status=SendStatus.PENDING.value, next_attempt_at=now + wait)
            state = "retrying"
    with unit_of_work():
        marked = leased.mark(WebhookDelivery, claim.delivery_id, claim.token, **values)
        if marked and result == rules.GONE:
            db.session.execute(
                update(WebhookEndpoint).where(WebhookEndpoint.id == claim.endpoint_id)
                .values(active=False, disabled_reason=f"410 Gone {now:%Y-%m-%d %H:%M} UTC")
                .execution_options(synchronize_session=False))
            log.warning("webhook endpoint %s answered 410 Gone: switched off", claim.endpoint_id)
    if not marked:
        log.warning("webhook delivery %s: the claim was lost (lease ran out) before the answer was kept",
                    claim.delivery_id)
    return state


def deliver_one(delivery_id: int | None = None) -> tuple[int, str] | None:
    claim = claim_next(delivery_id)
    if claim is None:
        return None
    status, response = send(claim)
    state = mark(claim, status, response)
    log.info("webhook %s (event %s) to %s: %s %s", claim.delivery_id, claim.webhook_id, claim.url, status, state)
    return claim.delivery_id, state


def deliver_due(limit: int = 500) -> Tally:
    """Deliver everything due now, endpoint queues in order."""
    return leased.drain(deliver_one, limit)
