"""The scan engine, without a database or a Flask app."""

from datetime import UTC, date, datetime
from decimal import Decimal

import biip
import pytest
from flask import has_app_context
from hypothesis import assume, given
from hypothesis import strategies as st

from wms.gs1 import GS, element_string, human_readable
from wms.scanning import Scan, ScanError, parse_scan

TODAY = date(2026, 11, 23)
GTIN = "09506000134352"
EAN13 = "7891234567895"
SSCC = "376104250021234569"
GS1_82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
FIELDS = ("gtin", "lot", "expires_on", "serial", "count", "anvisa_registration", "sscc", "net_weight_kg")


def scan(raw: str, **options) -> Scan:
    options.setdefault("today", TODAY)
    return parse_scan(raw, **options)


def scan_error(raw: str, **options) -> ScanError:
    with pytest.raises(ScanError) as caught:
        scan(raw, **options)
    return caught.value


def fields_of(result: Scan) -> dict:
    return {name: getattr(result, name) for name in FIELDS if getattr(result, name) is not None}


# --- plain codes: GTIN, SSCC or something for the caller to look up ------------------


@pytest.mark.parametrize(
    ("raw", "gtin"),
    [
        (EAN13, "07891234567895"),
        (GTIN, GTIN),
        ("96385074", "00000096385074"),  # EAN-8
        ("036000291452", "00036000291452"),  # UPC-A
    ],
)
def test_a_plain_gtin_is_normalised_to_14_digits(raw, gtin):
    result = scan(raw)
    assert (result.kind, result.gtin, result.symbology, result.code) == ("gtin", gtin, None, None)


def test_a_plain_sscc():
    result = scan(SSCC)
    assert (result.kind, result.sscc, result.gtin) == ("sscc", SSCC, None)


@pytest.mark.parametrize("raw", ["7891234567896", "09506000134353", "96385075", "036000291453"])
def test_a_gtin_length_with_a_wrong_check_digit_is_an_error_not_a_code(raw):
    error = scan_error(raw)
    assert error.reason == "check_digit"
    assert raw in str(error)
    assert "rescan" in str(error)


@pytest.mark.parametrize(
    "raw",
    [
        "A-03-12-2-B",  # location
        "LPN000123",
        "BADGE-0042",
        "12345",  # short numeric internal code
        "376104250021234560",  # 18 digits but not an SSCC
        "33150308370779000149550010001100931002410775",  # NF-e key
        "PH297898690BR",
    ],
)
def test_anything_else_is_a_code_for_the_caller(raw):
    result = scan(raw)
    assert (result.kind, result.code, result.gtin, result.sscc) == ("code", raw, None, None)


def test_surrounding_whitespace_and_line_ends_are_dropped():
    assert scan("  A-03-12-2-B\r\n").code == "A-03-12-2-B"
    assert scan("\t" + EAN13 + "\n").gtin == "07891234567895"


def test_the_raw_text_is_kept_as_it_came():
    assert scan(" LPN000123\r\n").raw == " LPN000123\r\n"


@pytest.mark.parametrize("raw", ["", "   ", "\r\n", "]d2", "]C1 \r\n", "]C1" + GS])
def test_nothing_read_is_an_error(raw):
    error = scan_error(raw)
    assert error.reason == "empty"
    assert "Scan the barcode again" in str(error)


# --- AIM symbology identifiers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "symbology", "gtin"),
    [
        ("]E0" + EAN13, "]E0", "07891234567895"),
        ("]E0036000291452", "]E0", "00036000291452"),
        ("]E496385074", "]E4", "00000096385074"),
        ("]I1" + GTIN, "]I1", GTIN),
        ("]E3" + EAN13 + "12", "]E3", "07891234567895"),  # 2-digit add-on is ignored
        ("]E3" + EAN13 + "52495", "]E3", "07891234567895"),  # 5-digit add-on
    ],
)
def test_ean_upc_itf_identifiers_carry_a_gtin(raw, symbology, gtin):
    result = scan(raw)
    assert (result.kind, result.symbology, result.gtin) == ("gtin", symbology, gtin)


