"""Carrier tracking, as pure rules: what a carrier's event code means for the parcel, what a shipment's status
is given the events of its boxes, and whether a shipment is late. No Flask app, no session.

Correios (DOMAIN.md): `PO` posted; `RO`/`DO` in transit; `OEC` out for delivery; `LDI` awaiting pickup at a
unit; `BDE`/`BDI`/`BDR` with `tipo` 01 delivered, any other `tipo` a failed attempt. Private carriers send the
generic codes (POSTED, IN_TRANSIT, OUT_FOR_DELIVERY, AWAITING_PICKUP, DELIVERED, FAILED_ATTEMPT, RETURNED).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# The values of models.ShipmentStatus (a unit test keeps them equal).
POSTED = "posted"
IN_TRANSIT = "in_transit"
OUT_FOR_DELIVERY = "out_for_delivery"
AWAITING_PICKUP = "awaiting_pickup"
DELIVERED = "delivered"
FAILED_ATTEMPT = "failed_attempt"
RETURNED = "returned"

CORREIOS = {"PO": POSTED, "RO": IN_TRANSIT, "DO": IN_TRANSIT, "OEC": OUT_FOR_DELIVERY, "LDI": AWAITING_PICKUP}
CORREIOS_FINAL = ("BDE", "BDI", "BDR")  # "baixa": delivered with tipo 01, else the attempt failed
CORREIOS_DELIVERED_TYPE = "01"
GENERIC = {code.upper(): code for code in (POSTED, IN_TRANSIT, OUT_FOR_DELIVERY, AWAITING_PICKUP, DELIVERED,
                                             FAILED_ATTEMPT, RETURNED)}
# Statuses the customer hears about by e-mail: the parcel needs them (another attempt, a pickup, a reorder).
PROBLEMS = (FAILED_ATTEMPT, RETURNED, AWAITING_PICKUP)
# Statuses after which a shipment is no longer on its way.
FINISHED = (DELIVERED, RETURNED)


def normalize_type(value: str | None) -> str:
    """A Correios `tipo` as two digits ("1" -> "01"); other text upper-cased; "" when none."""
    text = (value or "").strip().upper()
    return text.zfill(2) if text.isascii() and text.isdigit() and len(text) < 2 else text


def needs_type(code: str) -> bool:
    return code.strip().upper() in CORREIOS_FINAL


def status_for(code: str, type_: str | None = None) -> str | None:
    """The parcel status an event code (and type) means; None for a code we do not know (kept as history)."""
    code = (code or "").strip().upper()
    if code in CORREIOS:
        return CORREIOS[code]
    if code in CORREIOS_FINAL:
        return DELIVERED if normalize_type(type_) == CORREIOS_DELIVERED_TYPE else FAILED_ATTEMPT
    return GENERIC.get(code)


@dataclass(frozen=True)
class Seen:
    """One tracking event of one box: its status (None when its code means nothing to us), when it happened,
    and the order it arrived in (which breaks ties between events of the same instant)."""

    box: str
    status: str | None
    occurred_at: datetime
    arrival: int = 0


def latest(events: Iterable[Seen]) -> Seen | None:
    """The event that happened last among those with a status (an older one arriving late never wins)."""
    known = [e for e in events if e.status is not None]
    return max(known, key=lambda e: (e.occurred_at, e.arrival)) if known else None


def shipment_status(boxes: Sequence[str], events: Iterable[Seen], *, before: str) -> str:
    """A shipment's status from the events of its boxes: the status of its latest event, except that it is
    delivered only when every box is; until then it takes the latest status of a box still on its way (a box
    with no event yet counts as posted). With no event at all it keeps `before`."""
    by_box: dict[str, list[Seen]] = {box: [] for box in boxes}
    events = list(events)
    for event in events:
        by_box.setdefault(event.box, []).append(event)
    last = {box: latest(seen) for box, seen in by_box.items()}
    overall = latest(e for e in last.values() if e is not None)
    if overall is None:
        return before
    if overall.status != DELIVERED:
        return overall.status
    waiting = [box for box, seen in last.items() if seen is None or seen.status != DELIVERED]
    if not waiting:
        return DELIVERED
    still = latest(last[box] for box in waiting if last[box] is not None)
    return still.status if still is not None else POSTED


def late_by(shipped_at: datetime | None, promised_days: int, status: str, now: datetime) -> timedelta | None:
    """How long past its promised delivery a shipment is (None when it is not late: not shipped yet,
    delivered or returned, or still within its days)."""
    if shipped_at is None or status in FINISHED:
        return None
    overdue = now - (shipped_at + timedelta(days=promised_days))
    return overdue if overdue > timedelta(0) else None
