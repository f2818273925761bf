"""Pure shipping rules: box choice, S10 numbers from ranges, billed weight and table rates, the weight check,
which picked unit a scan is, marketplace ZPL."""
import base64
import io
import zipfile
from datetime import date

import pytest

from wms import brazil
from wms.shipping import rules
from wms.shipping.rules import Box, Parcel, Rate, ToteLine, Unit

SMALL = Box(1, "P", 200, 150, 100, 120, 10_000)  # 3.0 L
MEDIUM = Box(2, "M", 300, 250, 200, 250, 20_000)  # 15 L
LONG = Box(3, "TUBE", 100, 100, 600, 200, 5_000)  # 6 L, long and thin
BOXES = [MEDIUM, SMALL, LONG]


def unit(key="U", l=100, w=100, h=50, g=100):  # noqa: E741
    return Unit(key, l, w, h, g)


# --- cartonization --------------------------------------------------------------------------------------


def test_one_unit_goes_into_the_smallest_box_it_fits():
    cartons = rules.cartonize([unit()], BOXES)
    assert [(c.box.name, len(c.units)) for c in cartons] == [("P", 1)]
    assert cartons[0].weight_g == 100 + 120


def test_a_unit_that_only_fits_rotated_is_turned():
    standing = unit("POSTER", l=40, w=40, h=550)  # taller than every box is high, fits only TUBE lying long
    assert rules.unit_fits(standing, LONG)
    assert not rules.unit_fits(standing, MEDIUM)
    assert [c.box.name for c in rules.cartonize([standing], BOXES)] == ["TUBE"]
    sideways = unit("BOARD", l=90, w=190, h=140)  # as given it is wider than P (150); turned it fits 200×150×100
    assert rules.unit_fits(sideways, SMALL)
    assert [c.box.name for c in rules.cartonize([sideways], BOXES)] == ["P"]


def test_an_order_too_heavy_for_one_box_is_split_into_two():
    heavy = [unit(f"IRON{i}", l=100, w=100, h=100, g=6_000) for i in range(5)]  # 30 kg: no box takes it all
    cartons = rules.cartonize(heavy, BOXES)
    assert len(cartons) == 2
    assert sorted(len(c.units) for c in cartons) == [2, 3]
    assert all(c.weight_g <= c.box.max_weight_g for c in cartons)
    # the carton of two is shrunk to the smallest box that holds 12 kg and 2 L: only M (P takes 10 kg)
    assert {c.box.name for c in cartons} == {"M"}


def test_an_order_too_big_for_one_box_is_split_and_each_carton_shrunk():
    bulky = [unit(f"PILLOW{i}", l=280, w=230, h=90, g=300) for i in range(3)]  # 5.8 L each; M holds 12.75 L
    cartons = rules.cartonize(bulky, BOXES)
    assert [len(c.units) for c in cartons] == [2, 1]
    assert [c.box.name for c in cartons] == ["M", "M"]
    assert sum(len(c.units) for c in cartons) == 3


def test_a_unit_bigger_than_every_box_is_named():
    with pytest.raises(rules.TooBig, match="FRIDGE"):
        rules.cartonize([unit(), unit("FRIDGE", l=700, w=600, h=1800, g=40_000)], BOXES)
    with pytest.raises(rules.TooBig, match="ANVIL"):  # small but heavier than any box may carry
        rules.cartonize([unit("ANVIL", g=25_000)], BOXES)


def test_nothing_to_pack_needs_no_box():
    assert rules.cartonize([], BOXES) == []


# --- tracking numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "serial", "code"), [
    ("PH", 29789869, "PH297898690BR"), ("SO", 64196, "SO000641962BR"), ("SL", 99922179, "SL999221795BR"),
    ("JT", 19469069, "JT194690698BR"), ("XX", 47312482, "XX473124829BR"), ("XX", 0, "XX000000005BR"),
])
def test_s10_numbers_of_an_imported_range(prefix, serial, code):
    assert rules.s10_from_range(prefix, serial) == code
    assert brazil.is_valid_tracking_code(code)


