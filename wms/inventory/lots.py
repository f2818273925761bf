"""A lot's status (release, quarantine, block, recall), with its history and the segregation of its stock.
Which changes are allowed is `rules.LOT_TRANSITIONS`."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from .. import audit, sql, uow
from ..catalog.models import Lot, LotStatus, LotStatusChange
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..locations import services as locations
from ..locations.models import PICKABLE_KINDS, LocationKind
from ..messages import LotBecameUnavailable
from ..uow import use_case
from . import rules
from .ledger import apply_move, lock_items_where, stock_became_available
from .models import StockItem


@use_case
def change_lot_status(lot_id: int, new_status: str, *, reason: str, user_id: int | None,
                      reference: str | None = None, segregate: bool = False) -> dict:
    """Release, quarantine, block or recall a lot, with the reason kept. With `segregate`, its stock in
    picking locations is moved to the quarantine location (RDC 430/2020: keep it physically apart)."""
    lot = sql.locked(Lot, lot_id)  # afresh: the caller or its screen may have read it before another worker changed it
    if lot is None:
        raise NotFound(_l("Lot not found."))
    try:
        target = LotStatus(new_status)
    except ValueError:
        raise DomainError(_l("Unknown lot status %(status)s.", status=new_status)) from None
    if not (reason or "").strip():
        raise DomainError(_l("Say why the lot's status changes."))
    reference = (reference or "").strip() or None
    if reference is not None and len(reference) > 80:
        raise DomainError(_l("A reference is at most 80 characters."))
    current = LotStatus(lot.status)
    if target not in rules.LOT_TRANSITIONS[current]:
        raise DomainError(_l("A %(current)s lot cannot become %(target)s.", current=current.value,
                             target=target.value))
    lot.status = target.value
    db.session.add(LotStatusChange(lot_id=lot.id, from_status=current.value, to_status=target.value,
                                   reason=reason.strip()[:200], reference=reference, user_id=user_id))
    moved = 0
    if target != LotStatus.RELEASED:
        uow.publish(LotBecameUnavailable(lot.id))
        if segregate:
            moved = _segregate(lot, user_id, reference or f"LOT-{lot.code}")
    audit.record("lot.status", lot, user_id=user_id, from_status=current.value, to_status=target.value,
                 reason=reason, moved=moved)
    product_id = lot.product_id
    if target == LotStatus.RELEASED:
        stock_became_available({product_id}, user_id)
    return {"lot": lot.code, "status": lot.status, "moved": moved}


def _segregate(lot: Lot, user_id: int | None, document: str) -> int:
    items = lock_items_where(StockItem.lot_id == lot.id, StockItem.quantity > 0)
    moved = 0
    for item in items:
        if item.location.kind_enum not in PICKABLE_KINDS:
            continue
        quarantine = locations.first_of_kind(item.location.warehouse_id, LocationKind.QUARANTINE)
        if quarantine is None:
            raise DomainError(_l("There is no quarantine location: create one first."))
        if item.reserved:
            raise Conflict(lazy_ngettext("%(num)s unit of lot %(lot)s at %(code)s is still reserved for orders.",
                                        "%(num)s units of lot %(lot)s at %(code)s are still reserved for orders.",
                                        item.reserved, lot=lot.code, code=item.location.code))
        quantity = item.quantity  # apply_move empties this very item
        apply_move(product=item.product, lot=lot, source=item.location, target=quarantine, quantity=quantity,
                   reason="quarantine", user_id=user_id, document=document, check_target=False,
                   from_lpn=item.lpn)  # the units leave their plate; the rest of the plate stays put
        moved += quantity
    return moved
