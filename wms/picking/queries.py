"""What the desk and the handheld's lists read: orders waiting for a wave and the system's proposal, open
replenishments in the order they are needed, a wave's progress, the active waves, and what the handheld's wave
screen reads of its wave (once per request)."""
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import joinedload, selectinload

from ..errors import NotFound
from ..extensions import db
from ..orders.models import Order
from . import rules, waves
from .models import (
    ACTIVE_WAVE_STATUSES,
    PickTask,
    PickTaskStatus,
    ReplenishmentStatus,
    ReplenishmentTask,
    Wave,
    WaveOrder,
)


def waveable_orders(criteria: waves.WaveFilter | None = None, limit: int = 500) -> list[Order]:
    query = waves.waveable_query(criteria or waves.WaveFilter())
    return list(db.session.scalars(query.order_by(Order.promised_ship_date, Order.id).limit(limit)
                                   .options(selectinload(Order.lines))))  # the desk shows each order's units


def propose_wave(max_orders: int = 12) -> dict:
    """What the system would pick next: the carrier whose truck is most urgent, its most urgent orders."""
    carrier, ids = rules.propose_wave(waves.wave_candidates(waveable_orders(waves.WaveFilter(include_partial=True))),
                                      max_orders)
    return {"carrier": carrier, "order_ids": ids}


def open_replenishments(limit: int = 50) -> list[tuple[ReplenishmentTask, str | None]]:
    """Open replenishment tasks, those whose pick face an active wave still has to visit first (with that
    wave's code), then the oldest."""
    tasks = list(db.session.scalars(
        select(ReplenishmentTask).where(ReplenishmentTask.status == ReplenishmentStatus.OPEN.value)
        .options(joinedload(ReplenishmentTask.from_location), joinedload(ReplenishmentTask.to_location),
                 joinedload(ReplenishmentTask.product), joinedload(ReplenishmentTask.lot))
        .order_by(ReplenishmentTask.created_at, ReplenishmentTask.id).limit(500)))
    needed: dict[int, tuple] = {}
    if tasks:
        rows = db.session.execute(
            select(PickTask.location_id, Wave.id, Wave.code, PickTask.sequence).join(Wave)
            .where(PickTask.status == PickTaskStatus.OPEN.value,
                   Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES]),
                   PickTask.location_id.in_({t.to_location_id for t in tasks}))
            .order_by(Wave.id, PickTask.sequence))
        for location_id, wave_id, code, sequence in rows:
            needed.setdefault(location_id, ((wave_id, sequence), code))
    ranked = sorted(tasks, key=lambda t: (t.to_location_id not in needed,
                                          needed.get(t.to_location_id, ((0, 0), None))[0], t.id))
    return [(t, needed.get(t.to_location_id, (None, None))[1]) for t in ranked[:limit]]


@dataclass
class PickerFigures:
    name: str
    tasks: int
    units: int
    shorts: int
    lines_per_hour: float | None


def wave_progress(wave: Wave) -> dict:
    """Tasks done per picker and lines per hour (from the first to the last pick of each picker; the wave's
    from its start), exceptions (short picks, skipped tasks, substituted lots)."""
    from ..auth.models import User

    tasks = waves.wave_tasks(wave.id)
    done = [t for t in tasks if t.status == PickTaskStatus.DONE]
    per_picker: dict[int | None, list[PickTask]] = defaultdict(list)
    for task in done:
        per_picker[task.picker_id].append(task)
    pickers = []
    for picker_id, picked in sorted(per_picker.items(), key=lambda kv: -len(kv[1])):
        user = db.session.get(User, picker_id) if picker_id else None
        times = sorted(t.picked_at for t in picked if t.picked_at)
        hours = (times[-1] - times[0]).total_seconds() / 3600 if len(times) > 1 else 0
        pickers.append(PickerFigures(user.name if user else "-", len(picked), sum(t.picked for t in picked),
                                     sum(t.short for t in picked), round((len(picked) - 1) / hours, 1) if hours else None))
    last = max((t.picked_at for t in done if t.picked_at), default=None)
    hours = (last - wave.started_at).total_seconds() / 3600 if last and wave.started_at else 0
    live = [t for t in tasks if t.status != PickTaskStatus.CANCELLED]
    return {
        "tasks": len(live), "done": len(done), "units": sum(t.quantity for t in live),
        "picked": sum(t.picked for t in done), "pickers": pickers,
        "lines_per_hour": round(len(done) / hours, 1) if hours > 0 else None,
        "shorts": [t for t in done if t.short],
        "skipped": [t for t in tasks if t.skips and t.status == PickTaskStatus.OPEN],
        "substituted": [t for t in done if t.substituted_lot_id],
        "tasks_list": tasks,
    }


@dataclass
class WaveFigures:
    """A row of the desk's active-wave list."""

    orders: int = 0
    tasks: int = 0
    done: int = 0
    shorts: int = 0
    skipped: int = 0
    lines_per_hour: float | None = None


