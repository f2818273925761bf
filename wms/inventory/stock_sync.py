"""`stock.changed` events for the store and the marketplaces, debounced per SKU.

Any flush that changes a stock item's quantity or reservation, or a lot's status or expiry, adds a
`stock_sync_marks` row for the product in the same transaction (append-only: no row is shared between
transactions, so marking never makes two moves wait for each other). `wms worker` (`emit_due`) takes the marks
older than a few seconds, works out each SKU's available to promise per channel (wms.inventory.availability) and
emits one `stock.changed` event per SKU whose figures changed since the last one (kept in `stock_sync_state`), at
most one per SKU every few seconds however many scans there were.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import events, sql
from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from ..uow import unit_of_work

DEBOUNCE_SECONDS = 3
_MARKED = "stock_sync_marked"


class StockSyncMark(db.Model):
    __tablename__ = "stock_sync_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class StockSyncState(db.Model):
    """The figures last sent for a SKU (so an unchanged SKU sends nothing) and when they changed (for
    `GET /api/v1/stock?updated_since=`)."""

    __tablename__ = "stock_sync_state"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _mark(session: Session, _context, _instances) -> None:
    from ..catalog.models import Lot
    from .models import StockItem

    products: set[int] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, StockItem) and (obj in session.new or obj in session.deleted
                                          or _changed(obj, "quantity", "reserved")):
            products.add(obj.product_id)
        elif isinstance(obj, Lot) and obj not in session.new and _changed(obj, "status", "expires_on"):
            products.add(obj.product_id)
    marked = session.info.setdefault(_MARKED, set())
    for product_id in sorted(p for p in products - marked if p is not None):
        session.add(StockSyncMark(product_id=product_id))
        marked.add(product_id)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, *_args) -> None:
    # After any rollback (a savepoint's too) a mark may be gone: mark again rather than miss a change.
    session.info.pop(_MARKED, None)


def _digest(payload: dict) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def emit_due(*, debounce_seconds: float = DEBOUNCE_SECONDS, limit: int = 500) -> int:
    """One pass: `stock.changed` for the SKUs marked at least `debounce_seconds` ago whose figures changed;
    returns how many events were emitted. Needs an app context; runs in its own unit of work."""
    from ..orders import channels as sales_channels
    from . import availability

    with unit_of_work():
        now = utcnow()
        cutoff = now - timedelta(seconds=debounce_seconds)
        marks = list(db.session.scalars(
            select(StockSyncMark).where(StockSyncMark.marked_at <= cutoff).order_by(StockSyncMark.id)
            .limit(limit).with_for_update(skip_locked=True)))
        if not marks:
            return 0
        product_ids = sorted({mark.product_id for mark in marks})
        states = {s.product_id: s for s in db.session.scalars(
            sql.for_update(select(StockSyncState).where(StockSyncState.product_id.in_(product_ids))))}
        # A SKU sent less than `debounce_seconds` ago waits: its marks stay for a later pass.
        due = [pid for pid in product_ids
               if pid not in states or states[pid].changed_at <= cutoff]
        codes = sales_channels.codes()
        stocks = availability.for_products(availability.changed_products(due), codes)
        emitted = 0
        for product_id in due:
            payload = availability.as_payload(stocks[product_id], codes)
            digest = _digest(payload)
            state = states.get(product_id)
            if state is not None and state.digest == digest:
                continue
            if state is None:
                db.session.add(StockSyncState(product_id=product_id, digest=digest, changed_at=now))
            else:
                state.digest, state.changed_at = digest, now
            events.emit("stock.changed", payload)
            emitted += 1
        db.session.execute(delete(StockSyncMark).where(
            StockSyncMark.id.in_([mark.id for mark in marks if mark.product_id in set(due)])))
        return emitted
