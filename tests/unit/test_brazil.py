"""Brazilian identifiers: the worked examples of shared/DOMAIN.md, plus what a desk would type."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.brazil import (
    cep_check_digit,
    cnpj_check_digits,
    correios_datamatrix,
    format_cep,
    format_tracking,
    is_valid_cnpj,
    is_valid_nfe_key,
    is_valid_tracking_code,
    nfe_check_digit,
    normalize_cep,
    s10_check_digit,
    tracking_code,
)

# --- Correios tracking codes --------------------------------------------------


@pytest.mark.parametrize("code", ["PH297898690BR", "SO000641962BR", "SL999221795BR", "JT194690698BR"])
def test_domain_tracking_codes_are_valid(code):
    assert is_valid_tracking_code(code)


def test_check_digit_when_remainder_is_one_is_zero():
    # PH297898690BR is the r = 1 case of the rule.
    assert s10_check_digit("29789869") == 0


@pytest.mark.parametrize(("serial", "digit"), [("47312482", 9), ("00000000", 5), ("12345678", 5)])
def test_s10_check_digit(serial, digit):
    assert s10_check_digit(serial) == digit


@pytest.mark.parametrize(
    "code",
    [
        "AA123456789BR",
        "ph297898690br",
        "PH297898691BR",
        "PH29789869BR",
        "PH 297 898 690 BR",
        "",
        "P1297898690BR",
    ],
)
def test_invalid_tracking_codes(code):
    assert not is_valid_tracking_code(code)


def test_tracking_code_from_a_correios_range():
    assert tracking_code("PH", "29789869") == "PH297898690BR"
    assert tracking_code("AA", "12345678") == "AA123456785BR"


@pytest.mark.parametrize(
    ("prefix", "serial"), [("P1", "29789869"), ("ph", "29789869"), ("PH", "2978986"), ("PH", "2978986X")]
)
def test_tracking_code_refuses_bad_parts(prefix, serial):
    with pytest.raises(ValueError):
        tracking_code(prefix, serial)


@given(st.from_regex(r"[A-Z]{2}", fullmatch=True), st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_every_built_tracking_code_validates(prefix, serial):
    code = tracking_code(prefix, serial)
    assert is_valid_tracking_code(code)
    assert format_tracking(code).replace(" ", "") == code


def test_format_tracking():
    assert format_tracking("PH297898690BR") == "PH 297 898 690 BR"


def test_format_tracking_refuses_an_invalid_code():
    with pytest.raises(ValueError, match="AA123456789BR"):
        format_tracking("AA123456789BR")


# --- CEP -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cep", "digit"), [("71010050", 6), ("05311000", 0), ("28107023", 7), ("36400000", 7)]
)
def test_cep_check_digit(cep, digit):
    assert cep_check_digit(cep) == digit


@pytest.mark.parametrize("text", ["71010-050", "71010050", " 71010-050 ", "71.010-050"])
def test_normalize_cep_accepts_what_people_type(text):
    assert normalize_cep(text) == "71010050"


@pytest.mark.parametrize(
    "text", ["7101-0050", "710100500", "7101005", "ABCDE-FGH", "", "71010 050", "٧١٠١٠٠٥٠"]
)
def test_normalize_cep_refuses_with_a_clear_message(text):
    with pytest.raises(ValueError, match="8 digits, like 71010-050"):
        normalize_cep(text)


def test_normalize_cep_refuses_non_text():
    with pytest.raises(ValueError, match="CEP"):
        normalize_cep(71010050)


def test_format_cep():
    assert format_cep("05311000") == "05311-000"
    assert format_cep("05311-000") == "05311-000"


# --- CNPJ and NF-e access key ----------------------------------------------------

NFE_KEYS = ["33150308370779000149550010001100931002410775", "13181017921427000125650010000000309887251170"]


@pytest.mark.parametrize("key", NFE_KEYS)
def test_domain_nfe_keys_are_valid(key):
    assert is_valid_nfe_key(key)
    assert nfe_check_digit(key[:43]) == int(key[43])


def test_any_changed_digit_is_caught():
    # Weights 2..9 against the prime 11 catch every single-digit error, except
    # when the remainder flips between 0 and 1 (both give digit 0), so this
    # holds for keys whose check digit is not 0, like this one.
    key = NFE_KEYS[0]
    for position in range(44):
        for digit in "0123456789":
            if digit != key[position]:
                changed = key[:position] + digit + key[position + 1 :]
                assert not is_valid_nfe_key(changed), changed


def _hand_check_digit(first43: str) -> int:
    # The NT rule spelled out: value ord(c) - 48, weights 2,3,...,9,2,3... from the right.
    weights = [2, 3, 4, 5, 6, 7, 8, 9] * 6
    total = sum((ord(c) - 48) * w for c, w in zip(reversed(first43), weights, strict=False))
    r = total % 11
    return 0 if r in (0, 1) else 11 - r


def test_alphanumeric_cnpj_of_2026():
    # The Receita Federal's own example of an alphanumeric CNPJ.
    assert cnpj_check_digits("12ABC34501DE") == "35"
    assert is_valid_cnpj("12.ABC.345/01DE-35")
    assert is_valid_cnpj("08.370.779/0001-49")
    assert not is_valid_cnpj("12.ABC.345/01DE-36")
    assert not is_valid_cnpj("12.abc.345/01DE-35")


def test_nfe_key_with_alphanumeric_cnpj():
    first43 = "332607" + "12ABC34501DE35" + "55001000110093100241077"
    assert len(first43) == 43
    digit = nfe_check_digit(first43)
    assert digit == _hand_check_digit(first43)
    assert is_valid_nfe_key(first43 + str(digit))
    assert not is_valid_nfe_key(first43 + str((digit + 1) % 10))


@given(
    st.sampled_from(["11", "13", "26", "33", "35", "43", "53"]),
    st.from_regex(r"[0-9]{2}(0[1-9]|1[0-2])", fullmatch=True),
    st.from_regex(r"[0-9A-Z]{12}[0-9]{2}", fullmatch=True),
    st.from_regex(r"[0-9]{23}", fullmatch=True),
)
def test_alphanumeric_keys_check_like_the_rule(uf, yymm, cnpj, rest):
    first43 = uf + yymm + cnpj + rest
    assert nfe_check_digit(first43) == _hand_check_digit(first43)
    assert is_valid_nfe_key(first43 + str(nfe_check_digit(first43)))


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (NFE_KEYS[0][:43], "43 characters"),
        (NFE_KEYS[0] + "1", "45 characters"),
        ("33150308370779000149550010001100931002410775".replace("55", "5A", 1), "letter outside the CNPJ"),
        ("99150308370779000149550010001100931002410775", "no such state"),
        ("33151308370779000149550010001100931002410775", "month 13"),
        ("3315030837077900014955001000110093100241077 ", "space"),
    ],
)
def test_malformed_nfe_keys_are_invalid(key, why):
    assert not is_valid_nfe_key(key), why


def test_lower_case_cnpj_letters_are_not_a_key():
    first43 = "332607" + "12ABC34501DE35" + "55001000110093100241077"
    key = first43 + str(nfe_check_digit(first43))
    assert is_valid_nfe_key(key)
    assert not is_valid_nfe_key(key.lower())


def test_letters_only_in_the_cnpj_root():
    body = "33150308370779000149550010001100931002410775"[:43]
    letter_in_series = body[:22] + "A" + body[23:]
    with pytest.raises(ValueError, match="positions 7-18"):
        nfe_check_digit(letter_in_series)


def test_nfe_check_digit_refuses_wrong_length():
    with pytest.raises(ValueError, match="43 characters"):
        nfe_check_digit("3315")


# --- Correios DataMatrix ------------------------------------------------------------

DM_ARGS = dict(
    destination_cep="71010-050",
    destination_number="12",
    origin_cep="05311000",
    origin_number=1000,
    tracking_code="PH297898690BR",
    posting_card="67599079",
    service_code="3220",
    additional_services=["19", "01"],
    complement="Apto 203",
    declared_value=150,
    phone="(61) 99999-1234",
    latitude=-15.793889,
    longitude=-47.882778,
    free_field="PED-2026-0001",
)


def test_datamatrix_follows_the_sigep_table_field_by_field():
    content = correios_datamatrix(**DM_ARGS)
    assert len(content) == 164
    expected = [
        (1, 8, "71010050"),  # destination CEP
        (9, 13, "00012"),  # destination number
        (14, 21, "05311000"),  # origin CEP
        (22, 26, "01000"),  # origin number
        (27, 27, "6"),  # destination CEP check digit
        (28, 29, "51"),  # IDV parcel
        (30, 42, "PH297898690BR"),
        (43, 54, "251901000000"),  # 25 first, then ours, padded with 00
        (55, 64, "0067599079"),  # posting card
        (65, 69, "03220"),  # service code
        (70, 71, "00"),  # grouping
        (72, 76, "00012"),  # street number
        (77, 96, "Apto 203            "),
        (97, 101, "00150"),
        (102, 113, "061999991234"),
        (114, 123, "-15.793889"),
        (124, 133, "-47.882778"),
        (134, 134, "|"),
        (135, 164, "PED-2026-0001                 "),
    ]
    for start, end, value in expected:
        assert content[start - 1 : end] == value, (start, end)
    assert "".join(value for _, _, value in expected) == content


def test_datamatrix_defaults_for_unknown_data():
    content = correios_datamatrix(
        destination_cep="28107023",
        destination_number="S/N",
        origin_cep="36400000",
        origin_number=None,
        tracking_code="SO000641962BR",
        posting_card="0067599079",
        service_code="03298",
    )
    assert len(content) == 164
    assert content[8:13] == "00000"
    assert content[21:26] == "00000"
    assert content[26] == "7"
    assert content[42:54] == "250000000000"
    assert content[76:96] == " " * 20
    assert content[96:101] == "00000"
    assert content[101:113] == "0" * 12
    assert content[113:133] == "-00.000000-00.000000"
    assert content[133:] == "|" + " " * 30


def test_datamatrix_drops_accents_but_keeps_the_width():
    content = correios_datamatrix(**{**DM_ARGS, "complement": "Sala 3 Edifício São"})
    assert content[76:96] == "Sala 3 Edificio Sao "
    assert len(content) == 164


def test_datamatrix_phone_with_country_code():
    content = correios_datamatrix(**{**DM_ARGS, "phone": "+55 61 99999-1234"})
    assert content[101:113] == "061999991234"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"complement": "Apartamento 1203 Bloco B Torre Sul"}, "complement .* room for 20"),
        ({"free_field": "x" * 31}, "free_field .* room for 30"),
        ({"posting_card": "12345678901"}, "posting_card .* at most 10 digits"),
        ({"service_code": "032200"}, "service_code"),
        ({"declared_value": 100000}, "declared_value"),
        ({"declared_value": 12.5}, "declared_value"),
        ({"destination_number": "12A"}, "destination_number .* not a plain number"),
        ({"destination_number": 123456}, "destination_number"),
        ({"additional_services": ["01", "02", "03", "04", "05", "06"]}, "At most 6"),
        ({"additional_services": "19"}, "list of 2-digit codes"),
        ({"latitude": None}, "both latitude and longitude"),
        ({"longitude": -100.5}, "longitude"),
        ({"tracking_code": "AA123456789BR"}, "tracking code"),
        ({"destination_cep": "7101005"}, "CEP"),
        ({"phone": "61 9999 ramal 12"}, "phone"),
        ({"complement": "Bloco ☃"}, "cannot carry"),
    ],
)
def test_datamatrix_refuses_what_cannot_fit(change, message):
    with pytest.raises(ValueError, match=message):
        correios_datamatrix(**{**DM_ARGS, **change})


def test_datamatrix_does_not_repeat_the_mandatory_service():
    content = correios_datamatrix(**{**DM_ARGS, "additional_services": ["25", "19"]})
    assert content[42:54] == "251900000000"