def test_a_range_is_two_letters_and_eight_digit_serials_in_order():
    assert rules.check_range("PH", 1, 2) is None
    assert rules.check_range("P1", 1, 2) == "prefix"
    assert rules.check_range("PH", 5, 4) == "serials"
    assert rules.check_range("PH", 0, 100_000_000) == "serials"


def test_private_carrier_patterns():
    assert rules.pattern_tracking("JD########", 42) == "JD00000042"
    assert rules.pattern_tracking("X-####-BR", 7) == "X-0007-BR"
    with pytest.raises(ValueError):
        rules.pattern_tracking("JD####", 10_000)
    assert not rules.is_tracking_pattern("JD{seq}")
    assert not rules.is_tracking_pattern("##A##")  # two runs
    assert not rules.is_tracking_pattern("JD###")  # too short to last


# --- freight ---------------------------------------------------------------------------------------------


RATES = [Rate("01000000", "09999999", 0, 1000, 1500, 3), Rate("01000000", "09999999", 1001, 5000, 2500, 4),
         Rate("20000000", "29999999", 0, 5000, 4000, 6)]


def test_cubic_weight_counts_when_larger_than_the_real_weight():
    light_and_big = Parcel(weight_g=800, length_cm=40, width_cm=30, height_cm=20)  # 24 000 cm³
    assert rules.cubic_weight_g(light_and_big, 6000) == 4000
    assert rules.billed_weight_g(light_and_big, 6000) == 4000
    assert rules.billed_weight_g(light_and_big, 5000) == 4800
    heavy_and_small = Parcel(weight_g=3000, length_cm=10, width_cm=10, height_cm=10)
    assert rules.billed_weight_g(heavy_and_small, 6000) == 3000
    assert rules.quote(RATES, "01310100", [light_and_big], divisor=6000) == (2500, 4)  # billed 4 kg, not 800 g
    assert rules.quote(RATES, "01310100", [Parcel(800, 10, 10, 10)], divisor=6000) == (1500, 3)


def test_a_quote_adds_each_parcel_and_the_ad_valorem_and_refuses_uncovered_ceps():
    two = [Parcel(500, 10, 10, 10), Parcel(2000, 10, 10, 10)]
    assert rules.quote(RATES, "01310100", two, divisor=6000) == (4000, 4)
    assert rules.quote(RATES, "01310100", two, divisor=6000, insurance_bp=100,
                       declared_value_cents=10_001) == (4000 + 101, 4)
    assert rules.quote(RATES, "90000000", two, divisor=6000) is None
    assert rules.quote(RATES, "01310100", [Parcel(9000, 10, 10, 10)], divisor=6000) is None


# --- weighing --------------------------------------------------------------------------------------------


def test_the_weight_check_has_a_percentage_and_a_minimum_tolerance():
    assert rules.weight_difference(1000, 1090, percent=10, minimum_g=50) is None
    assert rules.weight_difference(1000, 1150, percent=10, minimum_g=50) == 150
    assert rules.weight_difference(200, 240, percent=10, minimum_g=50) is None  # 10% is 20 g: the minimum wins
    assert rules.weight_difference(200, 140, percent=10, minimum_g=50) == -60


# --- the packing scan ------------------------------------------------------------------------------------


TOTE = [ToteLine(1, 11, "L1", 2), ToteLine(1, 12, "L2", 1), ToteLine(2, None, None, 0)]


def test_a_scan_is_matched_to_what_was_picked_into_the_tote():
    assert rules.match_unit(TOTE, 1, "L2", 1, ordered=True) == TOTE[1]
    assert rules.match_unit(TOTE, 1, "L9", 1, ordered=True) == rules.OTHER_LOT
    assert rules.match_unit(TOTE, 1, None, 1, ordered=True) == rules.WHICH_LOT
    assert rules.match_unit(TOTE, 2, None, 1, ordered=True) == rules.EXTRA
    assert rules.match_unit(TOTE, 3, None, 1, ordered=False) == rules.WRONG
    assert rules.match_unit(TOTE, 1, "L1", 24, ordered=True) == rules.TOO_MANY
    assert rules.match_unit([ToteLine(1, 11, "L1", 2)], 1, None, 1, ordered=True).lot_code == "L1"


