"""What the day board reads. Each figure is one aggregate query (GROUP BY in the database), so the board costs
the same handful of queries however many orders, tasks or stock items there are. Nothing here writes."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, case, func, literal, select, union

from ..auth.models import User
from ..catalog.models import Lot
from ..extensions import db
from ..inventory import summary
from ..inventory.models import CountLine, CountTask
from ..orders.models import Order, OrderLine, OrderStatus
from ..picking.models import ACTIVE_WAVE_STATUSES, PickTask, PickTaskStatus, Wave
from ..receiving.models import Asn, AsnStatus, Hold, HoldStatus, Receipt
from ..shipping.models import Carrier, CarrierService, Shipment
from . import rules
from .models import CarrierCutoff, CarrierHoliday

# The stages of an order, in the order the work goes.
STAGES = (OrderStatus.AWAITING_PAYMENT, OrderStatus.RELEASED, OrderStatus.ALLOCATED, OrderStatus.PARTIALLY_ALLOCATED,
          OrderStatus.BACKORDERED, OrderStatus.PICKING, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED)
FINISHED = (OrderStatus.PACKED.value, OrderStatus.SHIPPED.value, OrderStatus.CANCELLED.value)
AT_RISK_LIMIT = 200


def zone() -> str:
    return current_app.config["WMS_TIMEZONE"]


def now() -> datetime:
    return datetime.now(UTC)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A warehouse calendar day as a UTC range [start, end)."""
    tz = ZoneInfo(zone())
    start = datetime.combine(day, time(0), tz)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def local_date(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(zone())).date()


# ---------------------------------------------------------------------------------------------- stages

@dataclass(frozen=True)
class Stage:
    status: str
    orders: int
    units: int


def stages(today: date) -> list[Stage]:
    """Orders and units at each stage: every order still in the works; packed and shipped are the orders whose
    shipment the shipping area packed / shipped today (Shipment.packed_at / shipped_at)."""
    rows = db.session.execute(
        select(Order.status, func.count(func.distinct(Order.id)), func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.status.not_in(FINISHED))
        .group_by(Order.status)).all()
    found = {status: (orders, int(units)) for status, orders, units in rows}
    start, end = day_bounds(today)
    done_today = union(
        select(literal(OrderStatus.PACKED.value).label("stage"), Shipment.order_id.label("order_id"))
        .where(Shipment.packed_at >= start, Shipment.packed_at < end),
        select(literal(OrderStatus.SHIPPED.value).label("stage"), Shipment.order_id.label("order_id"))
        .where(Shipment.shipped_at >= start, Shipment.shipped_at < end)).subquery()
    for stage, orders, units in db.session.execute(
            select(done_today.c.stage, func.count(func.distinct(done_today.c.order_id)),
                   func.coalesce(func.sum(OrderLine.quantity), 0))
            .join(OrderLine, OrderLine.order_id == done_today.c.order_id).group_by(done_today.c.stage)):
        found[stage] = (orders, int(units))
    return [Stage(s.value, *found.get(s.value, (0, 0))) for s in STAGES]


# ---------------------------------------------------------------------------------------------- receiving, waves

def receipts_today(today: date) -> dict[str, int]:
    start, end = day_bounds(today)
    expected = db.session.scalar(select(func.count()).select_from(Asn).where(
        Asn.expected_on == today, Asn.status.not_in([AsnStatus.CANCELLED.value]))) or 0
    done = db.session.scalar(select(func.count()).select_from(Receipt).where(
        Receipt.closed_at >= start, Receipt.closed_at < end)) or 0
    return {"expected": expected, "done": done}


@dataclass(frozen=True)
class WaveProgress:
    id: int
    code: str
    tasks: int
    done: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.tasks) if self.tasks else 0


WAVES_SHOWN = 20  # waves in progress on the board, oldest first; the rest are counted (the wave list has them)


def waves_in_progress(limit: int | None = None) -> tuple[list[WaveProgress], int]:
    """The oldest `limit` (WAVES_SHOWN) active waves with their progress, and how many more there are. The board
    rendered every active wave before: ~1,000 rows, ~100 ms of template at warehouse scale (issue #16)."""
    limit = limit or WAVES_SHOWN
    counted = PickTask.status != PickTaskStatus.CANCELLED.value
    active = Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES])
    first = select(Wave.id, Wave.code).where(active).order_by(Wave.id).limit(limit + 1).subquery("first")
    rows = db.session.execute(
        select(first.c.id, first.c.code, func.count(PickTask.id).filter(counted),
               func.count(PickTask.id).filter(PickTask.status == PickTaskStatus.DONE.value))
        .outerjoin(PickTask, PickTask.wave_id == first.c.id)
        .group_by(first.c.id, first.c.code).order_by(first.c.id)).all()
    more = 0
    if len(rows) > limit:
        more = db.session.scalar(select(func.count()).select_from(Wave).where(active)) - limit
    return [WaveProgress(*row) for row in rows[:limit]], more


