"""The trace of a lot: where it came from (receipts), where its units are now, who received it (every order,
customer, CPF/CNPJ, address, tracking code, date and quantity, from the ledger) and what came back; the
distribution map (RDC 625/2022) as rows for CSV and the printable page; and the lot's (or a serial's) history.

Built for a lot shipped to tens of thousands of orders: one grouped query over the ledger's moves of the lot,
then the orders fetched by id in chunks (no per-order query).
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from .. import csv_export
from ..catalog.models import Lot, Product
from ..extensions import db
from ..inventory.models import Lpn, Move, StockItem
from ..locations.models import Location
from ..orders.models import Order
from ..receiving.models import Asn, Receipt, ReceiptItem
from ..returns import shipped
from ..returns.models import ReturnUnit, Rma
from ..sql import chunks, id_in
from .models import Recall
from .services import shipped_orders


@dataclass(frozen=True)
class Recipient:
    order_id: int
    channel_order_id: str
    name: str
    document: str | None
    address: str
    tracking: str | None
    nfe: str | None
    shipped_at: datetime | None
    quantity: int


@dataclass
class Trace:
    lot: Lot
    product: Product
    receipts: list[dict]
    stock: list[dict]
    recipients: list[Recipient]
    returns: list[dict]
    recalls: list[Recall]

    @property
    def shipped_units(self) -> int:
        return sum(r.quantity for r in self.recipients)


def address(street, number, complement, district, city, state, cep) -> str:
    line = ", ".join(p for p in (street, number, complement) if p)
    return f"{line} - {district or ''} - {city}/{state} - CEP {cep}"


def receipts(lot_id: int) -> list[dict]:
    rows = db.session.execute(
        select(Receipt.id, Asn.supplier, Receipt.supplier, Asn.reference, Receipt.opened_at, ReceiptItem.quantity,
               ReceiptItem.serial)
        .select_from(ReceiptItem).join(Receipt, Receipt.id == ReceiptItem.receipt_id)
        .outerjoin(Asn, Asn.id == Receipt.asn_id).where(ReceiptItem.lot_id == lot_id).order_by(Receipt.id))
    found: dict[int, dict] = {}
    for receipt_id, asn_supplier, supplier, asn, at, quantity, serial in rows:
        entry = found.setdefault(receipt_id, {"receipt": receipt_id, "supplier": asn_supplier or supplier,
                                              "asn": asn, "at": at, "quantity": 0, "serials": []})
        entry["quantity"] += quantity
        if serial:
            entry["serials"].append(serial)
    return list(found.values())


def stock(lot_id: int) -> list[dict]:
    rows = db.session.execute(
        select(Location.code, Location.kind, Lpn.code, StockItem.quantity, StockItem.reserved)
        .select_from(StockItem).join(Location, Location.id == StockItem.location_id)
        .outerjoin(Lpn, Lpn.id == StockItem.lpn_id)
        .where(StockItem.lot_id == lot_id, StockItem.quantity > 0).order_by(Location.code))
    return [{"location": code, "kind": kind, "lpn": lpn, "quantity": quantity, "reserved": reserved}
            for code, kind, lpn, quantity, reserved in rows]


def recipients(lot_id: int) -> list[Recipient]:
    by_order = {order_id: (units, at) for order_id, units, at in shipped_orders(lot_id)}
    ids = sorted(by_order)
    tracking = shipped.tracking_codes(ids)
    invoices = shipped.invoice_numbers(ids)
    found = []
    for some in chunks(ids):
        rows = db.session.execute(select(
            Order.id, Order.channel_order_id, Order.customer_name, Order.customer_document, Order.ship_street,
            Order.ship_number, Order.ship_complement, Order.ship_district, Order.ship_city, Order.ship_state,
            Order.ship_cep).where(id_in(Order.id, some)).order_by(Order.id))
        for row in rows:
            units, at = by_order[row[0]]
            found.append(Recipient(order_id=row[0], channel_order_id=row[1], name=row[2], document=row[3],
                                   address=address(*row[4:11]), tracking=tracking.get(row[0]),
                                   nfe=invoices.get(row[0]),
                                   shipped_at=at, quantity=units))
    return found


def returns(lot_id: int) -> list[dict]:
    rows = db.session.execute(
        select(ReturnUnit, Rma.order_id).join(Rma, Rma.id == ReturnUnit.rma_id)
        .where(ReturnUnit.lot_id == lot_id).order_by(ReturnUnit.id))
    return [{"rma": unit.rma_id, "order": order_id, "serial": unit.serial, "quantity": unit.quantity,
             "at": unit.received_at, "condition": unit.condition, "disposition": unit.disposition,
             "flag": unit.flag} for unit, order_id in rows]


def trace(lot_id: int) -> Trace:
    lot = db.session.get(Lot, lot_id)
    recalls = list(db.session.scalars(select(Recall).where(Recall.lot_id == lot_id).order_by(Recall.id)))
    return Trace(lot=lot, product=lot.product, receipts=receipts(lot_id), stock=stock(lot_id),
                 recipients=recipients(lot_id), returns=returns(lot_id), recalls=recalls)


MAP_COLUMNS = ("product", "anvisa_registration", "lot", "expiry", "recipient_name", "cpf_cnpj", "address",
               "nfe_number", "date", "quantity", "order", "tracking_code")


def _day(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return ""


def distribution_rows(found: Trace) -> list[list[str]]:
    product, lot = found.product, found.lot
    return [[product.name, product.anvisa_registration or "", lot.code, _day(lot.expires_on), r.name,
             r.document or "", r.address, r.nfe or "", _day(r.shipped_at), str(r.quantity),
             f"ORDER-{r.order_id}", r.tracking or ""] for r in found.recipients]


def distribution_csv(found: Trace) -> str:
    return csv_export.text(MAP_COLUMNS, distribution_rows(found))


def history(lot_id: int, serial: str | None = None, limit: int = 2000) -> list[dict]:
    """Every move of the lot, from its receipt to every customer and back, oldest first (a serial's history:
    its receipt and returns, since stock is kept by lot)."""
    if serial is not None:
        rows = []
        for item in db.session.scalars(select(ReceiptItem).where(ReceiptItem.serial == serial,
                                                                 ReceiptItem.lot_id == lot_id)):
            rows.append({"at": item.at, "what": "receipt", "document": f"RCV-{item.receipt_id}",
                         "from": "supplier", "to": item.location.code, "quantity": item.quantity})
        for unit in db.session.scalars(select(ReturnUnit).where(ReturnUnit.serial == serial,
                                                                ReturnUnit.lot_id == lot_id)):
            rows.append({"at": unit.received_at, "what": "return", "document": f"RMA-{unit.rma_id}",
                         "from": "customer", "to": unit.location.code if unit.location else unit.dock.code,
                         "quantity": unit.quantity})
        return sorted(rows, key=lambda r: r["at"])
    source, target = Location.__table__.alias("source"), Location.__table__.alias("target")
    rows = db.session.execute(
        select(Move.at, Move.reason, Move.document, source.c.code, target.c.code, Move.quantity)
        .join(source, source.c.id == Move.from_location_id).join(target, target.c.id == Move.to_location_id)
        .where(Move.lot_id == lot_id).order_by(Move.id).limit(limit))
    return [{"at": at, "what": reason, "document": document, "from": a, "to": b, "quantity": quantity}
            for at, reason, document, a, b, quantity in rows]
