"""What each label kind needs, checked before any ZPL is written.

Each builder takes the caller's plain dict and returns the template context:
validated text, formatted numbers and barcode objects. A missing or unknown
key, or a value that cannot be printed, raises LabelDataError naming the
label and the key, so the desk sees "shipping_correios label needs
'recipient.cep'" rather than a half-printed label.

The warehouse's kinds (location, product, lot, LPN) are here; shipping's
(carrier labels, return label, DANFE, packing slip) in shipping_kinds.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from printers import barcodes, shipping_kinds
from printers.label_fields import MISSING, Fields

__all__ = ["BUILDERS"]


# --- location ---------------------------------------------------------------


def location(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: code; optional arrow ("up" or "down", for labels on the beam below or above the bin)."""
    f = Fields("location", data)
    code = f.text("code")
    arrow = f.get("arrow", "")
    if arrow not in ("", "up", "down"):
        raise f.error("arrow", f"must be 'up', 'down' or absent, got {arrow!r}")
    f.done()
    return {"code": code, "arrow": arrow, "barcode": f.barcode("code", lambda: barcodes.code128(code))}


# --- product ----------------------------------------------------------------


def _gtin(f: Fields, key: str, default: Any = MISSING) -> str:
    gtin = f.text(key, default)
    if gtin and not barcodes.is_valid_gs1_key(gtin, (8, 12, 13, 14)):
        raise f.error(key, f"must be a GTIN of 8, 12, 13 or 14 digits with a valid check digit, got {gtin!r}")
    return gtin


def product(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: name, sku; optional gtin (8/12/13/14 digits).

    A 13-digit GTIN prints as EAN-13; other GTINs as GS1-128 (01) of the GTIN-14;
    a product without GTIN ("SEM GTIN" on the NF-e) gets a Code 128 of its SKU.
    """
    f = Fields("product", data)
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


def _date(f: Fields, key: str) -> dt.date:
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
    f = Fields("lot", data)
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
    f = Fields("lpn", data)
    code = f.text("code")
    raw_contents = f.get("contents", [])
    if not isinstance(raw_contents, list | tuple):
        raise f.error("contents", f"must be a list of lines, got {type(raw_contents).__name__}")
    lines = []
    for index, raw in enumerate(raw_contents):
        item = Fields("lpn", raw, f"contents[{index}].")
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


# --- station card -----------------------------------------------------------


def station_card(data: Mapping[str, Any], size: str) -> dict[str, Any]:
    """Keys: code (a command word such as FINISH, or a printer's name); optional caption (what scanning it does).

    The code prints as a Code 128 a handheld reads from arm's length, with the code in large letters above it;
    the caption (in the language of whoever printed the card) heads the larger sizes."""
    f = Fields("station_card", data)
    code = f.text("code")
    caption = f.text("caption", "")
    f.done()
    return {"code": code, "caption": caption, "barcode": f.barcode("code", lambda: barcodes.code128(code))}


BUILDERS: dict[str, Callable[[Mapping[str, Any], str], dict[str, Any]]] = {
    "location": location,
    "product": product,
    "lot": lot,
    "lpn": lpn,
    "station_card": station_card,
    **shipping_kinds.BUILDERS,
}
