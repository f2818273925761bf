"""What goes on a label, read from the warehouse's own records.

`label_data(kind, ref)` turns a location code, a SKU, a lot (its id, or SKU/LOT) or an LPN code into
the dict printers.kinds expects. Shipping and return labels come from their own areas, which pass
their data to `services.queue_label` directly.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import numbers
from ..catalog.models import Lot, Product
from ..errors import DomainError, NotFound
from ..extensions import db
from ..inventory.models import Lpn, StockItem
from ..locations.models import Location

# Kinds a person can print by naming one record.
RECORD_KINDS = ("location", "product", "lot", "lpn")


def _gtin_for_label(code: str | None) -> str:
    """GTINs are stored as 14 digits; a GTIN-13 (leading 0) prints as the EAN-13 on the pack."""
    if not code:
        return ""
    if len(code) == 14 and code.startswith("0"):
        return code[1:]
    return code


def location_data(ref: str) -> dict[str, Any]:
    location = db.session.scalar(select(Location).where(Location.code == ref.strip()))
    if location is None:
        location = db.session.scalar(select(Location).where(Location.code == ref.strip().upper()))
    if location is None or location.is_virtual:
        raise NotFound(_l("Location %(code)s is not known here.", code=ref))
    return {"code": location.code}


def _product(ref: str) -> Product:
    product = db.session.scalar(select(Product).where(Product.sku == ref.strip()))
    if product is None:
        product = db.session.scalar(select(Product).where(Product.sku == ref.strip().upper()))
    if product is None:
        raise NotFound(_l("Product %(sku)s is not known here.", sku=ref))
    return product


def product_data(ref: str) -> dict[str, Any]:
    product = _product(ref)
    data = {"name": product.name, "sku": product.sku}
    gtin = _gtin_for_label(product.gtin)
    if gtin:
        data["gtin"] = gtin
    return data


def _lot(ref: str) -> Lot:
    text = ref.strip()
    lot = None
    if text.isascii() and text.isdigit():
        lot_id = numbers.whole(text, least=1)
        lot = db.session.get(Lot, lot_id) if lot_id else None
    elif "/" in text:
        sku, code = text.split("/", 1)
        product = _product(sku)
        lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == code.strip()))
    if lot is None:
        raise NotFound(_l("Lot %(ref)s is not known here: give its number or SKU/LOT.", ref=ref))
    return lot


def lot_data(ref: str) -> dict[str, Any]:
    lot = _lot(ref)
    product = lot.product
    if not product.gtin:
        raise DomainError(_l("%(sku)s has no GTIN, so its lot label has nothing to encode: add the GTIN "
                             "to the product first.", sku=product.sku))
    if lot.expires_on is None:
        raise DomainError(_l("Lot %(lot)s has no expiry date, which its GS1 label needs.", lot=lot.code))
    return {"name": product.name, "gtin": product.gtin, "expiry": lot.expires_on, "lot": lot.code}


def lpn_data(ref: str) -> dict[str, Any]:
    lpn = db.session.scalar(select(Lpn).where(Lpn.code == ref.strip()))
    if lpn is None:
        lpn = db.session.scalar(select(Lpn).where(Lpn.code == ref.strip().upper()))
    if lpn is None:
        raise NotFound(_l("LPN %(code)s is not known here.", code=ref))
    items = db.session.scalars(
        select(StockItem).where(StockItem.lpn_id == lpn.id, StockItem.quantity > 0)
        .options(joinedload(StockItem.product), joinedload(StockItem.lot))
    ).all()
    lines: dict[tuple[str, str], int] = {}
    for item in items:
        key = (item.product.sku, item.lot.code if item.lot else "")
        lines[key] = lines.get(key, 0) + item.quantity
    contents = []
    for (sku, lot_code), qty in sorted(lines.items()):
        line: dict[str, Any] = {"sku": sku, "qty": qty}
        if lot_code:
            line["lot"] = lot_code
        contents.append(line)
    return {"code": lpn.code, "contents": contents}


_SOURCES = {"location": location_data, "product": product_data, "lot": lot_data, "lpn": lpn_data}


MAX_REF = 100  # a location, SKU/lot, LPN or SSCC is far shorter; a longer one is no reference


def label_data(kind: str, ref: str) -> dict[str, Any]:
    """The label's data for a record named by `ref`. NotFound / DomainError with a message otherwise."""
    if kind not in _SOURCES:
        raise DomainError(_l("Labels printed from a code are: %(kinds)s.", kinds=", ".join(RECORD_KINDS)))
    if not (ref or "").strip():
        raise DomainError(_l("Say which %(kind)s to print.", kind=kind))
    if len(ref) > MAX_REF:
        raise DomainError(_l("A label reference is at most %(limit)s characters.", limit=MAX_REF))
    return _SOURCES[kind](ref)
