"""Desk read queries of returns: the board and the reasons report."""

from sqlalchemy import func, select

from .. import csv_export
from ..catalog.models import Product
from ..extensions import db
from ..orders.models import Order
from .models import ReturnUnit, Rma, RmaLine, RmaStatus


def board(status: str | None = None, limit: int = 200) -> dict:
    counts = dict(db.session.execute(select(Rma.status, func.count()).group_by(Rma.status)).all())
    query = select(Rma).order_by(Rma.id.desc()).limit(limit)
    if status in {s.value for s in RmaStatus}:
        query = query.where(Rma.status == status)
    rmas = list(db.session.scalars(query))
    received = dict(db.session.execute(
        select(ReturnUnit.rma_id, func.sum(ReturnUnit.quantity)).where(ReturnUnit.rma_id.in_([r.id for r in rmas]))
        .group_by(ReturnUnit.rma_id)).all()) if rmas else {}
    inspected = dict(db.session.execute(
        select(ReturnUnit.rma_id, func.sum(ReturnUnit.quantity)).where(
            ReturnUnit.rma_id.in_([r.id for r in rmas]), ReturnUnit.disposition.is_not(None))
        .group_by(ReturnUnit.rma_id)).all()) if rmas else {}
    return {"counts": counts, "rmas": rmas, "received": received, "inspected": inspected}


REPORT_COLUMNS = ("sku", "product", "reason", "channel", "returns", "units")


def reasons_report() -> list[tuple]:
    """Returned units asked for, by product, reason and channel, the most first."""
    rows = db.session.execute(
        select(Product.sku, Product.name, RmaLine.reason, Order.channel, func.count(func.distinct(Rma.id)),
               func.sum(RmaLine.quantity))
        .select_from(RmaLine).join(Rma, Rma.id == RmaLine.rma_id).join(Order, Order.id == Rma.order_id)
        .join(Product, Product.id == RmaLine.product_id).where(Rma.status != RmaStatus.CANCELLED.value)
        .group_by(Product.sku, Product.name, RmaLine.reason, Order.channel))
    return sorted((tuple(r) for r in rows), key=lambda r: (-int(r[5]), r[0], r[2], r[3]))


def reasons_csv(rows: list[tuple]) -> str:
    return csv_export.text(REPORT_COLUMNS, (list(row) for row in rows))
