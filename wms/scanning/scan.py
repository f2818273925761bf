"""What a scan carries (`Scan`), why one cannot be used (`ScanError`), and the small helpers every step shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from wms.gs1 import GS

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString


class ScanError(ValueError):
    """A scan that cannot be used, with a message a warehouse worker can act on.

    `message` is a lazy translatable string (rendered in the request's locale,
    or in English outside a Flask app). `reason` is a stable code for views and
    tests: "empty", "check_digit", "not_gtin", "bad_date",
    "anvisa_registration", "separator_lost", "unreadable" or "conflict".
    """

    def __init__(self, message: LazyString | str, *, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Scan:
    """What one scan carries. `kind` says how it was written; the fields say what it is.

    kind: "gs1" (element string or its human-readable form), "gtin" (plain
    EAN-8/UPC-A/EAN-13/GTIN-14), "sscc" (plain 18 digits) or "code" (anything
    else, for the caller to resolve). A pallet label's (00) is kind "gs1" with
    `sscc` set, so callers should test the fields rather than the kind.
    """

    raw: str
    kind: str
    symbology: str | None
    gtin: str | None = None
    lot: str | None = None
    expires_on: date | None = None
    serial: str | None = None
    count: int | None = None
    anvisa_registration: str | None = None
    sscc: str | None = None
    net_weight_kg: Decimal | None = None
    code: str | None = None


def is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def utc_today() -> date:
    return datetime.now(UTC).date()


def visible(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[:limit] + "..."
    return shown.replace(GS, "<GS>")


def nothing_read() -> ScanError:
    return ScanError(_l("Nothing was read. Scan the barcode again."), reason="empty")


def gtin_check_digit_wrong(gtin: str) -> ScanError:
    return ScanError(
        _l(
            "Check digit wrong in GTIN %(gtin)s: rescan the barcode, or check the digits if you typed it.",
            gtin=gtin,
        ),
        reason="check_digit",
    )


def bad_date(yymmdd: str) -> ScanError:
    return ScanError(
        _l(
            "Expiry date %(value)s is not a real date (it must be YYMMDD, e.g. 261231 for "
            "31 December 2026): rescan, or check the date printed on the label.",
            value=yymmdd,
        ),
        reason="bad_date",
    )
