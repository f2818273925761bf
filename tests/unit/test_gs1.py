"""GS1 check digits, expiry dates and element strings (vectors from shared/DOMAIN.md)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.gs1 import (
    GS,
    GS1_CHARSET_82,
    check_digit,
    element_string,
    expiry_from_yymmdd,
    human_readable,
    is_valid_gtin,
    is_valid_sscc,
    normalize_gtin,
)

TODAY = date(2026, 11, 23)


def reference_check_digit(data: str) -> str:
    """The rule as DOMAIN.md states it, written independently of the module."""
    weights = [3 if i % 2 == 0 else 1 for i in range(len(data))]
    total = sum(int(d) * w for d, w in zip(reversed(data), weights, strict=True))
    return str((10 - total % 10) % 10)


# --- check digits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "7891234567895",  # DOMAIN.md, EAN-13
        "09506000134352",  # DOMAIN.md, GTIN-14
        "96385074",  # EAN-8
        "036000291452",  # UPC-A
    ],
)
def test_valid_gtins_from_the_domain_reference(code):
    assert is_valid_gtin(code)
    assert check_digit(code[:-1]) == code[-1]


def test_valid_sscc_from_the_domain_reference():
    assert is_valid_sscc("376104250021234569")
    assert check_digit("37610425002123456") == "9"


@pytest.mark.parametrize("code", ["7891234567896", "09506000134353", "96385075", "036000291453"])
def test_a_wrong_check_digit_is_not_a_gtin(code):
    assert not is_valid_gtin(code)


@pytest.mark.parametrize(
    "code",
    [
        "789123456789",  # 12 digits whose last digit is not their check digit
        "1234567",  # 7 digits: no GTIN has that length
        "123456789012345",  # 15
        "789123456789A",
        "",
        " 7891234567895",
        "７８９１２３４５６７８９５",  # full-width digits are not barcode data
    ],
)
def test_wrong_shapes_are_not_gtins(code):
    assert not is_valid_gtin(code)


def test_sscc_needs_18_digits_and_its_check_digit():
    assert not is_valid_sscc("376104250021234560")
    assert not is_valid_sscc("37610425002123456")
    assert not is_valid_sscc("0376104250021234569")


def test_check_digit_refuses_non_digits():
    with pytest.raises(ValueError):
        check_digit("12A4")
    with pytest.raises(ValueError):
        check_digit("")


@given(st.text("0123456789", min_size=1, max_size=17))
def test_check_digit_follows_the_weights_3_1_from_the_right(data):
    assert check_digit(data) == reference_check_digit(data)


@pytest.mark.parametrize(
    ("code", "normalised"),
    [
        ("7891234567895", "07891234567895"),
        ("09506000134352", "09506000134352"),
        ("96385074", "00000096385074"),
        ("036000291452", "00036000291452"),
    ],
)
def test_normalize_gtin_pads_to_14_digits(code, normalised):
    assert normalize_gtin(code) == normalised


def test_normalize_gtin_refuses_an_invalid_gtin():
    with pytest.raises(ValueError):
        normalize_gtin("7891234567896")


# --- expiry ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yymmdd", "today", "expected"),
    [
        ("261231", TODAY, date(2026, 12, 31)),
        # DD = 00 is the last day of the month, leap years included.
        ("260200", TODAY, date(2026, 2, 28)),
        ("280200", TODAY, date(2028, 2, 29)),
        ("261200", TODAY, date(2026, 12, 31)),
        ("260400", TODAY, date(2026, 4, 30)),
        # Century (GS1 General Specifications 7.12), from 2026: 76 is +50, still this century...
        ("761231", TODAY, date(2076, 12, 31)),
        # ... 77 is +51, the previous one.
        ("770101", TODAY, date(1977, 1, 1)),
        ("990101", TODAY, date(1999, 1, 1)),
        ("000100", TODAY, date(2000, 1, 31)),
        # The century is settled before DD = 00: February 2000 had 29 days.
        ("000200", TODAY, date(2000, 2, 29)),
        # Late in a century, small years belong to the next one (difference -50 .. -99).
        ("100101", date(2060, 6, 1), date(2110, 1, 1)),
        ("110101", date(2060, 6, 1), date(2011, 1, 1)),
        ("000101", date(2099, 12, 31), date(2100, 1, 1)),
        # Early in a century, high years belong to the previous one (difference 51 .. 99).
        ("990101", date(2000, 1, 1), date(1999, 1, 1)),
        ("500101", date(2000, 1, 1), date(2050, 1, 1)),
        ("510101", date(2000, 1, 1), date(1951, 1, 1)),
    ],
)
def test_expiry_from_yymmdd(yymmdd, today, expected):
    assert expiry_from_yymmdd(yymmdd, today) == expected


@pytest.mark.parametrize(
    "yymmdd", ["261301", "260001", "260230", "270229", "260432", "26123", "2612311", "26123A"]
)
def test_expiry_that_is_not_a_real_date_is_refused(yymmdd):
    with pytest.raises(ValueError):
        expiry_from_yymmdd(yymmdd, TODAY)


# --- element strings -------------------------------------------------------------------


def test_element_string_puts_fixed_fields_first_and_needs_no_separator_before_the_last_field():
    assert (
        element_string(gtin="7891234567895", expires_on=date(2026, 12, 31), lot="ABC")
        == "0107891234567895" + "17261231" + "10ABC"
    )


def test_element_string_for_an_anvisa_medicine():
    built = element_string(
        gtin="7891234567895",
        anvisa_registration="1234567890123",
        serial="SN0001",
        expires_on=date(2027, 3, 31),
        lot="L2401",
    )
    assert built == "0107891234567895" + "17270331" + "7131234567890123" + GS + "21SN0001" + GS + "10L2401"


def test_element_string_for_a_pallet_label():
    built = element_string(sscc="376104250021234569", gtin="09506000134352", count=48, lot="ABC")
    assert built == "00376104250021234569" + "0109506000134352" + "3748" + GS + "10ABC"


def test_element_string_with_a_substitute_separator():
    assert element_string(serial="S1", lot="L1", separator="|") == "21S1|10L1"


def test_the_last_variable_field_gets_no_separator():
    assert element_string(count=12) == "3712"
    assert not element_string(gtin="7891234567895", lot="ABC").endswith(GS)


@pytest.mark.parametrize(
    ("weight", "encoded"),
    [
        (Decimal("1.50"), "3102000150"),
        (Decimal("12.5"), "3101000125"),
        (Decimal("0.00125"), "3105000125"),
        (3, "3100000003"),
        (Decimal("999999"), "3100999999"),
    ],
)
def test_net_weight_keeps_the_decimals_it_was_given(weight, encoded):
    assert element_string(net_weight_kg=weight) == encoded


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"net_weight_kg": Decimal("1.123456")}, ValueError),  # six decimals
        ({"net_weight_kg": Decimal("1000000")}, ValueError),  # seven digits
        ({"net_weight_kg": Decimal("-1")}, ValueError),
        ({"net_weight_kg": 1.5}, TypeError),  # a float would carry binary noise
        ({"gtin": "7891234567896"}, ValueError),
        ({"sscc": "376104250021234560"}, ValueError),
        ({"lot": ""}, ValueError),
        ({"lot": "A" * 21}, ValueError),
        ({"lot": "LOT 1"}, ValueError),  # space is not a GS1 character
        ({"serial": "Nº1"}, ValueError),
        ({"lot": "A" + GS + "B"}, ValueError),
        ({"anvisa_registration": "123456789012"}, ValueError),
        ({"anvisa_registration": "12345678901A3"}, ValueError),
        ({"count": 0}, ValueError),
        ({"count": 100_000_000}, ValueError),
        ({}, ValueError),
    ],
)
def test_element_string_refuses_what_cannot_be_encoded(fields, error):
    with pytest.raises(error):
        element_string(**fields)


def test_human_readable():
    assert (
        human_readable(gtin="09506000134352", expires_on=date(2026, 12, 31), lot="ABC")
        == "(01)09506000134352(17)261231(10)ABC"
    )
    assert (
        human_readable(gtin="7891234567895", anvisa_registration="1234567890123", serial="S1", lot="L1")
        == "(01)07891234567895(713)1234567890123(21)S1(10)L1"
    )


def test_the_gs1_character_set_has_82_characters_and_no_separator():
    assert len(GS1_CHARSET_82) == 82
    assert GS not in GS1_CHARSET_82
    assert " " not in GS1_CHARSET_82
