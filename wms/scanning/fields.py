"""From the fields of an element string to a `Scan`: one value per field, check digits, dates, Anvisa
registration, count and net weight checked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from wms.gs1 import expiry_from_yymmdd, is_valid_gtin, is_valid_sscc

from .elements import Element, family
from .scan import Scan, ScanError, bad_date, gtin_check_digit_wrong, is_digits, utc_today


def gs1_scan(raw: str, symbology: str | None, elements: list[Element], today: date | None) -> Scan:
    seen: dict[str, Element] = {}
    for element in elements:
        first = seen.setdefault(family(element.code), element)
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
    values = {key: element.value for key, element in seen.items()}

    # (02) is the product inside a logistic unit, as on (00)(02)(37) pallet labels:
    # the product the count refers to.
    gtin = values.get("01", values.get("02"))
    if gtin is not None and not is_valid_gtin(gtin):
        raise gtin_check_digit_wrong(gtin)
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
            expires_on = expiry_from_yymmdd(values["17"], today or utc_today())
        except ValueError:
            raise bad_date(values["17"]) from None
    registration = values.get("713")
    if registration is not None and not (is_digits(registration) and len(registration) == 13):
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
