"""What travels with a box: its shipping label (ours, Correios or generic, or the marketplace's ZPL printed byte
for byte), the order's NF-e with its DANFE simplificado (or the declaração de conteúdo page) and packing slip."""
from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, brazil
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..orders.models import Order, OrderStatus
from ..printing import services as printing
from ..printing.models import PrintJob
from ..printing.rules import normalize_station
from ..uow import use_case
from . import rules, settings
from .models import CarrierKind, Invoice, MarketplaceLabel, Package, PackageStatus, Shipment

MARKETPLACE_KIND = "shipping_marketplace"


class FieldErrors(DomainError):
    def __init__(self, fields: dict[str, str], message=None):
        super().__init__(message or _l("Not accepted: see the fields."), fields=fields)


def _order(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound(_l("Order not found."))
    return order


# --------------------------------------------------------------------------------------------- NF-e


def invoice_of(order_id: int) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.order_id == order_id))


_UFS = frozenset("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split())


def _when(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value.strip()), time(12))
        except ValueError:
            return None
    if parsed.tzinfo is None:  # a local time at the warehouse
        parsed = parsed.replace(tzinfo=_zone())
    return parsed


def _zone():
    from zoneinfo import ZoneInfo

    from flask import current_app, has_app_context

    return ZoneInfo(current_app.config["WMS_TIMEZONE"] if has_app_context() else "America/Sao_Paulo")


def _digits(value, lengths: tuple[int, ...]) -> str | None:
    text = re.sub(r"[\s./-]", "", value) if isinstance(value, str) else ""
    return text if text.isascii() and text.isalnum() and len(text) in lengths else None


def parse_invoice(body: dict, order: Order) -> dict:
    """The invoice fields of an API body, or FieldErrors naming each bad field. The key's check digit is
    verified, and its series, number and issuer CNPJ must be the ones given."""
    errors: dict[str, str] = {}
    key = body.get("access_key")
    key = re.sub(r"\s", "", key) if isinstance(key, str) else ""
    if not brazil.is_valid_nfe_key(key):
        errors["access_key"] = str(_l("44 digits with a valid check digit (NF-e access key)."))
    number = str(body.get("number", "")).strip()
    series = str(body.get("series", "")).strip()
    if not (number.isascii() and number.isdigit() and 1 <= len(number) <= 9):
        errors["number"] = str(_l("The NF-e number: 1 to 9 digits."))
    if not (series.isascii() and series.isdigit() and 1 <= len(series) <= 3):
        errors["series"] = str(_l("The series: 1 to 3 digits."))
    issued = _when(body.get("issued_at"))
    if issued is None:
        errors["issued_at"] = str(_l("A date and time (ISO 8601)."))
    authorized = None
    if body.get("authorized_at") is not None:
        authorized = _when(body.get("authorized_at"))
        if authorized is None:
            errors["authorized_at"] = str(_l("A date and time (ISO 8601)."))
    protocol = str(body.get("authorization_protocol", "")).strip()
    if not (protocol.isascii() and protocol.isdigit() and 1 <= len(protocol) <= 20):
        errors["authorization_protocol"] = str(_l("The authorization protocol: up to 20 digits."))
    operation = body.get("operation", 1)
    if operation not in (0, 1) or isinstance(operation, bool):
        errors["operation"] = str(_l("0 (entry) or 1 (exit)."))
    parties = {}
    for name, doc_key, default in (("issuer", "cnpj", {}),
                                   ("recipient", "document", {"name": order.customer_name,
                                                              "document": order.customer_document,
                                                              "uf": order.ship_state})):
        party = body.get(name, default)
        if not isinstance(party, dict):
            errors[name] = str(_l("An object with name, %(document)s, uf and ie.", document=doc_key))
            continue
        party = {**default, **party}
        party_name = party.get("name")
        if not isinstance(party_name, str) or not party_name.strip() or len(party_name) > 120 \
                or "\x00" in party_name:
            errors[f"{name}.name"] = str(_l("1 to 120 characters."))
        document = _digits(party.get(doc_key), (14,) if name == "issuer" else (11, 14))
        if document is None:
            errors[f"{name}.{doc_key}"] = str(_l("A CNPJ of 14 characters.") if name == "issuer" else
                                              _l("A CPF (11 digits) or CNPJ (14)."))
        uf = str(party.get("uf") or "").strip().upper()
        if uf not in _UFS:
            errors[f"{name}.uf"] = str(_l("A state abbreviation such as SP."))
        ie = party.get("ie")
        if ie is not None and (not isinstance(ie, str) or len(ie) > 20 or "\x00" in ie):
            errors[f"{name}.ie"] = str(_l("Up to 20 characters."))
        parties[name] = {"name": (party_name or "").strip(), "document": document, "uf": uf,
                         "ie": (ie or "").strip() or None}
    if "access_key" not in errors:
        if "series" not in errors and int(key[22:25]) != int(series):
            errors["series"] = str(_l("The access key says series %(series)s.", series=int(key[22:25])))
        if "number" not in errors and int(key[25:34]) != int(number):
            errors["number"] = str(_l("The access key says number %(number)s.", number=int(key[25:34])))
        issuer = parties.get("issuer") or {}
        if issuer.get("document") and issuer["document"] != key[6:20]:
            errors["issuer.cnpj"] = str(_l("The access key names CNPJ %(cnpj)s.", cnpj=key[6:20]))
    if errors:
        raise FieldErrors(errors, _l("The invoice was not accepted: see the fields."))
    return {"access_key": key, "number": number, "series": series, "issued_at": issued,
            "authorized_at": authorized, "authorization_protocol": protocol, "operation": operation,
            "issuer_name": parties["issuer"]["name"], "issuer_cnpj": parties["issuer"]["document"],
            "issuer_ie": parties["issuer"]["ie"] or "", "issuer_uf": parties["issuer"]["uf"],
            "recipient_name": parties["recipient"]["name"], "recipient_document": parties["recipient"]["document"],
            "recipient_ie": parties["recipient"]["ie"], "recipient_uf": parties["recipient"]["uf"]}


