"""The label kinds of shipping: carrier labels (Correios, generic), the return label, the simplified DANFE
and the packing slip. Each builder checks the caller's dict and returns the template context (see
printers/kinds.py, which lists every kind)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from printers import barcodes
from printers.label_fields import MISSING, UFS, Fields, LabelDataError
from wms import brazil


@dataclass(frozen=True)
class Address:
    name: str
    street: str
    number: str
    complement: str
    district: str
    city: str
    state: str
    cep: str  # 8 digits
    phone: str

    @property
    def street_line(self) -> str:
        line = f"{self.street}, {self.number}"
        return f"{line} - {self.complement}" if self.complement else line

    @property
    def city_line(self) -> str:
        return f"{brazil.format_cep(self.cep)}  {self.city}/{self.state}"


def _address(parent: Fields, key: str) -> Address:
    fields = parent.nested(key)
    cep_text = fields.text("cep")
    try:
        cep = brazil.normalize_cep(cep_text)
    except ValueError as exc:
        raise fields.error("cep", str(exc)) from None
    state = fields.text("state").upper()
    if state not in UFS:
        raise fields.error("state", f"must be a state abbreviation like SP or DF, got {state!r}")
    address = Address(
        name=fields.text("name"),
        street=fields.text("street"),
        number=fields.text("number", "S/N") or "S/N",
        complement=fields.text("complement", ""),
        district=fields.text("district"),
        city=fields.text("city"),
        state=state,
        cep=cep,
        phone=fields.text("phone", ""),
    )
    fields.done()
    return address


def _grams(weight_g: int) -> str:
    """Brazilian notation: 1250 -> '1,250 kg'."""
    return f"{weight_g // 1000},{weight_g % 1000:03d} kg"


def _volume(fields: Fields) -> str:
    volume = fields.integer("volume", minimum=1)
    count = fields.integer("volume_count", minimum=1)
    if volume > count:
        raise fields.error("volume", f"is {volume} but the shipment has only {count} volume(s)")
    return f"{volume}/{count}"


# --- carrier labels ----------------------------------------------------------


def _leading_digits(number: str) -> str | None:
    """The numeric part of a street number for the DataMatrix: '123-A' -> '123', 'S/N' -> None.

    The printed address keeps the number as written; the DataMatrix field only
    holds digits, and refusing '123-A' would stop the packing desk for nothing.
    """
    digits = re.match(r"[0-9]*", number).group()
    return digits or None


def shipping_correios(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: service_name, service_code, tracking_code, contract, posting_card, invoice, order,
    volume, volume_count, weight_g, recipient, sender (addresses: name, street, number,
    complement?, district, city, state, cep, phone?); optional declared_value (whole reais),
    additional_services (list of 2-digit codes), latitude, longitude, free_field.

    The DataMatrix is built here from the same data (wms.brazil.correios_datamatrix),
    so the printed address and the 2D code cannot disagree.
    """
    f = Fields("shipping_correios", data)
    tracking = f.text("tracking_code").upper()
    if not brazil.is_valid_tracking_code(tracking):
        raise f.error(
            "tracking_code", f"{tracking!r} is not a valid Correios tracking code (e.g. PH297898690BR)"
        )
    invoice = f.text("invoice")
    if not (invoice.isascii() and invoice.isdigit() and len(invoice) <= 9):
        raise f.error("invoice", f"must be the NF-e number (up to 9 digits), got {invoice!r}")
    context = {
        "service_name": f.text("service_name"),
        "contract": f.text("contract"),
        "order": f.text("order"),
        "invoice": invoice,
        "volume": _volume(f),
        "weight": _grams(f.integer("weight_g", minimum=1)),
        "tracking": tracking,
        "tracking_text": brazil.format_tracking(tracking),
        "tracking_barcode": barcodes.code128(tracking),
    }
    recipient = _address(f, "recipient")
    sender = _address(f, "sender")
    try:
        content = brazil.correios_datamatrix(
            destination_cep=recipient.cep,
            destination_number=_leading_digits(recipient.number),
            origin_cep=sender.cep,
            origin_number=_leading_digits(sender.number),
            tracking_code=tracking,
            posting_card=f.text("posting_card"),
            service_code=f.text("service_code"),
            additional_services=f.get("additional_services", ()),
            complement=recipient.complement,
            declared_value=f.integer("declared_value", 0),
            phone=recipient.phone,
            latitude=f.get("latitude", None),
            longitude=f.get("longitude", None),
            free_field=f.text("free_field", ""),
        )
    except LabelDataError:
        raise
    except ValueError as exc:
        raise LabelDataError(f"shipping_correios label: the DataMatrix cannot be built: {exc}") from None
    f.done()
    context.update(
        recipient=recipient,
        sender=sender,
        cep_barcode=barcodes.code128(recipient.cep),
        datamatrix=barcodes.datamatrix(content),
    )
    return context


