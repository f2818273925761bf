"""Quarantine: goods held at the dock for QA (a hold per receipt, product, lot and plate) and the supervisor's
decision on them. Held goods are kept apart (RDC 430/2020) and may only be put away to a quarantine location.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, sql
from ..auth.models import Role, User
from ..catalog.models import Lot, LotStatus, Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..inventory import services as inventory
from ..inventory.models import Lpn, StockItem
from ..uow import use_case
from . import rules
from .models import (
    Hold,
    HoldStatus,
    Receipt,
)


def hold_goods(receipt: Receipt, product: Product, lot: Lot | None, lpn: Lpn | None, quantity: int,
               reasons: tuple[str, ...]) -> Hold:
    """The receipt's open hold for these goods on this plate, grown by `quantity` and the new reasons."""
    hold = db.session.scalar(select(Hold).where(
        Hold.receipt_id == receipt.id, Hold.product_id == product.id, Hold.status == HoldStatus.OPEN.value,
        Hold.lot_id.is_(None) if lot is None else Hold.lot_id == lot.id,
        Hold.lpn_id.is_(None) if lpn is None else Hold.lpn_id == lpn.id))
    if hold is None:
        hold = Hold(receipt_id=receipt.id, product_id=product.id, lot_id=lot.id if lot else None,
                    lpn_id=lpn.id if lpn else None, quantity=0, reasons="")
        db.session.add(hold)
    codes = list(dict.fromkeys([*hold.reason_codes, *reasons]))
    hold.reasons = ",".join(codes)[:200]
    hold.quantity += quantity
    return hold


def is_held(items: list[StockItem]) -> bool:
    """Goods that may not be stored for sale: a lot not released, or units a receipt holds for QA. At most two
    statements however many items (a plate of many products is asked as a whole): the lots the session holds
    already are not read again, those read are the items' (no lazy load when the screen names them)."""
    lots = sql.rows_by_id(Lot, (item.lot_id for item in items))
    for item in items:
        if item.lot_id is not None:
            set_committed_value(item, "lot", lots[item.lot_id])
    if any(lot.status != LotStatus.RELEASED.value for lot in lots.values()):
        return True
    lpn_ids = {item.lpn_id for item in items if item.lpn_id is not None}
    if not lpn_ids:
        return False
    held = set(map(tuple, db.session.execute(select(Hold.lpn_id, Hold.product_id, Hold.lot_id).where(
        Hold.lpn_id.in_(lpn_ids), Hold.status.in_([HoldStatus.OPEN.value, HoldStatus.REJECTED.value]))).all()))
    return any((item.lpn_id, item.product_id, item.lot_id) in held for item in items if item.lpn_id is not None)


@use_case
def decide_hold(hold_id: int, *, release: bool, reason: str, user_id: int) -> dict:
    """A supervisor's QA decision on held goods, with the reason kept. Release: the goods may be stored (and a
    lot quarantined by receiving is released once none of its holds is open). Reject: they stay segregated
    (a lot quarantined by receiving becomes blocked) until returned to the supplier or scrapped."""
    hold = sql.locked(Hold, hold_id)
    if hold is None:
        raise NotFound(_l("Hold not found."))
    if hold.status != HoldStatus.OPEN:
        raise Conflict(_l("These goods were already %(status)s.", status=hold.status))
    user = db.session.get(User, user_id)
    if user is None or not user.has_role(Role.SUPERVISOR):
        raise DomainError(_l("Only a supervisor releases or rejects goods in quarantine."))
    reason = rules.plain_text(reason)
    if not reason:
        raise DomainError(_l("Say why: the reason is kept with the decision."))
    # The lot locked and read afresh before it is judged: a recall or block committed meanwhile is seen (and not
    # released over), and of two holds of one lot decided at once, the second sees the first decided.
    lot = sql.locked(Lot, hold.lot_id) if hold.lot_id is not None else None
    hold.status = (HoldStatus.RELEASED if release else HoldStatus.REJECTED).value
    hold.decided_by_id, hold.decided_at, hold.decision_note = user_id, utcnow(), reason
    audit.record("hold." + hold.status, hold, user_id=user_id, reason=reason, sku=hold.product.sku,
                 lot=lot.code if lot else None, quantity=hold.quantity)
    result = {"hold_id": hold.id, "status": hold.status, "lot": lot.code if lot else None,
              "lot_status": lot.status if lot else None}
    if lot is not None and lot.status == LotStatus.QUARANTINE:
        others = db.session.scalar(select(func.count()).select_from(Hold).where(
            Hold.lot_id == lot.id, Hold.status == HoldStatus.OPEN.value, Hold.id != hold.id))
        if not release or not others:
            target = LotStatus.RELEASED if release else LotStatus.BLOCKED
            # change_lot_status joins this unit of work: the lot and the hold's decision are one change.
            changed = inventory.change_lot_status(lot.id, target.value, reason=reason, user_id=user_id,
                                                  reference=hold.receipt.document)
            result["lot_status"] = changed["status"]
            return result
    return result