def test_lots_that_may_not_leave():
    today = date(2026, 12, 1)
    assert rules.lot_problem("released", date(2027, 1, 1), today) is None
    assert rules.lot_problem("recalled", date(2027, 1, 1), today) == "recalled"
    assert rules.lot_problem("released", date(2026, 11, 30), today) == "expired"


# --- marketplace ZPL -------------------------------------------------------------------------------------


def test_zpl_labels_are_kept_as_given():
    one = b"\x10CT~~CD,~CC^~CT~\n^XA^FO10,10^FDJos\xc3\xa9^FS^XZ\n"
    assert rules.zpl_labels(one) == [one]  # whole, what surrounds the label included
    two = b"^XA^FDa^FS^XZ\r\n^XA^FDb^FS^XZ"
    assert rules.zpl_labels(two) == [b"^XA^FDa^FS^XZ", b"^XA^FDb^FS^XZ"]
    assert rules.zpl_labels(b"%PDF-1.4 hello") == []


def test_a_zip_of_txt_labels_gives_one_label_per_file_in_name_order():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("2.txt", "^XA^FD2^FS^XZ")
        zipped.writestr("1.txt", "^XA^FD1^FS^XZ")
        zipped.writestr("readme.pdf", "%PDF")
    assert rules.zip_labels(buffer.getvalue()) == [b"^XA^FD1^FS^XZ", b"^XA^FD2^FS^XZ"]
    with pytest.raises(ValueError):
        rules.zip_labels(base64.b64decode("bm90IGEgemlw"))


# --- the desk's shipping settings -------------------------------------------------------------------------

SETTINGS = {"sender_name": "X", "sender_state": "SP", "sender_cep": "01001000", "weight_tolerance_percent": 10,
            "require_invoice": 0, "late_after_days": 7}


def test_settings_are_typed_like_their_defaults_and_only_those_sent_are_kept():
    values, refused = rules.check_settings({"sender_name": "  Loja Azul ", "weight_tolerance_percent": "15",
                                            "sender_cep": "71010-050", "sender_state": "rj", "unknown": "x"},
                                           SETTINGS)
    assert refused == []
    assert values == {"sender_name": "Loja Azul", "weight_tolerance_percent": 15, "sender_cep": "71010050",
                      "sender_state": "RJ"}


@pytest.mark.parametrize("key, text", [
    ("weight_tolerance_percent", "101"), ("weight_tolerance_percent", "-1"), ("weight_tolerance_percent", "1e3"),
    ("weight_tolerance_percent", "²"), ("weight_tolerance_percent", ""), ("late_after_days", "9999999"),
    ("require_invoice", "2"), ("sender_cep", "0100100"), ("sender_state", "XX"), ("sender_name", "a" * 121),
    ("sender_name", "tab\there"), ("sender_name", "nul\x00"),
])
def test_a_setting_out_of_its_shape_is_refused(key, text):
    values, refused = rules.check_settings({key: text, "sender_name" if key != "sender_name" else "late_after_days":
                                            "Loja" if key != "sender_name" else "3"}, SETTINGS)
    assert refused == [key]
    assert key not in values


def test_settings_at_their_bounds_are_kept():
    values, refused = rules.check_settings({"weight_tolerance_percent": "100", "require_invoice": "1",
                                            "late_after_days": "0", "sender_name": "a" * 120}, SETTINGS)
    assert refused == []
    assert values == {"weight_tolerance_percent": 100, "require_invoice": 1, "late_after_days": 0,
                      "sender_name": "a" * 120}
