"""What each label kind needs, checked before any ZPL is written.

Each builder takes the caller's plain dict and returns the template context:
validated text, formatted numbers and barcode objects. A missing or unknown
key, or a value that cannot be printed, raises LabelDataError naming the
label and the key, so the desk sees "shipping_correios label needs
'recipient.cep'" rather than a half-printed label.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from printers import barcodes
from wms import brazil
from wms.errors import DomainError

__all__ = ["BUILDERS", "LabelDataError"]

_UFS = frozenset("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split())
_MISSING = object()


class LabelDataError(DomainError, ValueError):
    """The data given for a label cannot be printed; the message says which key and why.

    A DomainError so views answer 422 with the message; a ValueError because
    that is what it is to code outside the app.
    """


class _Fields:
    """Reads a dict once, key by key, and complains about what is missing or left over."""

    def __init__(self, kind: str, data: object, prefix: str = "") -> None:
        if not isinstance(data, Mapping):
            where = f"'{prefix.rstrip('.')}'" if prefix else "its data"
            raise LabelDataError(f"{kind} label: {where} must be a dict, got {type(data).__name__}")
        self.kind = kind
        self.data = data
        self.prefix = prefix
        self.read: set[str] = set()

    def _name(self, key: str) -> str:
        return f"'{self.prefix}{key}'"

    def error(self, key: str, problem: str) -> LabelDataError:
        return LabelDataError(f"{self.kind} label: {self._name(key)} {problem}")

    def get(self, key: str, default: Any = _MISSING) -> Any:
        self.read.add(key)
        if key in self.data and self.data[key] is not None:
            return self.data[key]
        if default is _MISSING:
            raise LabelDataError(f"{self.kind} label needs {self._name(key)}")
        return default

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.error(key, f"must be text, got {type(value).__name__}")
        value = str(value).strip()
        if not value and default is _MISSING:
            raise self.error(key, "is empty")
        return value

    def integer(self, key: str, default: Any = _MISSING, minimum: int = 0) -> Any:
        value = self.get(key, default)
        if value is None:
            return None  # optional and absent
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be a whole number, got {value!r}")
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def nested(self, key: str) -> _Fields:
        return _Fields(self.kind, self.get(key), f"{self.prefix}{key}.")

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            names = ", ".join(f"'{self.prefix}{k}'" for k in unknown)
            raise LabelDataError(f"{self.kind} label does not use {names}: check the spelling")

    def barcode(self, key: str, make: Callable[[], Any]) -> Any:
        """Build a barcode, reporting its ValueError against `key`."""
        try:
            return make()
        except LabelDataError:
            raise
        except ValueError as exc:
            raise self.error(key, f"cannot be a barcode: {exc}") from None


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


def _address(parent: _Fields, key: str) -> Address:
    fields = parent.nested(key)
    cep_text = fields.text("cep")
    try:
        cep = brazil.normalize_cep(cep_text)
    except ValueError as exc:
        raise fields.error("cep", str(exc)) from None
    state = fields.text("state").upper()
    if state not in _UFS:
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


def _volume(fields: _Fields) -> str:
    volume = fields.integer("volume", minimum=1)
    count = fields.integer("volume_count", minimum=1)
    if volume > count:
        raise fields.error("volume", f"is {volume} but the shipment has only {count} volume(s)")
    return f"{volume}/{count}"


# --- location ---------------------------------------------------------------


def location(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: code; optional arrow ("up" or "down", for labels on the beam below or above the bin)."""
    f = _Fields("location", data)
    code = f.text("code")
    arrow = f.get("arrow", "")
    if arrow not in ("", "up", "down"):
        raise f.error("arrow", f"must be 'up', 'down' or absent, got {arrow!r}")
    f.done()
    return {"code": code, "arrow": arrow, "barcode": f.barcode("code", lambda: barcodes.code128(code))}


# --- product ----------------------------------------------------------------


def _gtin(f: _Fields, key: str, default: Any = _MISSING) -> str:
    gtin = f.text(key, default)
    if gtin and not barcodes.is_valid_gs1_key(gtin, (8, 12, 13, 14)):
        raise f.error(key, f"must be a GTIN of 8, 12, 13 or 14 digits with a valid check digit, got {gtin!r}")
    return gtin