def queues() -> dict[str, int]:
    return {
        "quarantine": db.session.scalar(select(func.count()).select_from(Hold).where(
            Hold.status == HoldStatus.OPEN.value)) or 0,
        "counts": db.session.scalar(select(func.count()).select_from(CountTask).where(
            CountTask.status == "counted")) or 0,
    }


# ---------------------------------------------------------------------------------------------- orders at risk

def cutoff_rules(today: date) -> tuple[list[rules.Cutoff], list[rules.Holiday]]:
    """The cut-off table for the pure rule. A cut-off is kept by the shipping area's service code; orders may name
    the service by its code, name or symbol (as wms/shipping/carriers.py reads them), so each is given."""
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for carrier, code, name, symbol in db.session.execute(
            select(Carrier.code, CarrierService.code, CarrierService.name, CarrierService.symbol)
            .join(CarrierService, CarrierService.carrier_id == Carrier.id)):
        names[(carrier.lower(), code.lower())].update(n.strip().lower() for n in (code, name, symbol or "") if n)
    cutoffs = []
    for c in db.session.scalars(select(CarrierCutoff)):
        for service in names.get((c.carrier.lower(), c.service.lower()), {c.service}) if c.service else {""}:
            cutoffs.append(rules.Cutoff(c.carrier, service, c.weekday, c.cutoff))
    holidays = [rules.Holiday(h.on, h.carrier) for h in db.session.scalars(
        select(CarrierHoliday).where(CarrierHoliday.on >= today - timedelta(days=rules.LOOK_BACK_DAYS)))]
    return cutoffs, holidays


@dataclass(frozen=True)
class OrderAtRisk:
    id: int
    channel_order_id: str
    customer_name: str
    status: str
    carrier: str | None
    service_level: str | None
    promised_ship_date: date | None
    ship_by: datetime | None
    risk: rules.Risk


def orders_at_risk(today: date, moment: datetime | None = None, *, include_on_track: bool = False) -> list[OrderAtRisk]:
    """Orders not shipped and promised by tomorrow, late first, then at risk, then due today (ship-by order)."""
    moment = moment or now()
    cutoffs, holidays = cutoff_rules(today)
    rows = db.session.execute(
        select(Order.id, Order.channel_order_id, Order.customer_name, Order.status, Order.carrier,
               Order.service_level, Order.promised_ship_date)
        .where(Order.status.not_in([OrderStatus.SHIPPED.value, OrderStatus.CANCELLED.value]),
               Order.promised_ship_date.is_not(None), Order.promised_ship_date <= today + timedelta(days=1))
        .order_by(Order.promised_ship_date, Order.id).limit(2000)).all()
    found = []
    for row in rows:
        deadline = rules.ship_by(row.promised_ship_date, row.carrier, row.service_level, cutoffs, holidays, zone())
        state = rules.risk(deadline, moment, row.status, zone=zone())
        if include_on_track or state is not rules.Risk.ON_TRACK:
            found.append(OrderAtRisk(*row, ship_by=deadline, risk=state))
    found.sort(key=lambda o: rules.urgency(o.risk, o.ship_by, o.id))
    return found[:AT_RISK_LIMIT]


URGENT_LIMIT = 1000


def urgent_orders(orders: Select, today: date, moment: datetime | None = None) -> dict[int, rules.Risk]:
    """Of the orders a list selects (`select(Order).where(...)`), the late, at-risk and due-today ones by the
    board's rule, most urgent first (dict order): one query, whatever the list's length."""
    moment = moment or now()
    cutoffs, holidays = cutoff_rules(today)
    rows = db.session.execute(
        orders.with_only_columns(Order.id, Order.status, Order.carrier, Order.service_level,
                                 Order.promised_ship_date)
        .where(Order.status.not_in([OrderStatus.SHIPPED.value, OrderStatus.CANCELLED.value]),
               Order.promised_ship_date.is_not(None), Order.promised_ship_date <= today + timedelta(days=1))
        .order_by(None).order_by(Order.promised_ship_date, Order.id).limit(5 * URGENT_LIMIT)).all()
    ranked = []
    for row in rows:
        deadline = rules.ship_by(row.promised_ship_date, row.carrier, row.service_level, cutoffs, holidays, zone())
        state = rules.risk(deadline, moment, row.status, zone=zone())
        if state is not rules.Risk.ON_TRACK:
            ranked.append((rules.urgency(state, deadline, row.id), row.id, state))
    ranked.sort()
    return {order_id: state for _key, order_id, state in ranked[:URGENT_LIMIT]}


