"""Return to supplier: a document gathering rejected goods (returned units, and receiving's rejected holds)
that leave together, rejected-goods location → supplier, ledger document RTS-<id>."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..inventory import services as inventory
from ..inventory.models import Lpn, StockItem
from ..locations import services as locations
from ..locations.models import PICKABLE_KINDS, Location, LocationKind
from ..receiving.models import Hold, HoldStatus
from ..sql import for_update, locked
from ..uow import use_case
from .dock import add_to_supplier_return, supplier_of
from .models import SupplierReturn, SupplierReturnStatus


def on_supplier_returns(hold_ids: list[int]) -> dict[int, str]:
    """The supplier return each of these holds is on: {hold id: RTS-<id>}."""
    from .models import SupplierReturnLine

    sources = {f"HOLD-{hold_id}": hold_id for hold_id in hold_ids}
    if not sources:
        return {}
    rows = db.session.execute(select(SupplierReturnLine.source, SupplierReturnLine.supplier_return_id)
                              .where(SupplierReturnLine.source.in_(list(sources))))
    return {sources[source]: f"RTS-{document_id}" for source, document_id in rows}


def documents(limit: int = 100) -> list[SupplierReturn]:
    return list(db.session.scalars(select(SupplierReturn).order_by(SupplierReturn.status.desc(),
                                                                   SupplierReturn.id.desc()).limit(limit)))


@use_case
def add_rejected_hold(hold_id: int, *, user_id: int | None) -> SupplierReturn:
    """Receiving's rejected goods (a QA hold decided "rejected") join their supplier's return document."""
    hold = locked(Hold, hold_id)
    if hold is None:
        raise NotFound(_l("Hold not found."))
    if hold.status != HoldStatus.REJECTED:
        raise DomainError(_l("Only rejected goods go back to the supplier."))
    source = f"HOLD-{hold.id}"
    from .models import SupplierReturnLine

    if db.session.scalar(select(SupplierReturnLine.id).where(SupplierReturnLine.source == source)):
        raise Conflict(_l("These goods are on a supplier return already."))
    # Where the held goods wait (on their plate, never from a pick face), locked until the document is written.
    item = db.session.scalar(for_update(select(StockItem).join(Location, Location.id == StockItem.location_id).where(
        StockItem.product_id == hold.product_id, StockItem.quantity > 0,
        Location.kind.not_in([kind.value for kind in PICKABLE_KINDS]),
        StockItem.lot_id.is_(None) if hold.lot_id is None else StockItem.lot_id == hold.lot_id,
        StockItem.lpn_id.is_(None) if hold.lpn_id is None else StockItem.lpn_id == hold.lpn_id)
        .order_by(StockItem.id).limit(1), of=StockItem))
    if item is None:
        raise DomainError(_l("The held goods are no longer in stock."))
    receipt = hold.receipt
    who = (receipt.asn.supplier if receipt.asn else None) or receipt.supplier \
        or supplier_of(hold.lot_id, hold.product_id)
    document = add_to_supplier_return(
        warehouse_id=item.location.warehouse_id, supplier=who, product_id=hold.product_id, lot_id=hold.lot_id,
        location=item.location, quantity=min(item.quantity, hold.quantity), source=source)
    document.lines[-1].lpn_id = item.lpn_id
    audit.record("supplier_return.add", document, user_id=user_id, hold=hold.id)
    return document


@use_case
def dispatch(document_id: int, *, carrier_reference: str | None, user_id: int | None) -> SupplierReturn:
    """The goods leave for the supplier: every line moves from where it waits to the supplier."""
    document = locked(SupplierReturn, document_id)
    if document is None:
        raise NotFound(_l("Supplier return not found."))
    if document.status != SupplierReturnStatus.OPEN:
        raise Conflict(_l("%(code)s was dispatched already.", code=document.document_code))
    if not document.lines:
        raise DomainError(_l("%(code)s has no goods.", code=document.document_code))
    reference = (carrier_reference or "").strip() or None
    if reference is not None and (len(reference) > 40 or not reference.isprintable()):
        raise DomainError(_l("A carrier reference is at most 40 characters."))
    supplier = locations.virtual_location(document.warehouse_id, LocationKind.SUPPLIER)
    for line in document.lines:
        lpn = db.session.get(Lpn, line.lpn_id) if line.lpn_id else None
        inventory.apply_move(product=line.product, lot=line.lot, source=line.location, target=supplier,
                             quantity=line.quantity, reason="return_to_supplier", user_id=user_id,
                             document=document.document_code, from_lpn=lpn)
    document.status = SupplierReturnStatus.DISPATCHED.value
    document.dispatched_at, document.dispatched_by_id = utcnow(), user_id
    document.carrier_reference = reference
    audit.record("supplier_return.dispatch", document, user_id=user_id, lines=len(document.lines))
    return document
