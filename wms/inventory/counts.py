"""Count tasks: opening them (one location or a range) and a worker's blind count, whose variances become
adjustments."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, idempotency, settings, sql
from ..catalog.models import Lot, Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..locations.models import VIRTUAL_KINDS, Location
from ..uow import use_case
from . import rules
from .adjustments import apply_adjustment, is_supervisor, new_adjustment
from .ledger import lock_items_where
from .models import AdjustmentStatus, CountLine, CountStatus, CountTask, StockItem


def _open_count(location: Location, user_id: int | None, reason: str) -> tuple[CountTask, bool]:
    """The location's open count task, made if there is none; and whether it is new."""
    task = db.session.scalar(select(CountTask).where(CountTask.location_id == location.id,
                                                     CountTask.status == CountStatus.OPEN.value))
    if task is not None:
        return task, False
    task = CountTask(location_id=location.id, reason=reason, created_by_id=user_id)
    db.session.add(task)
    db.session.flush()
    audit.record("count.open", task, location=location.code, reason=reason)
    return task, True


@use_case
def open_count(location_id: int, *, user_id: int | None, reason: str = "cycle") -> CountTask:
    """A count task for a location; the open one if there is one already."""
    location = db.session.get(Location, location_id)
    if location is None or location.is_virtual:
        raise NotFound(_l("Location not found."))
    task, _new = _open_count(location, user_id, reason)
    return task


MAX_COUNTS_AT_ONCE = 500


@use_case
def open_counts(code: str, *, prefix: bool, user_id: int | None, reason: str = "cycle") -> dict:
    """Count tasks for one location (its code) or for every active location whose code starts with `code`
    (`A-03`: the whole aisle), in one transaction. Locations with an open count keep theirs."""
    code = (code or "").strip().upper()
    if not code:
        raise DomainError(_l("Type a location code or the start of one."))
    if reason not in ("cycle", "request", "short_pick"):
        raise DomainError(_l("Unknown count reason %(reason)s.", reason=reason))
    query = select(Location).where(Location.kind.not_in([k.value for k in VIRTUAL_KINDS]),
                                   Location.active.is_(True))
    if prefix:
        query = query.where(Location.code.startswith(code, autoescape=True))
    else:
        query = query.where(Location.code == code)
    places = list(db.session.scalars(query.order_by(Location.code).limit(MAX_COUNTS_AT_ONCE + 1)))
    if not places:
        raise DomainError(_l("No location in use has the code %(code)s.", code=code) if not prefix else
                          _l("No location in use starts with %(code)s.", code=code))
    if len(places) > MAX_COUNTS_AT_ONCE:
        raise DomainError(_l("More than %(max)s locations start with %(code)s: narrow the range.",
                             max=MAX_COUNTS_AT_ONCE, code=code))
    created, existing = [], []
    for location in places:
        task, new = _open_count(location, user_id, reason)
        (created if new else existing).append(task.id)
    return {"created": created, "already_open": existing, "locations": [p.code for p in places]}


@use_case
@idempotency.by_scan_id("count.submit")
def submit_count(task_id: int, counted: dict[tuple[int, int | None, int | None], int], *,
                 user_id: int | None) -> dict:
    """Record a blind count: {(product_id, lot_id, lpn_id): units}. What the count does not mention is 0.
    Variances within the approval threshold are adjusted at once; larger ones wait for a supervisor."""
    # Afresh: the handheld's screen read the task open, and another handheld may have finished the count since.
    task = sql.locked(CountTask, task_id)
    if task is None:
        raise NotFound(_l("Count task not found."))
    if task.status != CountStatus.OPEN:
        raise Conflict(_l("This count was already submitted."))
    if any(qty < 0 for qty in counted.values()):
        raise DomainError(_l("A count cannot be negative."))
    items = lock_items_where(StockItem.location_id == task.location_id)
    expected = {(i.product_id, i.lot_id, i.lpn_id): i.quantity for i in items if i.quantity}
    variances = rules.count_variances(expected, counted)
    threshold = settings.get("adjustment_approval_units")
    supervisor = is_supervisor(user_id)
    pending = 0
    for key in sorted(variances, key=lambda k: (k[0], k[1] or 0, k[2] or 0)):
        product_id, lot_id, lpn_id = key
        db.session.add(CountLine(task_id=task.id, product_id=product_id, lot_id=lot_id, lpn_id=lpn_id,
                                 expected=expected.get(key, 0), counted=counted.get(key, 0)))
        delta = variances[key]
        if delta == 0:
            continue
        adjustment = new_adjustment(
            location=task.location, product=db.session.get(Product, product_id),
            lot=db.session.get(Lot, lot_id) if lot_id else None, lpn_id=lpn_id, delta=delta,
            reason="count_variance", note=None, user_id=user_id, count_task_id=task.id,
        )
        if rules.needs_approval(delta, threshold, supervisor):
            pending += 1
        else:
            apply_adjustment(adjustment, user_id)
            adjustment.status = AdjustmentStatus.APPROVED.value
            adjustment.decided_by_id = user_id if supervisor else None  # None: approved by the rule
            adjustment.decided_at = utcnow()
    task.counted_by_id = user_id
    task.counted_at = utcnow()
    task.status = (CountStatus.COUNTED if pending else CountStatus.DONE).value
    audit.record("count.submit", task, variances=sum(1 for v in variances.values() if v), pending=pending)
    result = {"task_id": task.id, "status": task.status, "lines": len(variances),
              "variances": sum(1 for v in variances.values() if v), "pending": pending}
    return result