def test_an_ean_identifier_with_a_wrong_check_digit():
    assert scan_error("]E07891234567896").reason == "check_digit"


def test_an_ean_identifier_with_something_that_is_not_a_gtin():
    error = scan_error("]E0ABC123")
    assert error.reason == "not_gtin"
    assert "ABC123" in str(error)


@pytest.mark.parametrize("prefix", ["]C1", "]d2", "]Q3", "]e0"])
def test_gs1_identifiers_carry_an_element_string(prefix):
    result = scan(prefix + "01" + GTIN + "17261231" + "10ABC")
    assert result.kind == "gs1"
    assert result.symbology == prefix
    assert fields_of(result) == {"gtin": GTIN, "expires_on": date(2026, 12, 31), "lot": "ABC"}


def test_a_gs1_identifier_with_only_an_sscc_is_a_pallet_label():
    result = scan("]C100" + SSCC)
    assert (result.kind, result.sscc, result.gtin) == ("gs1", SSCC, None)


@pytest.mark.parametrize("prefix", ["]C0", "]d1", "]Q1"])
def test_non_gs1_identifiers_keep_codes_as_codes(prefix):
    result = scan(prefix + "A-03-12-2-B")
    assert (result.kind, result.symbology, result.code) == ("code", prefix, "A-03-12-2-B")


def test_a_datamatrix_printed_without_its_fnc1_is_still_read_as_gs1():
    # ]d1 (plain DataMatrix) is what scanners report when the label printer forgot
    # the leading FNC1; the content itself is a normal element string.
    result = scan("]d101" + GTIN + "21SN1" + GS + "10L1")
    assert fields_of(result) == {"gtin": GTIN, "serial": "SN1", "lot": "L1"}


def test_no_identifier_and_a_gtin_field_first_is_gs1():
    result = scan("01" + GTIN + "17261231" + "10ABC")
    assert result.kind == "gs1"
    assert result.symbology is None
    assert result.lot == "ABC"


def test_a_gtin_field_alone_is_gs1_with_that_gtin():
    result = scan("01" + GTIN)
    assert (result.kind, result.gtin) == ("gs1", GTIN)


# --- GS1 fields ----------------------------------------------------------------------------


def test_anvisa_medicine_datamatrix():
    raw = "]d2" + "01" + "07891234567895" + "17270331" + "7131234567890123" + GS + "21SN0001" + GS + "10L2401"
    assert fields_of(scan(raw)) == {
        "gtin": "07891234567895",
        "expires_on": date(2027, 3, 31),
        "anvisa_registration": "1234567890123",
        "serial": "SN0001",
        "lot": "L2401",
    }


def test_anvisa_order_with_variable_fields_first():
    # Anvisa's own examples put (713) and (21) before (17): the separators make it unambiguous.
    raw = "]d20107891234567895" + "7131234567890123" + GS + "21SN0001" + GS + "17270331" + "10L2401"
    result = scan(raw)
    assert (result.anvisa_registration, result.serial, result.expires_on, result.lot) == (
        "1234567890123",
        "SN0001",
        date(2027, 3, 31),
        "L2401",
    )


def test_pallet_label_with_count_of_the_contained_product():
    # (02) names the product inside a logistic unit; it is the product the count is about.
    result = scan("]C100" + SSCC + "02" + GTIN + "3748" + GS + "10ABC")
    assert fields_of(result) == {"sscc": SSCC, "gtin": GTIN, "count": 48, "lot": "ABC"}


def test_gtin_field_01_wins_over_02():
    result = scan("]C101" + GTIN + "0207891234567895")
    assert result.gtin == GTIN


def test_net_weight():
    assert scan("]C101" + GTIN + "3102001250").net_weight_kg == Decimal("12.50")
    assert scan("]C13100000007").net_weight_kg == Decimal("7")


