"""`parse_scan`: what kind of text a scan is (rules 1 to 6 of the package docstring), and plain codes,
GTINs and SSCCs read here; element strings go to `elements`, `separator_lost` and `fields`."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from biip.symbology import GS1Symbology
from flask_babel import lazy_gettext as _l

from wms.gs1 import GS, GS1_CHARSET_82, GTIN_LENGTHS, is_valid_gtin, is_valid_sscc

from .elements import split_element_string, split_human_readable
from .fields import gs1_scan
from .scan import Scan, ScanError, gtin_check_digit_wrong, is_digits, nothing_read, visible
from .separator_lost import check_separators

_SURROUNDING_WHITESPACE = " \t\r\n\v\f"
_AIM_PREFIX = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_GS1_MESSAGE_SYMBOLOGIES = frozenset(s.value for s in GS1Symbology.with_gs1_messages())
_GTIN_SYMBOLOGIES = frozenset(s.value for s in GS1Symbology.with_gtin())
_EAN_WITH_ADD_ON = GS1Symbology.EAN_13_WITH_ADD_ON.value
_STARTS_WITH_IDENTIFIER = re.compile(r"00[0-9]{18}|0[12][0-9]{14}")


def parse_scan(raw: str, *, gs_substitutes: str = "", today: date | None = None) -> Scan:
    """Read one scan (see the docstring of the package, wms.scanning, for the rules).

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
        raise nothing_read()
    separators = _separators(gs_substitutes)
    identifier = symbology[1:] if symbology else None

    if text.startswith("("):
        elements = split_human_readable(text)
        return gs1_scan(raw, symbology, elements, today)
    if identifier in _GS1_MESSAGE_SYMBOLOGIES or _looks_like_element_string(text, separators):
        elements = split_element_string(text, separators)
        check_separators(elements, has_separator=any(s in text for s in separators), today=today)
        return gs1_scan(raw, symbology, elements, today)
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
    if not is_digits(body[:2]):
        return False
    if any(s in body for s in separators):
        return True
    return _STARTS_WITH_IDENTIFIER.match(body) is not None


def _plain_scan(raw: str, symbology: str | None, text: str) -> Scan:
    if is_digits(text):
        if len(text) in GTIN_LENGTHS:
            if not is_valid_gtin(text):
                raise gtin_check_digit_wrong(text)
            return Scan(raw=raw, kind="gtin", symbology=symbology, gtin=text.zfill(14))
        if is_valid_sscc(text):
            return Scan(raw=raw, kind="sscc", symbology=symbology, sscc=text)
    return Scan(raw=raw, kind="code", symbology=symbology, code=text)


def _ean_upc_scan(raw: str, symbology: str | None, identifier: str, text: str) -> Scan:
    if identifier == _EAN_WITH_ADD_ON and is_digits(text) and len(text) in (15, 18):
        # EAN-13/UPC-A followed by a 2- or 5-digit add-on (issue number, price).
        text = text[:13]
    if not (is_digits(text) and len(text) in GTIN_LENGTHS):
        raise ScanError(
            _l(
                "The scanner read a product barcode, but %(data)s is not a product "
                "number (GTIN): rescan the barcode.",
                data=visible(text),
            ),
            reason="not_gtin",
        )
    if not is_valid_gtin(text):
        raise gtin_check_digit_wrong(text)
    return Scan(raw=raw, kind="gtin", symbology=symbology, gtin=text.zfill(14))
