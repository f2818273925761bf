"""After-commit handlers that failed, kept so the worker can run them again.

The change that published the event is committed; only its consequence (refilling back-orders, sending a
label) is late. `retry_due()` runs each kept handler again in its own unit of work, with backoff.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .dbtypes import UTCDateTime, utcnow
from .extensions import db

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (5, 60, 300, 1800, 3600)
MAX_ATTEMPTS = 20


class HandlerFailure(db.Model):
    __tablename__ = "handler_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    handler: Mapped[str] = mapped_column(String(200))
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    @classmethod
    def of(cls, handler: str, event: dict[str, Any], exc: Exception) -> HandlerFailure:
        return cls(handler=handler[:200], event=event, attempts=1, last_error=_describe(exc),
                   next_attempt_at=utcnow() + timedelta(seconds=BACKOFF_SECONDS[0]))


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def retry_due(limit: int = 50) -> int:
    """Run the kept handlers that are due; returns how many succeeded."""
    from . import messages, uow

    with uow.unit_of_work():
        due = [(f.id, f.handler, f.event) for f in db.session.scalars(
            select(HandlerFailure).where(HandlerFailure.done_at.is_(None),
                                         HandlerFailure.next_attempt_at <= utcnow(),
                                         HandlerFailure.attempts < MAX_ATTEMPTS)
            .order_by(HandlerFailure.id).limit(limit))]
    done = 0
    bus = uow.bus_of_app()
    for failure_id, name, record in due:
        handler = bus.handler_named(name)
        error: Exception | None = None
        if handler is None:
            error = LookupError(f"no handler named {name}")
        else:
            try:
                with uow.unit_of_work():
                    handler(messages.from_record(record))
            except Exception as exc:  # noqa: BLE001 - kept for the next round
                log.exception("retry of %s failed", name)
                error = exc
        with uow.unit_of_work():
            failure = db.session.get(HandlerFailure, failure_id)
            if error is None:
                failure.done_at = utcnow()
                done += 1
            else:
                failure.attempts += 1
                failure.last_error = _describe(error)
                wait = BACKOFF_SECONDS[min(failure.attempts - 1, len(BACKOFF_SECONDS) - 1)]
                failure.next_attempt_at = utcnow() + timedelta(seconds=wait)
    return done