def test_fields_this_service_does_not_use_are_skipped():
    # (11) production date and (91) company internal data are common on real labels.
    raw = "]C101" + GTIN + "11260101" + "91INTERNAL" + GS + "10ABC"
    assert fields_of(scan(raw)) == {"gtin": GTIN, "lot": "ABC"}


def test_an_expired_date_is_returned_for_the_caller_to_judge():
    assert scan("]C117200131").expires_on == date(2020, 1, 31)


def test_expiry_day_00_is_the_last_day_of_the_month():
    assert scan("]C117280200").expires_on == date(2028, 2, 29)


def test_expiry_century_is_relative_to_today():
    assert scan("]C117761231").expires_on == date(2076, 12, 31)
    assert scan("]C117770101").expires_on == date(1977, 1, 1)
    assert scan("]C117100101", today=date(2060, 6, 1)).expires_on == date(2110, 1, 1)


def test_today_defaults_to_the_current_date():
    year = datetime.now(UTC).year % 100
    assert parse_scan(f"]C117{year:02d}0101").expires_on.year // 100 == datetime.now(UTC).year // 100


def test_a_separator_at_the_start_or_the_end_is_accepted():
    result = scan("]C1" + GS + "01" + GTIN + "10ABC" + GS)
    assert fields_of(result) == {"gtin": GTIN, "lot": "ABC"}


def test_the_same_field_twice_with_the_same_value_is_accepted():
    assert scan("]C110ABC" + GS + "10ABC").lot == "ABC"


# --- separator substitutes -----------------------------------------------------------


@pytest.mark.parametrize(("substitutes", "separator"), [("|", "|"), ("~", "~"), ("|~", "~"), ("|~", GS)])
def test_a_configured_substitute_separates_fields(substitutes, separator):
    raw = "01" + GTIN + "21SN1" + separator + "10ABC"
    result = scan(raw, gs_substitutes=substitutes)
    assert fields_of(result) == {"gtin": GTIN, "serial": "SN1", "lot": "ABC"}


def test_a_substitute_that_was_not_configured_is_not_a_separator():
    error = scan_error("01" + GTIN + "21SN1|10ABC")
    assert error.reason == "unreadable"


@pytest.mark.parametrize("substitutes", ["-", "5", "A", "(", " "])
def test_gs1_data_characters_cannot_be_configured_as_substitutes(substitutes):
    with pytest.raises(ValueError, match="cannot stand in for GS"):
        parse_scan("A-03", gs_substitutes=substitutes)


def test_without_identifier_a_substitute_marks_an_element_string():
    result = scan("10ABC|17261231", gs_substitutes="|")
    assert (result.kind, result.lot, result.expires_on) == ("gs1", "ABC", date(2026, 12, 31))


# --- human-readable text typed by hand -----------------------------------------------


def test_human_readable_text():
    result = scan("(01)09506000134352(17)261231(10)ABC")
    assert result.kind == "gs1"
    assert fields_of(result) == {"gtin": GTIN, "expires_on": date(2026, 12, 31), "lot": "ABC"}


def test_human_readable_text_with_spaces():
    result = scan(" (01) 09506000134352 (713) 1234567890123 (21) SN1 (10) ABC ")
    assert fields_of(result) == {
        "gtin": GTIN,
        "anvisa_registration": "1234567890123",
        "serial": "SN1",
        "lot": "ABC",
    }


def test_human_readable_text_is_never_ambiguous():
    # What a worker types to get past an ambiguous scan.
    assert scan("(01)09506000134352(10)ABC17261231").lot == "ABC17261231"


