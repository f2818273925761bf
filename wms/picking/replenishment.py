"""Replenishment of pick faces from reserve: tasks opened when a face's free units fall below its minimum
(FEFO from the nearest reserve), and the worker's confirmation of the move."""
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from .. import audit, clock, idempotency
from ..catalog.models import Lot
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..formatting import lazy_number
from ..inventory import services as inventory
from ..inventory.models import Lpn, StockItem
from ..locations.models import Location, LocationKind
from ..uow import use_case
from . import rules
from .models import TOTE, ReplenishmentStatus, ReplenishmentTask


def replenish_faces(location_ids: Iterable[int], *, user_id: int | None) -> list[ReplenishmentTask]:
    """For each of these pick faces that is the slot of a product and whose free units fell below its
    minimum, a replenishment task up to its maximum from reserve, FEFO (none when one is open already)."""
    ids = sorted(set(location_ids))
    if not ids:
        return []
    faces = list(db.session.scalars(select(Location).where(
        Location.id.in_(ids), Location.kind == LocationKind.PICK_FACE.value, Location.slot_product_id.is_not(None),
        Location.slot_min.is_not(None))))
    return replenish_locations(faces, user_id=user_id)


def replenish_locations(places: Iterable[Location], *, user_id: int | None) -> list[ReplenishmentTask]:
    """`replenish_faces` of locations the caller has read in this transaction already (those that are not the
    slot of a product with a minimum are left alone without a statement)."""
    faces = sorted({place.id: place for place in places if place.kind == LocationKind.PICK_FACE.value
                    and place.slot_product_id is not None and place.slot_min is not None}.values(),
                   key=lambda place: place.id)
    made = []
    for face in faces:
        on_hand, reserved = db.session.execute(
            select(func.coalesce(func.sum(StockItem.quantity), 0), func.coalesce(func.sum(StockItem.reserved), 0))
            .where(StockItem.location_id == face.id, StockItem.product_id == face.slot_product_id)).one()
        if on_hand - reserved >= face.slot_min:
            continue
        if db.session.scalar(select(ReplenishmentTask.id).where(
                ReplenishmentTask.to_location_id == face.id,
                ReplenishmentTask.status == ReplenishmentStatus.OPEN.value).limit(1)):
            continue
        wanted = max(face.slot_max or face.slot_min, face.slot_min) - on_hand
        if wanted <= 0:
            continue
        made.extend(_replenishment_tasks(face, wanted, user_id))
    return made


def _replenishment_tasks(face: Location, wanted: int, user_id: int | None) -> list[ReplenishmentTask]:
    today = clock.today()
    rows = db.session.execute(
        select(StockItem, Location.aisle, Location.bay, Lot.status, Lot.expires_on)
        .join(Location, StockItem.location_id == Location.id)
        .outerjoin(Lot, StockItem.lot_id == Lot.id)
        .outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(StockItem.product_id == face.slot_product_id, StockItem.quantity > StockItem.reserved,
               Location.kind == LocationKind.RESERVE.value, Location.active.is_(True),
               Location.blocked.is_(False), Location.warehouse_id == face.warehouse_id,
               or_(StockItem.lpn_id.is_(None), Lpn.kind != TOTE))
        .order_by(StockItem.id)).all()
    items = {item.id: item for item, *_rest in rows}
    candidates = [rules.Candidate(item.id, item.quantity - item.reserved, item.lot_id, status, expires,
                                  distance=abs((aisle or 0) - (face.aisle or 0)) * 100 + abs((bay or 0) - (face.bay or 0)))
                  for item, aisle, bay, status, expires in rows]
    takes, _short = rules.allocate(wanted, candidates, today, 0)
    made = []
    for take in takes:
        item = items[take.item_id]
        task = ReplenishmentTask(product_id=item.product_id, lot_id=item.lot_id, from_location_id=item.location_id,
                                 from_lpn_id=item.lpn_id, to_location_id=face.id, quantity=take.quantity)
        db.session.add(task)
        made.append(task)
    if made:
        db.session.flush()
        audit.record("replenishment.open", face, user_id=user_id, tasks=[t.id for t in made], units=wanted)
    return made


@use_case
@idempotency.by_scan_id("replenish.done")
def complete_replenishment(task_id: int, *, quantity: int, user_id: int | None) -> dict:
    """The worker moved `quantity` units from reserve to the pick face (less than planned if that is all
    there was)."""
    task = db.session.scalar(select(ReplenishmentTask).where(ReplenishmentTask.id == task_id).with_for_update()
                             .execution_options(populate_existing=True))
    if task is None:
        raise NotFound(_l("Replenishment task not found."))
    if task.status != ReplenishmentStatus.OPEN:
        raise Conflict(_l("This replenishment is already done."))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= task.quantity:
        raise DomainError(_l("Type how many you moved: 1 to %(qty)s.", qty=lazy_number(task.quantity)))
    move = inventory.apply_move(product=task.product, lot=task.lot, source=task.from_location,
                                target=task.to_location, quantity=quantity, reason="replenish", user_id=user_id,
                                document=f"REPL-{task.id}", from_lpn=task.from_lpn)
    task.moved = quantity
    task.status = ReplenishmentStatus.DONE.value
    task.done_by_id = user_id
    task.done_at = utcnow()
    db.session.flush()
    audit.record("replenishment.done", task, user_id=user_id, moved=quantity)
    result = {"task_id": task.id, "moved": quantity, "move_id": move.id, "from": task.from_location.code,
              "to": task.to_location.code, "sku": task.product.sku}
    return result