@use_case
def attach_invoice(order_id: int, body: dict) -> Invoice:
    """Store (or replace, before the order ships) the order's NF-e."""
    order = _order(order_id)
    if order.status in (OrderStatus.SHIPPED, OrderStatus.CANCELLED):
        raise Conflict(_l("Order %(order)s is %(status)s: its invoice can no longer change.", order=order.id,
                          status=order.status))
    values = parse_invoice(body, order)
    used = db.session.scalar(select(Invoice).where(Invoice.access_key == values["access_key"],
                                                   Invoice.order_id != order.id))
    if used is not None:
        raise FieldErrors({"access_key": str(_l("Already given for order %(order)s.", order=used.order_id))})
    invoice = invoice_of(order.id)
    if invoice is None:
        invoice = Invoice(order_id=order.id, **values)
        db.session.add(invoice)
    else:
        for key, value in values.items():
            setattr(invoice, key, value)
    db.session.flush()
    audit.record("order.invoice", order, access_key=values["access_key"])
    return invoice


def invoice_json(invoice: Invoice) -> dict:
    return {"order_id": invoice.order_id, "access_key": invoice.access_key, "number": invoice.number,
            "series": invoice.series, "issued_at": invoice.issued_at.isoformat(),
            "authorization_protocol": invoice.authorization_protocol}


# --------------------------------------------------------------------------------------------- marketplace labels


def marketplace_label(order_id: int, sequence: int) -> MarketplaceLabel | None:
    return db.session.scalar(select(MarketplaceLabel).where(
        MarketplaceLabel.order_id == order_id, MarketplaceLabel.format == "zpl",
        MarketplaceLabel.sequence == sequence))


def marketplace_labels(order_id: int) -> list[MarketplaceLabel]:
    return list(db.session.scalars(select(MarketplaceLabel).where(MarketplaceLabel.order_id == order_id)
                                   .order_by(MarketplaceLabel.format, MarketplaceLabel.sequence)))


def _base64(content) -> bytes | None:
    if not isinstance(content, str) or len(content) > rules.MAX_LABEL_BYTES * 4 // 3 + 4:
        return None
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        return None