def test_human_readable_text_with_a_lot_in_brackets():
    assert scan("(01)09506000134352(10)A(B)C").lot == "A(B)C"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("(01)0950600013435", "unreadable"),  # 13 digits after (01)
        ("(01)09506000134353", "check_digit"),
        ("(17)261331", "bad_date"),
        ("(713)123", "anvisa_registration"),
        ("(999)ABC", "unreadable"),
        ("(A-03)", "unreadable"),
        ("(10)", "unreadable"),
    ],
)
def test_human_readable_errors(raw, reason):
    assert scan_error(raw).reason == reason


# --- errors ------------------------------------------------------------------------------


def test_wrong_gtin_check_digit_in_an_element_string():
    error = scan_error("]d201" + "09506000134353" + "10ABC")
    assert error.reason == "check_digit"
    assert "09506000134353" in str(error)


def test_wrong_gtin_check_digit_without_identifier():
    assert scan_error("01" + "09506000134353" + "10ABC").reason == "check_digit"


def test_wrong_sscc_check_digit():
    error = scan_error("]C100376104250021234560")
    assert error.reason == "check_digit"
    assert "376104250021234560" in str(error)


@pytest.mark.parametrize("registration", ["123456789012", "12345678901234", "12345ABCDE123"])
def test_anvisa_registration_must_have_13_digits(registration):
    error = scan_error("]d201" + GTIN + "713" + registration)
    assert error.reason == "anvisa_registration"
    assert registration in str(error)
    assert "13 digits" in str(error)


@pytest.mark.parametrize("yymmdd", ["261301", "260001", "260230", "261232"])
def test_an_expiry_that_is_not_a_real_date_is_an_error(yymmdd):
    error = scan_error("]C101" + GTIN + "17" + yymmdd + "10ABC")
    assert error.reason == "bad_date"
    assert yymmdd in str(error)


def test_two_different_values_for_one_field_is_an_error():
    error = scan_error("]C110ABC" + GS + "10XYZ")
    assert error.reason == "conflict"
    assert "(10)ABC" in str(error)
    assert "(10)XYZ" in str(error)


def test_two_net_weights_with_different_decimals_is_an_error():
    assert scan_error("]C13102000150" + "3103000150").reason == "conflict"


def test_data_that_is_not_gs1_after_a_gs1_identifier():
    error = scan_error("]C1A-03-12-2-B")
    assert error.reason == "unreadable"
    assert "A-03-12-2-B" in str(error)


def test_a_character_gs1_does_not_allow_in_a_lot():
    error = scan_error("]C101" + GTIN + "10AB#C")
    assert error.reason == "unreadable"
    assert "#C" in str(error)


def test_messages_work_without_a_flask_app_and_are_translatable():
    assert not has_app_context()
    error = scan_error("7891234567896")
    assert str(error) == (
        "Check digit wrong in GTIN 7891234567896: rescan the barcode, or check the digits if you typed it."
    )
    # Lazy: rendered in the worker's language when a view shows it.
    assert type(error.message).__name__ == "LazyString"
    assert str(error.message) == str(error)
    assert isinstance(error, ValueError)


# --- separator lost: ambiguous scans --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "alternative"),
    [
        # Lot swallowed an expiry.
        ("01" + GTIN + "10ABC17261231", "(10)ABC(17)261231"),
        # Lot swallowed a serial.
        ("01" + GTIN + "10L12321SERIAL", "(10)L123(21)SERIAL"),
        # Lot swallowed the Anvisa registration.
        ("]d201" + GTIN + "10L17131234567890123", "(10)L1(713)1234567890123"),
        # Serial swallowed a lot.
        ("]d201" + GTIN + "21SN12310L2401", "(21)SN123(10)L2401"),
        # Lot swallowed a GTIN.
        ("]C110AB01" + GTIN, "(10)AB(01)" + GTIN),
        # Lot swallowed a count.
        ("]C100" + SSCC + "10ABC3748", "(10)ABC(37)48"),
        # Lot swallowed a net weight.
        ("]C101" + GTIN + "10ABC3102000150", "(10)ABC(3102)000150"),
        # Lot swallowed an expiry and a serial.
        ("]C101" + GTIN + "10AB17261231" + "21XYZ", "(10)AB(17)261231(21)XYZ"),
        # Anvisa registration swallowed a serial.
        ("]d201" + GTIN + "713" + "1234567890123" + "21SN01", "(713)1234567890123(21)SN01"),
    ],
)
def test_a_field_that_swallowed_another_is_ambiguous(raw, alternative):
    error = scan_error(raw)
    assert error.reason == "separator_lost"
    assert "separator" in str(error)
    assert alternative in str(error)
    assert "rescan" in str(error).lower()
    assert "type" in str(error)


