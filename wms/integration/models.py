"""Webhook endpoints (data, not configuration), one delivery row per endpoint and outbox event, and one mail
row per customer e-mail an event asks for. The rows are the worker's to-do list and the desk's history."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..events import Event
from ..extensions import db


class SendStatus(StrEnum):
    PENDING = "pending"      # due at next_attempt_at
    SENDING = "sending"      # claimed by a worker at claimed_at; taken again once the lease runs out
    DELIVERED = "delivered"  # the receiver answered 2xx / the mail server accepted it
    FAILED = "failed"        # given up (schedule exhausted, 410, refused): "send again" puts it back


OPEN = (SendStatus.PENDING.value, SendStatus.SENDING.value)


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    # "*" or kinds separated by commas: "order.shipped,stock.changed"
    events: Mapped[str] = mapped_column(String(500), default="*")
    # The `whsec_...` secret, encrypted with a key derived from SECRET_KEY: it must be usable for signing.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def event_kinds(self) -> list[str]:
        return [kind for kind in self.events.split(",") if kind]

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class Leased:
    """What a row sent to the outside world at least once is claimed and marked by (wms/integration/leased.py):
    due at `next_attempt_at`, claimed by the worker holding `claim` since `claimed_at`."""

    status: Mapped[str] = mapped_column(String(10), default=SendStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim: Mapped[str | None] = mapped_column(String(32))


class WebhookDelivery(Leased, db.Model):
    """One outbox event for one endpoint. Its `webhook-id` is the event's id, on every attempt."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_response: Mapped[str | None] = mapped_column(String(500))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    event: Mapped[Event] = relationship()

    __table_args__ = (db.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),)


class MailMessage(Leased, db.Model):
    """A customer e-mail an outbox event asks for: one row per (event, template), so it is never sent twice."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    template: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8), default="pt_BR")
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()

    __table_args__ = (db.UniqueConstraint("event_id", "template", name="uq_mail_messages_event_template"),)