def active_wave_figures(active: list[Wave]) -> dict[int, WaveFigures]:
    """Orders, tasks done, short picks, skipped tasks and lines per hour of each wave, in two grouped statements
    whatever the number of waves (`wave_progress` is the one wave's page)."""
    figures = {w.id: WaveFigures() for w in active}
    if not figures:
        return figures
    started_at = {w.id: w.started_at for w in active}
    done = PickTask.status == PickTaskStatus.DONE.value
    for wave_id, tasks, n_done, shorts, skipped, last in db.session.execute(
            select(PickTask.wave_id, func.count(), func.count().filter(done),
                   func.count().filter(done, PickTask.short.is_(True)),
                   func.count().filter(PickTask.status == PickTaskStatus.OPEN.value, PickTask.skips > 0),
                   func.max(PickTask.picked_at))
            .where(PickTask.wave_id.in_(list(figures)), PickTask.status != PickTaskStatus.CANCELLED.value)
            .group_by(PickTask.wave_id)):
        row = figures[wave_id]
        row.tasks, row.done, row.shorts, row.skipped = tasks, n_done, shorts, skipped
        started = started_at[wave_id]
        hours = (last - started).total_seconds() / 3600 if last and started else 0
        row.lines_per_hour = round(n_done / hours, 1) if hours > 0 else None
    for wave_id, orders in db.session.execute(
            select(WaveOrder.wave_id, func.count()).where(WaveOrder.wave_id.in_(list(figures)))
            .group_by(WaveOrder.wave_id)):
        figures[wave_id].orders = orders
    return figures


def active_waves(limit: int | None = None) -> list[Wave]:
    query = select(Wave).where(Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES])).order_by(Wave.id)
    return list(db.session.scalars(query.limit(limit) if limit else query))


def active_wave_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Wave)
                             .where(Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES])))


def recent_waves(limit: int = 20) -> list[Wave]:
    return list(db.session.scalars(select(Wave).where(Wave.status.not_in([s.value for s in ACTIVE_WAVE_STATUSES]))
                                   .order_by(Wave.id.desc()).limit(limit)))


def open_task_counts(wave_ids: list[int]) -> dict[int, int]:
    """Open pick tasks per wave."""
    if not wave_ids:
        return {}
    return dict(db.session.execute(select(PickTask.wave_id, func.count()).where(
        PickTask.wave_id.in_(wave_ids), PickTask.status == PickTaskStatus.OPEN.value).group_by(PickTask.wave_id)).all())


def open_replenishment_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReplenishmentTask).where(
        ReplenishmentTask.status == ReplenishmentStatus.OPEN.value))


def carriers() -> list[str]:
    """The carriers of the orders there are, for the wave filter."""
    return list(db.session.scalars(select(Order.carrier).where(Order.carrier.is_not(None)).distinct()
                                   .order_by(Order.carrier)))


# --------------------------------------------------------------------------------------------- the wave screen


def _task_figures(wave_id: int):
    """The wave's tasks but the cancelled ones, and how many of them are done, as a one-row subquery."""
    return (select(func.count().label("total"),
                   func.count().filter(PickTask.status != PickTaskStatus.OPEN.value).label("done"))
            .where(PickTask.wave_id == wave_id, PickTask.status != PickTaskStatus.CANCELLED.value)
            .subquery("figures"))


def screen_wave(wave_id: int, *, fresh: bool = False) -> tuple[Wave, int, int]:
    """The handheld's wave with its orders, their totes and customers' names (the tote screen names the next
    order's), and its tasks' figures (all but cancelled, done), in one statement whatever the number of orders.
    `fresh`: read the rows again even when the session holds them (after a rollback)."""
    figures = _task_figures(wave_id)
    statement = (select(Wave, figures.c.total, figures.c.done).join(figures, true()).where(Wave.id == wave_id)
                 .options(joinedload(Wave.orders).joinedload(WaveOrder.tote),
                          joinedload(Wave.orders).joinedload(WaveOrder.order).load_only(Order.customer_name)))
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    row = db.session.execute(statement).unique().first()
    if row is None:
        raise NotFound(_l("Wave not found."))
    return row[0], row[1], row[2]


_SHOWN = (joinedload(PickTask.location), joinedload(PickTask.product), joinedload(PickTask.lot))


def screen_task(task_id: int) -> PickTask | None:
    """A task named by the screen, with what the screen shows of it and its order line (a confirmation locks the
    line's order): one statement. Its wave order and tote are the wave's, read with it."""
    return db.session.scalar(select(PickTask).where(PickTask.id == task_id)
                             .options(*_SHOWN, joinedload(PickTask.order_line)))


def next_task_and_figures(wave_id: int) -> tuple[PickTask | None, int, int]:
    """The wave's next open task in walking order (`waves.WALK_ORDER`: skipped ones after the others) with what
    the screen shows of it, and the wave's task figures (all but cancelled, done), in one statement."""
    figures = _task_figures(wave_id)
    task, total, done = db.session.execute(
        select(PickTask, figures.c.total, figures.c.done).select_from(figures)
        .outerjoin(PickTask, and_(PickTask.wave_id == wave_id, PickTask.status == PickTaskStatus.OPEN.value))
        .options(*_SHOWN)
        .order_by(*waves.WALK_ORDER).limit(1)).one()
    return task, total, done
