"""Stock adjustments: a correction with a reason, applied at once or waiting for a supervisor's decision."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit, idempotency, settings, sql
from ..catalog.models import Lot, Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..locations import services as locations
from ..locations.models import Location, LocationKind
from ..uow import use_case
from . import rules
from .ledger import apply_move
from .models import Adjustment, AdjustmentStatus, CountStatus, CountTask, Lpn, Move
from .words import ADJUSTMENT_REASON


def is_supervisor(user_id: int | None) -> bool:
    from ..auth.models import Role, User

    user = db.session.get(User, user_id) if user_id else None
    return bool(user and user.has_role(Role.SUPERVISOR))


def apply_adjustment(adjustment: Adjustment, user_id: int | None) -> Move:
    location = adjustment.location
    virtual = locations.virtual_location(location.warehouse_id, LocationKind.ADJUSTMENT)
    lpn = db.session.get(Lpn, adjustment.lpn_id) if adjustment.lpn_id else None
    if adjustment.delta > 0:
        source, target, from_lpn, to_lpn = virtual, location, None, lpn
    else:
        source, target, from_lpn, to_lpn = location, virtual, lpn, None
    return apply_move(
        product=adjustment.product, lot=adjustment.lot, source=source, target=target,
        quantity=abs(adjustment.delta), reason=adjustment.reason, user_id=user_id,
        document=f"ADJ-{adjustment.id}", note=adjustment.note, from_lpn=from_lpn, to_lpn=to_lpn,
        check_target=False,  # a correction records what is there; it does not choose a place
    )


def new_adjustment(*, location: Location, product: Product, lot: Lot | None, lpn_id: int | None, delta: int,
                    reason: str, note: str | None, user_id: int | None, count_task_id: int | None = None
                    ) -> Adjustment:
    if reason not in rules.ADJUSTMENT_REASONS:
        raise DomainError(_l("Choose a reason: %(reasons)s.", reasons=", ".join(str(ADJUSTMENT_REASON[r]) for r in rules.ADJUSTMENT_REASONS)))
    if delta == 0:
        raise DomainError(_l("An adjustment changes the quantity by at least one unit."))
    if location.is_virtual:
        raise DomainError(_l("%(code)s is not a physical place.", code=location.code))
    adjustment = Adjustment(
        location_id=location.id, product_id=product.id, lot_id=lot.id if lot else None, lpn_id=lpn_id,
        delta=delta, reason=reason, note=(note or "").strip()[:200] or None, requested_by_id=user_id,
        count_task_id=count_task_id,
    )
    db.session.add(adjustment)
    db.session.flush()
    return adjustment


@use_case
@idempotency.by_scan_id("stock.adjust")
def adjust_stock(*, location_id: int, product_id: int, lot_id: int | None, delta: int, reason: str,
                 user_id: int | None, note: str | None = None, lpn_id: int | None = None) -> dict:
    """Correct stock with a reason. Small corrections (or a supervisor's) apply at once; large ones wait."""
    location, product = db.session.get(Location, location_id), db.session.get(Product, product_id)
    lot = db.session.get(Lot, lot_id) if lot_id else None
    if location is None or product is None:
        raise NotFound(_l("Product or location not found."))
    adjustment = new_adjustment(location=location, product=product, lot=lot, lpn_id=lpn_id, delta=delta,
                                 reason=reason, note=note, user_id=user_id)
    if rules.needs_approval(delta, settings.get("adjustment_approval_units"), is_supervisor(user_id)):
        audit.record("adjustment.request", adjustment, delta=delta, reason=reason)
    else:
        apply_adjustment(adjustment, user_id)
        adjustment.status = AdjustmentStatus.APPROVED.value
        adjustment.decided_by_id = user_id if is_supervisor(user_id) else None  # None: approved by the rule
        adjustment.decided_at = utcnow()
        audit.record("adjustment.apply", adjustment, delta=delta, reason=reason)
    result = {"adjustment_id": adjustment.id, "status": adjustment.status, "delta": delta}
    return result


@use_case
def set_adjustment_threshold(units: int, *, user_id: int | None) -> int:
    """The supervisor's rule: adjustments and count variances of more units than this wait for approval."""
    if not isinstance(units, int) or isinstance(units, bool) or not (0 <= units <= 1_000_000):
        raise DomainError(_l("The approval threshold is a whole number of units from 0 to %(max)s.",
                             max=1_000_000))
    before = settings.get("adjustment_approval_units")
    settings.put("adjustment_approval_units", units)
    audit.record("setting.adjustment_approval_units", None, user_id=user_id, before=before, after=units)
    return units


@use_case
def decide_adjustment(adjustment_id: int, *, approve: bool, user_id: int, note: str | None = None) -> Adjustment:
    """A supervisor approves (the stock changes now) or rejects (nothing changes) a pending adjustment.
    Approving a change larger than the approval threshold needs a note saying why it is right."""
    adjustment = sql.locked(Adjustment, adjustment_id)
    if adjustment is None:
        raise NotFound(_l("Adjustment not found."))
    if adjustment.status != AdjustmentStatus.PENDING:
        raise Conflict(_l("This adjustment was already %(status)s.", status=adjustment.status))
    if not is_supervisor(user_id):
        raise DomainError(_l("Only a supervisor approves adjustments."))
    note = (note or "").strip()
    threshold = settings.get("adjustment_approval_units")
    if approve and abs(adjustment.delta) > threshold and not note:
        raise DomainError(_l("A change of %(units)s units is more than the approval threshold (%(threshold)s): "
                             "write a note saying why it is right to approve it.",
                             units=abs(adjustment.delta), threshold=threshold))
    if note:
        adjustment.note = (f"{adjustment.note} · {note}" if adjustment.note else note)[:200]
    if approve:
        apply_adjustment(adjustment, user_id)
    adjustment.status = (AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED).value
    adjustment.decided_by_id = user_id
    adjustment.decided_at = utcnow()
    audit.record("adjustment." + adjustment.status, adjustment, user_id=user_id, note=note or None)
    close_count_if_decided(adjustment.count_task_id)
    return adjustment


def close_count_if_decided(task_id: int | None) -> None:
    if task_id is None:
        return
    # Locked: of two supervisors deciding a count's last two adjustments at once, the second waits here and then
    # counts the first's decision, so one of them closes the count.
    task = sql.locked(CountTask, task_id)
    if task is None or task.status != CountStatus.COUNTED:
        return
    waiting = db.session.scalar(select(func.count()).select_from(Adjustment).where(
        Adjustment.count_task_id == task_id, Adjustment.status == AdjustmentStatus.PENDING.value))
    if not waiting:
        task.status = CountStatus.DONE.value
