"""Helpers the desk's forms share (locations, catalogue): fragment requests, typed numbers, CSV uploads,
barcode pictures."""
import barcode
from barcode.errors import BarcodeError
from barcode.writer import SVGWriter
from flask import request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from . import numbers
from .errors import DomainError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
LARGEST = 999_999_999  # nine digits, as the forms always took


def is_fragment_request() -> bool:
    """htmx asks for a fragment, except when it restores history (then it wants the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def whole_number(value: str | None, label, *, blank: int | None = None) -> int | None:
    """A form field as an int; `blank` when empty; a DomainError naming the field otherwise."""
    value = (value or "").strip()
    if not value:
        return blank
    number = numbers.whole(value, least=-LARGEST, most=LARGEST, signed=True)
    if number is None or value.startswith("+"):
        raise DomainError(_l("%(field)s must be a whole number.", field=label))
    return number


def metres(value: str | None, label) -> float:
    import math

    text = (value or "").strip().replace(",", ".")
    try:
        number = float(text) if len(text) <= 20 else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > 100_000 or not text.isascii():
        raise DomainError(_l("%(field)s must be a number of metres.", field=label))
    return number


def read_csv_upload() -> str:
    """The uploaded CSV as text: UTF-8 (with or without BOM), else Windows-1252 as Excel saves it in Brazil."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise DomainError(_l("Choose a CSV file to import."))
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(_l("The file is larger than 5 MB: split it into smaller files."))
    if not data.strip():
        raise DomainError(_l("The file is empty."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def barcode_svg(symbology: str, code: str, **options) -> Markup | None:
    """An inline SVG of a barcode (python-barcode escapes the text; the XML prologue is cut for inlining),
    or None when the symbology cannot carry the code."""
    writer_options = {"module_width": 0.33, "module_height": 16.0, "font_size": 11, "text_distance": 5.0,
                      "quiet_zone": 3.0, "compress": False, **options}
    try:
        svg = barcode.get(symbology, code, writer=SVGWriter()).render(writer_options).decode("utf-8")
    except (BarcodeError, ValueError):
        return None
    return Markup(svg[svg.index("<svg"):])  # made by python-barcode, its text escaped
