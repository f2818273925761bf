"""Carrier tracking until delivered: a carrier's event for one box (its own tracking code) is stored once, and
the shipment takes the status of its latest event (tracking_rules.py). Each change of a shipment's status
writes `shipment.tracking` to the outbox in the same transaction (the store hears of it by webhook, the
customer by e-mail when the parcel needs them: a failed attempt, a return, a pickup at a unit)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, events, uow
from ..errors import DomainError, NotFound
from ..extensions import db
from . import dispatch
from . import tracking_rules as rules
from .models import Package, PackageStatus, Shipment, TrackingEvent


@dataclass(frozen=True)
class Recorded:
    event: TrackingEvent
    created: bool  # False: the same event was stored before, nothing changed
    shipment_status: str
    status_changed: bool


def event_json(event: TrackingEvent) -> dict:
    return {"id": event.id, "tracking_code": event.tracking_code, "code": event.code, "type": event.type,
            "occurred_at": event.occurred_at.isoformat(), "description": event.description,
            "location": event.location, "status": event.status}


def _lock_shipment(shipment_id: int) -> Shipment:
    # Events of one shipment are recorded one at a time: the duplicate check and the status both hold.
    return db.session.scalar(select(Shipment).where(Shipment.id == shipment_id).with_for_update()
                             .execution_options(populate_existing=True))


@uow.use_case
def record_event(*, tracking_code: str, code: str, type: str = "", occurred_at: datetime,
                 description: str = "", location: str = "") -> Recorded:
    """Store one carrier event of a box (the same tracking code, code, type and instant again is answered with
    the stored one) and bring its shipment's status up to date."""
    tracking_code, code = tracking_code.strip().upper(), code.strip().upper()
    type_ = rules.normalize_type(type)
    if occurred_at.tzinfo is None:
        raise DomainError(_l("The event's time needs its UTC offset."), fields={"occurred_at": "offset"})
    occurred_at = occurred_at.astimezone(UTC)
    package = db.session.scalar(select(Package).where(Package.tracking_code == tracking_code))
    if package is None or package.status == PackageStatus.CANCELLED:
        raise NotFound(_l("No box of ours has tracking code %(code)s.", code=tracking_code[:40]))
    shipment = _lock_shipment(package.shipment_id)
    stored = db.session.scalar(select(TrackingEvent).where(
        TrackingEvent.tracking_code == tracking_code, TrackingEvent.code == code, TrackingEvent.type == type_,
        TrackingEvent.occurred_at == occurred_at))
    if stored is not None:
        return Recorded(stored, False, shipment.status, False)
    if rules.needs_type(code) and not type_:
        raise DomainError(_l("Code %(code)s needs its type (01: delivered; any other: a failed attempt).",
                             code=code), fields={"type": "required for BDE, BDI and BDR"})
    event = TrackingEvent(shipment_id=shipment.id, package_id=package.id, tracking_code=tracking_code, code=code,
                          type=type_, occurred_at=occurred_at, description=description.strip(),
                          location=location.strip(), status=rules.status_for(code, type_))
    db.session.add(event)
    db.session.flush()
    before = shipment.status
    after = rules.shipment_status(_boxes(shipment), _seen(shipment.id), before=before)
    changed = after != before
    if changed:
        shipment.status = after
        audit.record("shipment.tracking", shipment, order=shipment.order_id, tracking=tracking_code, code=code,
                     type=type_, before=before, status=after)
        events.emit("shipment.tracking", _payload(shipment, event))
    return Recorded(event, True, after, changed)


def _boxes(shipment: Shipment) -> list[str]:
    return [p.tracking_code for p in shipment.packages
            if p.tracking_code and p.status != PackageStatus.CANCELLED]


def _seen(shipment_id: int) -> list[rules.Seen]:
    return [rules.Seen(e.tracking_code, e.status, e.occurred_at, e.id) for e in db.session.scalars(
        select(TrackingEvent).where(TrackingEvent.shipment_id == shipment_id))]


def _payload(shipment: Shipment, event: TrackingEvent) -> dict:
    order = shipment.order
    return {"order_id": order.id, "channel": order.channel, "channel_order_id": order.channel_order_id,
            "tracking_code": event.tracking_code, "status": shipment.status, "code": event.code,
            "type": event.type, "description": event.description, "location": event.location,
            "occurred_at": event.occurred_at.isoformat(),
            "tracking_url": dispatch.tracking_url(shipment.carrier, event.tracking_code),
            "customer": {"name": order.customer_name, "email": order.customer_email}, "locale": "pt_BR"}


def history(shipment_id: int) -> list[TrackingEvent]:
    """The shipment's tracking events, the latest first."""
    return list(db.session.scalars(select(TrackingEvent).where(TrackingEvent.shipment_id == shipment_id)
                                   .order_by(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())))