def shipping_generic(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: carrier, tracking, order, volume, volume_count, recipient, sender;
    optional service, invoice, weight_g."""
    f = Fields("shipping_generic", data)
    tracking = f.text("tracking")
    weight_g = f.integer("weight_g", None, minimum=1)
    context = {
        "carrier": f.text("carrier"),
        "service": f.text("service", ""),
        "tracking": tracking,
        "tracking_barcode": f.barcode("tracking", lambda: barcodes.code128(tracking)),
        "order": f.text("order"),
        "invoice": f.text("invoice", ""),
        "volume": _volume(f),
        "weight": _grams(weight_g) if weight_g else "",
        "recipient": _address(f, "recipient"),
        "sender": _address(f, "sender"),
    }
    f.done()
    return context


def return_label(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: rma, customer, reason, to_address (address dict); optional order."""
    f = Fields("return", data)
    rma = f.text("rma")
    context = {
        "rma": rma,
        "rma_barcode": f.barcode("rma", lambda: barcodes.code128(rma)),
        "customer": f.text("customer"),
        "reason": f.text("reason"),
        "order": f.text("order", ""),
        "to": _address(f, "to_address"),
    }
    f.done()
    return context


# --- shipping documents (added by the shipping area) -------------------------


# --- documents ---------------------------------------------------------------


def _nfe_party(parent: Fields, key: str, document_key: str) -> dict[str, str]:
    fields = parent.nested(key)
    uf = fields.text("uf").upper()
    if uf not in UFS:
        raise fields.error("uf", f"must be a state abbreviation like SP or DF, got {uf!r}")
    document = fields.text(document_key)
    if not (document.isascii() and document.isalnum() and len(document) in (11, 14)):
        raise fields.error(document_key, f"must be a CPF (11) or CNPJ (14) without punctuation, got {document!r}")
    party = {"name": fields.text("name"), "uf": uf, "document": document, "ie": fields.text("ie", "")}
    fields.done()
    return party


def _document_text(document: str) -> str:
    if len(document) == 11:
        return f"{document[:3]}.{document[3:6]}.{document[6:9]}-{document[9:]}"
    return f"{document[:2]}.{document[2:5]}.{document[5:8]}/{document[8:12]}-{document[12:]}"


def _datetime(f: Fields, key: str, default: Any = MISSING) -> dt.datetime | None:
    value = f.get(key, default)
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        raise f.error(key, f"must be a date and time, got {value!r}")
    return value


def danfe(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """DANFE simplificado - etiqueta (NT 2020.004 v1.10). Keys: access_key (44), number, series, issued_at
    (datetime), operation (0 entry / 1 exit), protocol, issuer {name, uf, cnpj, ie}, recipient {name, uf,
    document, ie?}; optional authorized_at (datetime). The key prints in groups of four and as Code 128 (its
    digits in subset C)."""
    f = Fields("danfe", data)
    key = f.text("access_key")
    if not brazil.is_valid_nfe_key(key):
        raise f.error("access_key", f"{key!r} is not an NF-e access key with a valid check digit")
    operation = f.integer("operation")
    if operation not in (0, 1):
        raise f.error("operation", f"is 0 (entry) or 1 (exit), got {operation}")
    issued = _datetime(f, "issued_at")
    authorized = _datetime(f, "authorized_at", None)
    issuer = _nfe_party(f, "issuer", "cnpj")
    recipient = _nfe_party(f, "recipient", "document")
    context = {
        "key_groups": " ".join(key[i:i + 4] for i in range(0, 44, 4)),
        "key_barcode": f.barcode("access_key", lambda: barcodes.code128(key)),
        "number": f.text("number"),
        "series": f.text("series"),
        "operation": "1 - SAIDA" if operation == 1 else "0 - ENTRADA",
        "issued": issued.strftime("%d/%m/%Y %H:%M"),
        "protocol": f.text("protocol"),
        "authorized": authorized.strftime("%d/%m/%Y %H:%M") if authorized else "",
        "issuer": dict(issuer, document=_document_text(issuer["document"])),
        "recipient": dict(recipient, document=_document_text(recipient["document"])),
    }
    f.done()
    return context


_SLIP_LINES = 16


def packing_slip(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: order, customer, boxes (count), lines: list of {sku, name, qty, lot?}."""
    f = Fields("packing_slip", data)
    order = f.text("order")
    raw_lines = f.get("lines")
    if not isinstance(raw_lines, list | tuple) or not raw_lines:
        raise f.error("lines", "must be a non-empty list of lines")
    lines = []
    for index, raw in enumerate(raw_lines):
        item = Fields("packing_slip", raw, f"lines[{index}].")
        lines.append({"sku": item.text("sku"), "name": item.text("name"), "qty": item.integer("qty", minimum=1),
                      "lot": item.text("lot", "")})
        item.done()
    context = {"order": order, "order_barcode": f.barcode("order", lambda: barcodes.code128(order)),
               "customer": f.text("customer"), "boxes": f.integer("boxes", minimum=1),
               "lines": lines[:_SLIP_LINES], "more_lines": max(0, len(lines) - _SLIP_LINES),
               "total_qty": sum(line["qty"] for line in lines)}
    f.done()
    return context




BUILDERS: dict[str, Callable[[Mapping[str, Any], str], dict[str, Any]]] = {
    "shipping_correios": shipping_correios,
    "shipping_generic": shipping_generic,
    "return": return_label,
    "danfe": danfe,
    "packing_slip": packing_slip,
}
