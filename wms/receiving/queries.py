"""Read-only queries of the receiving screens, each shaped for one screen (the desk's board, receipt page,
quarantine queue and put-away rules; the handheld's lists of ASNs and plates waiting). Nothing here writes.
"""
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import User
from ..extensions import db
from ..inventory.models import Lpn, StockItem
from ..locations.models import Location, LocationKind, Zone
from . import receipts
from .models import (
    Asn,
    AsnLine,
    AsnStatus,
    Discrepancy,
    Hold,
    HoldStatus,
    PutawayRule,
    Receipt,
    ReceiptItem,
    ReceiptStatus,
)


def user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


# ---------------------------------------------------------------------------------------------- board


def units_by_asn(asn_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(expected, received) units per ASN."""
    if not asn_ids:
        return {}
    asns = db.session.scalars(select(Asn).where(Asn.id.in_(asn_ids)).options(selectinload(Asn.lines))).all()
    received = receipts.received_by_line([line.id for asn in asns for line in asn.lines])
    return {asn.id: (sum(line.quantity for line in asn.lines), sum(received.get(line.id, 0) for line in asn.lines))
            for asn in asns}


def discrepancy_counts(receipt_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    if not receipt_ids:
        return counts
    rows = db.session.execute(select(Discrepancy.receipt_id, Discrepancy.kind, func.sum(Discrepancy.quantity))
                              .where(Discrepancy.receipt_id.in_(receipt_ids))
                              .group_by(Discrepancy.receipt_id, Discrepancy.kind))
    for receipt_id, kind, total in rows:
        counts.setdefault(receipt_id, {})[kind] = int(total)
    return counts


def board(today: date) -> dict:
    """The receiving board: ASNs expected by today and in the next week, open receipts, receipts closed in the
    last week (and those of them with discrepancies), with units expected, received and scanned."""
    expected = list(db.session.scalars(
        select(Asn).where(Asn.status == AsnStatus.EXPECTED.value, Asn.expected_on <= today)
        .order_by(Asn.expected_on, Asn.id).limit(200)))
    coming = list(db.session.scalars(
        select(Asn).where(Asn.status == AsnStatus.EXPECTED.value, Asn.expected_on > today,
                          Asn.expected_on <= today + timedelta(days=7))
        .order_by(Asn.expected_on, Asn.id).limit(200)))
    open_receipts = list(db.session.scalars(select(Receipt).where(Receipt.status == ReceiptStatus.OPEN.value)
                                            .order_by(Receipt.opened_at, Receipt.id)))
    since = today - timedelta(days=7)
    closed = [r for r in db.session.scalars(
        select(Receipt).where(Receipt.status == ReceiptStatus.CLOSED.value)
        .order_by(Receipt.closed_at.desc(), Receipt.id.desc()).limit(200)) if r.closed_at.date() >= since]
    receipt_ids = [r.id for r in open_receipts + closed]
    counts = discrepancy_counts(receipt_ids)
    units = units_by_asn([a.id for a in expected + coming] + [r.asn_id for r in open_receipts + closed if r.asn_id])
    scanned = dict(db.session.execute(select(ReceiptItem.receipt_id, func.sum(ReceiptItem.quantity))
                                      .where(ReceiptItem.receipt_id.in_(receipt_ids))
                                      .group_by(ReceiptItem.receipt_id)).all()) if receipt_ids else {}
    return dict(expected=expected, coming=coming, open_receipts=open_receipts, closed=closed,
                with_discrepancies=[r for r in closed if counts.get(r.id)], counts=counts, units=units,
                scanned=scanned)


# ---------------------------------------------------------------------------------------------- receipts


def receipt_detail(receipt: Receipt) -> dict:
    """The receipt's page: its latest scans, the names of who scanned and allowed, its plates with their units."""
    items = db.session.scalars(select(ReceiptItem).where(ReceiptItem.receipt_id == receipt.id)
                               .order_by(ReceiptItem.id.desc()).limit(300)).all()
    names = user_names([i.user_id for i in items] + [i.approved_by_id for i in items]
                       + [d.user_id for d in receipt.discrepancies] + [d.approved_by_id for d in receipt.discrepancies]
                       + [receipt.opened_by_id, receipt.closed_by_id])
    plates = []
    for plate in receipt.plates:
        units = db.session.scalar(select(func.coalesce(func.sum(StockItem.quantity), 0))
                                  .where(StockItem.lpn_id == plate.lpn_id))
        plates.append((plate, units))
    return dict(items=items, plates=plates, names=names)


def line_counts(asn_ids: list[int]) -> dict[int, int]:
    """How many lines each ASN has, in one statement (the handheld's list says it under each ASN)."""
    if not asn_ids:
        return {}
    return dict(db.session.execute(select(AsnLine.asn_id, func.count()).where(AsnLine.asn_id.in_(asn_ids))
                                   .group_by(AsnLine.asn_id)).all())


def waiting_asns(today: date) -> list[Asn]:
    """ASNs a worker may start receiving on the handheld: expected by today or being received."""
    return list(db.session.scalars(
        select(Asn).where(Asn.status.in_([AsnStatus.EXPECTED.value, AsnStatus.RECEIVING.value]),
                          Asn.expected_on <= today)
        .order_by(Asn.status.desc(), Asn.expected_on, Asn.id).limit(20)))


# ---------------------------------------------------------------------------------------------- quarantine


def open_holds() -> list[Hold]:
    return list(db.session.scalars(select(Hold).where(Hold.status == HoldStatus.OPEN.value)
                                   .order_by(Hold.created_at, Hold.id)))


def decided_holds(limit: int = 30) -> list[Hold]:
    return list(db.session.scalars(select(Hold).where(Hold.status != HoldStatus.OPEN.value)
                                   .order_by(Hold.decided_at.desc(), Hold.id.desc()).limit(limit)))


# ---------------------------------------------------------------------------------------------- put-away


def putaway_rules() -> list[PutawayRule]:
    return list(db.session.scalars(select(PutawayRule).order_by(PutawayRule.priority, PutawayRule.id)))


def zone_codes() -> list[str]:
    return list(db.session.scalars(select(Zone.code).order_by(Zone.code)))


def waiting_plates() -> list[Lpn]:
    """Plates on a dock or in quarantine, for put-away (the newest first)."""
    return list(db.session.scalars(
        select(Lpn).join(Location, Location.id == Lpn.location_id)
        .where(Location.kind.in_([LocationKind.RECEIVING.value, LocationKind.QUARANTINE.value]),
               select(StockItem.id).where(StockItem.lpn_id == Lpn.id, StockItem.quantity > 0).exists())
        .options(joinedload(Lpn.location)).order_by(Lpn.id.desc()).limit(12)))
