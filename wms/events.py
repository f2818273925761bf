"""The outbox: events for other systems (the ERP), written in the same transaction as the change they report.

`emit(kind, payload)` adds a row to the caller's transaction, so an event exists exactly when its change does.
`wms worker` (wms/integration/outbox.py) publishes them in id order: each becomes one webhook delivery per
endpoint that subscribes to its kind (and the customer e-mail it asks for) and is marked published. Receivers
must accept an event twice (same webhook-id), since a worker may die between sending and marking.
"""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .dbtypes import UTCDateTime, utcnow
from .extensions import db


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


def emit(kind: str, payload: dict[str, Any]) -> Event:
    """Add an event to the caller's transaction (it commits with the change it reports)."""
    event = Event(kind=kind, payload=payload)
    db.session.add(event)
    return event


def pending(limit: int = 100) -> list[Event]:
    """Events not published yet, oldest first."""
    return list(db.session.scalars(
        select(Event).where(Event.published_at.is_(None)).order_by(Event.id).limit(limit)))


def mark_published(event_ids: list[int]) -> None:
    """Record delivery, in the caller's transaction."""
    for event in db.session.scalars(select(Event).where(Event.id.in_(event_ids))):
        event.published_at = utcnow()