@pytest.mark.parametrize(
    "lot",
    [
        "2401",
        "L2103",  # (21) followed by only two characters
        "A1021B",
        "LOT-2021",  # "21" at the very end
        "ABC17261331",  # no month 13
        "ABC17260001",  # no month 00
        "21XYZW",  # a lot cannot be empty, so (21) at its start does not count
        "A10XYZW",  # a second lot inside a lot is not a reading
        "L3712",  # a count (37) belongs on a logistic label, with (00) or (02)
        "L7139123456789012",  # 9 is not an Anvisa category
        "AB0109506000134353",  # (01) with a wrong check digit
        "000123456789",
        "ABCDEFGHIJKLMNOPQRST",
    ],
)
def test_ordinary_lots_are_not_ambiguous(lot):
    assert scan("01" + GTIN + "10" + lot).lot == lot


def test_a_count_hidden_in_a_lot_on_a_logistic_label_must_not_start_with_0():
    assert scan("]C100" + SSCC + "10B3705").lot == "B3705"


def test_a_field_already_in_the_scan_cannot_be_hidden_in_the_lot():
    raw = "01" + GTIN + "17261231" + "10ABC17270101"
    assert scan(raw).lot == "ABC17270101"


def test_a_scan_with_separators_is_trusted():
    # The scanner evidently sends separators, so the lot's text is what the label says.
    raw = "]d201" + GTIN + "21SN1" + GS + "10ABC17261231"
    assert scan(raw).lot == "ABC17261231"
    assert scan(raw.replace(GS, "|"), gs_substitutes="|").lot == "ABC17261231"


def test_a_trailing_separator_ends_the_last_field():
    assert scan("]d201" + GTIN + "10ABC17261231" + GS).lot == "ABC17261231"


def test_a_variable_field_followed_directly_by_another_field_lost_its_separator():
    # A lot of 20 characters, then (21) with no separator: GS1 requires one there.
    raw = "]d201" + GTIN + "10ABCDEFGHIJKLMNOPQRST" + "21SN1"
    error = scan_error(raw)
    assert error.reason == "separator_lost"
    assert "(10)ABCDEFGHIJKLMNOPQRST" in str(error)


def test_a_count_that_ran_into_other_digits_lost_its_separator():
    error = scan_error("]C13712345678" + "9" + "10ABC")
    assert error.reason == "separator_lost"
    assert "(37)12345678" in str(error)


# --- properties ----------------------------------------------------------------------------