def urgent_first(urgent: dict[int, rules.Risk]):
    """ORDER BY expression putting `urgent` orders first, in their order; the others after, as they were."""
    if not urgent:
        return Order.id.is_(None)  # false for every row: leaves the order as it was
    return case({order_id: place for place, order_id in enumerate(urgent)}, value=Order.id, else_=len(urgent))


# ---------------------------------------------------------------------------------------------- charts

def picked_per_hour(today: date) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """Units picked today per hour of the warehouse clock, per worker (hours from the first to the last pick)."""
    start, end = day_bounds(today)
    rows = db.session.execute(
        select(PickTask.picker_id, PickTask.picked_at, func.sum(PickTask.picked))
        .where(PickTask.picked_at >= start, PickTask.picked_at < end, PickTask.picked > 0)
        .group_by(PickTask.picker_id, PickTask.picked_at)).all()
    if not rows:
        return [], []
    tz = ZoneInfo(zone())
    per: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for picker, at, units in rows:
        per[picker][at.astimezone(tz).hour] += int(units)
    hours = [h for picker in per.values() for h in picker]
    span = range(min(hours), max(hours) + 1)
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_([p for p in per if p]))).all())
    series = [(names.get(picker, "—"), [per[picker].get(h, 0) for h in span])
              for picker in sorted(per, key=lambda p: names.get(p, ""))]
    return [f"{h:02d}h" for h in span], series


def shipped_per_day(today: date, days: int = 30) -> list[tuple[str, int]]:
    """Orders shipped per day over the last `days` days, by the day the shipping area shipped them (an order's
    first Shipment.shipped_at)."""
    start, _ = day_bounds(today - timedelta(days=days - 1))
    counts: dict[date, int] = defaultdict(int)
    for (at,) in db.session.execute(
            select(func.min(Shipment.shipped_at)).where(Shipment.shipped_at.is_not(None))
            .group_by(Shipment.order_id).having(func.min(Shipment.shipped_at) >= start)):
        counts[local_date(at)] += 1
    span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    return [(day.strftime("%d/%m"), counts.get(day, 0)) for day in span]


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def expiring_per_month(today: date, months: int = 12) -> list[tuple[str, int]]:
    """Lots with stock that expire in each of the next `months` calendar months (this one first)."""
    first = today.replace(day=1)
    end = _add_months(first, months)
    # The lots of the window (index on expires_on) that still have stock somewhere (the stock summary, by key).
    with_stock = summary.lot_in_stock(Lot.id)
    rows = db.session.execute(
        select(Lot.expires_on, func.count(Lot.id))
        .where(Lot.expires_on >= today, Lot.expires_on < end, with_stock)
        .group_by(Lot.expires_on)).all()
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for expires_on, lots in rows:
        counts[(expires_on.year, expires_on.month)] += lots
    span = [_add_months(first, n) for n in range(months)]
    return [(month.strftime("%m/%y"), counts.get((month.year, month.month), 0)) for month in span]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def problems_per_week(today: date, weeks: int = 12) -> tuple[list[str], list[int], list[int]]:
    """Short picks and count lines with a variance, per week (Monday first), over the last `weeks` weeks."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    start, _ = day_bounds(first)
    shorts = db.session.execute(
        select(PickTask.picked_at, func.count()).where(PickTask.short.is_(True), PickTask.picked_at >= start)
        .group_by(PickTask.picked_at)).all()
    variances = db.session.execute(
        select(CountTask.counted_at, func.count()).join(CountLine, CountLine.task_id == CountTask.id)
        .where(CountTask.counted_at >= start, CountLine.counted != CountLine.expected)
        .group_by(CountTask.counted_at)).all()
    span = [first + timedelta(weeks=n) for n in range(weeks)]

    def per_week(rows) -> list[int]:
        counts: dict[date, int] = defaultdict(int)
        for at, n in rows:
            counts[week_start(local_date(at))] += n
        return [counts.get(week, 0) for week in span]

    return [week.strftime("%d/%m") for week in span], per_week(shorts), per_week(variances)
