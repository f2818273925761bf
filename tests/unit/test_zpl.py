"""ZPL labels: escaping, layout per size and resolution, and what a scanner reads off the printout.

Labels are rendered with zplkit (a ZPL rasteriser) and scanned with zxing-cpp,
so these tests check the barcodes a handheld would read, not the ZPL text.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printers.zpl import LabelDataError, available_sizes, render_label, zpl_escape
from tests.labels import GS, field_data, gs1_elements, render_and_decode, unescape_fh
from wms.brazil import correios_datamatrix
from wms.errors import DomainError

TEMPLATES = Path(__file__).resolve().parents[2] / "printers" / "templates"

RECIPIENT = {
    "name": "Maria Aparecida dos Santos",
    "street": "SQS 308 Bloco C",
    "number": "12",
    "complement": "Apto 203",
    "district": "Asa Sul",
    "city": "Brasília",
    "state": "DF",
    "cep": "71010-050",
    "phone": "(61) 99999-1234",
}
SENDER = {
    "name": "Loja Exemplo Ltda",
    "street": "Rua Vergueiro",
    "number": "1000",
    "district": "Liberdade",
    "city": "São Paulo",
    "state": "SP",
    "cep": "05311-000",
}


def correios_data(**changes):
    data = {
        "service_name": "SEDEX CONTRATO",
        "service_code": "03220",
        "tracking_code": "PH297898690BR",
        "contract": "9912345678",
        "posting_card": "0067599079",
        "invoice": "123456",
        "order": "PED-2026-0001",
        "volume": 1,
        "volume_count": 2,
        "weight_g": 1250,
        "recipient": dict(RECIPIENT),
        "sender": dict(SENDER),
        "declared_value": 150,
        "additional_services": ["19"],
    }
    data.update(changes)
    return data


def generic_data(**changes):
    data = {
        "carrier": "Jadlog",
        "service": ".Package",
        "tracking": "10082300123456",
        "order": "PED-2026-0001",
        "volume": 2,
        "volume_count": 3,
        "weight_g": 800,
        "recipient": dict(RECIPIENT),
        "sender": dict(SENDER),
    }
    data.update(changes)
    return data


def return_data(**changes):
    data = {
        "rma": "RMA-000042",
        "customer": "João da Silva",
        "reason": "Embalagem danificada",
        "order": "PED-2026-0001",
        "to_address": dict(SENDER),
    }
    data.update(changes)
    return data


LOT = {
    "name": "Dipirona 500 mg",
    "gtin": "09506000134352",
    "expiry": dt.date(2026, 12, 31),
    "lot": "L2026-11A",
}

# --- escaping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("A-03-12-2-B", "A-03-12-2-B"),
        ("a^b~c_d", "a_5Eb_7Ec_5Fd"),
        ("São", "S_C3_A3o"),
        ("📦", "_F0_9F_93_A6"),
        ("linha\nnova\t", "linha_0Anova_09"),
        ("\x7f", "_7F"),
        ("^XA^FDhack", "_5EXA_5EFDhack"),
        ("_5E", "_5F5E"),
        ("\\&", "\\&"),
        (42, "42"),
    ],
)
def test_zpl_escape(text, escaped):
    assert zpl_escape(text) == escaped


@pytest.mark.parametrize("value", [None, 1.5, True, b"bytes"])
def test_zpl_escape_refuses_what_would_print_as_a_repr(value):
    with pytest.raises(TypeError):
        zpl_escape(value)


@given(st.text())
def test_escaped_text_round_trips_and_holds_no_command(text):
    escaped = zpl_escape(text)
    assert unescape_fh(escaped) == text
    assert "^" not in escaped and "~" not in escaped
    assert all(" " <= c <= "~" for c in escaped)
    assert re.fullmatch(r"(?:[^_]|_[0-9A-F]{2})*", escaped)


def test_templates_write_field_data_only_through_the_escaping_macros():
    for path in TEMPLATES.glob("*.zpl.j2"):
        source = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)  # comments are not output
        if path.name == "_macros.zpl.j2":
            fields = re.findall(r"(.{4})\^FD(.*?)\^FS", source)
            assert fields
            for before, data in fields:
                assert before == "^FH_", path.name
                assert re.fullmatch(r"\{\{ [\w.]+\|zpl \}\}", data), data
        else:
            assert "^FD" not in source, f"{path.name} writes ^FD itself: use the macros"
            assert "|safe" not in source


# --- layout -----------------------------------------------------------------------

ALL_LABELS = [
    ("location", {"code": "A-03-12-2-B", "arrow": "up"}, "100x50"),
    ("location", {"code": "A-03-12-2-B", "arrow": "down"}, "50x25"),
    ("location", {"code": "A-03-12-2-B"}, "100x150"),
    ("product", {"name": "Café Torrado 500 g", "sku": "CAF-500", "gtin": "7891234567895"}, "100x50"),
    ("product", {"name": "Café Torrado 500 g", "sku": "CAF-500", "gtin": "7891234567895"}, "50x25"),
    ("lot", {**LOT, "count": 48}, "100x50"),
    ("lot", LOT, "100x150"),
    (
        "lpn",
        {"code": "376104250021234569", "contents": [{"sku": "CAF-500", "lot": "L1", "qty": 12}]},
        "100x150",
    ),
    ("lpn", {"code": "LPN-000123", "contents": [{"sku": "CAF-500", "qty": 12}]}, "100x50"),
    ("shipping_correios", correios_data(), "100x150"),
    ("shipping_generic", generic_data(), "100x150"),
    ("return", return_data(), "100x150"),
]
LABEL_IDS = [f"{kind}-{size}" for kind, _, size in ALL_LABELS]
SIZE_DOTS = {("100x150", 203): (800, 1200), ("100x50", 203): (800, 400), ("50x25", 203): (400, 200)}
SIZE_DOTS |= {("100x150", 300): (1200, 1800), ("100x50", 300): (1200, 600), ("50x25", 300): (600, 300)}


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize(("kind", "data", "size"), ALL_LABELS, ids=LABEL_IDS)
def test_every_label_is_one_utf8_label_of_the_right_size(kind, data, size, dpi):
    zpl = render_label(kind, data, dpi=dpi, size=size)
    width, height = SIZE_DOTS[(size, dpi)]
    assert zpl.startswith(f"^XA^CI28^PW{width}^LL{height}")
    assert zpl.count("^XA") == 1 and zpl.rstrip().endswith("^XZ")
    assert zpl.count("^FD") == zpl.count("^FH_^FD") > 0


def test_default_is_a_100x150_label_at_203_dpi():
    assert render_label("return", return_data()).startswith("^XA^CI28^PW800^LL1200")


def test_300_dpi_scales_positions_and_bars():
    low = render_label("shipping_correios", correios_data(), dpi=203)
    high = render_label("shipping_correios", correios_data(), dpi=300)
    assert "^BXN,4,200" in low and "^BXN,6,200" in high
    assert "^FO220,24" in low and "^FO330,36" in high
    assert re.search(r"\^BY4\^BCN,144,", low) and re.search(r"\^BY6\^BCN,216,", high)


def test_sizes_per_kind():
    assert available_sizes("shipping_correios") == ["100x150"]
    assert available_sizes("location") == ["100x150", "100x50", "50x25"]
    assert available_sizes("product") == ["100x50", "50x25"]


# --- what the scanner reads -------------------------------------------------------


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize(("size", "arrow"), [("100x150", ""), ("100x50", "up"), ("50x25", "down")])
def test_location_label_scans_as_its_code(size, arrow, dpi):
    zpl = render_label("location", {"code": "A-03-12-2-B", "arrow": arrow}, size=size, dpi=dpi)
    assert render_and_decode(zpl, dpi) == [("Code128", "A-03-12-2-B")]
    assert "A-03-12-2-B" in field_data(zpl)


def test_location_code_with_zpl_and_code128_control_characters_scans_exactly():
    # `>` starts a ^BC invocation code even after ^FH; `^ ~ _` are ZPL's own.
    code = "A>5-^~_>8\\B"
    zpl = render_label("location", {"code": code}, size="100x50")
    assert render_and_decode(zpl) == [("Code128", code)]


def test_numeric_location_uses_subset_c_and_still_scans():
    zpl = render_label("location", {"code": "0312024"}, size="50x25")
    assert render_and_decode(zpl) == [("Code128", "0312024")]


def test_location_code_too_long_to_print_whole_is_refused():
    with pytest.raises(LabelDataError, match="too long to print whole on the 50x25 location label"):
        render_label("location", {"code": "ARMAZEM-CENTRAL-A-03-12-2-B"}, size="50x25")


def test_barcode_that_would_need_bars_narrower_than_025_mm_is_refused():
    # Narrow letters fit as text, but 20 Code 128 characters need 69 mm at 0.25 mm bars.
    with pytest.raises(LabelDataError, match="needs 69 mm but the 50x25 location label has 50 mm"):
        render_label("location", {"code": "i" * 20}, size="50x25")


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("size", ["100x50", "50x25"])
def test_product_with_ean13(size, dpi):
    data = {"name": "Café Torrado 500 g", "sku": "CAF-500", "gtin": "7891234567895"}
    zpl = render_label("product", data, size=size, dpi=dpi)
    assert "^BEN," in zpl
    assert render_and_decode(zpl, dpi) == [("EAN13", "7891234567895")]


@pytest.mark.parametrize(
    ("gtin", "gtin14"), [("09506000134352", "09506000134352"), ("96385074", "00000096385074")]
)
def test_product_with_other_gtins_prints_gs1_128_of_the_gtin14(gtin, gtin14):
    zpl = render_label("product", {"name": "Caixa com 12", "sku": "CX-12", "gtin": gtin}, size="50x25")
    [(symbology, text)] = render_and_decode(zpl)
    assert symbology == "GS1-128"
    assert gs1_elements(text) == [("01", gtin14)]
    assert f"(01){gtin14}" in field_data(zpl)


def test_product_without_gtin_prints_its_sku():
    zpl = render_label("product", {"name": "Kit presente", "sku": "KIT-NATAL-01"}, size="100x50")
    assert render_and_decode(zpl) == [("Code128", "KIT-NATAL-01")]


def test_product_with_a_bad_gtin_is_refused():
    with pytest.raises(LabelDataError, match="'gtin' must be a GTIN"):
        render_label("product", {"name": "X", "sku": "X", "gtin": "7891234567890"}, size="100x50")


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("size", ["100x50", "100x150"])
def test_lot_label_scans_as_gs1_with_the_right_ais(size, dpi):
    zpl = render_label("lot", {**LOT, "count": 48}, size=size, dpi=dpi)
    [(symbology, text)] = render_and_decode(zpl, dpi)
    assert symbology == "GS1-128"
    # The lot is variable-length: GS ends it before (37), or (37) would be read as part of the lot.
    assert text == "01095060001343521726123110L2026-11A" + GS + "3748"
    assert gs1_elements(text) == [
        ("01", "09506000134352"),
        ("17", "261231"),
        ("10", "L2026-11A"),
        ("37", "48"),
    ]
    assert "(01)09506000134352(17)261231(10)L2026-11A(37)48" in field_data(zpl)


def test_lot_last_needs_no_separator():
    zpl = render_label("lot", LOT, size="100x50")
    [(_, text)] = render_and_decode(zpl)
    assert text == "01095060001343521726123110L2026-11A"


def test_lot_code_with_gs1_punctuation_scans_exactly():
    zpl = render_label("lot", {**LOT, "lot": "A>8_<=?%", "count": 5}, size="100x150")
    [(_, text)] = render_and_decode(zpl)
    assert gs1_elements(text)[2:] == [("10", "A>8_<=?%"), ("37", "5")]


def test_gtin13_on_a_lot_label_becomes_gtin14():
    zpl = render_label("lot", {**LOT, "gtin": "7891234567895"}, size="100x50")
    [(_, text)] = render_and_decode(zpl)
    assert gs1_elements(text)[0] == ("01", "07891234567895")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lot": "LOTE 1"}, "'lot' .*no spaces"),
        ({"lot": "L" * 21}, "'lot'"),
        ({"expiry": "2026-12-31"}, "'expiry' must be a date"),
        ({"expiry": dt.datetime(2026, 12, 31, 10, 0)}, "'expiry' must be a date"),
        ({"count": 0}, "'count' must be at least 1"),
    ],
)
def test_lot_label_refuses_data_gs1_cannot_carry(change, message):
    with pytest.raises(LabelDataError, match=message):
        render_label("lot", {**LOT, **change}, size="100x50")


@pytest.mark.parametrize("size", ["100x150", "100x50"])
def test_lpn_with_sscc_prints_gs1_128_00(size):
    zpl = render_label("lpn", {"code": "376104250021234569"}, size=size)
    [(symbology, text)] = render_and_decode(zpl)
    assert (symbology, gs1_elements(text)) == ("GS1-128", [("00", "376104250021234569")])


def test_lpn_with_a_plain_code_prints_code128_and_its_contents():
    contents = [{"sku": "CAF-500", "lot": "L1", "qty": 12}, {"sku": "ACU-1KG", "qty": 3}]
    zpl = render_label("lpn", {"code": "LPN-000123", "contents": contents}, size="100x150")
    assert render_and_decode(zpl) == [("Code128", "LPN-000123")]
    fields = field_data(zpl)
    for expected in ("CAF-500", "L1", "12", "ACU-1KG", "3", "TOTAL: 2 linhas, 15 un."):
        assert expected in fields


def test_lpn_with_many_lines_says_what_it_could_not_show():
    contents = [{"sku": f"SKU-{i:02d}", "qty": 1} for i in range(20)]
    fields = field_data(render_label("lpn", {"code": "LPN-1", "contents": contents}, size="100x150"))
    assert "SKU-12" in fields and "SKU-13" not in fields
    assert "+ 7 linhas (7 un.)" in fields


def test_lpn_with_a_broken_sscc_is_refused():
    with pytest.raises(LabelDataError, match="looks like an SSCC"):
        render_label("lpn", {"code": "376104250021234560"})


@pytest.mark.parametrize("dpi", [203, 300])
def test_correios_label_scans_tracking_cep_and_the_164_character_datamatrix(dpi):
    zpl = render_label("shipping_correios", correios_data(), dpi=dpi)
    found = dict(render_and_decode(zpl, dpi))
    expected_matrix = correios_datamatrix(
        destination_cep="71010050",
        destination_number="12",
        origin_cep="05311000",
        origin_number="1000",
        tracking_code="PH297898690BR",
        posting_card="0067599079",
        service_code="03220",
        additional_services=["19"],
        complement="Apto 203",
        declared_value=150,
        phone="(61) 99999-1234",
    )
    assert len(found["DataMatrix"]) == 164
    assert found["DataMatrix"] == expected_matrix
    codes = sorted(text for symbology, text in render_and_decode(zpl, dpi) if symbology == "Code128")
    assert codes == ["71010050", "PH297898690BR"]
    fields = field_data(zpl)
    for expected in (
        "PH 297 898 690 BR",
        "SEDEX CONTRATO",
        "Contrato: 9912345678",
        "NF-e: 123456",
        "Pedido: PED-2026-0001",
        "Volume: 1/2",
        "Peso: 1,250 kg",
        "Recebedor:",
        "Assinatura:",
        "Maria Aparecida dos Santos",
        "SQS 308 Bloco C, 12 - Apto 203",
        "71010-050  Brasília/DF",
        "Loja Exemplo Ltda",
        "05311-000  São Paulo/SP",
    ):
        assert expected in fields


def test_correios_datamatrix_with_underscores_and_tildes_scans_exactly():
    # `_` is the ^BX escape character and `~` ZPL's control prefix.
    recipient = {**RECIPIENT, "complement": "Sala_3 ~B"}
    zpl = render_label("shipping_correios", correios_data(recipient=recipient, free_field="pedido_77~x"))
    matrix = dict(render_and_decode(zpl))["DataMatrix"]
    assert matrix[76:96] == "Sala_3 ~B".ljust(20)
    assert matrix[134:] == "pedido_77~x".ljust(30)


@pytest.mark.parametrize(
    ("number", "field"), [("123-A", "00123"), ("S/N", "00000"), ("KM 23", "00000"), (45, "00045")]
)
def test_correios_datamatrix_takes_the_digits_of_the_street_number(number, field):
    zpl = render_label("shipping_correios", correios_data(recipient={**RECIPIENT, "number": number}))
    matrix = dict(render_and_decode(zpl))["DataMatrix"]
    assert matrix[8:13] == field and matrix[71:76] == field
    assert f"SQS 308 Bloco C, {number} - Apto 203" in field_data(zpl)


def test_correios_complement_too_long_for_the_datamatrix_is_refused():
    recipient = {**RECIPIENT, "complement": "Apartamento 1203 Bloco B Torre Sul"}
    with pytest.raises(LabelDataError, match="DataMatrix .*complement.* room for 20"):
        render_label("shipping_correios", correios_data(recipient=recipient))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tracking_code": "AA123456789BR"}, "'tracking_code' .* not a valid Correios tracking code"),
        ({"invoice": "NF 123"}, "'invoice' must be the NF-e number"),
        ({"volume": 3}, "'volume' is 3 but the shipment has only 2"),
        ({"weight_g": 0}, "'weight_g' must be at least 1"),
        ({"weight_g": "1,2 kg"}, "'weight_g' must be a whole number"),
    ],
)
def test_correios_label_refuses_bad_shipment_data(change, message):
    with pytest.raises(LabelDataError, match=message):
        render_label("shipping_correios", correios_data(**change))


@pytest.mark.parametrize("dpi", [203, 300])
def test_generic_carrier_label(dpi):
    zpl = render_label("shipping_generic", generic_data(), dpi=dpi)
    assert render_and_decode(zpl, dpi) == [("Code128", "10082300123456")]
    fields = field_data(zpl)
    for expected in (
        "Jadlog",
        "10082300123456",
        "Pedido: PED-2026-0001",
        "Volume 2/3",
        "0,800 kg",
        "Maria Aparecida dos Santos",
    ):
        assert expected in fields


@pytest.mark.parametrize("dpi", [203, 300])
def test_return_label(dpi):
    zpl = render_label("return", return_data(), dpi=dpi)
    assert render_and_decode(zpl, dpi) == [("Code128", "RMA-000042")]
    fields = field_data(zpl)
    for expected in ("Cliente: João da Silva", "Embalagem danificada", "Loja Exemplo Ltda", "DEVOLUÇÃO"):
        assert expected in fields


# --- hostile text -----------------------------------------------------------------

HOSTILE = [
    "^XA^FDhack",
    "~JA~JR^XZ^XA",
    "_5E_7E",
    "Conceição Ñandú Ærø",
    "📦 entrega 🚚",
    "\\& linha \\\\",
    "quebra\nde\rlinha",
    ">8>5>;",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_customer_text_prints_literally(hostile):
    data = return_data(
        customer=hostile, reason=hostile, to_address={**SENDER, "name": hostile, "city": hostile}
    )
    zpl = render_label("return", data)
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert zpl.count("~") == 0
    fields = field_data(zpl)
    assert f"Cliente: {hostile}" in fields
    assert fields.count(hostile) == 2  # reason and name
    assert f"05311-000  {hostile}/SP" in fields
    # And the printer (zplkit) still sees one label whose barcode scans.
    assert render_and_decode(zpl) == [("Code128", "RMA-000042")]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_in_every_address_field_of_a_shipping_label(hostile):
    address = {**RECIPIENT, "name": hostile, "street": hostile, "district": hostile, "city": hostile}
    data = generic_data(carrier=hostile, service=hostile, order=hostile.replace("\n", " "), recipient=address)
    zpl = render_label("shipping_generic", data)
    assert zpl.count("^XA") == 1
    fields = field_data(zpl)
    assert fields.count(hostile) >= 4
    assert render_and_decode(zpl) == [("Code128", "10082300123456")]


@given(st.text(min_size=1).filter(lambda s: s.strip()))
def test_any_customer_name_round_trips(name):
    zpl = render_label("return", return_data(customer=name))
    assert zpl.count("^XA") == 1
    assert f"Cliente: {name.strip()}" in field_data(zpl)


def test_non_ascii_cannot_go_in_a_code128():
    with pytest.raises(LabelDataError, match="'code' cannot be a barcode.*printable ASCII"):
        render_label("location", {"code": "ÁREA-1"}, size="100x50")


# --- clear errors for the caller --------------------------------------------------------


def test_missing_key_names_the_key():
    data = correios_data()
    del data["recipient"]["cep"]
    with pytest.raises(LabelDataError, match=r"shipping_correios label needs 'recipient\.cep'"):
        render_label("shipping_correios", data)


def test_missing_top_level_key():
    with pytest.raises(LabelDataError, match="location label needs 'code'"):
        render_label("location", {}, size="100x50")


def test_misspelt_key_is_reported():
    with pytest.raises(LabelDataError, match="does not use 'recipeint'"):
        render_label("shipping_generic", {**generic_data(), "recipeint": {}})


def test_unknown_kind_size_and_dpi():
    with pytest.raises(LabelDataError, match="Unknown label kind 'pallet'"):
        render_label("pallet", {})
    with pytest.raises(LabelDataError, match="no 50x25 layout; available: 100x150"):
        render_label("shipping_correios", correios_data(), size="50x25")
    with pytest.raises(LabelDataError, match="600 dpi"):
        render_label("location", {"code": "A"}, dpi=600)
    with pytest.raises(LabelDataError, match="'A4'"):
        render_label("location", {"code": "A"}, size="A4")


def test_bad_state_and_cep_in_an_address():
    with pytest.raises(LabelDataError, match="'recipient.state' must be a state abbreviation"):
        render_label("shipping_generic", generic_data(recipient={**RECIPIENT, "state": "XX"}))
    with pytest.raises(LabelDataError, match="'recipient.cep' .*8 digits"):
        render_label("shipping_generic", generic_data(recipient={**RECIPIENT, "cep": "7101-050"}))


def test_label_data_error_is_a_domain_error_views_answer_with_422():
    assert issubclass(LabelDataError, ValueError)
    assert issubclass(LabelDataError, DomainError)
    assert LabelDataError("x").status == 422
