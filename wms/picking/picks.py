"""Picking a wave: bind a tote to each order, confirm each pick (or a short pick: the rest of the line is
allocated elsewhere and the bin is counted), take another lot, skip and come back, leave the totes in staging,
reprint a tote's label. Each handheld use case is applied once per scan id (`idempotency.by_scan_id`)."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import audit, clock, idempotency, sql
from ..catalog.models import Lot
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..formatting import lazy_number
from ..inventory import lookup
from ..inventory import services as inventory
from ..inventory.models import Lpn, StockItem
from ..locations import services as locations
from ..locations.models import Location, LocationKind
from ..orders import status as order_status
from ..uow import use_case
from . import allocation, replenishment, rules, waves
from .models import (
    TOTE,
    PickTask,
    PickTaskStatus,
    Reservation,
    WaveOrder,
    WaveStatus,
)


@use_case
@idempotency.by_scan_id("pick.bind_tote")
def bind_tote(wave_id: int, code: str, *, user_id: int | None) -> dict:
    """Give the next order of the wave without a tote the scanned tote. A new code becomes a new tote; a tote
    must be empty and not bound to another active wave. When every order has its tote, picking starts."""
    wave = waves.lock_wave(wave_id)
    if wave.status not in (WaveStatus.OPEN, WaveStatus.PICKING):
        raise Conflict(_l("Wave %(wave)s is %(status)s.", wave=wave.code, status=wave.status))
    waiting = [wo for wo in wave.orders if wo.tote_lpn_id is None]
    if not waiting:
        raise DomainError(_l("Every order of wave %(wave)s has its tote.", wave=wave.code))
    code = (code or "").strip().upper()
    tote = db.session.scalar(sql.for_update(select(Lpn).where(Lpn.code == code)))
    new = False
    if tote is None:
        if not code or len(code) > 40 or not code.replace("-", "").isalnum():
            raise DomainError(_l("Scan the tote's label."))
        try:
            found = lookup.identify(code)
        except lookup.UnknownScan:  # a label never seen: a new tote, bound nowhere and empty
            tote, new = inventory.create_lpn(code, kind=TOTE, checked=True), True
        else:
            tote = lookup.expect(found, "lpn").lpn
    if not new:
        if tote.kind != TOTE:
            raise DomainError(_l("%(code)s is a %(kind)s, not a tote: scan a tote.", code=tote.code,
                                 kind=tote.kind))
        other, full = waves.tote_use(tote.id)
        if other is not None:
            raise DomainError(_l("Tote %(tote)s is already in use in wave %(wave)s: take another one.",
                                 tote=tote.code, wave=other))
        if full:
            raise DomainError(_l("Tote %(tote)s is not empty: take an empty one.", tote=tote.code))
    wave_order = waiting[0]
    wave_order.tote_lpn_id = tote.id
    wave_order.tote = tote  # the screen lists every slot's tote
    wave_order.bound_at = utcnow()
    started = len(waiting) == 1
    if started:
        wave.status = WaveStatus.PICKING.value
        wave.started_at = utcnow()
    audit.record("wave.tote", wave, user_id=user_id, tote=tote.code, slot=wave_order.slot,
                 order=wave_order.order_id)
    result = {"wave": wave.code, "tote": tote.code, "slot": wave_order.slot, "order_id": wave_order.order_id,
              "started": started}
    return result


@use_case
@idempotency.by_scan_id("pick.skip")
def skip_task(task_id: int, *, user_id: int | None) -> dict:
    """Leave a task for later: it comes back after the wave's other open tasks."""
    task = db.session.scalar(select(PickTask).where(PickTask.id == task_id).with_for_update()
                             .execution_options(populate_existing=True))
    if task is None:
        raise NotFound(_l("Pick task not found."))
    if task.status != PickTaskStatus.OPEN:
        raise Conflict(_l("This task is already done."))
    task.skips += 1
    audit.record("pick.skip", task, user_id=user_id, location=task.location.code)
    result = {"task_id": task.id, "skips": task.skips}
    return result


def substitute_item(task: PickTask, lot: Lot) -> StockItem:
    """The stock item of `lot` in the task's location that may replace the reserved lot, or a DomainError that
    says why not (read only: the swap happens when the pick is confirmed)."""
    order = task.order_line.order
    problem = rules.substitute_problem(
        _facts(task.lot), _facts(lot), clock.today(), allocation.line_min_shelf_life(task.order_line, order))
    if problem:
        raise DomainError(problem)
    items = list(db.session.scalars(
        select(StockItem).outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(StockItem.location_id == task.location_id, StockItem.product_id == task.product_id,
               StockItem.lot_id == lot.id, or_(StockItem.lpn_id.is_(None), Lpn.kind != TOTE))
        .order_by(StockItem.id)))
    fitting = [i for i in items if i.quantity - i.reserved >= task.quantity]
    if not fitting:
        free = sum(max(i.quantity - i.reserved, 0) for i in items)
        raise DomainError(_l("Only %(free)s of lot %(lot)s are free at %(code)s, not %(qty)s: pick lot "
                             "%(wanted)s.", free=lazy_number(free), lot=lot.code, code=task.location.code,
                             qty=lazy_number(task.quantity),
                             wanted=task.lot.code if task.lot else "-"))
    return fitting[0]


