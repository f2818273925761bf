"""Domain events: what happened, in the warehouse's words. Services publish them (`wms.uow.publish`);
handlers subscribed in wms/handlers.py react, inside the transaction or after its commit.

Events are small frozen dataclasses of plain values (ids, codes), so a failed after-commit handler can be
kept in the database and retried later with the same event.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    registry: ClassVar[dict[str, type[Event]]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Event.registry[cls.__name__] = cls


@dataclass(frozen=True)
class StockBecameAvailable(Event):
    """Units of these products were put where they can be picked, or their lot was released."""

    product_ids: tuple[int, ...]
    user_id: int | None = None


@dataclass(frozen=True)
class LotBecameUnavailable(Event):
    """A lot was quarantined, blocked or recalled: it may no longer be allocated or packed."""

    lot_id: int


@dataclass(frozen=True)
class LabelQueued(Event):
    """A print job was queued; it can be sent once the transaction that asked for it has committed."""

    job_id: int


def to_record(event: Event) -> dict[str, Any]:
    return {"type": type(event).__name__, "data": dataclasses.asdict(event)}


def from_record(record: dict[str, Any]) -> Event:
    cls = Event.registry[record["type"]]
    data = dict(record["data"])
    for f in dataclasses.fields(cls):
        if isinstance(data.get(f.name), list):
            data[f.name] = tuple(data[f.name])
    return cls(**data)


# --- shipping (appended by the shipping area) -------------------------------------------------------------


@dataclass(frozen=True)
class OrderPacked(Event):
    """The order's last box was closed: it waits at the dock for its carrier."""

    order_id: int
    shipment_id: int


@dataclass(frozen=True)
class OrderShipped(Event):
    """A manifest closed: the order's boxes left with the carrier (the outbox has `order.shipped`)."""

    order_id: int
    shipment_id: int
    manifest_id: int
