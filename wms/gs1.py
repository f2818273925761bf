"""GS1 building blocks: check digits, expiry dates and element strings.

Pure functions with no Flask and no database, shared by the scan engine
(`wms.scanning`) and by label printing. Invalid input from code (not from a
scanner) raises a plain `ValueError`; turning scanner input into messages a
worker can act on is the scan engine's job.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

__all__ = [
    "GS",
    "GS1_CHARSET_82",
    "check_digit",
    "element_string",
    "expiry_from_yymmdd",
    "human_readable",
    "is_valid_gtin",
    "is_valid_sscc",
    "normalize_gtin",
]

GS = "\x1d"
"""ASCII group separator: how a scanner transmits FNC1 between fields."""

GS1_CHARSET_82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
"""Characters allowed in alphanumeric GS1 fields such as lot and serial."""

GTIN_LENGTHS = frozenset({8, 12, 13, 14})
SSCC_LENGTH = 18
ANVISA_REGISTRATION_LENGTH = 13
MAX_TEXT_FIELD = 20
MAX_COUNT = 99_999_999  # AI 37 is N..8
MAX_WEIGHT_DECIMALS = 5  # AI 3100..3105


def _is_digits(text: str) -> bool:
    # str.isdigit() alone accepts "²" and Arabic-Indic digits, which no barcode carries.
    return isinstance(text, str) and text.isascii() and text.isdigit()


def check_digit(data_digits: str) -> str:
    """GS1 mod-10 check digit for the data digits of a GTIN or SSCC.

    Weights 3, 1, 3, 1, ... start at the rightmost data digit, so the same
    function serves every length.
    """
    if not _is_digits(data_digits):
        raise ValueError(f"check digit needs digits only, got {data_digits!r}")
    odd = sum(map(int, data_digits[::-2]))  # rightmost, third from the right, ...
    even = sum(map(int, data_digits[-2::-2]))
    return str((10 - (3 * odd + even) % 10) % 10)


def _has_valid_check_digit(code: str) -> bool:
    return check_digit(code[:-1]) == code[-1]


def is_valid_gtin(code: str) -> bool:
    """True for a GTIN-8, -12, -13 or -14 with a correct check digit."""
    return _is_digits(code) and len(code) in GTIN_LENGTHS and _has_valid_check_digit(code)


def is_valid_sscc(code: str) -> bool:
    """True for an 18-digit SSCC with a correct check digit."""
    return _is_digits(code) and len(code) == SSCC_LENGTH and _has_valid_check_digit(code)


def normalize_gtin(code: str) -> str:
    """The 14-digit form of a valid GTIN (left-padded with zeros)."""
    if not is_valid_gtin(code):
        raise ValueError(f"not a valid GTIN: {code!r}")
    return code.zfill(14)


def expiry_from_yymmdd(s: str, today: date) -> date:
    """The date encoded as YYMMDD in a GS1 date field such as AI 17.

    DD = 00 means the last day of the month. The century follows GS1 General
    Specifications 7.12: YY minus the current two-digit year in 51..99 means
    the previous century, in -99..-50 the next one, otherwise this century.
    """
    if len(s) != 6 or not _is_digits(s):
        raise ValueError(f"expiry must be six digits YYMMDD, got {s!r}")
    yy, month, day = int(s[:2]), int(s[2:4]), int(s[4:])
    century = today.year - today.year % 100
    difference = yy - today.year % 100
    if 51 <= difference <= 99:
        century -= 100
    elif -99 <= difference <= -50:
        century += 100
    year = century + yy
    if not 1 <= month <= 12:
        raise ValueError(f"month {month:02d} in {s!r} does not exist")
    last_day = calendar.monthrange(year, month)[1]
    if day == 0:
        day = last_day
    if day > last_day:
        raise ValueError(f"day {day:02d} does not exist in {year}-{month:02d}")
    return date(year, month, day)


def _text_field(name: str, value: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_TEXT_FIELD:
        raise ValueError(f"{name} must be 1 to {MAX_TEXT_FIELD} characters, got {value!r}")
    wrong = sorted(set(value) - GS1_CHARSET_82)
    if wrong:
        raise ValueError(f"{name} {value!r} has characters GS1 does not allow: {wrong!r}")
    return value


def _net_weight(weight: Decimal | int) -> tuple[str, str]:
    if isinstance(weight, bool) or not isinstance(weight, Decimal | int):
        # A float would carry binary noise into a legal weight.
        raise TypeError(f"net weight must be a Decimal or an int, got {weight!r}")
    weight = Decimal(weight)
    if not weight.is_finite() or weight < 0:
        raise ValueError(f"net weight must be a non-negative number, got {weight}")
    exponent = weight.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    decimals = max(0, -exponent)
    if decimals > MAX_WEIGHT_DECIMALS:
        raise ValueError(f"net weight {weight} has more than {MAX_WEIGHT_DECIMALS} decimals")
    digits = int(weight.scaleb(decimals))
    if digits >= 10**6:
        raise ValueError(f"net weight {weight} does not fit in six digits")
    return f"310{decimals}", f"{digits:06d}"


def _elements(
    *,
    gtin: str | None,
    expires_on: date | None,
    lot: str | None,
    serial: str | None,
    count: int | None,
    anvisa_registration: str | None,
    sscc: str | None,
    net_weight_kg: Decimal | int | None,
) -> list[tuple[str, str, bool]]:
    """(AI, value, variable length) in label order.

    Fixed-length fields come first so that as few separators as possible are
    needed (GS1's own advice); the lot goes last, as on Anvisa labels.
    """
    fixed: list[tuple[str, str, bool]] = []
    variable: list[tuple[str, str, bool]] = []
    if sscc is not None:
        if not is_valid_sscc(sscc):
            raise ValueError(f"not a valid SSCC: {sscc!r}")
        fixed.append(("00", sscc, False))
    if gtin is not None:
        fixed.append(("01", normalize_gtin(gtin), False))
    if expires_on is not None:
        fixed.append(("17", expires_on.strftime("%y%m%d"), False))
    if net_weight_kg is not None:
        fixed.append((*_net_weight(net_weight_kg), False))
    if anvisa_registration is not None:
        if not (_is_digits(anvisa_registration) and len(anvisa_registration) == 13):
            raise ValueError(f"Anvisa registration must be 13 digits, got {anvisa_registration!r}")
        variable.append(("713", anvisa_registration, True))
    if serial is not None:
        variable.append(("21", _text_field("serial", serial), True))
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
            raise ValueError(f"count must be an integer from 1 to {MAX_COUNT}, got {count!r}")
        variable.append(("37", str(count), True))
    if lot is not None:
        variable.append(("10", _text_field("lot", lot), True))
    elements = fixed + variable
    if not elements:
        raise ValueError("an element string needs at least one field")
    return elements


def element_string(
    *,
    gtin: str | None = None,
    expires_on: date | None = None,
    lot: str | None = None,
    serial: str | None = None,
    count: int | None = None,
    anvisa_registration: str | None = None,
    sscc: str | None = None,
    net_weight_kg: Decimal | int | None = None,
    separator: str = GS,
) -> str:
    """The GS1 element string a barcode carries (without the leading FNC1).

    A separator follows every variable-length field except the last one.
    `separator` lets tests and wedge set-ups use a substitute for GS.
    The net weight uses AI 310n with as many decimals as the Decimal has.
    """
    elements = _elements(
        gtin=gtin,
        expires_on=expires_on,
        lot=lot,
        serial=serial,
        count=count,
        anvisa_registration=anvisa_registration,
        sscc=sscc,
        net_weight_kg=net_weight_kg,
    )
    parts: list[str] = []
    last = len(elements) - 1
    for index, (ai, value, variable) in enumerate(elements):
        parts.append(ai + value)
        if variable and index < last:
            parts.append(separator)
    return "".join(parts)


def human_readable(
    *,
    gtin: str | None = None,
    expires_on: date | None = None,
    lot: str | None = None,
    serial: str | None = None,
    count: int | None = None,
    anvisa_registration: str | None = None,
    sscc: str | None = None,
    net_weight_kg: Decimal | int | None = None,
) -> str:
    """The text printed under the barcode: `(01)...(17)...(10)...`."""
    elements = _elements(
        gtin=gtin,
        expires_on=expires_on,
        lot=lot,
        serial=serial,
        count=count,
        anvisa_registration=anvisa_registration,
        sscc=sscc,
        net_weight_kg=net_weight_kg,
    )
    return "".join(f"({ai}){value}" for ai, value, _ in elements)