@use_case
def store_marketplace_label(order_id: int, body: dict) -> list[MarketplaceLabel]:
    """`{"format": "zpl"|"zpl-zip"|"pdf", "content": ..., "tracking_codes": [...]?}`: the marketplace's label,
    one per box in order, kept byte for byte (ZPL as UTF-8 text). Replaces labels given before."""
    order = _order(order_id)
    if order.status in (OrderStatus.SHIPPED, OrderStatus.CANCELLED):
        raise Conflict(_l("Order %(order)s is %(status)s.", order=order.id, status=order.status))
    fmt, content = body.get("format"), body.get("content")
    if fmt not in ("zpl", "zpl-zip", "pdf"):
        raise FieldErrors({"format": str(_l("One of zpl, zpl-zip, pdf."))})
    labels: list[bytes]
    if fmt == "zpl":
        if not isinstance(content, str) or not content or len(content) > rules.MAX_LABEL_BYTES:
            raise FieldErrors({"content": str(_l("The ZPL text (at most 2 MB)."))})
        labels = rules.zpl_labels(content.encode("utf-8"))
    elif fmt == "zpl-zip":
        archive = _base64(content)
        if archive is None:
            raise FieldErrors({"content": str(_l("Base64 of a ZIP of .txt ZPL files (at most 2 MB)."))})
        try:
            labels = rules.zip_labels(archive)
        except ValueError as exc:
            raise FieldErrors({"content": str(exc)}) from None
    else:
        pdf = _base64(content)
        if pdf is None or not pdf.startswith(b"%PDF-"):
            raise FieldErrors({"content": str(_l("Base64 of a PDF file (at most 2 MB)."))})
        labels = [pdf]
    if fmt != "pdf":
        if not labels:
            raise FieldErrors({"content": str(_l("No ZPL label (^XA … ^XZ) in it."))})
        for label in labels:
            try:
                label.decode("utf-8")
            except UnicodeDecodeError:
                raise FieldErrors({"content": str(_l("The ZPL is not UTF-8 text."))}) from None
    codes = body.get("tracking_codes", [])
    if not isinstance(codes, list) or len(codes) > len(labels) or any(
            not isinstance(c, str) or not re.fullmatch(r"[A-Za-z0-9-]{4,40}", c) for c in codes):
        raise FieldErrors({"tracking_codes": str(_l("At most one code (4 to 40 letters, digits or -) per label."))})
    stored_format = "pdf" if fmt == "pdf" else "zpl"
    for old in db.session.scalars(select(MarketplaceLabel).where(MarketplaceLabel.order_id == order.id,
                                                                 MarketplaceLabel.format == stored_format)):
        db.session.delete(old)
    db.session.flush()
    made = []
    for index, label in enumerate(labels, start=1):
        made.append(MarketplaceLabel(order_id=order.id, format=stored_format, sequence=index, content=label,
                                     tracking_code=codes[index - 1].upper() if index <= len(codes) else None))
    db.session.add_all(made)
    db.session.flush()
    audit.record("order.marketplace_label", order, format=fmt, labels=len(made))
    return made


# --------------------------------------------------------------------------------------------- printing


def queue_raw_zpl(content: bytes, *, station: str | None, reference: str, user_id: int | None) -> int:
    """Queue ZPL given by someone else (a marketplace's label) exactly as given: the print queue sends a job's
    text as UTF-8, so the printer gets the very bytes stored. Sent after the caller's commit."""
    station_key = normalize_station(station)
    # The printer that takes our shipping labels at this station takes the marketplace's too.
    printer = printing.choose_printer(station_key, "shipping_generic")
    job = PrintJob(kind=MARKETPLACE_KIND, reference=reference[:80], printer_id=printer.id,
                   station=station_key or None, zpl=content.decode("utf-8"), copies=1, user_id=user_id,
                   next_attempt_at=utcnow())
    db.session.add(job)
    db.session.flush()
    printing.send_after_commit(job.id)
    return job.id


def _recipient(order: Order) -> dict:
    return {"name": order.customer_name, "street": order.ship_street, "number": order.ship_number or "S/N",
            "complement": order.ship_complement or "", "district": order.ship_district or "-",
            "city": order.ship_city, "state": order.ship_state, "cep": order.ship_cep,
            "phone": order.customer_phone or ""}


