"""The scan engine: what a handheld scanner typed, turned into a `Scan`.

Pure: no database and no Flask app. Resolving a plain code to a location, LPN,
badge or product is the caller's job; this module only says what kind of text
was scanned and which GS1 fields it carries.

How a scan is read, in order:

1. Surrounding spaces, tabs, CR and LF are dropped (GS is kept: a trailing GS
   proves the scanner sends separators, see the ambiguity rule).
2. An AIM symbology identifier (`]` + letter + modifier, e.g. `]d2`) is taken
   off and kept in `Scan.symbology`.
3. Text starting with `(` is the human-readable line typed by hand:
   `(01)09506000134352(17)261231(10)ABC`. Brackets delimit every field, so it
   is never ambiguous.
4. A GS1 identifier (`]C1`, `]e0`, `]d2`, `]Q3`, `]J1`) means a GS1 element
   string. An EAN/UPC/ITF identifier (`]E0`, `]E3`, `]E4`, `]I1`) means a
   GTIN. Other identifiers (`]C0`, `]d1`, `]Q1`, ...) say nothing about the
   content, because GS1 DataMatrix codes printed without their leading FNC1
   are common, so the content is read as if no identifier had been sent.
5. Without a GS1 identifier, the text is an element string when it starts
   with two digits and either holds a separator (GS or a configured
   substitute) or starts with AI 00 + 18 digits or AI 01/02 + 14 digits.
   Those shapes do not occur in location codes, LPNs or badges; an expiry
   first (`17...`) is not enough, since it looks like an 8-digit EAN or a
   numeric product code.
6. Otherwise: 8, 12, 13 or 14 digits are a GTIN (a wrong check digit is an
   error, never a code); 18 digits with a right check digit are an SSCC;
   anything else is a code for the caller to look up. So internal codes must
   not be all-digit strings of those lengths.

Element strings are split with biip's table of Application Identifiers
(every AI, so fields this service ignores, such as (11) or (91), are skipped
correctly). biip's own `parse()` is not used on the hot path: it looks an AI
up by scanning its whole table, which alone costs about 60 µs for AI 713,
and a typical Anvisa DataMatrix took about 200 µs; the split here caches the
lookup and takes a few tens of microseconds.

Separator lost (the ambiguity rule). GS is a control character: browsers and
keyboard-wedge scanners often drop it, and then a lot, serial, count or (713)
swallows the fields after it. The engine refuses to guess:

* A variable-length field followed directly by another field, with no
  separator between them, is an error: GS1 requires a separator there, so one
  was lost.
* When the scan holds no separator at all and ends with a variable-length
  field, that last value is ambiguous if, from its second character on, the
  rest reads completely as fields this service knows: (00)/(01)/(02) with a
  right check digit, (17) a real date, (310n) six digits, (713) 13 digits
  starting with an Anvisa category digit (1-6, 8), (10)/(21) 3 to 20
  characters, and (37) 1 to 8 digits not starting with 0, only when the scan
  has (00) or (02) (GS1 allows a count only on a logistic unit). A field
  already in the scan (or the field's own AI) cannot come again. Thus
  `ABC17261231` and `L12321SERIAL` are ambiguous, while `2401`, `L2103`
  (21 + only two characters), `ABC17261331` (no month 13) or a lot with
  "21..." when the scan already has a serial are ordinary lots.
* If the scan holds any separator, the scanner evidently transmits them and
  the last field is read as it is. The human-readable form is never
  ambiguous: it is what a worker types to get past an ambiguous scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.symbology import GS1Symbology
from flask_babel import lazy_gettext as _l

from wms.gs1 import (
    GS,
    GS1_CHARSET_82,
    GTIN_LENGTHS,
    expiry_from_yymmdd,
    is_valid_gtin,
    is_valid_sscc,
)

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString

__all__ = ["Scan", "ScanError", "parse_scan"]

_SURROUNDING_WHITESPACE = " \t\r\n\v\f"
_AIM_PREFIX = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_GS1_MESSAGE_SYMBOLOGIES = frozenset(s.value for s in GS1Symbology.with_gs1_messages())
_GTIN_SYMBOLOGIES = frozenset(s.value for s in GS1Symbology.with_gtin())
_EAN_WITH_ADD_ON = GS1Symbology.EAN_13_WITH_ADD_ON.value
_STARTS_WITH_IDENTIFIER = re.compile(r"00[0-9]{18}|0[12][0-9]{14}")
_HRI_AI = re.compile(r"\(([0-9]{2,4})\)")
_AI_DIGITS = re.compile(r"[0-9]{2,4}")
_ANVISA_CATEGORY_DIGITS = frozenset("1234568")


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


def parse_scan(raw: str, *, gs_substitutes: str = "", today: date | None = None) -> Scan:
    """Read one scan (see the module docstring for the rules).

    gs_substitutes: characters a scanner was configured to send instead of GS,
    such as "|" or "~". They may not be GS1 data characters (a "-" would split
    lots). today: for the century of two-digit years; defaults to today (UTC).
    Expired dates are returned as they are: the caller decides what to do.
    """
    text = raw.strip(_SURROUNDING_WHITESPACE)
    symbology = None
    prefix = _AIM_PREFIX.match(text)
    if prefix:
        symbology = prefix.group()
        text = text[3:].strip(_SURROUNDING_WHITESPACE)
    if not text:
        raise _nothing_read()
    separators = _separators(gs_substitutes)
    identifier = symbology[1:] if symbology else None

    if text.startswith("("):
        elements = _split_human_readable(text)
        return _gs1_scan(raw, symbology, elements, today)
    if identifier in _GS1_MESSAGE_SYMBOLOGIES or _looks_like_element_string(text, separators):
        elements = _split_element_string(text, separators)
        _check_separators(elements, has_separator=any(s in text for s in separators), today=today)
        return _gs1_scan(raw, symbology, elements, today)
    if identifier in _GTIN_SYMBOLOGIES:
        return _ean_upc_scan(raw, symbology, identifier, text)
    return _plain_scan(raw, symbology, text)


# --- what kind of text ---------------------------------------------------------------


@lru_cache(maxsize=32)
def _separators(gs_substitutes: str) -> str:
    for char in gs_substitutes:
        if char in GS1_CHARSET_82 or char in _SURROUNDING_WHITESPACE:
            raise ValueError(
                f"{char!r} cannot stand in for GS: it is GS1 data or whitespace, "
                "so lots containing it would be cut"
            )
    return GS + "".join(dict.fromkeys(c for c in gs_substitutes if c != GS))


def _looks_like_element_string(text: str, separators: str) -> bool:
    body = text.lstrip(separators)
    if not _is_digits(body[:2]):
        return False
    if any(s in body for s in separators):
        return True
    return _STARTS_WITH_IDENTIFIER.match(body) is not None


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _plain_scan(raw: str, symbology: str | None, text: str) -> Scan:
    if _is_digits(text):
        if len(text) in GTIN_LENGTHS:
            if not is_valid_gtin(text):
                raise _gtin_check_digit_wrong(text)
            return Scan(raw=raw, kind="gtin", symbology=symbology, gtin=text.zfill(14))
        if is_valid_sscc(text):
            return Scan(raw=raw, kind="sscc", symbology=symbology, sscc=text)
    return Scan(raw=raw, kind="code", symbology=symbology, code=text)


def _ean_upc_scan(raw: str, symbology: str | None, identifier: str, text: str) -> Scan:
    if identifier == _EAN_WITH_ADD_ON and _is_digits(text) and len(text) in (15, 18):
        # EAN-13/UPC-A followed by a 2- or 5-digit add-on (issue number, price).
        text = text[:13]
    if not (_is_digits(text) and len(text) in GTIN_LENGTHS):
        raise ScanError(
            _l(
                "The scanner read a product barcode, but %(data)s is not a product "
                "number (GTIN): rescan the barcode.",
                data=_visible(text),
            ),
            reason="not_gtin",
        )
    if not is_valid_gtin(text):
        raise _gtin_check_digit_wrong(text)
    return Scan(raw=raw, kind="gtin", symbology=symbology, gtin=text.zfill(14))


def _nothing_read() -> ScanError:
    return ScanError(_l("Nothing was read. Scan the barcode again."), reason="empty")


def _gtin_check_digit_wrong(gtin: str) -> ScanError:
    return ScanError(
        _l(
            "Check digit wrong in GTIN %(gtin)s: rescan the barcode, or check the digits if you typed it.",
            gtin=gtin,
        ),
        reason="check_digit",
    )


def _visible(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[:limit] + "..."
    return shown.replace(GS, "<GS>")


# --- splitting element strings -------------------------------------------------------


class _AI(NamedTuple):
    code: str
    pattern: re.Pattern[str]
    variable: bool


class _Element(NamedTuple):
    code: str
    value: str
    variable: bool
    terminated: bool  # a separator came right after it


@cache  # keys are 2 to 4 digits: at most 11,110 of them
def _ai_for(digits: str) -> _AI | None:
    """The AI that `digits` (the next two to four digits of a scan) starts with, if any."""
    try:
        ai = GS1ApplicationIdentifier.extract(digits)
    except ParseError:
        return None
    # biip anchors its patterns with ^...$; matching from a position needs them off.
    body = ai.pattern.removeprefix("^").removesuffix("$")
    return _AI(ai.ai, re.compile(body), ai.separator_required)


def _ai_at(text: str, pos: int) -> _AI | None:
    # Every AI is two to four digits; keying the cache on digits only keeps it small.
    digits = _AI_DIGITS.match(text, pos)
    return _ai_for(digits.group()) if digits else None


def _split_element_string(text: str, separators: str) -> list[_Element]:
    elements: list[_Element] = []
    length = len(text)
    pos = 0
    while pos < length:
        # A separator is allowed between any two fields, and scanners that send
        # FNC1 as GS may also send one first or last.
        if text[pos] in separators:
            pos += 1
            continue
        ai = _ai_at(text, pos)
        end = _next_separator(text, pos, separators)
        match = ai.pattern.match(text, pos, end) if ai else None
        if match is None:
            raise _unreadable(text, pos, ai, elements, separators)
        value = "".join(group for group in match.groups() if group is not None)
        pos = match.end()
        elements.append(_Element(ai.code, value, ai.variable, pos < length and text[pos] in separators))
    if not elements:
        raise _nothing_read()
    return elements


def _next_separator(text: str, pos: int, separators: str) -> int:
    end = len(text)
    for separator in separators:
        found = text.find(separator, pos, end)
        if found >= 0:
            end = found
    return end


def _unreadable(text: str, pos: int, ai: _AI | None, elements: list[_Element], separators: str) -> ScanError:
    if elements and elements[-1].variable and not elements[-1].terminated and "0" <= text[pos] <= "9":
        # The previous field stopped at its maximum length and digits follow that do
        # not read as a field: most likely a separator was dropped in between.
        return _separator_lost_after(elements[-1])
    if ai is not None:
        start = pos + len(ai.code)
        value = text[start : _next_separator(text, start, separators)]
        return _bad_value(ai.code, value)
    return ScanError(
        _l(
            "This barcode could not be read (the problem starts at %(rest)s): rescan, "
            "or type the text printed under the barcode, with its brackets.",
            rest=_visible(text[pos:], 20),
        ),
        reason="unreadable",
    )


def _bad_value(code: str, value: str) -> ScanError:
    if code == "17" and len(value) >= 6 and _is_digits(value[:6]):
        return _bad_date(value[:6])
    return ScanError(
        _l(
            "The value after (%(ai)s), %(value)s, is not valid: rescan, or check the text "
            "printed under the barcode.",
            ai=code,
            value=_visible(value, 24) or "-",
        ),
        reason="unreadable",
    )


def _bad_date(yymmdd: str) -> ScanError:
    return ScanError(
        _l(
            "Expiry date %(value)s is not a real date (it must be YYMMDD, e.g. 261231 for "
            "31 December 2026): rescan, or check the date printed on the label.",
            value=yymmdd,
        ),
        reason="bad_date",
    )


def _not_human_readable(text: str) -> ScanError:
    return ScanError(
        _l(
            "%(text)s is not written like the text under a GS1 barcode. "
            "Type it like (01)07891234567895(17)261231(10)L123.",
            text=_visible(text),
        ),
        reason="unreadable",
    )


def _split_human_readable(text: str) -> list[_Element]:
    # GS1 data never contains whitespace, so spaces typed between fields are dropped.
    text = "".join(text.split())
    marks = list(_HRI_AI.finditer(text))
    if not marks or marks[0].start() != 0:
        raise _not_human_readable(text)
    elements: list[_Element] = []
    for index, mark in enumerate(marks):
        code = mark.group(1)
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        value = text[mark.end() : end]
        ai = _ai_for(code)
        if ai is None or ai.code != code:
            raise _not_human_readable(text[mark.start() :])
        match = ai.pattern.fullmatch(code + value)
        if match is None:
            raise _bad_value(code, value)
        value = "".join(group for group in match.groups() if group is not None)
        elements.append(_Element(code, value, ai.variable, terminated=True))
    return elements


# --- separator lost ------------------------------------------------------------------


def _check_separators(elements: list[_Element], *, has_separator: bool, today: date | None) -> None:
    for element in elements[:-1]:
        if element.variable and not element.terminated:
            raise _separator_lost_after(element)
    last = elements[-1]
    if has_separator or not last.variable:
        return
    # A field already in the scan cannot come again, and GS1 allows a count (37) only
    # on a logistic unit, with (00) or (02): without them "37..." in a lot is just text.
    excluded = {_family(element.code) for element in elements}
    if not excluded & {"00", "02"}:
        excluded.add("37")
    split = _hidden_fields(last.value, excluded, today or _utc_today())
    if split is not None:
        head, fields = split
        alternative = f"({last.code}){head}" + "".join(f"({code}){value}" for code, value in fields)
        raise ScanError(
            _l(
                "The scanner seems to have lost a separator: %(read)s could also be "
                "%(alternative)s. Rescan, or type the text printed under the barcode, "
                "with its brackets.",
                read=f"({last.code}){last.value}",
                alternative=alternative,
            ),
            reason="separator_lost",
        )


def _separator_lost_after(element: _Element) -> ScanError:
    return ScanError(
        _l(
            "The scanner seems to have lost a separator after %(field)s: rescan, or type "
            "the text printed under the barcode, with its brackets.",
            field=f"({element.code}){element.value}",
        ),
        reason="separator_lost",
    )


def _family(code: str) -> str:
    # (3100)..(3105) are one field, net weight, with different decimals.
    return code[:3] if code.startswith("310") else code


# Known AIs that a swallowed field could start with, by their first two digits.
_HIDDEN_CANDIDATES = {
    "00": ("00",),
    "01": ("01",),
    "02": ("02",),
    "10": ("10",),
    "17": ("17",),
    "21": ("21",),
    "37": ("37",),
    "71": ("713",),
    "31": tuple(f"310{decimals}" for decimals in range(6)),
}
_FIXED_LENGTH = {"00": 18, "01": 14, "02": 14, "17": 6, "713": 13} | {
    f"310{decimals}": 6 for decimals in range(6)
}
_VARIABLE_LENGTHS = {"10": range(20, 2, -1), "21": range(20, 2, -1), "37": range(8, 0, -1)}


def _hidden_fields(value: str, excluded: set[str], today: date) -> tuple[str, list[tuple[str, str]]] | None:
    """Where `value` could end and known fields begin, if anywhere (first reading found)."""
    for start in range(1, len(value)):
        fields = _read_fields(value, start, excluded, today)
        if fields:
            return value[:start], fields
    return None


def _read_fields(text: str, pos: int, excluded: set[str], today: date) -> list[tuple[str, str]] | None:
    """text[pos:] read entirely as plausible known fields, or None."""
    for code in _HIDDEN_CANDIDATES.get(text[pos : pos + 2], ()):
        if not text.startswith(code, pos) or _family(code) in excluded:
            continue
        start = pos + len(code)
        lengths = (_FIXED_LENGTH[code],) if code in _FIXED_LENGTH else _VARIABLE_LENGTHS[code]
        for size in lengths:
            end = start + size
            if end > len(text):
                continue
            candidate = text[start:end]
            if not _plausible(code, candidate, today):
                continue
            if end == len(text):
                return [(code, candidate)]
            rest = _read_fields(text, end, excluded | {_family(code)}, today)
            if rest:
                return [(code, candidate), *rest]
    return None


def _plausible(code: str, value: str, today: date) -> bool:
    if code in ("10", "21"):
        return True  # length already limited to 3..20; characters came from a GS1 field
    if not _is_digits(value):
        return False
    if code == "00":
        return is_valid_sscc(value)
    if code in ("01", "02"):
        return is_valid_gtin(value)
    if code == "17":
        try:
            expiry_from_yymmdd(value, today)
        except ValueError:
            return False
        return True
    if code == "713":
        return value[0] in _ANVISA_CATEGORY_DIGITS
    if code == "37":
        return value[0] != "0"
    return True  # 310n: six digits


# --- from fields to a Scan -----------------------------------------------------------


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _gs1_scan(raw: str, symbology: str | None, elements: list[_Element], today: date | None) -> Scan:
    seen: dict[str, _Element] = {}
    for element in elements:
        first = seen.setdefault(_family(element.code), element)
        if (first.code, first.value) != (element.code, element.value):
            raise ScanError(
                _l(
                    "The barcode has two different values for the same field: %(first)s and "
                    "%(second)s. The label is faulty: set the item aside and tell your "
                    "supervisor.",
                    first=f"({first.code}){first.value}",
                    second=f"({element.code}){element.value}",
                ),
                reason="conflict",
            )
    values = {family: element.value for family, element in seen.items()}

    # (02) is the product inside a logistic unit, as on (00)(02)(37) pallet labels:
    # the product the count refers to.
    gtin = values.get("01", values.get("02"))
    if gtin is not None and not is_valid_gtin(gtin):
        raise _gtin_check_digit_wrong(gtin)
    sscc = values.get("00")
    if sscc is not None and not is_valid_sscc(sscc):
        raise ScanError(
            _l(
                "Check digit wrong in pallet code (SSCC) %(sscc)s: rescan the label, "
                "or check the digits if you typed it.",
                sscc=sscc,
            ),
            reason="check_digit",
        )
    expires_on = None
    if "17" in values:
        try:
            expires_on = expiry_from_yymmdd(values["17"], today or _utc_today())
        except ValueError:
            raise _bad_date(values["17"]) from None
    registration = values.get("713")
    if registration is not None and not (_is_digits(registration) and len(registration) == 13):
        raise ScanError(
            _l(
                "Anvisa registration %(value)s must have exactly 13 digits: rescan, "
                "or check the number printed on the package.",
                value=registration,
            ),
            reason="anvisa_registration",
        )
    count = values.get("37")
    net_weight_kg = None
    weight = seen.get("310")
    if weight is not None:
        # 310n: six digits with n of them after the decimal point.
        net_weight_kg = Decimal(int(weight.value)).scaleb(-int(weight.code[3]))
    return Scan(
        raw=raw,
        kind="gs1",
        symbology=symbology,
        gtin=gtin.zfill(14) if gtin is not None else None,
        lot=values.get("10"),
        expires_on=expires_on,
        serial=values.get("21"),
        count=int(count) if count is not None else None,
        anvisa_registration=registration,
        sscc=sscc,
        net_weight_kg=net_weight_kg,
    )
