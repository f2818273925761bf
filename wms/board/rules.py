"""Pure rules of the day board: when an order must leave (its carrier's cut-off on its promised date) and whether
it will make it at the current pace. No Flask, no session: plain values in, plain values out."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# A carrier nobody has set a cut-off for is taken to collect at this time on the promised day.
DEFAULT_CUTOFF = time(17, 0)
# How far back a promised date may move to find a day the carrier collects (a long holiday, a weekend).
LOOK_BACK_DAYS = 14


@dataclass(frozen=True)
class Cutoff:
    carrier: str
    service: str  # "" = every service of the carrier
    weekday: int  # 0 = Monday
    at: time


@dataclass(frozen=True)
class Holiday:
    on: date
    carrier: str = ""  # "" = no carrier collects


def _key(text: str | None) -> str:
    return (text or "").strip().casefold()


def ship_by(promised: date | None, carrier: str | None, service: str | None, cutoffs: Sequence[Cutoff],
            holidays: Iterable[Holiday], zone: str = "America/Sao_Paulo") -> datetime | None:
    """The moment an order promised to ship on `promised` must be handed to its carrier.

    The carrier's cut-off on that weekday (the service's own when it has any, else the carrier's); when the
    carrier does not collect that day (no cut-off for the weekday, or a holiday), the last day before it that
    it does. A carrier with no cut-off at all collects at DEFAULT_CUTOFF on the promised day. None when the
    order has no promised date."""
    if promised is None:
        return None
    tz = ZoneInfo(zone)
    carrier_key, service_key = _key(carrier), _key(service)
    mine = [c for c in cutoffs if _key(c.carrier) == carrier_key]
    own = [c for c in mine if service_key and _key(c.service) == service_key]
    chosen = own or [c for c in mine if not _key(c.service)]
    if not chosen:
        return datetime.combine(promised, DEFAULT_CUTOFF, tz)
    by_weekday = {c.weekday: c.at for c in chosen}
    closed = {h.on for h in holidays if not _key(h.carrier) or _key(h.carrier) == carrier_key}
    day = promised
    for _ in range(LOOK_BACK_DAYS + 1):
        if day.weekday() in by_weekday and day not in closed:
            return datetime.combine(day, by_weekday[day.weekday()], tz)
        day -= timedelta(days=1)
    return datetime.combine(promised, DEFAULT_CUTOFF, tz)


class Risk(StrEnum):
    LATE = "late"  # the cut-off has passed and the order has not left
    AT_RISK = "at_risk"  # what is left to do takes longer than the time left
    DUE_TODAY = "due_today"
    ON_TRACK = "on_track"

    @property
    def rank(self) -> int:
        return _RISK_ORDER.index(self)


_RISK_ORDER = [Risk.LATE, Risk.AT_RISK, Risk.DUE_TODAY, Risk.ON_TRACK]

# How long before the cut-off an order must have reached the next stage, by its status: an order not yet picked
# two hours before its carrier collects will miss it at the warehouse's usual pace.
LEAD = {
    "awaiting_payment": timedelta(hours=3),
    "released": timedelta(hours=3),
    "backordered": timedelta(hours=3),
    "partially_allocated": timedelta(hours=3),
    "allocated": timedelta(hours=2),
    "picking": timedelta(hours=2),
    "picked": timedelta(hours=1),
    "packed": timedelta(minutes=30),
}
DONE = {"shipped", "cancelled"}


def risk(ship_by_at: datetime | None, now: datetime, status: str, *, zone: str = "America/Sao_Paulo") -> Risk:
    """How an order stands against its ship-by time `now`."""
    if ship_by_at is None or status in DONE:
        return Risk.ON_TRACK
    if now >= ship_by_at:
        return Risk.LATE
    if ship_by_at - now <= LEAD.get(status, timedelta(0)):
        return Risk.AT_RISK
    tz = ZoneInfo(zone)
    if ship_by_at.astimezone(tz).date() == now.astimezone(tz).date():
        return Risk.DUE_TODAY
    return Risk.ON_TRACK


def urgency(order_risk: Risk, ship_by_at: datetime | None, order_id: int) -> tuple:
    """Sort key: late orders first, then at risk, then due today; the earliest ship-by time first in each."""
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    return order_risk.rank, ship_by_at or far, order_id
