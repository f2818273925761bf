"""Plates (LPNs) a receipt builds on the dock: one being built for stock and one for held goods at a time,
numbered when started, finished (their labels queued on the dock printer) when full or when the receipt closes.
"""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..inventory import services as inventory
from ..inventory.models import Lpn, StockItem
from ..printing import services as printing
from .models import (
    Receipt,
    ReceiptLpn,
)


def building_plate(receipt: Receipt, *, hold: bool, kind: str = "pallet") -> Lpn:
    """The plate the receipt is building on the dock (a new one if none)."""
    for plate in receipt.plates:
        if plate.building and plate.hold == hold:
            return plate.lpn
    lpn = inventory.create_numbered_lpn(kind=kind, location_id=receipt.dock_id)
    db.session.add(ReceiptLpn(receipt_id=receipt.id, lpn_id=lpn.id, hold=hold, building=True))
    db.session.flush()
    db.session.refresh(receipt, ["plates"])
    return lpn


def plate_lines(lpn: Lpn) -> list[dict]:
    items = db.session.scalars(select(StockItem).where(StockItem.lpn_id == lpn.id, StockItem.quantity > 0)
                               .order_by(StockItem.id)).all()
    return [{"sku": i.product.sku, "lot": i.lot.code if i.lot else "", "qty": i.quantity} for i in items]


@dataclass
class Labels:
    """Plates whose labels were queued on the dock printer, and why a label could not be (no printer...)."""

    printed: list[str]
    problem: str | None = None


def finish_building(receipt: Receipt, user_id: int | None) -> Labels:
    labels = Labels([])
    for plate in receipt.plates:
        if not plate.building:
            continue
        plate.building = False
        lines = plate_lines(plate.lpn)
        if not lines:
            continue
        job, problem = lpn_label(plate.lpn, lines, user_id=user_id)
        plate.label_job = job
        if job is not None:
            labels.printed.append(plate.lpn.code)
        labels.problem = labels.problem or problem
    return labels


DOCK_STATION = "dock"  # the printing area's station word for the receiving docks


def lpn_label(lpn: Lpn, lines: list[dict], *, user_id: int | None) -> tuple[str | None, str | None]:
    """Queue the plate's label on the dock printer, in the caller's transaction: (print job id, None), or
    (None, why not). A missing printer must not stop a truck being unloaded: the label is printed again from
    the receipt's page once a printer is set up."""
    try:
        job = printing.queue_label("lpn", {"code": lpn.code, "contents": lines}, station=DOCK_STATION,
                                   user_id=user_id)
    except DomainError as exc:  # raised before the job is added: nothing to undo
        current_app.logger.warning("no label for LPN %s: %s", lpn.code, exc)
        return None, str(exc)
    return str(job), None