def reference_check_digit(data: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return str((10 - total % 10) % 10)


def with_check_digit(length: int):
    return st.text("0123456789", min_size=length - 1, max_size=length - 1).map(
        lambda data: data + reference_check_digit(data)
    )


gtins = st.sampled_from([8, 12, 13, 14]).flatmap(with_check_digit)
texts = st.text(GS1_82, min_size=1, max_size=20)
weights = st.builds(
    lambda units, decimals: Decimal(units).scaleb(-decimals), st.integers(0, 999_999), st.integers(0, 5)
)

label_fields = st.fixed_dictionaries(
    {},
    optional={
        "gtin": gtins,
        # Two-digit years are read relative to TODAY: 1977..2076.
        "expires_on": st.dates(date(1977, 1, 1), date(2076, 12, 31)),
        "lot": texts,
        "serial": texts,
        "count": st.integers(1, 99_999_999),
        "anvisa_registration": st.text("0123456789", min_size=13, max_size=13),
        "sscc": with_check_digit(18),
        "net_weight_kg": weights,
    },
).filter(bool)


def expected(fields: dict) -> dict:
    result = dict(fields)
    if "gtin" in result:
        result["gtin"] = result["gtin"].zfill(14)
    return result


def last_variable_value(fields: dict) -> str | None:
    # element_string's order: (713), (21), (37), (10) last.
    for name in ("lot", "count", "serial", "anvisa_registration"):
        if name in fields:
            return str(fields[name])
    return None


KNOWN_AI_STARTS = ("00", "01", "02", "10", "17", "21", "31", "37", "71")


@given(
    label_fields,
    st.sampled_from(["", "]C1", "]d2", "]Q3", "]e0"]),
    st.sampled_from([GS, "|", "~"]),
)
def test_element_strings_with_separators_scan_back_to_the_same_fields(fields, prefix, separator):
    raw = prefix + element_string(**fields, separator=separator) + separator
    result = parse_scan(raw, gs_substitutes="|~", today=TODAY)
    assert result.kind == "gs1"
    assert fields_of(result) == expected(fields)


@given(label_fields, st.sampled_from(["", "]d2"]))
def test_element_strings_as_printed_scan_back_or_are_reported_ambiguous(fields, prefix):
    assume(prefix or "gtin" in fields or "sscc" in fields)  # otherwise it may be a plain code
    raw = prefix + element_string(**fields)
    last = last_variable_value(fields)
    try:
        result = parse_scan(raw, today=TODAY)
    except ScanError as error:
        assert error.reason == "separator_lost"
        # Only a scan with no separator whose last field holds a known AI can be ambiguous.
        assert GS not in raw
        assert last is not None
        assert any(last.startswith(ai, i) for i in range(1, len(last)) for ai in KNOWN_AI_STARTS)
    else:
        assert fields_of(result) == expected(fields)


@given(label_fields)
def test_letter_only_lots_are_never_ambiguous(fields):
    assume("lot" in fields)
    fields = {**fields, "lot": "".join(c for c in fields["lot"] if c.isalpha()) or "A"}
    assert fields_of(parse_scan("]d2" + element_string(**fields), today=TODAY)) == expected(fields)


@given(label_fields)
def test_human_readable_text_scans_back_to_the_same_fields(fields):
    assume(not any("(" in str(fields.get(name, "")) for name in ("lot", "serial")))
    assert fields_of(parse_scan(human_readable(**fields), today=TODAY)) == expected(fields)


@given(label_fields.filter(lambda f: "expires_on" not in f))
def test_same_fields_as_biip(fields):
    raw = "]d2" + element_string(**fields) + GS
    ours = parse_scan(raw, today=TODAY)
    theirs = {es.ai.ai: es.value for es in biip.parse(raw).gs1_message.element_strings}
    assert ours.gtin == theirs.get("01")
    assert ours.sscc == theirs.get("00")
    assert ours.lot == theirs.get("10")
    assert ours.serial == theirs.get("21")
    assert ours.anvisa_registration == theirs.get("713")
    assert ours.count == (int(theirs["37"]) if "37" in theirs else None)


@given(gtins)
def test_any_valid_gtin_scans_as_a_gtin(gtin):
    assert scan(gtin).gtin == gtin.zfill(14)


@given(gtins, st.integers(1, 9))
def test_any_wrong_check_digit_is_caught(gtin, shift):
    wrong = gtin[:-1] + str((int(gtin[-1]) + shift) % 10)
    assert scan_error(wrong).reason == "check_digit"


@given(st.text(min_size=1, max_size=40))
def test_any_text_gives_a_scan_or_a_scan_error(raw):
    try:
        result = parse_scan(raw, today=TODAY)
    except ScanError as error:
        assert str(error)
    else:
        assert result.kind in {"gs1", "gtin", "sscc", "code"}
