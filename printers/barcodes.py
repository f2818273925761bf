"""Barcode field data for ZPL: Code 128 / GS1-128, EAN-13, DataMatrix.

These functions produce the text that goes between ^FD and ^FS *before* ZPL
escaping (printers.zpl.zpl_escape does that, for every field). They take care
of the escaping each symbology adds on top of ZPL:

- ^BC reads `>` as the start of an invocation code even after ^FH, so a user's
  `>5` would switch the barcode to subset C. A literal `>` is written `>0`.
- ^BX with an escape character (we use `_`, as ZPL's GS1 examples do) reads
  `__` as one `_`.

Code 128 is encoded with explicit subset switches instead of the printer's
automatic mode, so the number of modules is known here and the label can
choose a bar width that fits (or refuse, with a message, when nothing fits).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from wms import gs1

__all__ = [
    "FNC1",
    "Code128",
    "Ean13",
    "DataMatrix",
    "code128",
    "datamatrix",
    "ean13",
    "gs1_128",
    "gs1_check_digit",
    "is_valid_gs1_key",
]

# In a GS1 element string GS stands for FNC1; scanners also send it as GS.
FNC1 = "\x1d"

_START_B = ">:"
_START_C = ">;"
_TO_B = ">6"
_TO_C = ">5"
_ZPL_FNC1 = ">8"
_LITERAL_GT = ">0"  # value 30 in subset B is '>'


@dataclass(frozen=True)
class Code128:
    """A Code 128 symbol: ZPL ^BC data, width in modules and the human-readable text."""

    fd: str
    modules: int
    text: str
    gs1: bool = False


@dataclass(frozen=True)
class Ean13:
    fd: str  # 12 digits: the printer appends the check digit
    text: str  # all 13 digits
    modules: int = 95


@dataclass(frozen=True)
class DataMatrix:
    fd: str
    text: str


def _digit_run(text: str, start: int) -> int:
    end = start
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return end - start


def _encode_code128(data: str) -> tuple[str, int]:
    """ZPL ^BC data (mode N) and the number of symbol characters of the data.

    `data` holds printable ASCII and FNC1 (GS). Subset B for text, subset C
    for runs of digits long enough to save space (ISO/IEC 15417 Annex E,
    without subset A, which only adds control characters we never print).
    """
    out: list[str] = []
    count = 0  # data symbol characters, start/check/stop excluded
    i = 0
    first_run = _digit_run(data, 0)
    leading_fnc1 = data.startswith(FNC1)
    if leading_fnc1:
        first_run = _digit_run(data, 1)
    in_c = first_run >= 4 or (first_run == 2 and len(data) == 2 + leading_fnc1)
    out.append(_START_C if in_c else _START_B)
    while i < len(data):
        c = data[i]
        if c == FNC1:
            out.append(_ZPL_FNC1)
            count += 1
            i += 1
            continue
        if in_c:
            if _digit_run(data, i) >= 2:
                out.append(data[i : i + 2])
                count += 1
                i += 2
                continue
            out.append(_TO_B)
            count += 1
            in_c = False
            continue
        run = _digit_run(data, i)
        at_end = i + run == len(data)
        if run >= 6 or (run >= 4 and at_end):
            if run % 2:
                # An odd run: the first digit goes in B, the even rest in C.
                out.append(c)
                count += 1
                i += 1
            out.append(_TO_C)
            count += 1
            in_c = True
            continue
        out.append(_LITERAL_GT if c == ">" else c)
        count += 1
        i += 1
    return "".join(out), count


def _modules(data_symbols: int) -> int:
    # start + data + check = 11 modules each; the stop pattern is 13.
    return 11 * (data_symbols + 2) + 13


def code128(text: str) -> Code128:
    """Code 128 of printable ASCII text (a location, LPN, tracking or RMA code)."""
    if not isinstance(text, str) or not text:
        raise ValueError("A Code 128 barcode needs some text")
    bad = sorted({c for c in text if not " " <= c <= "~"})
    if bad:
        raise ValueError(
            f"{text!r} cannot go in a Code 128 barcode: {''.join(bad)!r} is not printable ASCII "
            "(no accents, no control characters)"
        )
    fd, symbols = _encode_code128(text)
    return Code128(fd=fd, modules=_modules(symbols), text=text)


# --- GS1 --------------------------------------------------------------------


def gs1_check_digit(digits: str) -> int:
    """Mod-10 check digit of a GTIN or SSCC body (the one rule lives in wms.gs1)."""
    if not (isinstance(digits, str) and digits.isascii() and digits.isdigit()):
        raise ValueError(f"A GS1 number is digits only, got {digits!r}")
    return int(gs1.check_digit(digits))


def is_valid_gs1_key(digits: str, lengths: tuple[int, ...] = (8, 12, 13, 14, 18)) -> bool:
    """True for a GTIN-8/12/13/14 or an SSCC whose check digit matches."""
    if not (isinstance(digits, str) and digits.isascii() and digits.isdigit() and len(digits) in lengths):
        return False
    return gs1_check_digit(digits[:-1]) == int(digits[-1])


# GS1 General Specifications, character set 82: what AI 10, 21 and 713 may hold.
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")


def _fixed_key(ai: str, name: str, length: int):
    def check(value: str) -> str:
        if not is_valid_gs1_key(value, (length,)):
            raise ValueError(f"({ai}) {name} must be {length} digits with a valid check digit, got {value!r}")
        return value

    return check


def _expiry(value: str) -> str:
    if not re.fullmatch(r"[0-9]{6}", value):
        raise ValueError(f"(17) expiry is YYMMDD, got {value!r}")
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
    # DD = 00 means the last day of the month, so only the month is checked then.
    try:
        dt.date(year, month, day or 1)
    except ValueError:
        raise ValueError(f"(17) expiry {value!r} is not a date (YYMMDD)") from None
    return value


def _cset82(ai: str, name: str):
    def check(value: str) -> str:
        if not _CSET82.fullmatch(value):
            raise ValueError(
                f"({ai}) {name} {value!r} must be 1 to 20 characters of letters, digits and !\"%&'()*+,-./:;<=>?_ "
                "(no spaces or accents)"
            )
        return value

    return check


def _count(value: str) -> str:
    if not re.fullmatch(r"[0-9]{1,8}", value):
        raise ValueError(f"(37) count is 1 to 8 digits, got {value!r}")
    return value


# AI -> (validator, variable length?). Only the AIs our labels print.
_AIS = {
    "00": (_fixed_key("00", "SSCC", 18), False),
    "01": (_fixed_key("01", "GTIN", 14), False),
    "10": (_cset82("10", "lot"), True),
    "17": (_expiry, False),
    "21": (_cset82("21", "serial"), True),
    "37": (_count, True),
}


def gs1_128(elements: list[tuple[str, str]]) -> Code128:
    """GS1-128 of (AI, value) pairs, e.g. [("01", gtin14), ("17", "261231"), ("10", "L1")].

    Starts with FNC1 and puts FNC1 after every variable-length field that is
    not the last, as GS1 requires; the text is the human-readable form
    `(01)09506000134352(17)261231(10)L1`.
    """
    if not elements:
        raise ValueError("A GS1-128 barcode needs at least one element")
    raw = [FNC1]
    hri = []
    for index, (ai, value) in enumerate(elements):
        if ai not in _AIS:
            raise ValueError(f"AI ({ai}) is not supported on our labels (use one of {', '.join(_AIS)})")
        if not isinstance(value, str):
            raise ValueError(f"({ai}) must be text, got {type(value).__name__}")
        check, variable = _AIS[ai]
        raw.append(ai + check(value))
        hri.append(f"({ai}){value}")
        if variable and index < len(elements) - 1:
            raw.append(FNC1)
    fd, symbols = _encode_code128("".join(raw))
    if symbols > 48:
        raise ValueError(f"GS1-128 holds at most 48 symbol characters, {''.join(hri)} needs {symbols}")
    return Code128(fd=fd, modules=_modules(symbols), text="".join(hri), gs1=True)


def ean13(gtin13: str) -> Ean13:
    if not is_valid_gs1_key(gtin13, (13,)):
        raise ValueError(f"{gtin13!r} is not an EAN-13 (13 digits with a valid check digit)")
    return Ean13(fd=gtin13[:12], text=gtin13)


def datamatrix(text: str) -> DataMatrix:
    """DataMatrix data for ^BX...,,,,_ (escape character `_`, doubled when literal)."""
    if not isinstance(text, str) or not text:
        raise ValueError("A DataMatrix needs some text")
    return DataMatrix(fd=text.replace("_", "__"), text=text)
