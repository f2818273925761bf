"""What the orders desk reads: the filtered list of orders, and one order's reservations, pick tasks, waves,
pickers and history."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import clock
from ..audit import AuditEvent
from ..auth.models import User
from ..board import queries as board
from ..extensions import db
from ..paging import Page
from ..picking.models import PickTask, Reservation, Wave, WaveOrder
from .models import Order, OrderLine


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None  # a status, or "open" for every order not packed, shipped or cancelled
    channel: str | None = None
    q: str | None = None  # part of the channel's order id or of the customer's name
    promised_from: date | None = None
    promised_to: date | None = None
    held: bool = False


def order_page(criteria: OrderFilter, wanted: int, today: date | None = None
               ) -> tuple[list[Order], Page, dict]:
    """(orders of the page, the page shown, {order id: risk} of the late, at-risk and due-today ones): those
    first, by the day board's rule (wms/board/rules.py), then by promised date."""
    query = select(Order)
    if criteria.status == "open":
        query = query.where(Order.status.not_in(["packed", "shipped", "cancelled"]))
    elif criteria.status:
        query = query.where(Order.status == criteria.status)
    if criteria.channel:
        query = query.where(Order.channel == criteria.channel)
    if criteria.q:
        like = f"%{criteria.q}%"
        query = query.where(or_(Order.channel_order_id.ilike(like), Order.customer_name.ilike(like)))
    if criteria.promised_from is not None:
        query = query.where(Order.promised_ship_date >= criteria.promised_from)
    if criteria.promised_to is not None:
        query = query.where(Order.promised_ship_date <= criteria.promised_to)
    if criteria.held:
        query = query.where(Order.on_hold.is_(True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = Page.of(total, wanted)
    urgent = board.urgent_orders(query, today or clock.today()) if total else {}
    rows = list(db.session.scalars(
        query.options(selectinload(Order.lines))
        .order_by(board.urgent_first(urgent), Order.promised_ship_date.is_(None), Order.promised_ship_date,
                  Order.id.desc())
        .offset(page.offset).limit(page.per_page)))
    return rows, page, urgent


def counts_by_status() -> dict[str, int]:
    return dict(db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all())


def history(order: Order) -> list[tuple[AuditEvent, str]]:
    """The order's audit events, oldest first, with the name of who did each."""
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == Order.__tablename__, AuditEvent.target_id == str(order.id))
        .order_by(AuditEvent.at, AuditEvent.id)))
    names = {u.id: u.name for u in db.session.scalars(select(User).where(
        User.id.in_({e.user_id for e in events if e.user_id})))}
    return [(event, names.get(event.user_id, "")) for event in events]


def picking_of(order: Order) -> dict:
    """The order's reservations, pick tasks, waves and the names of its pickers."""
    reservations = list(db.session.scalars(
        select(Reservation).join(OrderLine).where(OrderLine.order_id == order.id)
        .options(joinedload(Reservation.location), joinedload(Reservation.lot), joinedload(Reservation.order_line))
        .order_by(OrderLine.line_no, Reservation.id)))
    tasks = list(db.session.scalars(
        select(PickTask).join(OrderLine).where(OrderLine.order_id == order.id)
        .options(joinedload(PickTask.location), joinedload(PickTask.lot), joinedload(PickTask.wave))
        .order_by(PickTask.wave_id, PickTask.sequence)))
    waves = list(db.session.scalars(select(WaveOrder).join(Wave).where(WaveOrder.order_id == order.id)
                                    .order_by(Wave.id)))
    pickers = {u.id: u.name for u in db.session.scalars(select(User).where(
        User.id.in_({t.picker_id for t in tasks if t.picker_id})))}
    return {"reservations": reservations, "tasks": tasks, "waves": waves, "pickers": pickers}