def _facts(lot: Lot) -> rules.LotFacts:
    return rules.LotFacts(lot.code, lot.status, lot.expires_on)


def _swap(task: PickTask, lot: Lot) -> None:
    """Move the task's reservation to another lot in the same location (checked again under the locks)."""
    old = task.reservation
    new_item = substitute_item(task, lot)
    items = inventory.lock_items([old.stock_item.key, new_item.key])
    new_item = items[new_item.key]
    if new_item.quantity - new_item.reserved < task.quantity:
        raise Conflict(_l("Lot %(lot)s was just reserved by someone else: pick lot %(wanted)s.", lot=lot.code,
                          wanted=task.lot.code))
    line = task.order_line
    allocation.release(old, task.quantity, items[old.stock_item.key])
    reservation = allocation.reserve(line, new_item, task.quantity)
    db.session.flush()
    task.substituted_lot_id = task.substituted_lot_id or task.lot_id
    task.lot = lot
    task.from_lpn = new_item.lpn
    task.reservation = reservation


@use_case
@idempotency.by_scan_id("pick.confirm")
def confirm_pick(task_id: int, *, quantity: int, lot_id: int | None, tote_code: str | None,
                 user_id: int | None) -> dict:
    """The picker found `quantity` units (of `lot_id`) and put them in the order's tote.

    The task's reservation becomes a move from the bin onto the tote, which rides in the warehouse's carts
    location until the wave is finished, and its units stop being reserved, in one transaction. Another lot swaps the
    reservation first. Fewer units than asked is a short pick: the rest of the line is allocated again
    elsewhere (or back-ordered) and the bin gets a count task. Applied once per scan id.
    """
    task = db.session.get(PickTask, task_id)  # the screen's read of it (with its order line), if any
    if task is None:
        raise NotFound(_l("Pick task not found."))
    order = order_status.lock_order(task.order_line.order_id)
    task = _lock_task(task_id)
    if task.status != PickTaskStatus.OPEN:
        raise Conflict(_l("This task is already done."))
    wave = task.wave
    if wave.status != WaveStatus.PICKING:
        raise Conflict(_l("Wave %(wave)s is not being picked.", wave=wave.code))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= task.quantity:
        raise DomainError(_l("Type how many you took: 0 to %(qty)s.", qty=lazy_number(task.quantity)))
    tote = task.wave_order.tote
    if quantity and (tote is None or (tote_code or "").strip().upper() != tote.code):
        raise DomainError(_l("That is not the tote of this order: scan tote %(tote)s.",
                             tote=tote.code if tote else "-"))
    if task.reservation is None:
        raise Conflict(_l("This task's reservation is gone: take the next task."))
    if lot_id is not None and lot_id != task.lot_id:
        lot = db.session.get(Lot, lot_id)
        if lot is None or lot.product_id != task.product_id:
            raise DomainError(_l("That lot is not a lot of %(sku)s.", sku=task.product.sku))
        _swap(task, lot)
    reservation = task.reservation
    source_key = reservation.stock_item.key
    keys = [source_key]
    if quantity:
        # The tote's stock item is made first, so that the bin's and the tote's are locked together (in id order).
        carts = waves.carts_location_of(task.location.warehouse_id)
        keys += inventory.ensure_items([(carts.id, task.product_id, task.lot.id if task.lot else None, tote.id)])
    items = inventory.lock_items(keys)
    line = task.order_line
    allocation.release(reservation, task.quantity, items[source_key])
    if quantity:
        inventory.apply_move(product=task.product, lot=task.lot, source=task.location, target=carts,
                             quantity=quantity, reason="pick", user_id=user_id, document=allocation.document(order),
                             from_lpn=task.from_lpn, to_lpn=tote, check_target=False, locked=items)
    line.picked += quantity
    task.picked = quantity
    task.status = PickTaskStatus.DONE.value
    task.short = quantity < task.quantity
    task.picker_id = user_id
    task.picked_at = utcnow()
    if task.short:
        db.session.flush()
        # The bin's books are in doubt until it is counted: take the rest from elsewhere.
        allocation.allocate_lines(order, [line], exclude_location_ids=[task.location_id])
        made = list(db.session.scalars(select(Reservation).where(Reservation.order_line_id == line.id)))
        waves.add_tasks_for_active_wave(order, made)
    order_status.refresh_status(order, in_wave=True)  # the task's wave is being picked (checked above)
    db.session.flush()
    replenishment.replenish_locations([task.location], user_id=user_id)
    if task.short:
        # The count joins this unit of work: the pick and the count of its bin are kept, or neither is.
        inventory.open_count(task.location_id, user_id=user_id, reason="short_pick")
    audit.record("pick.short" if task.short else "pick.confirm", task, user_id=user_id, order=order.id,
                 location=task.location.code, picked=quantity, wanted=task.quantity,
                 lot=task.lot.code if task.lot else None)
    return {"task_id": task.id, "picked": quantity, "wanted": task.quantity, "short": task.short,
            "tote": tote.code if tote else None, "backordered": line.outstanding,
            "substituted": task.substituted_lot_id is not None}


