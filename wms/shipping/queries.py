"""Desk read queries of shipping: how many days a shipment's service promised, and which shipments are late."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..dbtypes import utcnow
from ..extensions import db
from . import settings
from . import tracking_rules as rules
from .models import FreightRate, PackageStatus, Shipment


def promised_days(shipment: Shipment) -> int:
    """The days its service's freight table promises to the order's CEP (the row of its heaviest box, else the
    longest for that CEP); with no such row, the desk's `late_after_days` setting."""
    cep = shipment.order.ship_cep if shipment.order else None
    if shipment.service_id and cep:
        rates = list(db.session.scalars(select(FreightRate).where(
            FreightRate.service_id == shipment.service_id, FreightRate.cep_from <= cep, FreightRate.cep_to >= cep)))
        heaviest = max((p.weight_g or 0 for p in shipment.packages if p.status != PackageStatus.CANCELLED),
                       default=0)
        covering = [r.days for r in rates if r.weight_from_g <= heaviest <= r.weight_to_g]
        if covering or rates:
            return max(covering or [r.days for r in rates])
    return int(settings.get("late_after_days"))


@dataclass(frozen=True)
class Late:
    shipment: Shipment
    promised_days: int
    overdue: timedelta

    @property
    def days_late(self) -> int:
        return max(1, -(-int(self.overdue.total_seconds()) // 86400))


def late_shipments(*, carrier: str = "", now: datetime | None = None, limit: int = 300) -> list[Late]:
    """Shipped, neither delivered nor returned, and past their promised days: the most overdue first."""
    now = now or utcnow()
    query = select(Shipment).where(Shipment.shipped_at.is_not(None),
                                   Shipment.status.not_in(rules.FINISHED)).order_by(Shipment.shipped_at)
    if carrier:
        query = query.where(Shipment.carrier == carrier)
    found = []
    for shipment in db.session.scalars(query.limit(5000)):
        days = promised_days(shipment)
        overdue = rules.late_by(shipment.shipped_at, days, shipment.status, now)
        if overdue is not None:
            found.append(Late(shipment, days, overdue))
    found.sort(key=lambda late: (-late.overdue, late.shipment.id))
    return found[:limit]


def late_by_id(shipments: list[Shipment], now: datetime | None = None) -> dict[int, Late]:
    """Which of these shipments are late (for the marks on a list)."""
    now = now or utcnow()
    marks = {}
    for shipment in shipments:
        if shipment.shipped_at is None or shipment.status in rules.FINISHED:
            continue
        days = promised_days(shipment)
        overdue = rules.late_by(shipment.shipped_at, days, shipment.status, now)
        if overdue is not None:
            marks[shipment.id] = Late(shipment, days, overdue)
    return marks