def product(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: name, sku; optional gtin (8/12/13/14 digits).

    A 13-digit GTIN prints as EAN-13; other GTINs as GS1-128 (01) of the GTIN-14;
    a product without GTIN ("SEM GTIN" on the NF-e) gets a Code 128 of its SKU.
    """
    f = _Fields("product", data)
    name = f.text("name")
    sku = f.text("sku")
    gtin = _gtin(f, "gtin", "")
    ean = gs1 = plain = None
    if len(gtin) == 13:
        ean = barcodes.ean13(gtin)
    elif gtin:
        gs1 = barcodes.gs1_128([("01", gtin.zfill(14))])
    else:
        plain = f.barcode("sku", lambda: barcodes.code128(sku))
    f.done()
    return {"name": name, "sku": sku, "ean": ean, "gs1": gs1, "plain": plain}


# --- lot --------------------------------------------------------------------


def _date(f: _Fields, key: str) -> dt.date:
    value = f.get(key)
    # datetime is a date subclass; a timestamp here is almost always a mistake.
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise f.error(key, f"must be a date, got {value!r}")
    return value


def lot(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: gtin, expiry (date), lot; optional name, count (units, AI 37).

    GS1-128 with (01) GTIN-14, (17) expiry, (10) lot and, with count, (37):
    the lot is variable-length, so FNC1 separates it from the count.
    """
    f = _Fields("lot", data)
    gtin14 = _gtin(f, "gtin").zfill(14)
    expiry = _date(f, "expiry")
    lot_code = f.text("lot")
    name = f.text("name", "")
    count = f.integer("count", None, minimum=1)
    f.done()
    elements = [("01", gtin14), ("17", expiry.strftime("%y%m%d")), ("10", lot_code)]
    if count is not None:
        elements.append(("37", str(count)))
    symbol = f.barcode("lot", lambda: barcodes.gs1_128(elements))
    return {
        "name": name,
        "gtin": gtin14,
        "lot": lot_code,
        "expiry": expiry.strftime("%d/%m/%Y"),
        "count": count,
        "barcode": symbol,
    }


# --- lpn --------------------------------------------------------------------

_CONTENT_LINES = {"100x150": 14, "100x50": 2}


def lpn(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: code; optional contents: list of {sku, qty, lot (optional)}.

    An 18-digit code is an SSCC and prints as GS1-128 (00); anything else as Code 128.
    """
    f = _Fields("lpn", data)
    code = f.text("code")
    raw_contents = f.get("contents", [])
    if not isinstance(raw_contents, list | tuple):
        raise f.error("contents", f"must be a list of lines, got {type(raw_contents).__name__}")
    lines = []
    for index, raw in enumerate(raw_contents):
        item = _Fields("lpn", raw, f"contents[{index}].")
        lines.append(
            {"sku": item.text("sku"), "lot": item.text("lot", ""), "qty": item.integer("qty", minimum=1)}
        )
        item.done()
    f.done()
    if code.isascii() and code.isdigit() and len(code) == 18:
        if not barcodes.is_valid_gs1_key(code, (18,)):
            raise f.error("code", f"{code!r} looks like an SSCC but its check digit is wrong")
        symbol = barcodes.gs1_128([("00", code)])
    else:
        symbol = f.barcode("code", lambda: barcodes.code128(code))
    shown = _CONTENT_LINES[size]
    if len(lines) > shown:
        # The last visible line says how much is missing rather than cutting silently.
        visible, hidden = lines[: shown - 1], lines[shown - 1 :]
    else:
        visible, hidden = lines, []
    return {
        "code": code,
        "barcode": symbol,
        "sscc": symbol.gs1,
        "lines": visible,
        "more_lines": len(hidden),
        "more_qty": sum(line["qty"] for line in hidden),
        "total_qty": sum(line["qty"] for line in lines),
        "line_count": len(lines),
    }


# --- shipping ---------------------------------------------------------------


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
    f = _Fields("shipping_correios", data)
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
    f = _Fields("shipping_generic", data)
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
    f = _Fields("return", data)
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


def _nfe_party(parent: _Fields, key: str, document_key: str) -> dict[str, str]:
    fields = parent.nested(key)
    uf = fields.text("uf").upper()
    if uf not in _UFS:
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


def _datetime(f: _Fields, key: str, default: Any = _MISSING) -> dt.datetime | None:
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
    f = _Fields("danfe", data)
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
    f = _Fields("packing_slip", data)
    order = f.text("order")
    raw_lines = f.get("lines")
    if not isinstance(raw_lines, list | tuple) or not raw_lines:
        raise f.error("lines", "must be a non-empty list of lines")
    lines = []
    for index, raw in enumerate(raw_lines):
        item = _Fields("packing_slip", raw, f"lines[{index}].")
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
    "location": location,
    "product": product,
    "lot": lot,
    "lpn": lpn,
    "shipping_correios": shipping_correios,
    "shipping_generic": shipping_generic,
    "return": return_label,
    "danfe": danfe,
    "packing_slip": packing_slip,
}