def _lock_task(task_id: int) -> PickTask:
    """Lock the task's row (the order's is locked first) and read it fresh with its place, product and lot, its
    reservation and the reservation's stock item (read, not locked: `inventory.lock_items` locks the item)."""
    return db.session.scalar(select(PickTask).where(PickTask.id == task_id).with_for_update(of=PickTask)
                             .options(joinedload(PickTask.location), joinedload(PickTask.product),
                                      joinedload(PickTask.lot),
                                      joinedload(PickTask.reservation).joinedload(Reservation.stock_item))
                             .execution_options(populate_existing=True))


def staging_location(code: str) -> Location:
    location = locations.by_code(code or "")
    if location is None or location.kind not in (LocationKind.STAGING.value, LocationKind.PACKING.value):
        raise DomainError(_l("%(code)s is not a staging or packing location: scan where the totes wait for "
                             "packing.", code=(code or "").strip()[:40]))
    return location


@use_case
@idempotency.by_scan_id("pick.finish")
def finish_wave(wave_id: int, staging_code: str, *, user_id: int | None) -> dict:
    """Every task is done: move each tote's stock to the staging location (ledger moves, the tote stays the
    plate) and close the wave."""
    wave = waves.get_wave(wave_id)
    orders = order_status.lock_orders(wo.order_id for wo in wave.orders)
    wave = waves.lock_wave(wave_id)
    if wave.status != WaveStatus.PICKING:
        raise Conflict(_l("Wave %(wave)s is %(status)s.", wave=wave.code, status=wave.status))
    open_tasks = db.session.scalar(select(func.count()).select_from(PickTask).where(
        PickTask.wave_id == wave.id, PickTask.status == PickTaskStatus.OPEN.value))
    if open_tasks:
        raise DomainError(lazy_ngettext("%(num)s task of wave %(wave)s is still open: pick it (or type 0 if the bin is empty).",
                                       "%(num)s tasks of wave %(wave)s are still open: pick them (or type 0 if the "
                                       "bin is empty).", open_tasks, wave=wave.code))
    staging = staging_location(staging_code)
    by_tote = {wo.tote_lpn_id: wo for wo in wave.orders if wo.tote is not None}
    # Every tote's stock at once (locked in id order, with its lot and place), then every staging item it goes to.
    on_totes = inventory.lock_items_where(StockItem.lpn_id.in_(list(by_tote)), StockItem.quantity > 0,
                                          options=[joinedload(StockItem.lot), joinedload(StockItem.location)])
    moving = [item for item in on_totes if item.location_id != staging.id]
    targets = inventory.ensure_items([(staging.id, i.product_id, i.lot_id, i.lpn_id) for i in moving])
    locked = {item.key: item for item in moving} | inventory.lock_items(targets)
    units = 0
    for item in moving:
        wave_order = by_tote[item.lpn_id]
        quantity = item.quantity
        inventory.apply_move(product=item.product, lot=item.lot, source=item.location, target=staging,
                             quantity=quantity, reason="stage", user_id=user_id,
                             document=allocation.document(wave_order.order), from_lpn=wave_order.tote,
                             to_lpn=wave_order.tote, check_target=False, locked=locked)
        units += quantity
    for wave_order in by_tote.values():
        wave_order.tote.location_id = staging.id
    wave.status = WaveStatus.DONE.value
    wave.finished_at = utcnow()
    wave.staging_location_id = staging.id
    for order in orders:
        # The wave is done and an order is in one active wave at most (`waves.build_wave`): in none now.
        order_status.refresh_status(order, in_wave=False)
    audit.record("wave.finish", wave, user_id=user_id, staging=staging.code, units=units)
    result = {"wave": wave.code, "staging": staging.code, "units": units,
              "totes": [wo.tote.code for wo in wave.orders if wo.tote]}
    return result


@use_case
def reprint_tote_label(wave_order_id: int, *, user_id: int | None) -> dict:
    """Queue the tote's label (code and contents) at the picking station's printer."""
    wave_order = db.session.get(WaveOrder, wave_order_id)
    if wave_order is None or wave_order.tote is None:
        raise NotFound(_l("This order has no tote yet."))
    try:
        from ..printing import services as printing
    except ImportError:
        raise DomainError(_l("Printing is not set up on this server: ask an administrator to configure the "
                             "picking station's printer.")) from None
    contents = [{"sku": i.product.sku, "qty": i.quantity, **({"lot": i.lot.code} if i.lot else {})}
                for i in waves.tote_contents(wave_order.tote_lpn_id)]
    job_id = printing.queue_label("lpn", {"code": wave_order.tote.code, "contents": contents}, station="picking",
                                  user_id=user_id)
    audit.record("wave.tote_label", wave_order.wave, user_id=user_id, tote=wave_order.tote.code, job=job_id)
    return {"tote": wave_order.tote.code, "job": job_id}