def label_data(package: Package) -> tuple[str, dict]:
    """(kind, data) of our label for a closed box."""
    from . import carriers

    order, shipment = package.order, package.shipment
    svc = carriers.service(shipment.service_id)
    carrier = svc.carrier
    invoice = invoice_of(order.id)
    volume, count = (int(n) for n in package.number.split("/"))
    if carrier.kind == CarrierKind.CORREIOS:
        return "shipping_correios", {
            "service_name": svc.symbol or svc.name, "service_code": svc.code, "tracking_code": package.tracking_code,
            "contract": carrier.contract or "-", "posting_card": carrier.posting_card or "0",
            "invoice": invoice.number if invoice else "0", "order": str(order.id), "volume": volume,
            "volume_count": count, "weight_g": package.weight_g, "recipient": _recipient(order),
            "sender": settings.sender(), "declared_value": min(order.value_cents // 100, 99_999)}
    return "shipping_generic", {
        "carrier": carrier.name, "service": svc.name, "tracking": package.tracking_code or package.lpn.code,
        "order": str(order.id), "invoice": invoice.number if invoice else "", "volume": volume,
        "volume_count": count, "weight_g": package.weight_g, "recipient": _recipient(order),
        "sender": settings.sender()}


def print_package_label(package: Package, *, user_id: int | None, station: str | None = None) -> int | None:
    """The box's shipping label on its station's printer: the marketplace's own ZPL when the order has one for
    this box (byte for byte), else ours. None when the marketplace gave only a PDF (downloaded on the desk)."""
    station = station or package.station
    if package.status not in (PackageStatus.CLOSED, PackageStatus.SHIPPED):
        raise DomainError(_l("Box %(box)s is not closed: close it to print its label.", box=package.lpn.code))
    index = int(package.number.split("/")[0])
    label = marketplace_label(package.order_id, index)
    if label is not None:
        return queue_raw_zpl(label.content, station=station, reference=f"ORDER-{package.order_id} {package.number}",
                             user_id=user_id)
    from . import carriers

    carrier = carriers.service(package.shipment.service_id).carrier
    if carrier.kind == CarrierKind.MARKETPLACE:
        if any(m.format == "pdf" for m in marketplace_labels(package.order_id)):
            return None
        raise DomainError(_l("The marketplace's label for box %(number)s of order %(order)s has not arrived: set "
                             "the box aside and reprint when it comes.", number=package.number,
                             order=package.order_id))
    kind, data = label_data(package)
    return printing.queue_label(kind, data, station=station, user_id=user_id,
                                reference=package.tracking_code or package.lpn.code)


def danfe_data(invoice: Invoice) -> dict:
    tz = _zone()
    return {"access_key": invoice.access_key, "number": invoice.number, "series": invoice.series,
            "issued_at": invoice.issued_at.astimezone(tz).replace(tzinfo=None), "operation": invoice.operation,
            "protocol": invoice.authorization_protocol,
            "authorized_at": invoice.authorized_at.astimezone(tz).replace(tzinfo=None)
            if invoice.authorized_at else None,
            "issuer": {"name": invoice.issuer_name, "uf": invoice.issuer_uf, "cnpj": invoice.issuer_cnpj,
                       "ie": invoice.issuer_ie},
            "recipient": {"name": invoice.recipient_name, "uf": invoice.recipient_uf,
                          "document": invoice.recipient_document, "ie": invoice.recipient_ie or ""}}


def slip_data(order: Order, boxes: int) -> dict:
    from .models import PackedUnit

    lines: dict[tuple, dict] = {}
    for unit in db.session.scalars(select(PackedUnit).join(Package).where(
            Package.order_id == order.id, Package.status != PackageStatus.CANCELLED.value).order_by(PackedUnit.id)):
        key = (unit.product_id, unit.lot_id)
        row = lines.setdefault(key, {"sku": unit.product.sku, "name": unit.product.name, "qty": 0,
                                     "lot": unit.lot.code if unit.lot else ""})
        row["qty"] += unit.quantity
    return {"order": str(order.id), "customer": order.customer_name, "boxes": boxes, "lines": list(lines.values())}


def print_order_documents(order: Order, *, station: str | None, user_id: int | None) -> list[int]:
    """Once per order: the DANFE simplificado (when it has an NF-e; otherwise the declaração de conteúdo is a
    page printed from the station) and the packing slip."""
    boxes = len([p for p in db.session.scalars(select(Package).where(
        Package.order_id == order.id, Package.status != PackageStatus.CANCELLED.value))])
    jobs = []
    invoice = invoice_of(order.id)
    if invoice is not None:
        jobs.append(printing.queue_label("danfe", danfe_data(invoice), station=station, user_id=user_id,
                                         reference=f"NFE-{invoice.number}"))
    jobs.append(printing.queue_label("packing_slip", slip_data(order, max(boxes, 1)), station=station,
                                     user_id=user_id, reference=f"ORDER-{order.id}"))
    return jobs


@use_case
def reprint(package_id: int, *, user_id: int | None, station: str | None = None) -> int | None:
    package = db.session.get(Package, package_id)
    if package is None:
        raise NotFound(_l("That box does not exist."))
    job = print_package_label(package, user_id=user_id, station=station)
    audit.record("package.reprint", package, user_id=user_id, job=job)
    return job


@use_case
def reprint_order_documents(order_id: int, *, user_id: int | None, station: str | None = None) -> list[int]:
    order = _order(order_id)
    packages = [p for p in db.session.scalars(select(Package).where(Package.order_id == order.id))
                if p.status in (PackageStatus.CLOSED, PackageStatus.SHIPPED)]
    if not packages:
        raise DomainError(_l("Order %(order)s has no closed box yet.", order=order.id))
    return print_order_documents(order, station=station or packages[-1].station, user_id=user_id)


def declaration(order_id: int) -> dict:
    """What the declaração de conteúdo page shows."""
    order = _order(order_id)
    shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id.desc())
                                 .limit(1))
    weight = sum(p.weight_g or 0 for p in (shipment.packages if shipment else [])
                 if p.status != PackageStatus.CANCELLED)
    items = [{"description": line.product.name, "sku": line.sku, "quantity": line.quantity,
              "value_cents": line.quantity * line.unit_price_cents} for line in order.lines]
    return {"order": order, "sender": settings.sender(), "items": items, "weight_g": weight,
            "total_cents": sum(i["value_cents"] for i in items), "invoice": invoice_of(order.id)}
