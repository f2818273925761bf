"""The ambiguity rule (see the package docstring): a separator lost between fields is an error, and a scan with
no separator whose last variable-length value could hide known fields is refused rather than guessed."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from wms.gs1 import expiry_from_yymmdd, is_valid_gtin, is_valid_sscc

from .elements import Element, family, separator_lost_after
from .scan import ScanError, is_digits, utc_today

_ANVISA_CATEGORY_DIGITS = frozenset("1234568")


def check_separators(elements: list[Element], *, has_separator: bool, today: date | None) -> None:
    for element in elements[:-1]:
        if element.variable and not element.terminated:
            raise separator_lost_after(element)
    last = elements[-1]
    if has_separator or not last.variable:
        return
    # A field already in the scan cannot come again, and GS1 allows a count (37) only
    # on a logistic unit, with (00) or (02): without them "37..." in a lot is just text.
    excluded = {family(element.code) for element in elements}
    if not excluded & {"00", "02"}:
        excluded.add("37")
    split = _hidden_fields(last.value, excluded, today or utc_today())
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
        if not text.startswith(code, pos) or family(code) in excluded:
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
            rest = _read_fields(text, end, excluded | {family(code)}, today)
            if rest:
                return [(code, candidate), *rest]
    return None


def _plausible(code: str, value: str, today: date) -> bool:
    if code in ("10", "21"):
        return True  # length already limited to 3..20; characters came from a GS1 field
    if not is_digits(value):
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
